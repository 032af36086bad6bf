"""personvern and tidslinje: events per second through Kafka and the database, beside a raw aiokafka loop
in the same run.

    python -m bench.bench_services [--sykmeldinger 5000]

personvern gets NAV's view of each (accepted) sykmelding and the employee's SENDT of it, and answers each
SENDT with the employer's view. tidslinje gets the same events (the SENDT tells it the employer) and keeps
the person's case in the database (it publishes only when a stop point falls due, so its rate is measured by
its consumer groups reaching the end of their topics, not by its output). Each service runs alone in this
process; the rate is its input events over the time until all are committed. The raw loop consumes the
same bytes and produces one message per input, committing per batch: no decoding, no database.
"""

import argparse
import asyncio
import os
import random
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from bench import report
from bench.bench_mottak import produce, raw_loop
from bench.cluster import bench_kafka, consumer_lag, raw_topic
from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.privacy import nav_view
from sykmeldingsflyt.domain.status import StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.admin import create_topics
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import NAV_SYKMELDING, SYKMELDING_STATUS, catalogue
from sykmeldingsflyt.services.personvern import Personvern
from sykmeldingsflyt.services.process import run_services
from sykmeldingsflyt.services.runtime import Runtime, Service
from sykmeldingsflyt.services.tidslinje import TidslinjeService
from sykmeldingsflyt.storage.database import Database

Inputs = dict[str, list[tuple[bytes, bytes]]]


def inputs(runtime: Runtime, count: int) -> Inputs:
    """The encoded events of `count` accepted sykmeldinger (NAV's view, then the SENDT) per topic name."""
    rng = random.Random(1)
    name = runtime.topics.name
    nav, sendt = [], []
    for _ in range(count):
        received = synthetic.make_sykmelding(rng, fom=date.today())
        key = received.sykmelding.id.encode()
        view = nav_view(received, ValidationResult(status=RuleStatus.OK))
        nav.append((key, contracts.encode(runtime.codec, view, name(NAV_SYKMELDING))))
        now = datetime.now(UTC)
        event = SykmeldingStatusEvent(
            event_id=str(uuid.uuid4()),
            sykmelding_id=received.sykmelding.id,
            timestamp=now,
            status_event=StatusEvent.SENDT,
            arbeidsgiver=synthetic.DEMO_ARBEIDSGIVER,
        )
        sendt.append((key, contracts.encode(runtime.codec, event, name(SYKMELDING_STATUS))))
    return {name(NAV_SYKMELDING): nav, name(SYKMELDING_STATUS): sendt}


async def through(settings: KafkaSettings, runtime: Runtime, service: Service, events: Inputs) -> float:
    """Input events per second until `service` has committed all of `events` (already on their topics)."""
    stop = asyncio.Event()
    total = sum(len(messages) for messages in events.values())
    started = time.monotonic()
    running = asyncio.create_task(run_services(runtime, [service], stop))
    try:
        with report.progress() as bar:
            task = bar.add_task(f"{service.name}: events committed", total=total)
            lag = {"": total}
            while sum(lag.values()) > 0 or len(lag) < len(events):
                await asyncio.sleep(0.5)
                lag = {group: n for group, n in (await consumer_lag(settings)).items() if service.name in group}
                # Until each of its groups has committed, the lag does not cover every event.
                bar.update(task, completed=total - sum(lag.values()) if len(lag) == len(events) else 0)
            return total / (time.monotonic() - started)
    finally:
        stop.set()
        await running


async def main(count: int) -> None:
    configure_logging("WARNING")
    figures: dict[str, float] = {}
    with bench_kafka() as settings:
        url = os.environ.get("DATABASE_URL") or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite'}"
        database = Database(url)
        await database.migrate()
        raw_in, raw_out = raw_topic(settings, "in"), raw_topic(settings, "out")
        await create_topics(settings, [*catalogue(settings.topic_prefix), raw_in, raw_out])
        runtime = Runtime.from_env(settings, database)
        events = inputs(runtime, count)
        for topic, messages in events.items():
            await produce(settings, topic, messages)
        await produce(settings, raw_in.name, [m for messages in events.values() for m in messages])
        raw = await raw_loop(settings, raw_in.name, (raw_out.name,), 2 * count)
        figures["raw loop msg/s"] = raw
        report.console.print(f"raw aiokafka consume-produce-commit loop: {raw:8.0f} messages/s")
        for service in (Personvern(runtime), TidslinjeService(runtime)):
            rate = await through(settings, runtime, service, events)
            figures[f"{service.name} events/s"] = rate
            figures[f"{service.name} / raw"] = rate / raw
            report.console.print(
                f"{service.name}: {rate:8.0f} events/s ({database.url.get_backend_name()}), {rate / raw:.2f} of raw"
            )
        await database.dispose()
    report.save("services", figures, {"sykmeldinger": count, "database": database.url.get_backend_name()})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sykmeldinger", type=int, default=5000)
    asyncio.run(main(parser.parse_args().sykmeldinger))
