"""Tables owned by oppgave."""

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from sykmeldingsflyt.storage.tables.base import Base


class NavOppgave(Base):
    """Every task given to NAV. Its id is stable per trigger, so the primary key is what keeps one
    trigger from ever making two tasks."""

    __tablename__ = "oppgave"

    oppgave_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    # The task as last published, in wire names: a lifecycle step starts from exactly what NAV has.
    oppgave: Mapped[dict[str, Any]] = mapped_column(JSON)
