"""What route handlers are given: the caller (authenticated, rate limited, with the role the route needs),
a database session, the audit log, and the way to the broker for a POST."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.clock import Clock
from sykmeldingsflyt.gateway.audit import Audit
from sykmeldingsflyt.gateway.auth import Caller, Organisation, Person, Scope, unauthenticated
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.idempotency import Answer, Idempotency, request_hash
from sykmeldingsflyt.gateway.limits import RateLimiter, retry_after
from sykmeldingsflyt.gateway.models import accepted
from sykmeldingsflyt.gateway.problems import ApiError
from sykmeldingsflyt.gateway.publisher import Publisher
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.topics import Topic

_bearer = HTTPBearer(
    auto_error=False,
    description="A Maskinporten token (organisations) or a TokenX token (persons).",
)


def gateway(request: Request) -> Gateway:
    running: Gateway = request.app.state.gateway
    return running


GatewayDep = Annotated[Gateway, Depends(gateway)]


async def session(running: GatewayDep) -> AsyncIterator[AsyncSession]:
    async with running.database.session() as opened:
        yield opened


SessionDep = Annotated[AsyncSession, Depends(session)]


def clock(running: GatewayDep) -> Clock:
    return running.runtime.clock


ClockDep = Annotated[Clock, Depends(clock)]


async def caller(
    request: Request,
    running: GatewayDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The verified caller, within its address's rate limit before the token is verified and within its
    own after."""
    address = request.client.host if request.client else "unknown"
    await _within(running.address_limiter, f"address:{address}", "Too many requests from this address.")
    if credentials is None:
        raise unauthenticated("TOKEN_MISSING", "A bearer token is required.")
    who = await running.verifier.caller(credentials.credentials)
    await _within(running.limiter, f"caller:{who.client_key}", "Too many requests from this client.")
    return who


async def _within(limiter: RateLimiter, client: str, message: str) -> None:
    wait = await limiter.take(client)
    if wait > 0:
        raise ApiError(429, "RATE_LIMITED", message, headers={"Retry-After": retry_after(wait)})


CallerDep = Annotated[Caller, Depends(caller)]


def organisation_with(scope: Scope) -> Callable[[Caller], Awaitable[Organisation]]:
    """A dependency: the caller is an organisation granted `scope`."""

    async def granted(who: CallerDep) -> Organisation:
        if not isinstance(who, Organisation):
            raise ApiError(403, "ORGANISATION_TOKEN_REQUIRED", "Only an organisation (Maskinporten) may do this.")
        if scope not in who.scopes:
            raise ApiError(403, "INSUFFICIENT_SCOPE", f"This needs the scope {scope.value}.")
        return who

    return granted


async def person(who: CallerDep) -> Person:
    if not isinstance(who, Person):
        raise ApiError(403, "PERSON_TOKEN_REQUIRED", "Only the person themselves (TokenX) may do this.")
    return who


PersonDep = Annotated[Person, Depends(person)]


async def audit(opened: SessionDep, who: CallerDep, now: ClockDep) -> Audit:
    return Audit(opened, who, now)


AuditDep = Annotated[Audit, Depends(audit)]


@dataclass(frozen=True)
class Submission:
    """One POST's way to the broker: sent once per Idempotency-Key, answered 202 when the broker has it."""

    idempotency: Idempotency
    publisher: Publisher
    client: str
    key: str | None
    fingerprint: str

    def message_id(self, kind: str) -> str:
        """An id for the message this request sends: the same for every retry under the same key, so the
        consuming service drops a second copy even if the gateway crashed before storing its answer."""
        if self.key is None:
            return str(uuid.uuid4())
        return stable_id("gateway", kind, self.client, self.key)

    async def send(
        self, topic: Topic, key: str, message: DomainModel, *, identifier: str, location: str | None = None
    ) -> JSONResponse:
        return await self.send_all(topic, [(key, message)], identifier=identifier, location=location)

    async def send_all(
        self,
        topic: Topic,
        messages: Sequence[tuple[str, DomainModel]],
        *,
        identifier: str,
        location: str | None = None,
    ) -> JSONResponse:
        """Several messages for one request: a retry under the same key sends the lot again, and the
        consumers' own deduplication makes that harmless."""

        async def publish() -> Answer:
            for key, message in messages:
                await self.publisher.publish(topic, key, message)
            return accepted(identifier, location)

        return await self.idempotency.once(self.client, self.key, self.fingerprint, publish)


async def submission(
    request: Request,
    running: GatewayDep,
    who: CallerDep,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=128,
            pattern=r"^[!-~]+$",
            description="Any printable ASCII up to 128 characters, unique per request; a retry with the same key "
            "gets the first answer and is not processed again. Remembered for 24 hours.",
        ),
    ] = None,
) -> Submission:
    fingerprint = request_hash(request.method, request.url.path, await request.body())
    return Submission(running.idempotency, running.publisher, who.client_key, idempotency_key, fingerprint)


SubmissionDep = Annotated[Submission, Depends(submission)]
