"""The fault matrix: services as processes on the real broker and database, killed, stopped and
restarted while messages flow. Each crash run is compared with a clean run of the same inputs: every
output once, none lost, none doubled, timers included. Negative checks wait on the topics' end offsets.

Run only these: `pytest -m fault tests/e2e`; leave them out: `pytest -m "not fault"`.
"""

import asyncio
import json
import random
import signal
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy import select

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.devkafka import LocalKafka
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    DLQ_SUFFIX,
    EPJ_KVITTERING,
    NAV_SYKMELDING,
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
    SYKMELDINGSFLYT_SCHEMAS,
    VARSEL,
    Topics,
    catalogue,
)
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import RelayLease
from sykmeldingsflyt.synthetic import DEMO_ARBEIDSGIVER
from tests.support.kafka import Received, produce, read_topic
from tests.support.postgres import shut_down_slowly, stoppable_cluster
from tests.support.processes import start_services

pytestmark = [pytest.mark.integration, pytest.mark.fault]

PEOPLE = 600
DOWNSTREAM = ("personvern", "oppfolging", "tidslinje")
Process = asyncio.subprocess.Process
Outputs = Counter[tuple[str, bytes | None, str]]
"""What a run wrote, by topic (without the prefix), key and event id."""


def _inputs(topics: Topics) -> list[tuple[str, list[tuple[bytes | None, bytes | None]]]]:
    """Sykmeldinger as mottak publishes them, ten weeks into their cases (so stop points are due), and
    the employee sending each to the employer: the same bytes for every run."""
    rng = random.Random(4)
    codec = AvroCodec(SchemaStore())
    today = datetime.now(UTC).date()
    fnrs = sorted({synthetic.synthetic_pasient_fnr(rng) for _ in range(PEOPLE * 2)})[:PEOPLE]
    sykmeldinger = [
        synthetic.make_sykmelding(rng, fom=today - timedelta(weeks=10), tom=today + timedelta(days=10), pasient_fnr=f)
        for f in fnrs
    ]
    nav, status = topics.name(NAV_SYKMELDING), topics.name(SYKMELDING_STATUS)
    ok = ValidationResult(status=RuleStatus.OK)
    views = [NavSykmelding(received_sykmelding=s, validation_result=ok) for s in sykmeldinger]
    sent_at = datetime.now(UTC).replace(microsecond=0)
    return [
        (
            nav,
            [(v.received_sykmelding.sykmelding.id.encode(), contracts.encode(codec, v, nav)) for v in views],
        ),
        (
            status,
            [
                (
                    s.sykmelding.id.encode(),
                    contracts.encode(
                        codec,
                        SykmeldingStatusEvent(
                            event_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            sykmelding_id=s.sykmelding.id,
                            timestamp=sent_at,
                            status_event=StatusEvent.SENDT,
                            arbeidsgiver=DEMO_ARBEIDSGIVER,
                        ),
                        status,
                    ),
                )
                for s in sykmeldinger
            ],
        ),
    ]


def _outputs(topics: Topics) -> list[str]:
    # The schema topic is the processes' own bookkeeping (each publishes its schemas there), not an output.
    inputs = {
        topics.name(topic) for topic in (SYKMELDING_FRA_EPJ, NAV_SYKMELDING, SYKMELDING_STATUS, SYKMELDINGSFLYT_SCHEMAS)
    }
    return sorted({topic.name for topic in catalogue(topics.prefix)} - inputs)


async def _stop(process: Process, log: Path) -> None:
    process.send_signal(signal.SIGTERM)
    assert await process.wait() == 0, f"see {log}"


async def _kill(process: Process) -> None:
    process.send_signal(signal.SIGKILL)
    assert await process.wait() == -signal.SIGKILL


def _settings(bootstrap: str) -> KafkaSettings:
    return KafkaSettings(KAFKA_BOOTSTRAP_SERVERS=bootstrap, SYKMELDINGSFLYT_TOPIC_PREFIX=f"f{uuid.uuid4().hex[:10]}.")


async def _pipeline(
    settings: KafkaSettings, database_url: str, folder: Path, *, crash: bool, expected: int = 1
) -> Outputs:
    """Every output of the three downstream services for the inputs; with `crash`, each service is
    SIGKILLed mid-stream and started again."""
    topics = Topics(settings.topic_prefix)
    await _prepare(settings, database_url)
    logs = {name: folder / f"{name}.log" for name in DOWNSTREAM}
    processes = {name: await start_services(settings, database_url, name, log=logs[name]) for name in DOWNSTREAM}
    for topic, messages in _inputs(topics):
        await produce(settings, topic, messages)
    if crash:
        # personvern and oppfolging while they work through the stream, tidslinje once its timers fire.
        await read_topic(settings, topics.name(ARBEIDSGIVER_SYKMELDING), expected=PEOPLE // 10, until_quiet=False)
        for name in ("personvern", "oppfolging"):
            await _kill(processes[name])
            processes[name] = await start_services(settings, database_url, name, log=logs[name])
        await read_topic(settings, topics.name(VARSEL), expected=PEOPLE // 10, until_quiet=False, timeout=300)
        await _kill(processes["tidslinje"])
        processes["tidslinje"] = await start_services(settings, database_url, "tidslinje", log=logs["tidslinje"])
    try:
        received = await read_topic(settings, _outputs(topics), expected=expected, timeout=600, settle=8)
    finally:
        for name, process in processes.items():
            await _stop(process, logs[name])
    for name, log in logs.items():
        # No race between a service's own consumers (tidslinje's two halves of a sykmelding) and no
        # good message taken for poison: a batch that failed would say so here.
        text = await asyncio.to_thread(log.read_text)
        assert "stage.batch_failed_isolating" not in text and "stage.poison_message" not in text, name
    prefix = settings.topic_prefix
    return Counter((r.topic.removeprefix(prefix), r.key, r.event_id) for r in received)


@pytest.fixture(scope="module")
async def clean_run(kafka_bootstrap: str, tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    """The outputs of the inputs without a fault, once for every database the crash runs use."""
    folder = tmp_path_factory.mktemp("clean")
    return await _pipeline(
        _settings(kafka_bootstrap),
        f"sqlite+aiosqlite:///{folder}/clean.sqlite",
        folder,
        crash=False,
        expected=PEOPLE * 2,
    )


async def test_each_downstream_service_killed_mid_stream_gives_the_outputs_of_a_clean_run_once(
    kafka_bootstrap: str, database_url: str, tmp_path: Path, clean_run: Outputs
) -> None:
    crashed = await _pipeline(
        _settings(kafka_bootstrap), database_url, tmp_path, crash=True, expected=sum(clean_run.values())
    )

    assert max(clean_run.values()) == 1
    assert sum(1 for topic, _, _ in clean_run if topic == VARSEL.name) >= PEOPLE, "the timers fired"
    assert crashed == clean_run, (crashed - clean_run, clean_run - crashed)


async def _prepare(settings: KafkaSettings, database_url: str) -> None:
    await create_topics(settings, catalogue(settings.topic_prefix))
    database = Database(database_url)
    await database.migrate()  # once, before the processes race to
    await database.dispose()


def _sykmeldinger(count: int) -> list[ReceivedSykmelding]:
    """`count` sykmeldinger from the EPJ systems, each for a person of its own."""
    rng = random.Random(7)
    fnrs = sorted({synthetic.synthetic_pasient_fnr(rng) for _ in range(count * 2)})[:count]
    return [synthetic.make_sykmelding(rng, fom=datetime.now(UTC).date(), pasient_fnr=f) for f in fnrs]


async def _send(settings: KafkaSettings, sykmeldinger: list[ReceivedSykmelding]) -> None:
    """The sykmeldinger on their way to mottak."""
    source, codec = Topics(settings.topic_prefix).name(SYKMELDING_FRA_EPJ), AvroCodec(SchemaStore())
    await produce(settings, source, [(s.msg_id.encode(), contracts.encode(codec, s, source)) for s in sykmeldinger])


async def _send_sykmeldinger(settings: KafkaSettings, count: int) -> list[ReceivedSykmelding]:
    sykmeldinger = _sykmeldinger(count)
    await _send(settings, sykmeldinger)
    return sykmeldinger


async def _lease_holder(database_url: str) -> str:
    database = Database(database_url)
    try:
        async with database.session() as session:
            return str(await session.scalar(select(RelayLease.holder).where(RelayLease.producer == "mottak")))
    finally:
        await database.dispose()


async def _taken_over(database_url: str, lost_holder: str) -> str:
    """The lease's holder once another than `lost_holder` holds it, or `lost_holder` after 90 s. Frozen
    inside a transaction on the lease's row, the lost holder blocks the standby until PostgreSQL ends its
    idle session (storage.database's IDLE_IN_TRANSACTION_TIMEOUT, 60 s); SQLite waits for it to resume."""
    holder = await _lease_holder(database_url)
    for _ in range(90 if not database_url.startswith("sqlite") else 0):
        if holder != lost_holder:
            break
        await asyncio.sleep(1)
        holder = await _lease_holder(database_url)
    return holder


def _holding(processes: list[Process], holder: str) -> Process:
    """The process whose instance id (host-pid-random) is `holder`."""
    [process] = [p for p in processes if f"-{p.pid}-" in holder]
    return process


@pytest.mark.parametrize("fault", ["killed", "stopped-then-resumed"])
async def test_the_relay_lease_holder_lost_mid_stream_hands_over_and_a_zombie_is_fenced(
    kafka_settings: KafkaSettings, database_url: str, tmp_path: Path, fault: str
) -> None:
    """Two mottak replicas on one host: both consume (a group of two), one holds the relay's lease.
    Killed, the other takes its partitions (after the session timeout) and its lease (after the lease
    expires). Stopped (SIGSTOP) past both and resumed, it is a zombie: its transactional producer is
    fenced by the new holder's, and it publishes nothing more."""
    topics = Topics(kafka_settings.topic_prefix)
    await _prepare(kafka_settings, database_url)
    log = tmp_path / "mottak.log"
    replicas = [await start_services(kafka_settings, database_url, "mottak", log=log) for _ in range(2)]
    sykmeldinger = await _send_sykmeldinger(kafka_settings, 3000)
    output = topics.name(NAV_SYKMELDING)
    await read_topic(kafka_settings, output, expected=300, until_quiet=False, timeout=180)

    # Both started and still up: a replica lost at start-up would leave nobody to take over.
    assert [process.returncode for process in replicas] == [None, None], f"see {log}"
    first_holder = await _lease_holder(database_url)
    lost = _holding(replicas, first_holder)
    try:
        if fault == "killed":
            await _kill(lost)
        else:
            lost.send_signal(signal.SIGSTOP)
            await asyncio.sleep(15)  # past the session timeout and the lease
            taken_over_by = await _taken_over(database_url, first_holder)
            lost.send_signal(signal.SIGCONT)
        nav = await read_topic(kafka_settings, output, expected=len(sykmeldinger), timeout=420, settle=5)
        if fault == "killed":
            taken_over_by = await _lease_holder(database_url)
    finally:
        for process in replicas:
            if process.returncode is None:
                await _stop(process, log)

    assert Counter(m.key for m in nav) == Counter(s.sykmelding.id.encode() for s in sykmeldinger)
    if fault == "killed" or not database_url.startswith("sqlite"):
        # A stopped SQLite writer may hold the file's one write lock: then nobody takes over until it
        # resumes (and is fenced), which only the count above can show.
        assert _holding(replicas, taken_over_by) is not lost


async def _logged(log: Path, message: str, timeout: float) -> None:
    """Wait until a line of `log` is `message` (a JSON line's message); fail after `timeout` seconds."""
    for _ in range(int(timeout * 2)):
        if f'"message": "{message}"' in await asyncio.to_thread(log.read_text):
            return
        await asyncio.sleep(0.5)
    raise AssertionError(f"no {message} in {log} after {timeout} s")


async def test_a_broker_restart_mid_stream_gives_each_output_once_and_a_few_log_lines(
    database_url: str, tmp_path: Path
) -> None:
    """The broker stopped while mottak works through a stream and started again 15 s later: every
    sykmelding comes out once, and the outage is logged in a few lines, not aiokafka's hundred a second."""
    broker = LocalKafka(data_dir=tmp_path / "kafka")
    settings = _settings(broker.start())  # from this thread: the broker lives as long as it does
    try:
        await _prepare(settings, database_url)
        log = tmp_path / "mottak.log"
        mottak = await start_services(settings, database_url, "mottak", log=log)
        output = Topics(settings.topic_prefix).name(NAV_SYKMELDING)
        try:
            sykmeldinger = await _send_sykmeldinger(settings, 2000)
            await read_topic(settings, output, expected=200, until_quiet=False, timeout=180)
            broker.stop()
            await asyncio.sleep(15)
            broker.start()
            nav = await read_topic(settings, output, expected=len(sykmeldinger), timeout=300, settle=5)
            await _logged(log, "dependency.back", timeout=60)
        finally:
            await _stop(mottak, log)
    finally:
        broker.stop()

    assert Counter(m.key for m in nav) == Counter(s.sykmelding.id.encode() for s in sykmeldinger)
    lines = [json.loads(line) for line in (await asyncio.to_thread(log.read_text)).splitlines() if line.startswith("{")]
    kafka = [line["message"] for line in lines if line.get("component") == "kafka"]
    assert (kafka[0], kafka[-1]) == ("dependency.unavailable", "dependency.back")
    assert set(kafka[1:-1]) <= {"dependency.still_unavailable"}, kafka  # a reminder a minute, if it took that long
    errors = [line for line in lines if line["level"] == "ERROR" and line["logger_name"].startswith("aiokafka")]
    assert len(errors) <= 20, Counter(line["message"][:80] for line in errors)


def _log_lines(log: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]


def _outages(log: Path) -> dict[str, list[str]]:
    """The dependency lines of a process's log, in order, by the component that logged them."""
    seen: dict[str, list[str]] = {}
    for line in _log_lines(log):
        if str(line["message"]).startswith("dependency."):
            seen.setdefault(str(line["component"]), []).append(str(line["message"]))
    return seen


async def test_a_database_outage_mid_stream_gives_each_output_once_and_no_poison(
    kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    """PostgreSQL shut down (refusing new sessions, ending the open ones) while mottak and personvern,
    each a process of its own, work through a stream, and started again 15 s later: every sykmelding
    is answered once and reaches NAV once, none is taken for poison or dead-lettered, and each part of
    each process logs the outage as one warning, reminders and one line when it is back."""
    topics = Topics(kafka_settings.topic_prefix)
    logs = {name: tmp_path / f"{name}.log" for name in ("mottak", "personvern")}
    with stoppable_cluster() as cluster:
        await _prepare(kafka_settings, cluster.url)
        processes = {name: await start_services(kafka_settings, cluster.url, name, log=logs[name]) for name in logs}
        try:
            sykmeldinger = await _send_sykmeldinger(kafka_settings, 1500)
            nav_topic, kvittering_topic = topics.name(NAV_SYKMELDING), topics.name(EPJ_KVITTERING)
            await read_topic(kafka_settings, nav_topic, expected=200, until_quiet=False, timeout=180)
            await shut_down_slowly(cluster)
            await asyncio.sleep(15)
            await asyncio.to_thread(cluster.start)
            nav = await read_topic(kafka_settings, nav_topic, expected=len(sykmeldinger), timeout=300, settle=5)
            kvitteringer = await read_topic(kafka_settings, kvittering_topic, expected=len(sykmeldinger), timeout=60)
            dead_letter_topics = [t.name for t in catalogue(topics.prefix) if t.name.endswith(DLQ_SUFFIX)]
            dead_letters = await read_topic(kafka_settings, dead_letter_topics, expected=0)
            for log in logs.values():
                await _logged(log, "dependency.back", timeout=60)
        finally:
            for name, process in processes.items():
                await _stop(process, logs[name])

    ids = Counter(s.sykmelding.id.encode() for s in sykmeldinger)
    assert Counter(m.key for m in nav) == ids
    assert Counter(m.key for m in kvitteringer) == Counter(s.msg_id.encode() for s in sykmeldinger)
    assert dead_letters == []
    for name, log in logs.items():
        # Nothing else of ours warned: no good message taken for poison, no sweep or sampler failing each
        # round. (aiokafka's own lines are left out: on a starved machine a member may miss its session.)
        warnings = Counter(
            str(line["message"])
            for line in _log_lines(log)
            if line["level"] not in ("DEBUG", "INFO") and str(line["logger_name"]).startswith("sykmeldingsflyt")
        )
        assert {m for m in warnings if not m.startswith(("dependency.", "settings.profile"))} == set(), (name, warnings)
        outages = _outages(log)
        assert any(component.startswith("stage:") for component in outages), (name, outages)
        for component, lines in outages.items():
            assert (lines[0], lines[-1]) == ("dependency.unavailable", "dependency.back"), (name, component, lines)
            assert set(lines[1:-1]) <= {"dependency.still_unavailable"}, (name, component, lines)


@pytest.mark.parametrize("fault", ["killed", "stopped"])
async def test_a_rebalance_while_messages_flow_gives_each_output_once(
    kafka_settings: KafkaSettings, database_url: str, tmp_path: Path, fault: str
) -> None:
    """A second mottak joins the group mid-stream (the partitions are shared out again under load), and
    then the first leaves mid-stream, SIGKILLed or stopped in order: every sykmelding is answered once
    and reaches NAV once."""
    topics = Topics(kafka_settings.topic_prefix)
    await _prepare(kafka_settings, database_url)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    processes = [await start_services(kafka_settings, database_url, "mottak", log=logs[0])]
    nav_topic = topics.name(NAV_SYKMELDING)
    # Sent in three waves, so that messages are on their way at each change of the group.
    sykmeldinger = _sykmeldinger(4500)
    waves = [sykmeldinger[n::3] for n in range(3)]
    try:
        await _send(kafka_settings, waves[0])
        await read_topic(kafka_settings, nav_topic, expected=300, until_quiet=False, timeout=180)
        processes.append(await start_services(kafka_settings, database_url, "mottak", log=logs[1]))
        await _send(kafka_settings, waves[1])
        await _members(kafka_settings, f"sykmeldingsflyt-{topics.prefix}mottak.{SYKMELDING_FRA_EPJ.name}", 2)
        await _send(kafka_settings, waves[2])
        if fault == "killed":
            await _kill(processes[0])
        else:
            await _stop(processes[0], logs[0])
        answers = await _answers(kafka_settings, len(sykmeldinger))
        assert processes[1].returncode is None, f"see {logs[1]}"
    finally:
        for process, log in zip(processes, logs, strict=False):
            if process.returncode is None:
                await _stop(process, log)

    _each_once(answers, sykmeldinger, logs)


async def _answers(settings: KafkaSettings, count: int) -> tuple[list[Received], list[Received]]:
    """What reached NAV and the kvitteringer, once `count` of each are there (and nothing more came)."""
    topics = Topics(settings.topic_prefix)
    nav = await read_topic(settings, topics.name(NAV_SYKMELDING), expected=count, timeout=300, settle=5)
    return nav, await read_topic(settings, topics.name(EPJ_KVITTERING), expected=count, timeout=60)


def _each_once(
    answers: tuple[list[Received], list[Received]], sykmeldinger: list[ReceivedSykmelding], logs: list[Path]
) -> None:
    """Every sykmelding reached NAV once and was answered once, and no process declared one poison."""
    nav, kvitteringer = answers
    assert Counter(m.key for m in nav) == Counter(s.sykmelding.id.encode() for s in sykmeldinger)
    assert Counter(m.key for m in kvitteringer) == Counter(s.msg_id.encode() for s in sykmeldinger)
    for log in logs:
        assert "stage.poison_message" not in log.read_text(), log


async def _members(settings: KafkaSettings, group: str, count: int, timeout: float = 60) -> None:
    """Wait until `group` is stable with `count` members."""
    admin = AIOKafkaAdminClient(**settings.aiokafka_kwargs())
    await admin.start()
    try:
        async with asyncio.timeout(timeout):
            while True:
                [description] = await admin.describe_consumer_groups([group])
                [(_, _, state, _, _, members)] = description.groups
                if state == "Stable" and len(members) == count:
                    return
                await asyncio.sleep(0.2)
    finally:
        await admin.close()


async def test_a_static_replica_restarted_mid_stream_resumes_its_partitions_and_each_output_once(
    kafka_settings: KafkaSettings, database_url: str, tmp_path: Path
) -> None:
    """Two mottak replicas with static membership (SYKMELDINGSFLYT_REPLICA); one is stopped in order
    mid-stream and started again under the same name, as a rolling deploy does: it consumes again, and
    every sykmelding is answered once and reaches NAV once. (How fast it is back: bench/bench_restart.py.)"""
    topics = Topics(kafka_settings.topic_prefix)
    await _prepare(kafka_settings, database_url)
    logs = [tmp_path / "a.log", tmp_path / "b.log", tmp_path / "a-restarted.log"]
    processes = [
        await start_services(kafka_settings, database_url, "mottak", log=log, replica=replica)
        for log, replica in zip(logs, ["a", "b"], strict=False)
    ]
    nav_topic = topics.name(NAV_SYKMELDING)
    sykmeldinger = _sykmeldinger(3000)
    waves = [sykmeldinger[n::2] for n in range(2)]
    try:
        await _send(kafka_settings, waves[0])
        await _members(kafka_settings, f"sykmeldingsflyt-{topics.prefix}mottak.{SYKMELDING_FRA_EPJ.name}", 2)
        await read_topic(kafka_settings, nav_topic, expected=300, until_quiet=False, timeout=180)
        await _stop(processes[0], logs[0])
        processes[0] = await start_services(kafka_settings, database_url, "mottak", log=logs[2], replica="a")
        # Started means its consumers hold partitions again, so the second wave reaches it too.
        await _logged(logs[2], "services.started", timeout=120)
        await _send(kafka_settings, waves[1])
        answers = await _answers(kafka_settings, len(sykmeldinger))
        await _logged(logs[2], "mottak.batch", timeout=60)  # the restarted replica consumes again
    finally:
        for process, log in zip(processes, [logs[2], logs[1]], strict=True):
            if process.returncode is None:
                await _stop(process, log)

    _each_once(answers, sykmeldinger, logs)
