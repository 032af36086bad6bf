"""A throwaway PostgreSQL cluster from Debian's packages, for the storage and integration tests.

TEST_POSTGRES_URL points the tests at an existing server instead (any database the user may create
databases on). PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg


def _binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """A running cluster the test may stop (as an operator or a crash would) and start again."""

    def __init__(self, bin_dir: Path, data: Path, port: int, run_as: list[str]) -> None:
        self.bin_dir = bin_dir
        self.data = data
        self.port = port
        self.run_as = run_as
        self.url = f"postgresql://test@127.0.0.1:{port}/postgres"

    def _pg_ctl(self, *arguments: str, check: bool = True) -> None:
        subprocess.run(
            [*self.run_as, str(self.bin_dir / "pg_ctl"), "-D", str(self.data / "db"), *arguments],
            check=check,
            capture_output=True,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data} -h 127.0.0.1 -c fsync=off -c max_connections=200"
        self._pg_ctl("-l", str(self.data / "log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "fast", *, wait: bool = True) -> None:
        """`smart` refuses new sessions (CannotConnectNow) until the last one ends, `fast` ends every
        session (AdminShutdown), `immediate` is a crash."""
        self._pg_ctl("-m", mode, "-w" if wait else "-W", "stop", check=False)  # already stopped is fine


@contextmanager
def temporary_cluster() -> Iterator[str]:
    """Yield a superuser URL of a fresh cluster on a free loopback port; removed afterwards."""
    with stoppable_cluster() as cluster:
        yield cluster.url


@contextmanager
def stoppable_cluster() -> Iterator[Cluster]:
    """A fresh cluster on a free loopback port; removed afterwards."""
    bin_dir = _binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (or set TEST_POSTGRES_URL)")
    as_root = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    data = Path(tempfile.mkdtemp(prefix="sykmeldingsflyt-pg-"))
    if as_root:
        shutil.chown(data, "postgres", "postgres")
    cluster = Cluster(bin_dir, data, _free_port(), run_as)
    try:
        subprocess.run(
            [*run_as, str(bin_dir / "initdb"), "-D", str(data / "db"), "-U", "test", "-A", "trust", "-E", "UTF8"],
            check=True,
            capture_output=True,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
        )
        cluster.start()
        yield cluster
    finally:
        cluster.stop("immediate")
        time.sleep(0.1)
        shutil.rmtree(data, ignore_errors=True)


async def shut_down_slowly(cluster: Cluster) -> None:
    """As a platform stops a database: it refuses new sessions while one (an operator's, here) lingers,
    and the services' sessions are ended with AdminShutdown; then it stops."""
    operator = await asyncpg.connect(cluster.url)
    try:
        await asyncio.to_thread(cluster.stop, "smart", wait=False)
        await operator.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        await asyncio.sleep(3)  # the services meet "the database system is shutting down"
    finally:
        await operator.close()
    await asyncio.to_thread(cluster.stop, "fast")
