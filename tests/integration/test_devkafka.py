"""The local Kafka launcher against a real broker: it serves clients, and it never leaves a JVM behind."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from sykmeldingsflyt import devkafka
from sykmeldingsflyt.devkafka import KAFKA_VERSION, KafkaUnavailable, LocalKafka, resolve_classpath

pytestmark = pytest.mark.integration


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    # A zombie has exited; in a container nobody may reap it for a while.
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait_gone(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _running(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _brokers_using(data_dir: Path) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            args = (proc / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if "kafka.Kafka" in args and str(data_dir / "server.properties") in args and _running(int(proc.name)):
            pids.append(int(proc.name))
    return pids


# Kafka 4 dropped old protocol versions; aiokafka is only known to work there because this runs.
@pytest.mark.parametrize("version", [KAFKA_VERSION, "4.1.1"])
async def test_serves_a_topic_from_inside_an_event_loop_and_stops_its_jvm(version: str) -> None:
    kafka = LocalKafka(version)
    bootstrap_servers = kafka.start()
    pid = kafka.pid
    assert pid is not None
    try:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
        await admin.start()
        try:
            await admin.create_topics([NewTopic("devkafka-smoke", num_partitions=1, replication_factor=1)])
        finally:
            await admin.close()

        producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers, enable_idempotence=True)
        await producer.start()
        try:
            await producer.send_and_wait("devkafka-smoke", b"hei", key=b"sykmelding-1")
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            "devkafka-smoke",
            bootstrap_servers=bootstrap_servers,
            group_id="devkafka-test",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            message = await asyncio.wait_for(consumer.getone(), 30)
            await consumer.commit()
        finally:
            await consumer.stop()
        assert (message.key, message.value) == (b"sykmelding-1", b"hei")
    finally:
        kafka.stop()

    assert not _running(pid)
    assert kafka.bootstrap_servers is None
    kafka.stop()


async def test_a_kept_data_dir_keeps_its_topics_across_restarts(tmp_path: Path) -> None:
    with LocalKafka(data_dir=tmp_path) as kafka:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
        await admin.start()
        try:
            await admin.create_topics([NewTopic("devkafka-kept", num_partitions=1, replication_factor=1)])
        finally:
            await admin.close()

    with LocalKafka(data_dir=tmp_path) as kafka:
        admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers)
        await admin.start()
        try:
            assert "devkafka-kept" in await admin.list_topics()
        finally:
            await admin.close()


def test_a_sigkilled_parent_leaves_no_jvm_behind(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from sykmeldingsflyt.devkafka import LocalKafka

        kafka = LocalKafka(data_dir=Path(sys.argv[1]))
        kafka.start()
        print(f"JAVA_PID={kafka.pid}", flush=True)
        sys.stdin.read()
        """
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    java_pid = None
    try:
        assert parent.stdout is not None
        output = []
        # structlog also writes to stdout, so the pid line is not necessarily the first.
        for line in parent.stdout:
            output.append(line)
            if line.startswith("JAVA_PID="):
                java_pid = int(line.removeprefix("JAVA_PID="))
                break
        assert java_pid is not None, "".join(output)
        assert _running(java_pid)

        parent.send_signal(signal.SIGKILL)
        parent.wait()

        assert _wait_gone(java_pid, 10.0)
    finally:
        parent.kill()
        parent.wait()
        for pid in _brokers_using(tmp_path):
            os.kill(pid, signal.SIGKILL)


def test_run_until_interrupted_prints_the_address_and_stops_on_sigterm(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from sykmeldingsflyt.devkafka import run_until_interrupted

        run_until_interrupted(Path(sys.argv[1]))
        """
    )
    runner = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert runner.stdout is not None
        output = []
        for line in runner.stdout:
            output.append(line)
            if line.startswith("# ready in "):
                break
        assert any(line.startswith("KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:") for line in output), "".join(output)
        [java_pid] = _brokers_using(tmp_path)

        runner.send_signal(signal.SIGTERM)

        assert runner.wait(25) == 0
        assert not _running(java_pid)
    finally:
        runner.kill()
        runner.wait()
        for pid in _brokers_using(tmp_path):
            os.kill(pid, signal.SIGKILL)


def test_a_broker_that_is_not_ready_in_time_is_stopped_and_reported(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async def never_answers(bootstrap_servers: str) -> bool:
        return False

    monkeypatch.setattr(devkafka, "_answers_metadata", never_answers)
    kafka = LocalKafka(data_dir=tmp_path)

    with pytest.raises(KafkaUnavailable, match=r"did not answer on 127\.0\.0\.1:\d+ in time"):
        kafka.start(timeout=3.0)

    assert kafka.pid is None
    assert _brokers_using(tmp_path) == []


def test_missing_java_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(KafkaUnavailable, match="apt-get install openjdk-17-jre-headless"):
        LocalKafka(cache_dir=tmp_path / "cache").start()


def test_missing_maven_names_the_package_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to("/usr/bin/java")
    monkeypatch.setenv("PATH", str(bin_dir))

    with pytest.raises(KafkaUnavailable, match="apt-get install maven"):
        resolve_classpath(cache_dir=tmp_path / "cache")


def test_concurrent_first_calls_run_maven_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to("/usr/bin/java")
    calls = tmp_path / "mvn-calls"
    fake_mvn = bin_dir / "mvn"
    fake_mvn.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import sys, time
            from pathlib import Path

            with open({str(calls)!r}, "a") as calls:
                calls.write("run\\n")
            time.sleep(0.5)
            [out] = [arg.split("=", 1)[1] for arg in sys.argv if arg.startswith("-DoutputDirectory=")]
            Path(out).mkdir(parents=True)
            (Path(out) / "kafka_2.13.jar").touch()
            """
        )
    )
    fake_mvn.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    cache = tmp_path / "cache"
    results: list[Path] = []

    def resolve() -> None:
        results.append(resolve_classpath(cache_dir=cache))

    threads = [threading.Thread(target=resolve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert calls.read_text().splitlines() == ["run"]
    assert results == [cache / "lib"] * 4
    assert (cache / "lib" / "kafka_2.13.jar").exists()
