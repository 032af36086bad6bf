"""The oppfolgingstilfelle (case): sick periods merged into cases per DOMAIN.md §5.

Conventions, chosen once and used everywhere (stop points, møtebehov window):
- Day counting: "day N" of a case is `start + timedelta(days=N)`, so the start is day 0. This is
  the arithmetic DOMAIN.md and NAV's own services use ("dialogmote-2 candidate at case start + 119
  days", "N weeks" = start + 7N days), and it stays exact across leap days.
- A case ends after `CASE_BREAK_DAYS` (16) consecutive non-sick calendar days: a gap of 15 keeps the
  case, a gap of 16 splits it ("a gap longer than 16 days" in an issue means this rule). So a sick day
  on `end + 16` still extends the case; the case is over for good once `end + 16` has passed.
- A case is per person and employer: the caller groups the periods by employer (orgnr) and calls
  `build_tilfeller` once per group. This module does not apply DOMAIN's "with several employers a
  day is a working day only if it is one for every employer"; a caller that needs it passes the
  other employers' sick periods into the group.
- A case keeps the id it was first announced under (`keep_ids`), even when a backdated sykmelding
  moves its start or two cases merge: the derived id is only for a case never seen before.
"""

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from sykmeldingsflyt.domain.sykmelding import Periode, Periodetype

CASE_BREAK_DAYS = 16
_CASE_BREAK = timedelta(days=CASE_BREAK_DAYS)
FULL_GRAD = 100

TILFELLE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sykmeldingsflyt:oppfolgingstilfelle")


class PeriodeKind(StrEnum):
    AKTIVITET_IKKE_MULIG = "AKTIVITET_IKKE_MULIG"
    GRADERT = "GRADERT"
    AVVENTENDE = "AVVENTENDE"
    BEHANDLINGSDAGER = "BEHANDLINGSDAGER"
    REISETILSKUDD = "REISETILSKUDD"
    EGENMELDING = "EGENMELDING"
    ARBEID_GJENOPPTATT = "ARBEID_GJENOPPTATT"
    """Back at work: these days are non-sick even where a sykmelding covers them."""


# Avventende and egenmelding carry no grade: the person is away from work altogether.
UNGRADED_SICK_KINDS = frozenset({PeriodeKind.AKTIVITET_IKKE_MULIG, PeriodeKind.AVVENTENDE, PeriodeKind.EGENMELDING})
SICK_KINDS = UNGRADED_SICK_KINDS | {PeriodeKind.GRADERT}


@dataclass(frozen=True, slots=True)
class Sykeperiode:
    """One period of one document (sykmelding, egenmelding, or a back-at-work report)."""

    sykmelding_id: str
    fom: date
    tom: date
    kind: PeriodeKind
    grad: int | None = None

    def __post_init__(self) -> None:
        if self.fom > self.tom:
            raise ValueError(f"fom {self.fom} is after tom {self.tom}")
        if self.kind is PeriodeKind.GRADERT:
            if self.grad is None or not 1 <= self.grad <= 99:
                raise ValueError("a gradert period needs a grad from 1 to 99")
        elif self.grad is not None:
            raise ValueError(f"a {self.kind} period has no grad")

    def covers(self, day: date) -> bool:
        return self.fom <= day <= self.tom


_KIND_OF: dict[Periodetype, PeriodeKind] = {
    Periodetype.AKTIVITET_IKKE_MULIG: PeriodeKind.AKTIVITET_IKKE_MULIG,
    Periodetype.GRADERT: PeriodeKind.GRADERT,
    Periodetype.AVVENTENDE: PeriodeKind.AVVENTENDE,
    Periodetype.BEHANDLINGSDAGER: PeriodeKind.BEHANDLINGSDAGER,
    Periodetype.REISETILSKUDD: PeriodeKind.REISETILSKUDD,
}


def sykeperioder(sykmelding_id: str, perioder: Iterable[Periode]) -> list[Sykeperiode]:
    """A sykmelding's periods as a case counts them. The rules reject a period of no single kind, with
    fom after tom, or graded 100 %; should one reach here it counts as nothing, or as fully sick."""
    counted: list[Sykeperiode] = []
    for periode in perioder:
        kind = periode.kind
        if kind is None or periode.fom > periode.tom:
            continue
        grad = periode.gradert.grad if periode.gradert is not None and kind is Periodetype.GRADERT else None
        if grad is not None and grad >= FULL_GRAD:
            counted.append(Sykeperiode(sykmelding_id, periode.fom, periode.tom, PeriodeKind.AKTIVITET_IKKE_MULIG))
        else:
            counted.append(Sykeperiode(sykmelding_id, periode.fom, periode.tom, _KIND_OF[kind], grad))
    return counted


def _sort_key(periode: Sykeperiode) -> tuple[date, date, str, str, int]:
    return (periode.fom, periode.tom, periode.kind, periode.sykmelding_id, periode.grad or 0)


@dataclass(frozen=True, slots=True)
class Oppfolgingstilfelle:
    """A case: from its first to its last sick day, with every period that overlaps that span."""

    start: date
    end: date
    perioder: tuple[Sykeperiode, ...]

    @property
    def sykmelding_ids(self) -> tuple[str, ...]:
        """Ids of the documents with a period overlapping the case, in period order, each once."""
        return tuple(dict.fromkeys(p.sykmelding_id for p in self.perioder))

    @property
    def last_joinable_day(self) -> date:
        """The last day on which a new sick day would still belong to this case."""
        return self.end + _CASE_BREAK

    def day_number(self, day: date) -> int:
        """N such that `day == start + N days`: the start is day 0 (see the module docstring)."""
        return (day - self.start).days

    def date_of_day(self, number: int) -> date:
        return self.start + timedelta(days=number)

    def is_running_on(self, day: date) -> bool:
        """From the first to the last known sick day, gap days inside the case included."""
        return self.start <= day <= self.end

    def is_active_on(self, day: date) -> bool:
        """Running, or inside the 16 days after `end` in which the case cannot yet be known to have
        ended (DOMAIN §5: a sykmelding counts as active for follow-up until its last tom + 16 days)."""
        return self.start <= day <= self.last_joinable_day

    def grad_on(self, day: date) -> int | None:
        """The sick-leave grade on `day`: 100 when fully away, 1-99 when only gradert periods cover
        it (the highest if several do), None on a non-sick day or outside the case."""
        if not self.is_running_on(day):
            return None
        covering = [p for p in self.perioder if p.covers(day)]
        if any(p.kind is PeriodeKind.ARBEID_GJENOPPTATT for p in covering):
            return None
        if any(p.kind in UNGRADED_SICK_KINDS for p in covering):
            return FULL_GRAD
        return max((p.grad for p in covering if p.grad is not None), default=None)

    def is_sick_on(self, day: date) -> bool:
        return self.grad_on(day) is not None

    def fully_sick_on(self, day: date) -> bool:
        return self.grad_on(day) == FULL_GRAD


def derive_tilfelle_id(person_ref: str, orgnr: str | None, start: date) -> UUID:
    """A deterministic case id from an opaque person reference (never the fnr), the employer's orgnr
    (None for a case without an employer) and the case start.

    A backdated sykmelding that moves the start of a known case earlier changes this id; a service
    that must not re-announce a case under a new id keeps the id it first derived.
    """
    return uuid5(TILFELLE_NAMESPACE, f"{person_ref}|{orgnr or '-'}|{start.isoformat()}")


Interval = tuple[date, date]


def _merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of closed day intervals, touching ones joined: sorted and disjoint."""
    merged: list[Interval] = []
    for fom, tom in sorted(intervals):
        if merged and fom <= merged[-1][1] + timedelta(days=1):
            if tom > merged[-1][1]:
                merged[-1] = (merged[-1][0], tom)
        else:
            merged.append((fom, tom))
    return merged


def _subtract(keep: list[Interval], remove: list[Interval]) -> list[Interval]:
    """`keep` minus `remove`, both sorted and disjoint: one sweep."""
    result: list[Interval] = []
    i = 0
    for fom, tom in keep:
        while i < len(remove) and remove[i][1] < fom:
            i += 1
        j = i
        cursor = fom
        while j < len(remove) and remove[j][0] <= tom:
            if remove[j][0] > cursor:
                result.append((cursor, remove[j][0] - timedelta(days=1)))
            cursor = max(cursor, remove[j][1] + timedelta(days=1))
            j += 1
        if cursor <= tom:
            result.append((cursor, tom))
    return result


def _case_spans(sick: list[Interval]) -> list[Interval]:
    """Join sick intervals whose gap is shorter than CASE_BREAK_DAYS non-sick days."""
    spans: list[Interval] = []
    for fom, tom in sick:
        if spans and (fom - spans[-1][1]).days - 1 < CASE_BREAK_DAYS:
            spans[-1] = (spans[-1][0], tom)
        else:
            spans.append((fom, tom))
    return spans


def build_tilfeller(perioder: Iterable[Sykeperiode]) -> list[Oppfolgingstilfelle]:
    """The cases of one person and one employer, oldest first; O(n log n) in the number of periods.

    Independent of input order and of duplicates. A period belongs to every case whose span it
    overlaps (a sykmelding cut in two by back-at-work days can belong to two cases); a period lying
    wholly in a gap between cases belongs to none.
    """
    unique = sorted(set(perioder), key=_sort_key)
    sick = _merge((p.fom, p.tom) for p in unique if p.kind in SICK_KINDS)
    at_work = _merge((p.fom, p.tom) for p in unique if p.kind is PeriodeKind.ARBEID_GJENOPPTATT)
    spans = _case_spans(_subtract(sick, at_work))

    ends = [tom for _, tom in spans]
    members: list[list[Sykeperiode]] = [[] for _ in spans]
    for periode in unique:
        index = bisect.bisect_left(ends, periode.fom)
        while index < len(spans) and spans[index][0] <= periode.tom:
            members[index].append(periode)
            index += 1
    return [
        Oppfolgingstilfelle(start=fom, end=tom, perioder=tuple(periods))
        for (fom, tom), periods in zip(spans, members, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class KnownCase:
    """A case as last announced: its id and the span it had then."""

    id: UUID
    start: date
    end: date


def keep_ids(
    person_ref: str, orgnr: str | None, tilfeller: Sequence[Oppfolgingstilfelle], known: Iterable[KnownCase]
) -> list[UUID]:
    """An id for each of `tilfeller` (oldest first): the id of the earliest known case it overlaps, so
    an id survives a moved start and two merged cases go on under the older one's; a case that
    overlaps none (new, or the later half of a split one) gets its derived id."""
    unused = sorted(known, key=lambda case: (case.start, case.id))
    reserved = {case.id for case in unused}
    ids: list[UUID] = []
    for tilfelle in tilfeller:
        match = next((c for c in unused if c.start <= tilfelle.end and tilfelle.start <= c.end), None)
        if match is not None:
            unused.remove(match)
            ids.append(match.id)
            continue
        new = derive_tilfelle_id(person_ref, orgnr, tilfelle.start)
        # Only a split can derive an id already in use: the earlier half kept it.
        while new in reserved:
            new = uuid5(TILFELLE_NAMESPACE, f"{new}|split")
        reserved.add(new)
        ids.append(new)
    return ids
