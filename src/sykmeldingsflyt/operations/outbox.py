"""`outbox status` and `republish`: what the services have yet to publish, and an employer view (or its
retraction) sent again for an HR system that lost it.

A republished view is the one last published, as the gateway's read model keeps it, so the employer
gets exactly what it had; it goes through the outbox under a new event id (an HR system that asked for
it again must see it again) and the look is audited.
"""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding
from sykmeldingsflyt.gateway.audit import Resource
from sykmeldingsflyt.gateway.auth import Operator
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.topics import ARBEIDSGIVER_SYKMELDING
from sykmeldingsflyt.operations.audit import audited
from sykmeldingsflyt.operations.publishing import NOT_YET_PUBLISHED, PRODUCER, publish_queued
from sykmeldingsflyt.services.runtime import Runtime
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding, OutboxMessage


@dataclass(frozen=True)
class Pending:
    producer: str
    topic: str
    count: int
    oldest_age: timedelta

    def to_json(self) -> dict[str, Any]:
        return {
            "producer": self.producer,
            "topic": self.topic,
            "pending": self.count,
            "oldestAgeSeconds": round(self.oldest_age.total_seconds(), 1),
        }


async def status(runtime: Runtime) -> list[Pending]:
    """Unpublished outbox rows per producer and topic, with the age of the oldest."""
    async with runtime.database.session() as session:
        rows = await session.execute(
            select(OutboxMessage.producer, OutboxMessage.topic, func.count(), func.min(OutboxMessage.created_at))
            .where(OutboxMessage.published_at.is_(None))
            .group_by(OutboxMessage.producer, OutboxMessage.topic)
            .order_by(OutboxMessage.producer, OutboxMessage.topic)
        )
        now = datetime.now(UTC)
        return [Pending(producer, topic, count, now - _aware(oldest)) for producer, topic, count, oldest in rows.all()]


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they were written in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class NothingToRepublishError(LookupError):
    """No employer view was ever published for this sykmelding."""


async def republish(runtime: Runtime, sykmelding_id: str, who: Operator, why: str | None) -> str:
    """Send the employer view of `sykmelding_id` again, or its retraction if it was withdrawn; returns
    what was sent."""
    async with runtime.database.session() as session:
        latest = await session.scalar(
            select(GatewayArbeidsgiverSykmelding)
            .where(GatewayArbeidsgiverSykmelding.sykmelding_id == sykmelding_id)
            .order_by(GatewayArbeidsgiverSykmelding.position.desc())
            .limit(1)
        )
    if latest is None:
        raise NothingToRepublishError(f"no employer view of {sykmelding_id} was published")
    await audited(runtime, who, Resource.ARBEIDSGIVER_SYKMELDING, [sykmelding_id], why)
    topic = runtime.topics.name(ARBEIDSGIVER_SYKMELDING)
    value = (
        None
        if latest.view is None
        else contracts.encode(runtime.codec, ArbeidsgiverSykmelding.model_validate(latest.view), topic)
    )
    event_id = str(uuid.uuid4())
    async with runtime.database.session.begin() as session:
        session.add(
            OutboxMessage(
                producer=PRODUCER,
                event_id=event_id,
                topic=topic,
                key=sykmelding_id.encode(),
                value=value,
                headers={
                    "event-id": event_id,
                    "orgnummer": latest.orgnummer,
                    "juridisk-orgnummer": latest.juridisk_orgnummer,
                },
                created_at=datetime.now(UTC),
            )
        )
    pending = await publish_queued(runtime)
    what = "the employer view" if value is not None else "the retraction (a tombstone)"
    return f"{what} of {sykmelding_id} to {latest.orgnummer} on {topic}: " + (
        NOT_YET_PUBLISHED if pending else "published"
    )
