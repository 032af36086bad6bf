"""Cursor paging over a feed table: the cursor is an opaque token for the last position a client saw."""

import base64
import binascii
from typing import Annotated, TypeVar

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.storage.tables import GatewayDialogmelding, GatewayOppgave, GatewayVarsel

_PREFIX = "p"


class PageQuery(BaseModel):
    # An unknown parameter is refused rather than ignored: a misspelt `cursor` would restart the feed.
    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The `nextCursor` of the previous page; leave out to start from the beginning.",
    )
    limit: int = Field(default=100, ge=1, le=500, description="At most this many entries.")

    @property
    def after(self) -> int:
        """The position after which the page starts; a cursor we did not issue is a 422 on `cursor`."""
        if self.cursor is None:
            return 0
        try:
            text = base64.urlsafe_b64decode(self.cursor + "=" * (-len(self.cursor) % 4)).decode("ascii")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            text = ""
        digits = text.removeprefix(_PREFIX)
        if not text.startswith(_PREFIX) or not digits.isdigit() or not digits.isascii():
            raise RequestValidationError(
                [{"type": "cursor", "loc": ("query", "cursor"), "msg": "not a cursor this API issued"}]
            )
        return int(digits)


PageDep = Annotated[PageQuery, Query()]


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).rstrip(b"=").decode()


F = TypeVar("F", GatewayDialogmelding, GatewayOppgave, GatewayVarsel)
"""A feed table: rows in the order of their `position`."""


async def page_of(
    db: AsyncSession, table: type[F], page: PageQuery, *where: ColumnElement[bool]
) -> tuple[list[F], str]:
    """The rows of a feed table (`where`) after the page's cursor, oldest first, and the next page's cursor."""
    rows = list(
        await db.scalars(
            select(table).where(*where, table.position > page.after).order_by(table.position).limit(page.limit)
        )
    )
    return rows, encode_cursor(rows[-1].position if rows else page.after)
