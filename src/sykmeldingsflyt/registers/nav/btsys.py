"""Legesuspensjon through btsys (Helfo's register of suspended doctors), as NAV's sykmelding services call it.

`GET /api/v1/suspensjon/status?oppslagsdato=YYYY-MM-DD` with headers `Nav-Personident`, `Nav-Call-Id`,
`Nav-Consumer-Id`; the answer is `{"suspendert": true|false}`.
"""

from datetime import date

from pydantic import BaseModel, TypeAdapter

from sykmeldingsflyt.registers.nav.client import RegisterKlient


class SuspensjonJson(BaseModel):
    suspendert: bool


_SUSPENSJON = TypeAdapter(SuspensjonJson)


def _parse(body: object) -> bool:
    return _SUSPENSJON.validate_python(body).suspendert


class Btsys:
    """`Legesuspensjon` over btsys."""

    def __init__(self, klient: RegisterKlient[bool]) -> None:
        self._klient = klient

    async def er_suspendert(self, behandler_fnr: str, dato: date) -> bool:
        return await self._klient.hent(
            (behandler_fnr, dato),
            "/api/v1/suspensjon/status",
            _parse,
            # btsys answers every fnr; a 404 would be a wrong URL, but it cannot mean "suspended".
            ikke_funnet=False,
            headers={"Nav-Personident": behandler_fnr},
            params={"oppslagsdato": dato.isoformat()},
        )
