"""A throwaway PostgreSQL cluster from Debian's packages, for the storage and integration tests.

TEST_POSTGRES_URL points the tests at an existing server instead (any database the user may create
databases on). PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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


@contextmanager
def temporary_cluster() -> Iterator[str]:
    """Yield a superuser URL of a fresh cluster on a free loopback port; removed afterwards."""
    bin_dir = _binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install postgresql (or set TEST_POSTGRES_URL)")
    as_root = os.geteuid() == 0
    run_as = ["runuser", "-u", "postgres", "--"] if as_root else []
    data = Path(tempfile.mkdtemp(prefix="sykmeldingsflyt-pg-"))
    if as_root:
        shutil.chown(data, "postgres", "postgres")
    port = _free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8"}
    try:
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "initdb"),
                "-D",
                str(data / "db"),
                "-U",
                "test",
                "-A",
                "trust",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        subprocess.run(
            [
                *run_as,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data / "db"),
                "-l",
                str(data / "log"),
                "-o",
                f"-p {port} -k {data} -h 127.0.0.1 -c fsync=off -c max_connections=200",
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        yield f"postgresql://test@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run_as, str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"],
            capture_output=True,
            env=env,
            check=False,  # already stopped is fine: the folder goes either way
        )
        time.sleep(0.1)
        shutil.rmtree(data, ignore_errors=True)
