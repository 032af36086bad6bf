"""A follow-up plan's answer at once, as NAV's lps-oppfolgingsplan-mottak gives it (docs/domain.md §5.3).

The body's own rules first (400 VALIDATION_ERROR, every broken rule named by field), then the employee:
Aareg (403 NO_ACTIVE_EMPLOYMENT), the sykmeldinger SENT to the organisation as the read model has them
(403 NO_ACTIVE_SENT_SYKMELDING) and the population register (404 EMPLOYEE_NOT_FOUND), in that order
(`check_employee`). A register that cannot answer is never a refusal: 503 with Retry-After, and the HR
system sends the plan again. Delivery to the fastlege and to NAV stays asynchronous, with its receipt.
"""

import asyncio
from datetime import date

import structlog
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sykmeldingsflyt.domain.oppfolgingsplan import (
    ErrorType,
    KnownSykmelding,
    Oppfolgingsplan,
    Refusal,
    check_employee,
    check_plan,
)
from sykmeldingsflyt.domain.registers import RegisterUtilgjengelig
from sykmeldingsflyt.domain.views import ArbeidsgiverSykmelding
from sykmeldingsflyt.gateway.context import Gateway
from sykmeldingsflyt.gateway.dependencies import Submission
from sykmeldingsflyt.gateway.problems import ApiError, FieldProblem
from sykmeldingsflyt.messaging.topics import OPPFOLGINGSPLAN_FRA_HR
from sykmeldingsflyt.storage.tables import GatewayArbeidsgiverSykmelding, GatewaySykmeldingEier

log = structlog.get_logger(__name__)

REGISTER_RETRY_AFTER = "30"
"""Seconds an HR system waits before it sends a plan again when a register could not answer."""

_STATUS = {
    ErrorType.VALIDATION_ERROR: 400,
    ErrorType.NO_ACTIVE_EMPLOYMENT: 403,
    ErrorType.NO_ACTIVE_SENT_SYKMELDING: 403,
    ErrorType.EMPLOYEE_NOT_FOUND: 404,
}


async def send(
    plan: Oppfolgingsplan,
    running: Gateway,
    db: AsyncSession,
    submission: Submission,
    today: date,
    *,
    location: str | None = None,
) -> JSONResponse:
    """A plan from any client (the HR API, the case room): answered at once where NAV refuses it (`vurder`),
    else sent on oppfolgingsplan.fra-hr."""
    await vurder(plan, running, db, today)
    return await submission.send(
        OPPFOLGINGSPLAN_FRA_HR, plan.plan_uuid, plan, identifier=plan.plan_uuid, location=location
    )


async def vurder(plan: Oppfolgingsplan, running: Gateway, db: AsyncSession, today: date) -> None:
    """Raise the answer NAV would give a plan it refuses; return when the plan may be sent on."""
    refusals = check_plan(plan, today)
    if refusals:
        raise ApiError(
            400,
            ErrorType.VALIDATION_ERROR.value,
            "; ".join(refusal.message for refusal in refusals),
            errors=[_field_problem(refusal) for refusal in refusals],
        )
    fnr = plan.employee_identification_number
    registre = running.runtime.registre
    try:
        arbeidsforhold, person = await asyncio.gather(
            registre.aareg.arbeidsforhold(fnr), registre.folkeregister.person(fnr)
        )
    except RegisterUtilgjengelig as error:
        log.warning("gateway.plan_register_unavailable", plan_uuid=plan.plan_uuid, register=error.register)
        raise ApiError(
            503,
            "REGISTER_UNAVAILABLE",
            f"{error.register} could not answer; send the plan again later.",
            headers={"Retry-After": REGISTER_RETRY_AFTER},
        ) from None
    sykmeldinger = await sent_sykmeldinger(db, running.pseudonym(fnr))
    outcome = check_employee(
        plan.orgnummer,
        today,
        arbeidsforhold=arbeidsforhold,
        sykmeldinger=sykmeldinger,
        person_finnes=person is not None,
    )
    if isinstance(outcome, Refusal):
        log.info("gateway.plan_refused", plan_uuid=plan.plan_uuid, code=outcome.code.value)
        raise ApiError(_STATUS[outcome.code], outcome.code.value, outcome.message)


async def sent_sykmeldinger(db: AsyncSession, person: str) -> list[KnownSykmelding]:
    """The person's sykmeldinger as last SENT to an employer and not withdrawn, from the read model."""
    rows = await db.scalars(
        select(GatewayArbeidsgiverSykmelding)
        .join(GatewaySykmeldingEier, GatewaySykmeldingEier.sykmelding_id == GatewayArbeidsgiverSykmelding.sykmelding_id)
        .where(GatewaySykmeldingEier.person_ref == person)
    )
    known = []
    for row in rows:
        if row.view is None:
            continue  # withdrawn: a JSON null, which `IS NOT NULL` does not see
        view = ArbeidsgiverSykmelding.model_validate(row.view)
        if view.sykmeldingsperioder:
            siste_tom = max(periode.tom for periode in view.sykmeldingsperioder)
            known.append(KnownSykmelding(siste_tom, view.orgnummer, view.juridisk_orgnummer))
    return known


def _field_problem(refusal: Refusal) -> FieldProblem:
    return FieldProblem(
        field=refusal.field or "(body)", location="body", rule=refusal.code.value, message=refusal.message
    )
