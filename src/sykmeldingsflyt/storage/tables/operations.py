"""Tables owned by the operator's tools (operations/)."""

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import Base


class OperationsReplay(Base):
    """Every dead letter sent back to its source topic, by its source position: the primary key is what
    makes a second replay of the same dead letter a no-op, however long after the first."""

    __tablename__ = "operations_replay"

    source: Mapped[str] = mapped_column(String(300), primary_key=True)
    """`topic:partition:offset` of the message as first received."""
    event_id: Mapped[str] = mapped_column(String(64))
    """The outbox row that carries the replay (and its `event-id` header on the topic)."""
    replayed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    replayed_by: Mapped[str] = mapped_column(String(64))
