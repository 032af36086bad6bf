"""The fastlege register through fastlegerest, as NAV's follow-up services call it.

`GET /fastlegerest/api/system/v1/fastlege/aktiv/personident` with header `nav-personident`; 404 when the
person has no fastlege. The doctor's `herId` addresses a dialogmelding, the office's `foreldreEnhetHerId`
receives it.
"""

from pydantic import BaseModel, ConfigDict, TypeAdapter

from sykmeldingsflyt.domain.fastlegeregister import Fastlege
from sykmeldingsflyt.registers.nav.client import RegisterKlient

PATH = "/fastlegerest/api/system/v1/fastlege/aktiv/personident"


class FastlegeJson(BaseModel):
    model_config = ConfigDict(extra="ignore")

    herId: int  # noqa: N815 - fastlegerest's field names
    foreldreEnhetHerId: int | None  # noqa: N815


_FASTLEGE = TypeAdapter(FastlegeJson)


def _parse(body: object) -> Fastlege | None:
    json = _FASTLEGE.validate_python(body)
    if json.foreldreEnhetHerId is None:
        # Without the office's HER id no dialogmelding can reach the doctor: as good as none.
        return None
    return Fastlege(her_id=str(json.herId), legekontor_her_id=str(json.foreldreEnhetHerId))


class Fastlegerest:
    """`Fastlegeregister` over fastlegerest."""

    def __init__(self, klient: RegisterKlient[Fastlege | None]) -> None:
        self._klient = klient

    async def fastlege(self, fnr: str) -> Fastlege | None:
        return await self._klient.hent(fnr, PATH, _parse, ikke_funnet=None, headers={"nav-personident": fnr})
