"""What the rules need from the registers, fetched for a whole batch before the rules run.

Each distinct question is asked once per batch (a doctor signs many sykmeldinger), a few at a time. A
register that cannot answer makes the sykmeldinger that needed it `RegisterUtilgjengelig`, and only them.
"""

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from sykmeldingsflyt.domain.clock import norwegian_date
from sykmeldingsflyt.domain.registers import HprBehandler, Person, RegisterUtilgjengelig
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.registers.registre import Registre

K = TypeVar("K")
V = TypeVar("V")

_SAMTIDIGE = 16
"""Questions in flight at once per register, well inside the HTTP pool's connections."""


@dataclass(frozen=True, slots=True)
class Registerfakta:
    behandler: HprBehandler | None
    """The signer as HPR knows them (by HPR number when given, else by fnr); None when HPR does not."""
    pasient: Person | None
    """The patient as the population register knows them; None when it does not."""
    behandler_suspendert: bool
    """Whether the signer's right to write sykmeldinger was suspended on the signature day."""


def _behandler_nokkel(received: ReceivedSykmelding) -> tuple[str, str]:
    return ("hpr", received.avsender_hpr) if received.avsender_hpr else ("fnr", received.avsender_fnr)


def _suspensjon_nokkel(received: ReceivedSykmelding) -> tuple[str, date]:
    # As NAV asks btsys: the signer's fnr, on the day the sykmelding was signed.
    return received.avsender_fnr, norwegian_date(received.sykmelding.signatur_dato)


async def _alle(keys: Iterable[K], ask: Callable[[K], Awaitable[V]]) -> dict[K, "V | RegisterUtilgjengelig"]:
    distinct = list(dict.fromkeys(keys))
    answers: dict[K, V | RegisterUtilgjengelig] = {}
    queue = iter(distinct)

    # _SAMTIDIGE askers taking the questions in turn, rather than a task per question behind a semaphore:
    # as many in flight, without a task for each of a batch's hundreds of patients.
    async def asker() -> None:
        for key in queue:
            try:
                answers[key] = await ask(key)
            except RegisterUtilgjengelig as error:
                answers[key] = error

    await asyncio.gather(*(asker() for _ in range(min(_SAMTIDIGE, len(distinct)))))
    return {key: answers[key] for key in distinct}


async def hent_registerfakta(
    registre: Registre, sykmeldinger: Mapping[str, ReceivedSykmelding]
) -> dict[str, "Registerfakta | RegisterUtilgjengelig"]:
    """Each sykmelding's facts by its key in `sykmeldinger`, or the first register that could not answer."""

    async def behandler(key: tuple[str, str]) -> HprBehandler | None:
        kind, ident = key
        if kind == "hpr":
            return await registre.hpr.behandler_med_hpr_nummer(ident)
        return await registre.hpr.behandler(ident)

    async def suspendert(key: tuple[str, date]) -> bool:
        return await registre.legesuspensjon.er_suspendert(*key)

    received = sykmeldinger.values()
    behandlere, pasienter, suspensjoner = await asyncio.gather(
        _alle((_behandler_nokkel(r) for r in received), behandler),
        _alle((r.pasient_fnr for r in received), registre.folkeregister.person),
        _alle((_suspensjon_nokkel(r) for r in received), suspendert),
    )
    result: dict[str, Registerfakta | RegisterUtilgjengelig] = {}
    for key, r in sykmeldinger.items():
        b, p, s = behandlere[_behandler_nokkel(r)], pasienter[r.pasient_fnr], suspensjoner[_suspensjon_nokkel(r)]
        down = RegisterUtilgjengelig
        if isinstance(b, down) or isinstance(p, down) or isinstance(s, down):
            result[key] = next(a for a in (b, p, s) if isinstance(a, down))
        else:
            result[key] = Registerfakta(behandler=b, pasient=p, behandler_suspendert=s)
    return result
