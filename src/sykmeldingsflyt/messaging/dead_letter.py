"""Dead letters: a message that cannot be processed goes to its topic's .dlq with the reason.

The dead letter is written through the outbox in the same transaction that marks the message handled,
so it is published exactly once and the consumer moves on. Its key is the source position, never the
original key, which came from outside and could carry anything.
"""

from datetime import UTC, datetime

from sykmeldingsflyt.messaging.codec import AvroCodec
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import DEAD_LETTER_SCHEMA, DLQ_SUFFIX
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork


def send_to_dead_letter(
    uow: UnitOfWork,
    codec: AvroCodec,
    inbound: Inbound,
    *,
    reason: str,
    detail: str,
    field: str | None = None,
) -> None:
    topic = inbound.topic + DLQ_SUFFIX
    record = {
        "reason": reason,
        "detail": detail,
        "field": field,
        "service": uow.consumer,
        "sourceTopic": inbound.topic,
        "sourcePartition": inbound.partition,
        "sourceOffset": inbound.offset,
        "failedAt": datetime.now(UTC),
        "originalKey": inbound.key,
        "originalValue": inbound.value,
    }
    uow.publish(
        topic=topic,
        key=inbound.event_id,
        value=codec.encode(DEAD_LETTER_SCHEMA, record, topic),
        event_id=stable_id(uow.consumer, inbound.event_id, "dead-letter"),
        headers={"reason": reason},
    )
