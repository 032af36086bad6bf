"""The employer's søknader: the employer's view of each sykepengesøknad sent to it (arbeidsgiver.soknad, built
by personvern's whitelist), as a feed per organisation with the employee as `ansattRef`: in pages by cursor
for the employer's own door, by running number for the HR systems' (LPS) door."""

from pydantic import Field
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.sykepengesoknad import ArbeidsgiverSoknad
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.paging import PageQuery, encode_cursor
from sykmeldingsflyt.storage.tables import (
    GatewayArbeidsgiverSoknad,
    GatewayArbeidsgiverSykmelding,
    GatewaySykmeldingEier,
)


class ArbeidsgiverSoknadEntry(DomainModel):
    loepenr: int = Field(description="The entry's position in the feed.", examples=[57])
    ansatt_ref: str | None = Field(
        description="The employee as this virksomhet alone knows them (the same as on their sykmeldinger here); "
        "null only until NAV's copy of the sykmelding has been read.",
        examples=["3f1c0e9a7b5d4c2e8a6f1b3d5c7e9a0b2d4f6a8c"],
    )
    soknad: ArbeidsgiverSoknad = Field(
        description="The søknad as NAV's sendt-søknad to the employer shows it: no diagnosis, no fnr."
    )


class ArbeidsgiverSoknadFeed(DomainModel):
    """One page of the søknader sent to the organisation, oldest change first."""

    soknader: list[ArbeidsgiverSoknadEntry] = Field(description="The søknader on this page, oldest change first.")
    next_cursor: str = Field(
        description="Pass as `cursor` for the søknader after this page; an empty page gives the same cursor back.",
        examples=["MTc0Mg"],
    )


async def feed(db: AsyncSession, running: Gateway, orgnr: str, page: PageQuery) -> ArbeidsgiverSoknadFeed:
    """One page of the søknader sent to `orgnr`, after the page's cursor."""
    found = await entries(db, running, orgnr, after=page.after, limit=page.limit)
    return ArbeidsgiverSoknadFeed(soknader=found, next_cursor=encode_cursor(found[-1].loepenr if found else page.after))


async def entries(
    db: AsyncSession, running: Gateway, orgnr: str, *, after: int, limit: int
) -> list[ArbeidsgiverSoknadEntry]:
    """At most `limit` of the søknader sent to `orgnr` as the virksomhet, or to the virksomheter sykmeldinger
    name it the legal entity of, after the running number `after`, oldest first."""
    virksomheter = select(GatewayArbeidsgiverSykmelding.orgnummer).where(
        GatewayArbeidsgiverSykmelding.juridisk_orgnummer == orgnr
    )
    rows = list(
        await db.execute(
            select(GatewayArbeidsgiverSoknad, GatewaySykmeldingEier.person_ref)
            .outerjoin(
                GatewaySykmeldingEier, GatewaySykmeldingEier.sykmelding_id == GatewayArbeidsgiverSoknad.sykmelding_id
            )
            .where(
                or_(
                    GatewayArbeidsgiverSoknad.orgnummer == orgnr, GatewayArbeidsgiverSoknad.orgnummer.in_(virksomheter)
                ),
                GatewayArbeidsgiverSoknad.position > after,
            )
            .order_by(GatewayArbeidsgiverSoknad.position)
            .limit(limit)
        )
    )
    return [
        ArbeidsgiverSoknadEntry(
            loepenr=row.position,
            ansatt_ref=None if person is None else running.ansatt(row.orgnummer, person),
            soknad=ArbeidsgiverSoknad.model_validate(row.soknad),
        )
        for row, person in rows
    ]
