"""What the timeline's services do alike: subscribe a service to several topics, and read a message
as its topic deserves (an unreadable one on an inbound topic is the sender's to hear about, on a
topic our own services write it is a bug to log)."""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TypeVar

import structlog
from faststream.kafka import KafkaBroker

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import DecodeError
from sykmeldingsflyt.messaging.dead_letter import send_to_dead_letter
from sykmeldingsflyt.messaging.stage import Handler, Inbound, PoisonHandler, Stage
from sykmeldingsflyt.messaging.topics import Topic
from sykmeldingsflyt.services.runtime import Service
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

log = structlog.get_logger(__name__)

M = TypeVar("M", bound=DomainModel)


Prepare = Callable[[UnitOfWork, Sequence[Inbound]], Awaitable[None]]


def consume_all(
    service: Service,
    broker: KafkaBroker,
    inputs: Iterable[tuple[Topic, Handler]],
    on_poison: PoisonHandler,
    prepare: Mapping[Topic, Prepare] | None = None,
) -> None:
    """One stage per input topic, all under the service's name: its handled-event ids and outbox rows
    are the service's, whichever topic they came from. `prepare` has, for some topics, what fetches a
    batch's rows before its messages are handled (see `Stage`). The stages share one lock: their batches
    meet in the service's tables, so in one process they are applied one at a time (see `Stage.serial`)."""
    serial = asyncio.Lock()
    for topic, handler in inputs:
        stage = Stage(
            name=service.name,
            database=service.runtime.database,
            handler=handler,
            on_poison=on_poison,
            on_commit=service.relay.notify,
            prepare=(prepare or {}).get(topic),
            serial=serial,
        )
        service.consume(broker, topic, stage)


def decoded(service: Service, uow: UnitOfWork, inbound: Inbound, model: type[M]) -> M | DecodeError:
    """The message in `inbound` as `model`, or why it cannot be read: decoded once per transaction however
    often asked, so that a stage's prepare and its handler share one decode (`UnitOfWork.once`)."""

    def decode() -> M | DecodeError:
        try:
            return contracts.decode(service.runtime.codec, inbound.value or b"", model)
        except DecodeError as error:
            return error

    return uow.once(inbound.event_id, model, decode)


def read_own(service: Service, uow: UnitOfWork, inbound: Inbound, model: type[M]) -> M | None:
    """A message from a topic our services write; None, logged, if it cannot be read."""
    message = decoded(service, uow, inbound, model)
    if isinstance(message, DecodeError):
        # A bug or a foreign writer: no sender to answer, and nothing a retry would change.
        log.error("service.unreadable_message", service=service.name, event_id=inbound.event_id, reason=message.reason)
        return None
    return message


def read_or_dead_letter(service: Service, uow: UnitOfWork, inbound: Inbound, model: type[M]) -> M | None:
    """A message from a party; None, with the message and the reason on its dead-letter topic, if
    it cannot be read."""
    message = decoded(service, uow, inbound, model)
    if isinstance(message, DecodeError):
        send_to_dead_letter(uow, service.runtime.dead_letters, inbound, reason=message.reason, detail=str(message))
        return None
    return message


def dead_letter_poison(service: Service, uow: UnitOfWork, inbound: Inbound, error: Exception) -> None:
    """A party's message that made the handler fail goes to its dead-letter topic for operators."""
    detail = f"The message could not be processed ({type(error).__name__}); operators have been alerted."
    send_to_dead_letter(uow, service.runtime.dead_letters, inbound, reason="INTERNAL_ERROR", detail=detail)
