"""Limits on what one request and one client may ask of the gateway: body size and request rate."""

import math
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import case, delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sykmeldingsflyt.gateway.problems import problem_response
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayRateLimit


class RateLimiter:
    """A rate per client kept in the database, so that every gateway instance counts against one limit:
    `rate` requests a second on average and up to `burst` at once (the generic cell rate algorithm, one
    row and one statement per request, which decides and records at once)."""

    def __init__(
        self,
        database: Database,
        rate: float,
        burst: int,
        clock: Callable[[], float] = time.time,
        prune_every: float = 60.0,
    ) -> None:
        self.database = database
        self.interval = 1.0 / rate
        self.ceiling = burst * self.interval
        self.clock = clock
        self.prune_every = prune_every
        self._pruned = clock()

    async def take(self, client: str) -> float:
        """Spend one request; returns 0 when allowed, else the seconds until one is."""
        now = self.clock()
        table = GatewayRateLimit.__table__.c
        insert: Any = sqlite_insert if self.database.is_sqlite else pg_insert
        greatest: Any = func.max if self.database.is_sqlite else func.greatest
        start = greatest(table.tat, now)
        fits = start + self.interval - now <= self.ceiling
        statement = (
            insert(GatewayRateLimit)
            .values(client=client, tat=now + self.interval, allowed=True)
            .on_conflict_do_update(
                index_elements=["client"],
                set_={"tat": case((fits, start + self.interval), else_=table.tat), "allowed": fits},
            )
            .returning(table.tat, table.allowed)
        )
        async with self.database.session.begin() as session:
            tat, allowed = (await session.execute(statement)).one()
            if now - self._pruned > self.prune_every:
                # A client whose time has come is the same as one never seen: its row can go.
                self._pruned = now
                await session.execute(delete(GatewayRateLimit).where(GatewayRateLimit.tat < now))
        return 0.0 if allowed else max(tat + self.interval - self.ceiling - now, 0.001)


class BodySizeLimit:
    """Refuses a request body over `limit` bytes with 413, before the application reads or parses it.

    The body is read here (it would be read whole for parsing anyway) so a chunked body without a
    Content-Length is counted as surely as one that declares its length.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # The client went away; let the application see that as it would have.
                await self.app(scope, replay([message], receive), send)
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: Message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, replay([body], receive), send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, "REQUEST_TOO_LARGE", f"The request body must not be larger than {self.limit} bytes."
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def replay(messages: list[Message], receive: Receive) -> Receive:
    """A `receive` that gives `messages` first: for a middleware that read the body before the app."""
    pending = list(messages)

    async def replayed() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replayed


def retry_after(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
