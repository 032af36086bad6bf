"""One guard around every call to a remote register: retries, a circuit breaker, a TTL cache, stale on error.

A call goes: fresh cache entry → answer; else through the register's circuit breaker (purgatory) into up to
`attempts` tries with jittered exponential backoff (tenacity), retrying only what may pass (`Forbigaende`:
timeouts, lost connections, 5xx, a refused token). An answer — "no such person" included — is cached for
`ttl`. When no answer can be had, a stale entry younger than `stale_for` is served, as NAV's HPR proxy does;
without one, `RegisterUtilgjengelig` says so, and the caller waits rather than decides.

Each try, each lookup left without a fresh answer and each circuit's state are Prometheus metrics
(observability/metrics.py: sykmeldingsflyt_register_*), by register.
"""

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import OpenedState
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from sykmeldingsflyt.domain.registers import RegisterUtilgjengelig
from sykmeldingsflyt.observability.metrics import CIRCUIT_STATES, REGISTER_CALLS, REGISTER_CIRCUIT, REGISTER_ERRORS

log = structlog.get_logger(__name__)

T = TypeVar("T")


class Forbigaende(Exception):  # noqa: N818 - the domain's word: a passing failure
    """A failure worth trying again: a timeout, a lost connection, a 5xx, an expired token."""


class Ugyldig(Exception):  # noqa: N818 - the domain's word: an invalid answer
    """The register answered, but not in a shape we can read; trying again at once will not help."""


@dataclass(frozen=True, slots=True)
class Policy:
    """How patient to be with one register."""

    timeout: float = 5.0
    """Seconds per HTTP call (connect, read, write and pool each)."""
    attempts: int = 3
    backoff_initial: float = 0.2
    backoff_max: float = 2.0
    failure_threshold: int = 5
    """Failed calls in a row (after their retries) that open the circuit."""
    open_seconds: float = 30.0
    """How long an open circuit refuses calls before it lets one through to probe."""
    ttl: float = 300.0
    stale_for: float = 24 * 3600.0
    cache_size: int = 100_000


@dataclass(slots=True)
class _Entry(Generic[T]):
    value: T
    stored_at: float


class Guard(Generic[T]):
    """The guard of one register: its cache, its circuit, its retry policy."""

    def __init__(self, register: str, policy: Policy, clock: Callable[[], float] = time.monotonic) -> None:
        self.register = register
        self.policy = policy
        self._clock = clock
        self._cache: OrderedDict[Hashable, _Entry[T]] = OrderedDict()
        self._breakers = AsyncCircuitBreakerFactory(
            default_threshold=policy.failure_threshold, default_ttl=policy.open_seconds
        )
        self._breakers.add_listener(self._circuit_changed)
        REGISTER_CIRCUIT.labels(register).set(CIRCUIT_STATES["closed"])

    async def call(self, key: Hashable, fetch: Callable[[], Awaitable[T]]) -> T:
        entry = self._cache.get(key)
        now = self._clock()
        if entry is not None and now - entry.stored_at < self.policy.ttl:
            return entry.value
        try:
            value = await self._through_circuit(fetch)
        except (Forbigaende, Ugyldig, OpenedState) as exc:
            grunn = _grunn(exc)
            if entry is not None and now - entry.stored_at < self.policy.stale_for:
                REGISTER_ERRORS.labels(self.register, _reason(exc), "stale").inc()
                log.warning("register.stale", register=self.register, grunn=grunn, alder_s=round(now - entry.stored_at))
                return entry.value
            REGISTER_ERRORS.labels(self.register, _reason(exc), "nothing").inc()
            log.warning("register.utilgjengelig", register=self.register, grunn=grunn)
            raise RegisterUtilgjengelig(self.register, grunn) from exc
        self._store(key, value)
        return value

    async def _through_circuit(self, fetch: Callable[[], Awaitable[T]]) -> T:
        breaker = await self._breakers.get_breaker(self.register)
        async with breaker:
            retrying = AsyncRetrying(
                stop=stop_after_attempt(self.policy.attempts),
                wait=wait_random_exponential(multiplier=self.policy.backoff_initial, max=self.policy.backoff_max),
                retry=retry_if_exception_type(Forbigaende),
                reraise=True,
            )
            async for attempt in retrying:
                with attempt:
                    return await self._try(fetch)
        raise AssertionError("unreachable: tenacity reraises the last failure")  # pragma: no cover

    async def _try(self, fetch: Callable[[], Awaitable[T]]) -> T:
        try:
            value = await fetch()
        except Exception as exc:
            REGISTER_CALLS.labels(self.register, _reason(exc)).inc()
            raise
        REGISTER_CALLS.labels(self.register, "answered").inc()
        return value

    def _circuit_changed(self, _circuit: str, event_name: str, event: Any) -> None:
        if event_name == "state_changed":
            REGISTER_CIRCUIT.labels(self.register).set(CIRCUIT_STATES[event.state])

    def _store(self, key: Hashable, value: T) -> None:
        self._cache[key] = _Entry(value, self._clock())
        self._cache.move_to_end(key)
        while len(self._cache) > self.policy.cache_size:
            self._cache.popitem(last=False)


def _reason(exc: BaseException) -> str:
    """A metric's label for a failure: one of a few words, never the failure's text."""
    if isinstance(exc, OpenedState):
        return "circuit_open"
    if isinstance(exc, Forbigaende):
        return "transient"
    return "invalid" if isinstance(exc, Ugyldig) else "error"


def _grunn(exc: BaseException) -> str:
    if isinstance(exc, OpenedState):
        return "kretsen er åpen etter gjentatte feil"
    return str(exc) or type(exc).__name__
