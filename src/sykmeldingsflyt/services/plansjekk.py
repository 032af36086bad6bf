"""Whether an organisation may post a follow-up plan for an employee: the checks NAV's
lps-oppfolgingsplan-mottak makes after the body's, asked of the registers, for both doors of the plan.

The gateway (HTTP, answered at once) and oppfolging (Kafka, answered with a receipt) ask the same
registers through this one function and decide by the same rules (`domain.oppfolgingsplan.check_employee`):
Aareg, the sykmeldinger SENT to the organisation (each door from its own copy), the population register.
A register that cannot answer raises `RegisterUtilgjengelig`, which is never a refusal: the HTTP door
answers 503, the Kafka door lets the plan wait.
"""

import asyncio
from collections.abc import Sequence
from datetime import date

from sykmeldingsflyt.domain.oppfolgingsplan import KnownSykmelding, Refusal, SentTo, check_employee
from sykmeldingsflyt.registers.registre import Registre


async def sjekk_arbeidstaker(
    registre: Registre, orgnr: str, fnr: str, today: date, sykmeldinger: Sequence[KnownSykmelding]
) -> SentTo | Refusal:
    """The employer of the active sykmelding the plan rests on, or the first check that fails."""
    arbeidsforhold, person = await asyncio.gather(
        registre.aareg.arbeidsforhold(fnr), registre.folkeregister.person(fnr)
    )
    return check_employee(
        orgnr, today, arbeidsforhold=arbeidsforhold, sykmeldinger=sykmeldinger, person_finnes=person is not None
    )
