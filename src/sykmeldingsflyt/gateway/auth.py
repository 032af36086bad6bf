"""Who is calling: signed JWT bearer tokens as Maskinporten (organisations) and TokenX (persons) issue them.

An organisation's token names it in the `consumer` claim (ISO 6523, `0192:<orgnr>`) and carries the
scopes it was granted; a person's token names them in `pid`; a NAV employee's (Azure AD) names them in
`NAVident`, with their groups in `groups`. An HR vendor acting for a customer holds a token for the
customer's Altinn system user (`authorization_details[0]`: `systemuser_id`, `systemuser_org`); an EPJ's
token may name its clinic's HER id (`her_id`), by which dialogmeldinger are addressed. The signature,
issuer, audience and expiry are checked against the issuer's published keys (JWKS). A person is known from
then on only by their pseudonym: the fnr in `pid` is not kept.
"""

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import httpx
import jwt
import structlog

from sykmeldingsflyt.domain.altinn import Systembruker
from sykmeldingsflyt.domain.identifiers import is_valid_fnr, is_valid_orgnr
from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.gateway.problems import ApiError

# Asymmetric algorithms only: a symmetric one would let anyone holding the public key sign.
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")
ISO6523_AUTHORITY = "iso6523-actorid-upis"
ORGNR_SCHEME = "0192:"
SYSTEMBRUKER_TYPE = "urn:altinn:systemuser"
HER_ID_CLAIM = "her_id"

log = structlog.get_logger(__name__)


class Scope(StrEnum):
    """What an organisation may do; Maskinporten grants each to the organisations entitled to it."""

    EPJ_WRITE = "nav:sykmeldingsflyt/epj.write"
    """Send sykmeldinger for one's own clinic and read their kvitteringer."""
    ARBEIDSGIVER_READ = "nav:sykmeldingsflyt/arbeidsgiver.read"
    """Read the sykmeldinger sent to one's own organisation."""
    ARBEIDSGIVER_WRITE = "nav:sykmeldingsflyt/arbeidsgiver.write"
    """Post follow-up plans and møtebehov for one's own organisation, and read the plans' receipts."""
    NAV_READ = "nav:sykmeldingsflyt/nav.read"
    """Read NAV's tasks and dialogmøte candidates."""
    NAV_WRITE = "nav:sykmeldingsflyt/nav.write"
    """Record NAV officers' decisions on dialogmøte candidates (unntak, ikke aktuell)."""
    SYKEPENGER = "nav:helseytelser/sykepenger"
    """NAV's scope for HR systems' reads (the LPS API): each read is also asked of Altinn."""


class CallerKind(StrEnum):
    ORGANISATION = "organisasjon"
    PERSON = "person"
    OPERATOR = "operator"


@dataclass(frozen=True, slots=True)
class Organisation:
    orgnr: str
    client_id: str
    scopes: frozenset[str]
    systembruker: Systembruker | None = None
    """The customer's Altinn system user the token was issued for, when a vendor acts for a customer."""
    her_id: str | None = None
    """The clinic's HER id, when the issuer vouches for one."""

    kind = CallerKind.ORGANISATION

    @property
    def actor(self) -> str:
        """For the audit log: the organisation, and the customer a vendor acted for."""
        return self.orgnr if self.systembruker is None else f"{self.orgnr}/{self.systembruker.orgnr}"

    @property
    def client_key(self) -> str:
        """What rate limits and idempotency keys are counted per."""
        return f"org:{self.orgnr}"


@dataclass(frozen=True, slots=True)
class Person:
    person_ref: str
    client_id: str

    kind = CallerKind.PERSON

    @property
    def actor(self) -> str:
        return self.person_ref

    @property
    def client_key(self) -> str:
        return f"person:{self.person_ref}"


@dataclass(frozen=True, slots=True)
class Operator:
    """A NAV employee, from an Azure AD token: known by their NAV ident, with the groups they are in.
    Whether a group makes them an operator is the gateway's setting, checked by the route."""

    ident: str
    client_id: str
    groups: frozenset[str]

    kind = CallerKind.OPERATOR

    @property
    def actor(self) -> str:
        return self.ident

    @property
    def client_key(self) -> str:
        return f"operator:{self.ident}"


Caller = Organisation | Person | Operator


def unauthenticated(code: str, message: str) -> ApiError:
    challenge = f'Bearer error="invalid_token", error_description="{code}"'
    return ApiError(401, code, message, headers={"WWW-Authenticate": challenge})


def _invalid(message: str) -> ApiError:
    return unauthenticated("TOKEN_INVALID", message)


class KeySource:
    """An issuer's JWKS from a file or URL, fetched again for an unknown key id (keys rotate), but at most
    once per `min_refresh` seconds, so tokens with made-up key ids cannot make us hammer the issuer."""

    def __init__(self, location: str, min_refresh: float = 60.0) -> None:
        self.location = location
        self.min_refresh = min_refresh
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = -min_refresh
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> jwt.PyJWK | None:
        found = self._find(kid)
        if found is not None:
            return found
        async with self._lock:
            if time.monotonic() - self._fetched_at >= self.min_refresh:
                try:
                    await self.load()
                except (httpx.HTTPError, OSError, ValueError, jwt.PyJWTError) as error:
                    log.error("gateway.jwks_unavailable", error=type(error).__name__)
                    raise ApiError(
                        503, "KEYS_UNAVAILABLE", "The issuer's keys could not be read; try again shortly."
                    ) from None
        return self._find(kid)

    async def load(self) -> int:
        """Read the keys now and say how many; raises what reading them raised (the start-up check uses it)."""
        self._keys = {key.key_id or "": key for key in jwt.PyJWKSet.from_dict(await self._fetch())}
        self._fetched_at = time.monotonic()
        return len(self._keys)

    def _find(self, kid: str | None) -> jwt.PyJWK | None:
        if kid is None and len(self._keys) == 1:
            return next(iter(self._keys.values()))
        return self._keys.get(kid or "")

    async def _fetch(self) -> dict[str, Any]:
        if self.location.startswith(("https://", "http://")):
            async with httpx.AsyncClient(timeout=10.0) as client:
                response = await client.get(self.location)
                response.raise_for_status()
                document: dict[str, Any] = response.json()
                return document
        text = await asyncio.to_thread(Path(self.location).read_text)
        loaded: dict[str, Any] = json.loads(text)
        return loaded


@dataclass(frozen=True)
class TrustedIssuer:
    issuer: str
    audience: str
    keys: KeySource
    vouches_for: frozenset[CallerKind]


class TokenVerifier:
    """Verifies tokens, and remembers the ones it verified until they expire: a client reuses its token
    for every request in the token's lifetime, and a signature need not be checked twice."""

    def __init__(
        self,
        issuers: Iterable[TrustedIssuer],
        pseudonym_key: bytes,
        *,
        leeway: float = 30.0,
        max_lifetime: float = 2 * 60 * 60,
        remember: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuers = {trusted.issuer: trusted for trusted in issuers}
        self.pseudonym_key = pseudonym_key
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        self.remember = remember
        self.clock = clock
        self._verified: OrderedDict[str, tuple[Caller, float]] = OrderedDict()

    async def caller(self, token: str) -> Caller:
        remembered = self._verified.get(token)
        if remembered is not None and self.clock() < remembered[1] + self.leeway:
            return remembered[0]
        claims = await self._verify(token)
        who = self._caller_of(claims, self.issuers[claims["iss"]])
        self._verified[token] = (who, float(claims["exp"]))
        while len(self._verified) > self.remember:
            self._verified.popitem(last=False)
        return who

    async def pid(self, token: str) -> str:
        """The fnr a person's token names, for the one question that must be asked by it (whom a nærmeste
        leder leads: the register knows leaders by fnr); the caller uses it at once and keeps it nowhere."""
        claims = await self._verify(token)
        if not isinstance(self._caller_of(claims, self.issuers[claims["iss"]]), Person):
            raise _invalid("The token names no person (pid).")
        pid: str = claims["pid"]
        return pid

    async def _verify(self, token: str) -> dict[str, Any]:
        try:
            unverified = jwt.decode_complete(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise _invalid("The bearer token is not a JWT.") from None
        claimed_issuer = unverified["payload"].get("iss")
        trusted = self.issuers.get(claimed_issuer) if isinstance(claimed_issuer, str) else None
        if trusted is None:
            raise _invalid("The token is not from a trusted issuer.")
        kid = unverified["header"].get("kid")
        key = await trusted.keys.key(kid if isinstance(kid, str) else None)
        if key is None:
            raise _invalid("The token is signed with a key the issuer does not publish.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=list(ALGORITHMS),
                audience=trusted.audience,
                issuer=trusted.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud"]},
            )
        except jwt.ExpiredSignatureError:
            raise unauthenticated("TOKEN_EXPIRED", "The token has expired.") from None
        except jwt.PyJWTError as error:
            raise _invalid(f"The token is not valid ({type(error).__name__}).") from None
        if claims["exp"] - claims["iat"] > self.max_lifetime:
            raise _invalid(f"The token lives longer than the {self.max_lifetime:.0f} seconds the gateway accepts.")
        return claims

    def _caller_of(self, claims: dict[str, Any], trusted: TrustedIssuer) -> Caller:
        client_id = str(claims.get("client_id", ""))[:128]
        pid = claims.get("pid")
        if pid is not None and CallerKind.PERSON in trusted.vouches_for:
            if not isinstance(pid, str) or not is_valid_fnr(pid):
                raise _invalid("The token's pid is not a fødselsnummer.")
            return Person(person_ref=person_ref(pid, self.pseudonym_key), client_id=client_id)
        consumer = claims.get("consumer")
        if isinstance(consumer, dict) and CallerKind.ORGANISATION in trusted.vouches_for:
            identifier = consumer.get("ID")
            if consumer.get("authority") != ISO6523_AUTHORITY or not isinstance(identifier, str):
                raise _invalid("The token's consumer is not an ISO 6523 organisation identifier.")
            orgnr = identifier.removeprefix(ORGNR_SCHEME)
            if not identifier.startswith(ORGNR_SCHEME) or not is_valid_orgnr(orgnr):
                raise _invalid("The token's consumer is not a Norwegian organisation number.")
            scope = claims.get("scope", "")
            scopes = frozenset(scope.split()) if isinstance(scope, str) else frozenset()
            her_id = claims.get(HER_ID_CLAIM)
            return Organisation(
                orgnr=orgnr,
                client_id=client_id,
                scopes=scopes,
                systembruker=_systembruker(claims.get("authorization_details")),
                her_id=her_id if isinstance(her_id, str) and her_id.isdigit() and len(her_id) <= 16 else None,
            )
        ident = claims.get("NAVident")
        if isinstance(ident, str) and ident and CallerKind.OPERATOR in trusted.vouches_for:
            groups = claims.get("groups", [])
            named = frozenset(g for g in groups if isinstance(g, str)) if isinstance(groups, list) else frozenset()
            return Operator(ident=ident[:64], client_id=client_id, groups=named)
        raise _invalid(
            "The token names no organisation (consumer), person (pid) or NAV employee (NAVident) "
            "this issuer vouches for."
        )


def _systembruker(details: Any) -> Systembruker | None:
    """The system user of Maskinporten's `authorization_details`, if the token was issued for one."""
    if not isinstance(details, list) or not details:
        return None
    first = details[0]
    if not isinstance(first, dict) or first.get("type") != SYSTEMBRUKER_TYPE:
        return None
    ids, org = first.get("systemuser_id"), first.get("systemuser_org")
    if not isinstance(ids, list) or not ids or not isinstance(ids[0], str) or not isinstance(org, dict):
        raise _invalid("The token's authorization_details names no system user.")
    # Maskinporten spells the identifier `ID` in `consumer` and `id` in `systemuser_org`.
    identifier = org.get("ID", org.get("id"))
    orgnr = identifier.removeprefix(ORGNR_SCHEME) if isinstance(identifier, str) else ""
    if org.get("authority") != ISO6523_AUTHORITY or not is_valid_orgnr(orgnr) or len(ids[0]) > 64:
        raise _invalid("The token's systemuser_org is not a Norwegian organisation number.")
    return Systembruker(id=ids[0], orgnr=orgnr)
