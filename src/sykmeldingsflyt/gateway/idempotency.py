"""Idempotency keys on POST: a client that retries with the same `Idempotency-Key` gets the first answer,
and what it posted is sent to the broker once.

A key is claimed in the database before sending, and the answer stored after the broker confirmed it.
A retry while the first is still sending gets 409; a key used again for a different request gets 422.
A claim left behind by a crashed instance is taken over after `STALE_CLAIM`. Between the broker's ack
and storing the answer a crash can still let a retry send again; every message the gateway sends
therefore carries an id derived from the key, which the consuming service deduplicates on.
"""

import hashlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.responses import JSONResponse
from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from sykmeldingsflyt.gateway.problems import ApiError
from sykmeldingsflyt.storage.database import Database
from sykmeldingsflyt.storage.tables import GatewayIdempotencyKey

KEEP_KEYS = timedelta(hours=24)
"""How long a key is remembered: a client retries within this time or not at all."""
STALE_CLAIM = timedelta(seconds=60)
"""Longer than any send can take (the producer gives up after 10 s), so a live claim is never taken."""
REPLAYED_HEADER = "Idempotent-Replayed"

Answer = tuple[int, dict[str, Any]]


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


class Idempotency:
    def __init__(self, database: Database, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.database = database
        self.now = now

    async def once(
        self, client: str, key: str | None, fingerprint: str, send: Callable[[], Awaitable[Answer]]
    ) -> JSONResponse:
        """Run `send` unless this client's `key` already has an answer; answer as the first time did."""
        if key is None:
            return _response(*await send())
        # Only a digest is stored: a careless client might make a key of something personal.
        key = hashlib.sha256(key.encode()).hexdigest()
        replay = await self._claim(client, key, fingerprint)
        if replay is not None:
            return _response(*replay, replayed=True)
        try:
            status, body = await send()
        except BaseException:
            await self._release(client, key)
            raise
        async with self.database.session.begin() as session:
            await session.execute(
                update(GatewayIdempotencyKey)
                .where(GatewayIdempotencyKey.client_id == client, GatewayIdempotencyKey.key == key)
                .values(status_code=status, response=body)
            )
        return _response(status, body)

    async def _claim(self, client: str, key: str, fingerprint: str) -> Answer | None:
        """Claim the key for this request; returns the stored answer when there is one to replay."""
        now = self.now()
        try:
            async with self.database.session.begin() as session:
                session.add(GatewayIdempotencyKey(client_id=client, key=key, request_hash=fingerprint, created_at=now))
            return None
        except IntegrityError:
            pass
        async with self.database.session.begin() as session:
            earlier = await session.get(GatewayIdempotencyKey, (client, key))
            if earlier is None:  # expired and pruned in between: a new request after all
                session.add(GatewayIdempotencyKey(client_id=client, key=key, request_hash=fingerprint, created_at=now))
                return None
            if earlier.request_hash != fingerprint:
                raise ApiError(422, "IDEMPOTENCY_KEY_REUSED", "This Idempotency-Key was used for a different request.")
            if earlier.status_code is not None and earlier.response is not None:
                return earlier.status_code, earlier.response
            taken_over = await session.execute(
                update(GatewayIdempotencyKey)
                .where(
                    GatewayIdempotencyKey.client_id == client,
                    GatewayIdempotencyKey.key == key,
                    GatewayIdempotencyKey.status_code.is_(None),
                    GatewayIdempotencyKey.created_at < now - STALE_CLAIM,
                )
                .values(created_at=now)
                # Not matched against `earlier` in Python: SQLite gives its time back without a zone.
                .execution_options(synchronize_session=False)
            )
            if taken_over.rowcount == 1:  # type: ignore[attr-defined]
                return None
        raise ApiError(
            409,
            "IDEMPOTENCY_KEY_IN_USE",
            "A request with this Idempotency-Key is still being processed.",
            headers={"Retry-After": "1"},
        )

    async def _release(self, client: str, key: str) -> None:
        async with self.database.session.begin() as session:
            await session.execute(
                delete(GatewayIdempotencyKey).where(
                    GatewayIdempotencyKey.client_id == client,
                    GatewayIdempotencyKey.key == key,
                    GatewayIdempotencyKey.status_code.is_(None),
                )
            )


async def forget_expired(database: Database, now: datetime) -> int:
    """Delete the keys older than KEEP_KEYS; returns how many."""
    async with database.session.begin() as session:
        result = await session.execute(
            delete(GatewayIdempotencyKey).where(GatewayIdempotencyKey.created_at < now - KEEP_KEYS)
        )
    return int(result.rowcount)  # type: ignore[attr-defined]


def _response(status: int, body: dict[str, Any], *, replayed: bool = False) -> JSONResponse:
    location = body.get("location")
    headers = {"Location": location} if isinstance(location, str) else {}
    if replayed:
        headers[REPLAYED_HEADER] = "true"
    return JSONResponse(body, status_code=status, headers=headers)
