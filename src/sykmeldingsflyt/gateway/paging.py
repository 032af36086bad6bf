"""Cursor paging over a feed table: the cursor is an opaque token for the last position a client saw."""

import base64
import binascii
from typing import Annotated

from fastapi import Query
from fastapi.exceptions import RequestValidationError

CursorQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The `nextCursor` of the previous page; leave out to start from the beginning.",
    ),
]
LimitQuery = Annotated[int, Query(ge=1, le=500, description="At most this many entries.")]
_PREFIX = "p"


def encode_cursor(position: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{position}".encode()).rstrip(b"=").decode()


def decode_cursor(cursor: str | None) -> int:
    """The position after which the page starts; a cursor we did not issue is a 422 on `cursor`."""
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    digits = text.removeprefix(_PREFIX)
    if not text.startswith(_PREFIX) or not digits.isdigit() or not digits.isascii():
        raise RequestValidationError(
            [{"type": "cursor", "loc": ("query", "cursor"), "msg": "not a cursor this API issued"}]
        )
    return int(digits)
