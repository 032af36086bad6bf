"""Hypothesis strategies for the oppfølgingsplan's wire models, their rows for the contract tests, and an
example plan every test can vary.

Every free-text field draws from one `texts` strategy, as in tests.strategies, so a privacy test can pass
canary strings. The checks between fields are not applied: the wire carries what the rules then judge.
"""

from typing import Any

from hypothesis import strategies as st

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.oppfolgingsplan import (
    Delivery,
    DeliveryStatus,
    Dialogmelding,
    ErrorType,
    Oppfolgingsplan,
    OppfolgingsplanMottatt,
    PlanKvittering,
    PlanStatus,
)
from tests.strategies import DEFAULT_TEXTS, Texts, dates, fnrs, ids, orgnrs, timestamps


def _content(texts: Texts) -> dict[str, st.SearchStrategy[Any]]:
    optional = st.none() | texts
    return {
        "plan_uuid": ids(),
        "orgnummer": orgnrs(),
        "sendt_tidspunkt": timestamps(),
        "employee_identification_number": fnrs(),
        "typical_workday": texts,
        "tasks_that_can_still_be_done": texts,
        "tasks_that_can_not_be_done": texts,
        "previous_facilitation": texts,
        "planned_facilitation": texts,
        "other_facilitation_options": optional,
        "follow_up": texts,
        "evaluation_date": dates(),
        "additional_information": optional,
        "contact_person_full_name": texts,
        "contact_person_phone_number": texts,
        "contact_person_email": texts,
        "employee_has_contributed_to_plan": st.booleans(),
        "employee_has_not_contributed_to_plan_description": optional,
    }


def oppfolgingsplaner(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Oppfolgingsplan]:
    fields = _content(texts) | {
        "send_plan_to_nav": st.booleans(),
        "needs_help_from_nav": st.none() | st.booleans(),
        "needs_help_from_nav_description": st.none() | texts,
        "send_plan_to_general_practitioner": st.booleans(),
        "message_to_general_practitioner": st.none() | texts,
        "lps_name": texts,
        "lps_email": st.none() | texts,
    }
    return st.fixed_dictionaries(fields).map(lambda values: Oppfolgingsplan(**values))


def dialogmeldinger(texts: Texts = DEFAULT_TEXTS) -> st.SearchStrategy[Dialogmelding]:
    her_ids = st.from_regex(r"[1-9][0-9]{5,8}", fullmatch=True)
    fields = _content(texts) | {
        "dialogmelding_id": ids(),
        "her_id": her_ids,
        "legekontor_her_id": her_ids,
        "message_to_general_practitioner": st.none() | texts,
    }
    return st.fixed_dictionaries(fields).map(lambda values: Dialogmelding(**values))


def deliveries() -> st.SearchStrategy[Delivery]:
    failed = st.builds(Delivery, status=st.just(DeliveryStatus.FAILED), reason=st.sampled_from(ErrorType))
    return failed | st.builds(Delivery, status=st.sampled_from([DeliveryStatus.SENT, DeliveryStatus.NOT_REQUESTED]))


@st.composite
def plan_kvitteringer(draw: st.DrawFn, texts: Texts = DEFAULT_TEXTS) -> PlanKvittering:
    status = draw(st.sampled_from(PlanStatus))
    accepted = status is PlanStatus.ACCEPTED
    refusal_codes = [code for code in ErrorType if code is not ErrorType.GENERAL_PRACTITIONER_NOT_FOUND]
    return PlanKvittering(
        kvittering_id=draw(ids()),
        plan_uuid=draw(st.none() | ids()),
        status=status,
        code=None if accepted else draw(st.sampled_from(refusal_codes)),
        field=draw(st.none() | texts),
        message=draw(st.none() | texts),
        general_practitioner=draw(deliveries()) if accepted else None,
        nav=draw(deliveries()) if accepted else None,
        mottatt=draw(timestamps()),
    )


def mottatt_events() -> st.SearchStrategy[OppfolgingsplanMottatt]:
    fields = {
        "plan_uuid": ids(),
        "person_ref": st.text(alphabet="0123456789abcdef", min_size=40, max_size=40),
        "orgnummer": orgnrs(),
        "juridisk_orgnummer": orgnrs(),
        "mottatt": timestamps(),
        "evaluation_date": dates(),
    }
    return st.fixed_dictionaries(fields).map(lambda values: OppfolgingsplanMottatt(**values))


OPPFOLGING_CONTRACTS: list[tuple[str, type[DomainModel], st.SearchStrategy[Any]]] = [
    ("oppfolgingsplan", Oppfolgingsplan, oppfolgingsplaner()),
    ("dialogmelding", Dialogmelding, dialogmeldinger()),
    ("plan_kvittering", PlanKvittering, plan_kvitteringer()),
    ("oppfolgingsplan_mottatt", OppfolgingsplanMottatt, mottatt_events()),
]
