"""The set of registers a process consults, whichever adapters stand behind them."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sykmeldingsflyt.domain.registers import (
    Aareg,
    Fastlegeregister,
    Folkeregister,
    Helsepersonellregister,
    Legesuspensjon,
    NaermesteLederRegister,
)


async def _nothing_to_close() -> None:
    return None


@dataclass(frozen=True)
class Registre:
    hpr: Helsepersonellregister
    legesuspensjon: Legesuspensjon
    folkeregister: Folkeregister
    fastlegeregister: Fastlegeregister
    aareg: Aareg
    naermeste_leder: NaermesteLederRegister
    close: Callable[[], Awaitable[None]] = _nothing_to_close
    """Release what the adapters hold open (the HTTP connection pool)."""
