"""oppfolging's own work per event, without Kafka: CPU microseconds and events per second through its stages.

    python -m bench.bench_oppfolging_cpu [--sykmeldinger 2000] [--batch 500] [--profile FOLDER]

Feeds oppfolging what it learns its sykmeldinger from (NAV's view of each, then the employer's view once it
is SENT), in batches, to the stages its subscriber runs (decode, the database transaction per batch;
DATABASE_URL, or a SQLite file), and reports per topic the CPU time of this process per event and the
events per second by the wall clock. A few people (one in WAITING_EVERY) also have a plan waiting for their
SENDT, so that the waiting-plan look-ups find some; the registers are not asked (those plans are only looked
at, and the plans' topic is not fed).
"""

import asyncio
import cProfile
import random
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from faststream.kafka import KafkaBroker

from bench import cpu, report
from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.privacy import arbeidsgiver_view, nav_view
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import ARBEIDSGIVER_SYKMELDING, NAV_SYKMELDING
from sykmeldingsflyt.services.oppfolging import Oppfolging
from sykmeldingsflyt.services.runtime import Runtime, settle_heap
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import OppfolgingVentendePlan

WAITING_EVERY = 250
"""One person in this many has a plan waiting for their SENDT: two in a batch of 500."""


def inputs(runtime: Runtime, count: int) -> tuple[dict[str, list[tuple[bytes, bytes]]], list[str]]:
    """The encoded events of `count` sykmeldinger per topic name, and the people with a waiting plan."""
    rng = random.Random(1)
    name = runtime.topics.name
    nav, sendt, waiting = [], [], []
    for number in range(count):
        received = synthetic.make_sykmelding(rng, fom=date.today())
        key = received.sykmelding.id.encode()
        view = nav_view(received, ValidationResult(status=RuleStatus.OK))
        nav.append((key, contracts.encode(runtime.codec, view, name(NAV_SYKMELDING))))
        employer = arbeidsgiver_view(received, synthetic.DEMO_ARBEIDSGIVER, datetime.now(UTC))
        sendt.append((key, contracts.encode(runtime.codec, employer, name(ARBEIDSGIVER_SYKMELDING))))
        if number % WAITING_EVERY == 0:
            waiting.append(person_ref(received.pasient_fnr, runtime.settings.pseudonym_key))
    return {name(NAV_SYKMELDING): nav, name(ARBEIDSGIVER_SYKMELDING): sendt}, waiting


async def park(database: Database, refs: Sequence[str]) -> None:
    """A waiting plan for each of `refs` whose seal no key opens: found and tried by every look-up, and
    left waiting without asking a register (`_source_of`), so the figures hold no register's time."""
    async with database.session.begin() as session:
        session.add_all(
            OppfolgingVentendePlan(
                plan_uuid=f"00000000-0000-4000-8000-{number:012d}",
                person_ref=ref,
                key=None,
                value=b"sealed by no key",
                key_id="bench-no-such-key",
                source_topic="bench",
                source_partition=0,
                source_offset=number,
                received_at=datetime.now(UTC),
            )
            for number, ref in enumerate(refs)
        )


async def main(count: int, batch: int, profile: Path | None) -> None:
    configure_logging("CRITICAL")  # each try of an unopenable waiting plan logs an error
    async with cpu.database("oppfolging-cpu") as database:
        runtime = cpu.runtime(database)
        events, waiting = inputs(runtime, count)
        await park(database, waiting)
        settle_heap()  # as a started service does
        service = Oppfolging(runtime)
        service.subscribe(KafkaBroker())  # never started: only to have the service make its stages
        profiler = cProfile.Profile() if profile else None
        figures: dict[str, float] = {}
        for topic, messages in events.items():
            inbound = [Inbound(topic, 0, offset, key, value, ()) for offset, (key, value) in enumerate(messages)]
            cpu_began, wall_began = time.process_time(), time.perf_counter()
            if profiler:
                profiler.enable()
            for start in range(0, len(inbound), batch):
                await service.stages[topic].process(inbound[start : start + batch])
            if profiler:
                profiler.disable()
            cpu_us = (time.process_time() - cpu_began) * 1e6 / len(inbound)
            rate = len(inbound) / (time.perf_counter() - wall_began)
            report.console.print(f"oppfolging, {topic}: {cpu_us:.0f} CPU us per event, {rate:,.0f} events/s")
            figures[f"{topic} CPU us"] = cpu_us
            figures[f"{topic} events/s"] = rate
        if profiler and profile:
            profiler.dump_stats(profile / "oppfolging-cpu.prof")
        backend = database.url.get_backend_name()
        report.save(
            f"oppfolging-cpu-{backend}" + ("-profiled" if profile else ""),
            figures,
            {"sykmeldinger": count, "batch": batch, "database": backend, "waiting every": WAITING_EVERY},
        )


if __name__ == "__main__":
    arguments = cpu.arguments(__doc__, "sykmeldinger", 2000, "oppfolging's time goes in this folder")
    asyncio.run(main(arguments.sykmeldinger, arguments.batch, arguments.profile))
