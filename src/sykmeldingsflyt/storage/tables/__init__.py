"""Every table, one module per owner: delivery plumbing shared by all, then each service's own."""

from sykmeldingsflyt.storage.tables.base import Base, metadata
from sykmeldingsflyt.storage.tables.delivery import HandledEvent, OutboxMessage, RelayLease, RelayPosition
from sykmeldingsflyt.storage.tables.mottak import MottattSykmelding
from sykmeldingsflyt.storage.tables.personvern import (
    PersonvernStatusEvent,
    PersonvernSykmelding,
    PersonvernVentendeStatus,
)

__all__ = [
    "Base",
    "HandledEvent",
    "MottattSykmelding",
    "OutboxMessage",
    "PersonvernStatusEvent",
    "PersonvernSykmelding",
    "PersonvernVentendeStatus",
    "RelayLease",
    "RelayPosition",
    "metadata",
]
