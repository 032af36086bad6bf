"""Repeated sick leave (gjentakende sykefravær, DOMAIN.md §5.1): a signal for needs-based follow-up.

Counted are the person's cases of at least 16 sick days that ended within the last 36 months (a
running case counts with its last known sick day): 5 or more with 100 or more sick days in all, or 2
or more with 300 or more. The signal is computed whenever the person's cases change, and goes to NAV
as a task (a task is what an officer acts on, and the oppgave service already gives "one trigger, one
open task"); the task's id is that of the newest counted case, so a person is signalled once per case
that keeps them over the threshold, however often their cases are recomputed.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from sykmeldingsflyt.domain.oppgave import Oppgave, Oppgavetype
from sykmeldingsflyt.domain.tilfelle import Oppfolgingstilfelle

MIN_SYKEDAGER = 16
WINDOW_YEARS = 3
"""36 months."""
MANY_CASES, MANY_CASES_DAYS = 5, 100
FEW_CASES, FEW_CASES_DAYS = 2, 300

GJENTAKENDE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sykmeldingsflyt:gjentakende-sykefravaer")


@dataclass(frozen=True, slots=True)
class GjentakendeSykefravaer:
    tilfeller: int
    sykedager: int
    siste_tilfelle_id: UUID


def vurder(tilfeller: Sequence[tuple[UUID, Oppfolgingstilfelle]], today: date) -> GjentakendeSykefravaer | None:
    """The signal on `today`, or None when the person is not over either threshold."""
    counted = [
        (tilfelle_id, tilfelle)
        for tilfelle_id, tilfelle in tilfeller
        if tilfelle.sykedager >= MIN_SYKEDAGER and _window_start(today) <= tilfelle.end and tilfelle.start <= today
    ]
    sykedager = sum(tilfelle.sykedager for _, tilfelle in counted)
    many = len(counted) >= MANY_CASES and sykedager >= MANY_CASES_DAYS
    few = len(counted) >= FEW_CASES and sykedager >= FEW_CASES_DAYS
    if not (many or few):
        return None
    newest = max(counted, key=lambda case: case[1].start)[0]
    return GjentakendeSykefravaer(len(counted), sykedager, newest)


def _window_start(today: date) -> date:
    try:
        return today.replace(year=today.year - WINDOW_YEARS)
    except ValueError:  # 29 February: three years back has none
        return today.replace(year=today.year - WINDOW_YEARS, day=28)


def oppgave(person_ref: str, signal: GjentakendeSykefravaer, now: datetime) -> Oppgave:
    """The task for NAV: one per newest counted case (see the module docstring)."""
    return Oppgave(
        id=str(uuid5(GJENTAKENDE_NAMESPACE, f"{person_ref}|{signal.siste_tilfelle_id}")),
        type=Oppgavetype.GJENTAKENDE_SYKEFRAVAER,
        referanse=str(signal.siste_tilfelle_id),
        tilfelle_id=str(signal.siste_tilfelle_id),
        person_ref=person_ref,
        opprettet=now,
    )
