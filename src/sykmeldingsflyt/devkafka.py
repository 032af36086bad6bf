"""A throwaway single-node Apache Kafka (KRaft) for tests and local runs, built from Maven Central jars.

No Docker and no Kafka tarball: Maven fetches `kafka_2.13` and a logging backend once into a cache,
and each `LocalKafka` formats its own log dir and runs `kafka.Kafka` on free 127.0.0.1 ports.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import concurrent.futures
import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import structlog
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

KAFKA_VERSION = "3.9.2"

log = structlog.get_logger(__name__)

_JAVA_HINT = "Java 17+ is needed to run the local Kafka: apt-get install openjdk-17-jre-headless"
_MAVEN_HINT = "Maven 3.6+ is needed to fetch the Kafka jars from Maven Central: apt-get install maven"
_HOST = "127.0.0.1"
_STOP_GRACE_SECONDS = 20.0
_LOG_TAIL_LINES = 40
_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

_POM = """\
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.sykmeldingsflyt</groupId>
  <artifactId>devkafka-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
{dependencies}
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-dependency-plugin</artifactId>
        <version>3.8.1</version>
      </plugin>
    </plugins>
  </build>
</project>
"""


class KafkaUnavailable(RuntimeError):  # noqa: N818 - the name callers and tests catch
    """The local Kafka cannot be run here; the message says what to install or shows the broker's log."""


@dataclass(frozen=True)
class _LoggingBackend:
    artifacts: tuple[str, ...]
    config_property: str
    config_file: str
    config: str


# Kafka's own poms leave the slf4j binding out; these are the ones its binary distributions ship.
# Everything goes to stdout, which start() sends to the log file, so there is a single writer.
_RELOAD4J = _LoggingBackend(
    artifacts=("org.slf4j:slf4j-reload4j:1.7.36", "ch.qos.reload4j:reload4j:1.2.25"),
    config_property="log4j.configuration",
    config_file="log4j.properties",
    config="""\
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
""",
)
# Kafka 4 moved to log4j2 but still logs through slf4j 1.7, so the binding is log4j-slf4j-impl;
# log4j-slf4j2-impl would leave slf4j without a binding and the broker silent. 2.24.3 is the
# log4j-core that Kafka 4.0 to 4.4 depend on.
_LOG4J2 = _LoggingBackend(
    artifacts=("org.apache.logging.log4j:log4j-slf4j-impl:2.24.3",),
    config_property="log4j2.configurationFile",
    config_file="log4j2.properties",
    config="""\
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = STDOUT
""",
)


def _logging_backend(version: str) -> _LoggingBackend:
    return _LOG4J2 if int(version.split(".", 1)[0]) >= 4 else _RELOAD4J


def _require(tool: str, hint: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise KafkaUnavailable(hint)
    return path


def _default_cache_dir(version: str) -> Path:
    root = os.environ.get("SYKMELDINGSFLYT_CACHE")
    base = Path(root) if root else Path.home() / ".cache" / "sykmeldingsflyt"
    return base / f"kafka-{version}"


def resolve_classpath(version: str = KAFKA_VERSION, cache_dir: Path | None = None) -> Path:
    """Return a folder holding every jar the broker needs, fetching them with Maven the first time.

    The cache is `cache_dir`, else `$SYKMELDINGSFLYT_CACHE/kafka-<version>`, else
    `~/.cache/sykmeldingsflyt/kafka-<version>`. Safe to call from several processes at once.
    """
    cache = cache_dir if cache_dir is not None else _default_cache_dir(version)
    lib = cache / "lib"
    marker = cache / "resolved"
    if marker.exists():
        return lib
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # Another process may have resolved the jars while this one waited for the lock.
        if not marker.exists():
            _copy_dependencies(version, cache, lib)
            marker.write_text(f"org.apache.kafka:kafka_2.13:{version}\n")
    return lib


def _copy_dependencies(version: str, cache: Path, lib: Path) -> None:
    _require("java", _JAVA_HINT)  # mvn itself runs on Java
    mvn = _require("mvn", _MAVEN_HINT)
    artifacts = (f"org.apache.kafka:kafka_2.13:{version}", *_logging_backend(version).artifacts)
    dependencies = "\n".join(
        f"    <dependency><groupId>{group}</groupId><artifactId>{artifact}</artifactId>"
        f"<version>{artifact_version}</version></dependency>"
        for group, artifact, artifact_version in (a.split(":") for a in artifacts)
    )
    pom = cache / "pom.xml"
    pom.write_text(_POM.format(dependencies=dependencies))
    # A run that was killed half-way leaves a partial lib; never mix it with a fresh one.
    shutil.rmtree(lib, ignore_errors=True)
    log.info("kafka.resolving_jars", version=version, cache=str(cache))
    result = subprocess.run(
        [
            mvn,
            "-q",
            "-B",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={lib}",
            "-DincludeScope=runtime",
        ],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise KafkaUnavailable(
            f"Maven could not fetch org.apache.kafka:kafka_2.13:{version} (is Maven Central reachable?):\n"
            + _tail(result.stdout + result.stderr)
        )


def _tail(text: str) -> str:
    return "\n".join(text.strip().splitlines()[-_LOG_TAIL_LINES:])


def _free_ports(count: int) -> list[int]:
    # All sockets stay bound until every port is picked, so the same port is never handed out twice.
    sockets = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind((_HOST, 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _random_cluster_id() -> str:
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        # kafka-storage random-uuid skips these too: the CLI would read the id as an option.
        if not cluster_id.startswith("-"):
            return cluster_id


def _server_properties(port: int, controller_port: int, log_dir: Path) -> str:
    return f"""\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@{_HOST}:{controller_port}
listeners=PLAINTEXT://{_HOST}:{port},CONTROLLER://{_HOST}:{controller_port}
advertised.listeners=PLAINTEXT://{_HOST}:{port}
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs={log_dir}
num.partitions=1
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
# One partition instead of 50 makes the first consumer group and the first transaction start at once.
offsets.topic.num.partitions=1
transaction.state.log.num.partitions=1
# Few threads and a small compaction buffer (128 MB by default) keep the JVM small.
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
"""


def _die_with_parent() -> Callable[[], None] | None:
    """A preexec_fn that makes the kernel SIGTERM the broker when the process that forked it dies."""
    if sys.platform != "linux":
        return None
    # Looked up before the fork: loading libc in the child could deadlock on a lock another thread held.
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    sigterm = int(signal.SIGTERM)
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, sigterm)
        # The parent may have died between fork and prctl, and then no signal would ever come.
        if os.getppid() != parent:
            os._exit(1)

    return preexec


class LocalKafka:
    """A single-node KRaft broker and controller in one JVM, on free 127.0.0.1 ports.

    The data lives in `data_dir`, or in a temporary folder that `stop()` removes.
    """

    def __init__(
        self,
        version: str = KAFKA_VERSION,
        data_dir: Path | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.version = version
        self.bootstrap_servers: str | None = None
        self._data_dir = data_dir
        self._cache_dir = cache_dir
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path: Path | None = None
        # Kept across stop() and start(): a restarted broker is found where its clients knew it.
        self._ports: list[int] | None = None

    @property
    def pid(self) -> int | None:
        """The broker's JVM process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float = 90.0) -> str:
        """Start the broker and return its bootstrap servers once it answers a metadata request.

        `timeout` covers formatting and booting, not a first download of the jars. Works from sync
        code and from inside a running event loop. Call it from a thread that lives as long as the
        broker should: on Linux the broker is sent SIGTERM when the thread that started it ends.
        """
        if self._process is not None:
            raise RuntimeError("this LocalKafka is already started")
        java = _require("java", _JAVA_HINT)
        lib = resolve_classpath(self.version, self._cache_dir)
        began = time.monotonic()
        deadline = began + timeout
        try:
            data_dir = self._prepare_data_dir()
            self._ports = self._ports or _free_ports(2)
            port, controller_port = self._ports
            backend = _logging_backend(self.version)
            properties = data_dir / "server.properties"
            log_dir = data_dir / "kraft-logs"
            properties.write_text(_server_properties(port, controller_port, log_dir))
            logging_config = data_dir / backend.config_file
            logging_config.write_text(backend.config)
            jvm_options = [f"-D{backend.config_property}={logging_config.as_uri()}", "-cp", f"{lib}/*"]
            log.info("kafka.starting", version=self.version, data_dir=str(data_dir), port=port)
            # A kept data_dir is formatted already, and its cluster id must stay what it is.
            if not (log_dir / "meta.properties").exists():
                self._format_storage([java, *jvm_options], properties, deadline)
            self._launch([java, "-Xms256m", "-Xmx512m", *jvm_options], properties, data_dir / "kafka.log")
            bootstrap_servers = f"{_HOST}:{port}"
            self._wait_until_ready(bootstrap_servers, deadline)
        except BaseException:
            self.stop()
            raise
        self.bootstrap_servers = bootstrap_servers
        log.info(
            "kafka.ready",
            bootstrap_servers=bootstrap_servers,
            pid=self.pid,
            seconds=round(time.monotonic() - began, 2),
        )
        return bootstrap_servers

    def stop(self) -> None:
        """Stop the broker (SIGTERM, then SIGKILL after 20 s) and remove a temporary data dir."""
        atexit.unregister(self.stop)
        process, self._process = self._process, None
        self.bootstrap_servers = None
        if process is not None:
            self._terminate(process)
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _prepare_data_dir(self) -> Path:
        if self._data_dir is not None:
            self._data_dir.mkdir(parents=True, exist_ok=True)
            return self._data_dir
        self._tmp = tempfile.TemporaryDirectory(prefix="devkafka-", ignore_cleanup_errors=True)
        return Path(self._tmp.name)

    def _format_storage(self, jvm: list[str], properties: Path, deadline: float) -> None:
        command = [
            *jvm,
            "kafka.tools.StorageTool",
            "format",
            "-t",
            _random_cluster_id(),
            "-c",
            str(properties),
        ]
        try:
            result = subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
                timeout=max(deadline - time.monotonic(), 0.0),
            )
        except subprocess.TimeoutExpired as timed_out:
            raise KafkaUnavailable(f"Formatting the Kafka {self.version} storage did not finish in time") from timed_out
        if result.returncode != 0:
            raise KafkaUnavailable(
                f"Formatting the Kafka {self.version} storage failed:\n{_tail(result.stdout + result.stderr)}"
            )

    def _launch(self, jvm: list[str], properties: Path, log_path: Path) -> None:
        self._log_path = log_path
        with log_path.open("ab") as out:
            self._process = subprocess.Popen(
                [*jvm, "kafka.Kafka", str(properties)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=log_path.parent,
                # Its own session keeps a Ctrl-C in the terminal from reaching the JVM before stop() does.
                start_new_session=True,
                # Thread-safe enough: the hook only calls an already-loaded libc function and getppid.
                preexec_fn=_die_with_parent(),  # noqa: PLW1509
            )
        atexit.register(self.stop)

    def _wait_until_ready(self, bootstrap_servers: str, deadline: float) -> None:
        process = self._process
        assert process is not None
        # The probe gets a thread and an event loop of its own, so start() also works inside a running loop.
        pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="devkafka-probe")
        try:
            ready = pool.submit(asyncio.run, _probe_until(bootstrap_servers, process, deadline)).result()
        finally:
            # Not waiting: after a Ctrl-C here, start() must get to stop(), whose kill ends the probe.
            pool.shutdown(wait=False)
        if ready:
            return
        if process.poll() is not None:
            raise KafkaUnavailable(
                f"Kafka {self.version} exited with code {process.returncode} while starting:\n" + self._log_tail()
            )
        raise KafkaUnavailable(
            f"Kafka {self.version} did not answer on {bootstrap_servers} in time:\n{self._log_tail()}"
        )

    def _log_tail(self) -> str:
        if self._log_path is None or not self._log_path.exists():
            return "(no broker log)"
        return _tail(self._log_path.read_text(errors="replace")) or "(the broker log is empty)"

    def _terminate(self, process: subprocess.Popen[bytes]) -> None:
        log.info("kafka.stopping", pid=process.pid)
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(_STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            log.warning("kafka.kill", pid=process.pid, grace_seconds=_STOP_GRACE_SECONDS)
            _signal_group(process, signal.SIGKILL)
            process.wait()
        log.info("kafka.stopped", pid=process.pid, exit_code=process.returncode)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


async def _probe_until(bootstrap_servers: str, process: subprocess.Popen[bytes], deadline: float) -> bool:
    while process.poll() is None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(remaining, 5.0)):
                if await _answers_metadata(bootstrap_servers):
                    return True
        await asyncio.sleep(0.1)
    return False


_GROUP, _TRANSACTION = 0, 1  # FindCoordinator's coordinator types


async def _answers_metadata(bootstrap_servers: str) -> bool:
    host, port = bootstrap_servers.rsplit(":", 1)
    # A bare TCP connect first: aiokafka logs every refused bootstrap as an error.
    try:
        _, writer = await asyncio.open_connection(host, int(port))
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    try:
        await admin.start()
        cluster = await admin.describe_cluster()
        # Ready means ready for consumer groups and transactions too: asking for their coordinators makes
        # the broker create __consumer_offsets and __transaction_state now, not while the services start
        # (where every consumer would log a GroupCoordinatorNotAvailableError until they exist).
        for coordinator_type in (_GROUP, _TRANSACTION):
            await admin.find_coordinator("sykmeldingsflyt-devkafka-probe", coordinator_type)
    except (KafkaError, OSError):
        return False
    finally:
        await admin.close()
    return bool(cluster["brokers"])


def run_until_interrupted(data_dir: Path | None = None) -> None:
    """Run a LocalKafka in the foreground until SIGINT or SIGTERM, printing where it listens."""
    # SIGTERM takes the same clean way out as Ctrl-C, also while the broker is still starting.
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    kafka = LocalKafka(data_dir=data_dir)
    try:
        began = time.monotonic()
        bootstrap_servers = kafka.start()
        # The second line is a shell comment, so the output can be sourced as it is.
        print(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap_servers}", flush=True)
        print(f"# ready in {time.monotonic() - began:.1f} s; Ctrl-C stops it", flush=True)
        while True:
            signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        kafka.stop()
        signal.signal(signal.SIGTERM, previous)
