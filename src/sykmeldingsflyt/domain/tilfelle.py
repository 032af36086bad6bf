"""The oppfolgingstilfelle (case): one per person, built from pieces per DOMAIN.md §5 and §5.1.

Conventions, chosen once and used everywhere (stop points, møtebehov window):
- Day counting: "day N" of a case is `start + timedelta(days=N)`, so the start is day 0. This is
  the arithmetic DOMAIN.md and NAV's own services use ("dialogmote-2 candidate at case start + 119
  days", "N weeks" = start + 7N days), and it stays exact across leap days.
- A case belongs to the person, across employers (NAV's isoppfolgingstilfelle). Its pieces
  (`Sykeperiode`, NAV's "biter") are sykmelding periods in every status, egenmeldinger and
  sykepengesøknad periods, each with the employer it concerns (None when it names none).
- Per day and employer the piece of highest priority decides (`Sykeperiode.prioritet`): a søknad
  outranks a sykmelding, a SENDT or BEKREFTET sykmelding one still NY; within one source, back at
  work outranks holiday and leave, which outrank sick days, which outrank non-sick periods
  (behandlingsdager, reisetilskudd); the newest wins what is still tied. A piece without an
  employer (a sykmelding still NY) takes part in every employer's decision.
- Across employers a day is a work day only if it is one for each: sick if any employer's day is
  sick, else FERIE/PERMISJON if any says so. FERIE/PERMISJON days are neither sick nor work: straight
  after a sick day (no work day between) they count as sick days of the case, after a work day they
  count toward the 16 non-sick days that end it; before any sick day they count for nothing.
- A case ends after `CASE_BREAK_DAYS` (16) consecutive non-sick calendar days: a gap of 15 keeps the
  case, a gap of 16 splits it ("a gap longer than 16 days" in an issue means this rule). So a sick day
  on `end + 16` still extends the case; the case is over for good once `end + 16` has passed, or
  on the person's death (dødsdato): no piece counts after it.
- A case keeps the id it was first announced under (`keep_ids`), even when a backdated sykmelding
  moves its start or two cases merge: the derived id is only for a case never seen before.

Where this differs from NAV's code, on purpose: NAV lets a sykmelding's behandlingsdager overrule an
overlapping sykmelding's sick days; here a sick day is not taken away by another sykmelding's
non-sick period (only back-at-work, holiday or leave from the person's own report take it).
"""

import bisect
import itertools
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from sykmeldingsflyt.domain.status import ShortName, StatusEvent, SykmeldingStatusEvent
from sykmeldingsflyt.domain.sykmelding import Periode, Periodetype

CASE_BREAK_DAYS = 16
_CASE_BREAK = timedelta(days=CASE_BREAK_DAYS)
_ONE_DAY = timedelta(days=1)
FULL_GRAD = 100

TILFELLE_NAMESPACE = uuid5(NAMESPACE_URL, "urn:sykmeldingsflyt:oppfolgingstilfelle")


class PeriodeKind(StrEnum):
    AKTIVITET_IKKE_MULIG = "AKTIVITET_IKKE_MULIG"
    GRADERT = "GRADERT"
    AVVENTENDE = "AVVENTENDE"
    BEHANDLINGSDAGER = "BEHANDLINGSDAGER"
    REISETILSKUDD = "REISETILSKUDD"
    EGENMELDING = "EGENMELDING"
    BEHANDLINGSDAG = "BEHANDLINGSDAG"
    """A single treatment day from a søknad: a sick day (NAV's tag BEHANDLINGSDAG)."""
    ARBEID_GJENOPPTATT = "ARBEID_GJENOPPTATT"
    """Back at work: these days are non-sick even where a sykmelding covers them."""
    FERIE = "FERIE"
    PERMISJON = "PERMISJON"


class Kilde(StrEnum):
    """Where a piece comes from, lowest priority first (NAV's tag priority, by source)."""

    SYKMELDING_NY = "SYKMELDING_NY"
    """A sykmelding the employee has not acted on yet."""
    SYKMELDING = "SYKMELDING"
    """A sykmelding SENDT to an employer or BEKREFTET without one."""
    SYKEPENGESOKNAD = "SYKEPENGESOKNAD"


# Avventende and egenmelding carry no grade: the person is away from work altogether.
UNGRADED_SICK_KINDS = frozenset(
    {PeriodeKind.AKTIVITET_IKKE_MULIG, PeriodeKind.AVVENTENDE, PeriodeKind.EGENMELDING, PeriodeKind.BEHANDLINGSDAG}
)
SICK_KINDS = UNGRADED_SICK_KINDS | {PeriodeKind.GRADERT}
FERIE_KINDS = frozenset({PeriodeKind.FERIE, PeriodeKind.PERMISJON})

_KILDE_RANK = {kilde: rank for rank, kilde in enumerate(Kilde)}
_KIND_RANK = {
    **dict.fromkeys(PeriodeKind, 0),
    **dict.fromkeys(SICK_KINDS, 1),
    **dict.fromkeys(FERIE_KINDS, 2),
    PeriodeKind.ARBEID_GJENOPPTATT: 3,
}
_UNKNOWN_TIME = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Sykeperiode:
    """One piece: one period of one document (sykmelding, egenmelding, sykepengesøknad)."""

    sykmelding_id: str
    """The document's id: a sykmelding's, or a søknad's for its periods."""
    fom: date
    tom: date
    kind: PeriodeKind
    grad: int | None = None
    orgnr: str | None = None
    """The employer the piece concerns; None when it names none (NY, BEKREFTET, no employer)."""
    kilde: Kilde = Kilde.SYKMELDING
    inntruffet: datetime | None = None
    """When the document came about; the newest wins a tie. None counts as oldest."""
    prioritet: tuple[int, int, datetime, int, str] = field(init=False, repr=False, compare=False, hash=False)
    """Higher decides the day. Between pieces of equal rank and age the higher grade wins (the person
    is away from work as much as the most a doctor said); the id only makes a full tie deterministic.
    Computed once: every day of every rebuild compares it."""
    utfall: "_Utfall" = field(init=False, repr=False, compare=False, hash=False)
    """What the piece decides where it is alone."""

    def __post_init__(self) -> None:
        prioritet = (
            _KILDE_RANK[self.kilde],
            _KIND_RANK[self.kind],
            self.inntruffet or _UNKNOWN_TIME,
            FULL_GRAD if self.kind in UNGRADED_SICK_KINDS else self.grad or 0,
            self.sykmelding_id,
        )
        object.__setattr__(self, "prioritet", prioritet)
        object.__setattr__(self, "utfall", _outcome((self,)))
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


class SykmeldingTilstand(StrEnum):
    """Where the employee has taken a sykmelding: what its pieces count for."""

    NY = "NY"
    SENDT = "SENDT"
    BEKREFTET = "BEKREFTET"
    AVBRUTT = "AVBRUTT"
    """Withdrawn (AVBRUTT, or SLETTET): its days count for nothing."""


def sykmelding_biter(
    perioder: Iterable[Sykeperiode],
    tilstand: SykmeldingTilstand,
    orgnr: str | None,
    inntruffet: datetime | None,
    egenmeldinger: Iterable[tuple[date, date]] = (),
) -> list[Sykeperiode]:
    """A sykmelding's pieces in its current state: its periods (from `sykeperioder`) and the
    egenmelding days the employee reported with it, tagged with the employer it was SENDT to; none
    once AVBRUTT. A NY or BEKREFTET sykmelding names no employer."""
    if tilstand is SykmeldingTilstand.AVBRUTT:
        return []
    kilde = Kilde.SYKMELDING_NY if tilstand is SykmeldingTilstand.NY else Kilde.SYKMELDING
    orgnr = orgnr if tilstand is SykmeldingTilstand.SENDT else None
    perioder = list(perioder)
    if not perioder:
        return []
    sykmelding_id = perioder[0].sykmelding_id
    biter = [Sykeperiode(p.sykmelding_id, p.fom, p.tom, p.kind, p.grad, orgnr, kilde, inntruffet) for p in perioder]
    biter += [
        Sykeperiode(sykmelding_id, fom, tom, PeriodeKind.EGENMELDING, None, orgnr, kilde, inntruffet)
        for fom, tom in egenmeldinger
        if fom <= tom
    ]
    return biter


@dataclass(frozen=True, slots=True)
class Statusendring:
    tilstand: SykmeldingTilstand
    orgnr: str | None
    egenmeldinger: tuple[tuple[date, date], ...]


_TILSTAND_ETTER = {
    StatusEvent.SENDT: SykmeldingTilstand.SENDT,
    StatusEvent.BEKREFTET: SykmeldingTilstand.BEKREFTET,
    StatusEvent.AVBRUTT: SykmeldingTilstand.AVBRUTT,
    StatusEvent.SLETTET: SykmeldingTilstand.AVBRUTT,
    StatusEvent.GJENAPNET: SykmeldingTilstand.NY,
}


def tilstand_etter(event: SykmeldingStatusEvent) -> Statusendring:
    """The sykmelding's state after the employee's `event`, with the egenmelding days they reported
    (the PERIODE answer when FRAVAER is JA, NAV's egenmeldingsperioder); an answer that is not a list
    of fom/tom dates counts as none rather than stopping the case."""
    orgnr = event.arbeidsgiver.orgnummer if event.arbeidsgiver is not None else None
    return Statusendring(_TILSTAND_ETTER[event.status_event], orgnr, _egenmeldinger(event))


def _egenmeldinger(event: SykmeldingStatusEvent) -> tuple[tuple[date, date], ...]:
    svar = {s.short_name: s.svar for s in event.sporsmals}
    if svar.get(ShortName.FRAVAER) != "JA" or ShortName.PERIODE not in svar:
        return ()
    try:
        perioder = json.loads(svar[ShortName.PERIODE])
        return tuple(
            (date.fromisoformat(p["fom"]), date.fromisoformat(p["tom"])) for p in perioder if p["fom"] <= p["tom"]
        )
    except (ValueError, TypeError, KeyError):
        return ()


def soknad_biter(perioder: Iterable[Sykeperiode], orgnr: str | None, sendt: datetime) -> list[Sykeperiode]:
    """A sent sykepengesøknad's pieces (its periods, work resumed, holiday, leave, behandlingsdager),
    tagged with its employer. A søknad another corrects (korrigerer) is left out by the caller."""
    return [
        Sykeperiode(p.sykmelding_id, p.fom, p.tom, p.kind, p.grad, orgnr, Kilde.SYKEPENGESOKNAD, sendt)
        for p in perioder
    ]


def _sort_key(periode: Sykeperiode) -> tuple[date, date, str, str, int, str, str, datetime]:
    return (
        periode.fom,
        periode.tom,
        periode.kind,
        periode.sykmelding_id,
        periode.grad or 0,
        periode.orgnr or "",
        periode.kilde,
        periode.inntruffet or _UNKNOWN_TIME,
    )


class Dagtype(StrEnum):
    SYK = "SYK"
    FERIE = "FERIE"
    """FERIE or PERMISJON from a søknad: neither sick nor at work."""
    ARBEID = "ARBEID"


@dataclass(frozen=True, slots=True)
class Dager:
    """A run of days decided alike: sick at `grad`, on holiday or leave, or at work."""

    fom: date
    tom: date
    type: Dagtype
    grad: int | None = None
    """For SYK: 100 when fully away, else the highest grade among the employers."""
    orgnr: tuple[str, ...] = ()
    """The employers whose pieces decided these days (sick days: those sick-listed from)."""

    @property
    def antall(self) -> int:
        return (self.tom - self.fom).days + 1


@dataclass(frozen=True, slots=True)
class Oppfolgingstilfelle:
    """A case: from its first to its last sick day, with every piece that overlaps that span and the
    days as decided (`dager`, covering start to end)."""

    start: date
    end: date
    perioder: tuple[Sykeperiode, ...]
    dager: tuple[Dager, ...] = ()
    sykedager: int = 0
    """Sick days, holiday and leave counted as sick included (NAV's antallSykedager)."""
    arbeidsgivere: tuple[str, ...] = ()
    """Every employer with a piece in the case, in the order they appear."""
    arbeidstaker_ved_slutt: bool = False
    """Whether the last sick day was decided by a piece with an employer (NAV's arbeidstakerAtTilfelleEnd)."""
    dodsdato: date | None = None
    _foms: tuple[date, ...] = field(default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_foms", tuple(d.fom for d in self.dager))

    @property
    def sykmelding_ids(self) -> tuple[str, ...]:
        """Ids of the documents with a period overlapping the case, in period order, each once."""
        return tuple(dict.fromkeys(p.sykmelding_id for p in self.perioder))

    @property
    def last_joinable_day(self) -> date:
        """The last day on which a new sick day would still belong to this case: none after a death."""
        joinable = self.end + _CASE_BREAK
        return joinable if self.dodsdato is None else min(joinable, self.dodsdato)

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

    def dager_on(self, day: date) -> Dager | None:
        index = bisect.bisect_right(self._foms, day) - 1
        if index < 0 or not self.is_running_on(day):
            return None
        return self.dager[index]

    def grad_on(self, day: date) -> int | None:
        """The sick-leave grade on `day`: 100 when fully away, 1-99 when graded, None on a day not
        sick (at work, on holiday or leave) or outside the case."""
        dager = self.dager_on(day)
        return dager.grad if dager is not None and dager.type is Dagtype.SYK else None

    def is_sick_on(self, day: date) -> bool:
        return self.grad_on(day) is not None

    def fully_sick_on(self, day: date) -> bool:
        return self.grad_on(day) == FULL_GRAD

    def ikke_sykedager_til(self, day: date) -> int:
        """Days from the start up to and including `day` (at most the end) that count as not sick:
        work days, and holiday or leave that came after a work day."""
        last = min(day, self.end)
        count = 0
        after_sick = False
        for dager in self.dager:
            if dager.fom > last:
                break
            if dager.type is Dagtype.SYK:
                after_sick = True
                continue
            if dager.type is Dagtype.ARBEID:
                after_sick = False
            elif after_sick:
                continue  # holiday straight after sick days counts as sick
            count += (min(dager.tom, last) - dager.fom).days + 1
        return count

    def varighet_uker(self, today: date) -> int:
        """The duration in whole weeks: days from start to min(today, end), less the non-sick days
        among them, divided by 7 (DOMAIN.md §5.1, NAV's varighetUker)."""
        last = min(today, self.end)
        if last < self.start:
            return 0
        return max(0, (last - self.start).days - self.ikke_sykedager_til(last)) // 7

    def for_arbeidsgiver(self, orgnr: str) -> "Oppfolgingstilfelle | None":
        """The employer's view: the same case, if the employer is involved, with only its pieces;
        span, days and sick days stay the person's, as NAV derives it."""
        if orgnr not in self.arbeidsgivere:
            return None
        return Oppfolgingstilfelle(
            start=self.start,
            end=self.end,
            perioder=tuple(p for p in self.perioder if p.orgnr in (orgnr, None)),
            dager=self.dager,
            sykedager=self.sykedager,
            arbeidsgivere=(orgnr,),
            arbeidstaker_ved_slutt=self.arbeidstaker_ved_slutt,
            dodsdato=self.dodsdato,
        )


def _segments(pieces: Sequence[Sykeperiode]) -> list[tuple[date, date, list[Sykeperiode]]]:
    """The days cut where any piece starts or ends, each stretch with the pieces covering it; gaps no
    piece covers are left out. `pieces` come sorted by fom."""
    if all(earlier.tom < later.fom for earlier, later in itertools.pairwise(pieces)):
        return [(p.fom, p.tom, [p]) for p in pieces]  # the common chain of sykmeldinger: no overlap
    bounds = sorted({p.fom for p in pieces} | {p.tom + _ONE_DAY for p in pieces})
    active: list[Sykeperiode] = []
    segments: list[tuple[date, date, list[Sykeperiode]]] = []
    next_piece = 0
    for fom, after in itertools.pairwise(bounds):
        active = [p for p in active if p.tom >= fom]
        while next_piece < len(pieces) and pieces[next_piece].fom <= fom:
            active.append(pieces[next_piece])
            next_piece += 1
        if active:
            segments.append((fom, after - _ONE_DAY, active))
    return segments


_Utfall = tuple[Dagtype, int | None, tuple[str, ...], bool]
"""A stretch's outcome: day type, grade, the deciding employers, whether an employer's piece decided."""


def _decide(covering: list[Sykeperiode]) -> _Utfall:
    """One stretch's day type across employers, its grade, the deciding employers, and whether a
    piece with an employer decided it."""
    if len(covering) == 1:  # most stretches: one sykmelding period alone decides
        return covering[0].utfall
    best: dict[str | None, Sykeperiode] = {}
    for piece in covering:
        held = best.get(piece.orgnr)
        if held is None or piece.prioritet > held.prioritet:
            best[piece.orgnr] = piece
    without = best.pop(None, None)
    if not best:
        assert without is not None
        deciding = [without]
    elif without is None:
        deciding = list(best.values())
    else:  # a piece without an employer competes in each employer's decision
        deciding = [piece if piece.prioritet >= without.prioritet else without for piece in best.values()]
    return _outcome(deciding)


def _outcome(deciding: Sequence[Sykeperiode]) -> _Utfall:
    """Sick if any employer's deciding piece is sick, else FERIE if any is holiday or leave, else work."""
    sick = [p for p in deciding if p.kind in SICK_KINDS]
    if sick:
        grad = max(FULL_GRAD if p.kind in UNGRADED_SICK_KINDS else (p.grad or 0) for p in sick)
        orgnr = tuple(dict.fromkeys(p.orgnr for p in sick if p.orgnr is not None))
        return Dagtype.SYK, grad, orgnr, any(p.orgnr is not None for p in sick)
    if any(p.kind in FERIE_KINDS for p in deciding):
        return Dagtype.FERIE, None, (), False
    return Dagtype.ARBEID, None, (), False


@dataclass(slots=True)
class _Open:
    start: date
    end: date
    sykedager: int
    dager: list[Dager]
    arbeidstaker: bool


def _close(case: _Open, pieces: Sequence[Sykeperiode], dodsdato: date | None) -> Oppfolgingstilfelle:
    dager = tuple(d for d in case.dager if d.fom <= case.end)
    members = tuple(p for p in pieces if p.fom <= case.end and p.tom >= case.start)
    return Oppfolgingstilfelle(
        start=case.start,
        end=case.end,
        perioder=members,
        dager=dager,
        sykedager=case.sykedager,
        arbeidsgivere=tuple(dict.fromkeys(p.orgnr for p in members if p.orgnr is not None)),
        arbeidstaker_ved_slutt=case.arbeidstaker,
        dodsdato=dodsdato,
    )


def build_tilfeller(perioder: Iterable[Sykeperiode], dodsdato: date | None = None) -> list[Oppfolgingstilfelle]:
    """The cases of one person across employers, oldest first.

    Independent of input order and of duplicates. A piece belongs to every case whose span it
    overlaps (a sykmelding cut in two by back-at-work days can belong to two cases); a piece lying
    wholly in a gap between cases belongs to none. Cost: pieces x stretches, both few per person.
    """
    unique = sorted(set(perioder), key=_sort_key)
    if dodsdato is not None:
        unique = [p for p in unique if p.fom <= dodsdato]
        # A piece running past the death is cut at it: the person is not sick after.
        cut = [p for p in unique if p.tom > dodsdato]
        unique = [p for p in unique if p.tom <= dodsdato] + [_cut(p, dodsdato) for p in cut]
        unique.sort(key=_sort_key)
    cases: list[Oppfolgingstilfelle] = []
    case: _Open | None = None
    ikke_syk = 0
    for fom, tom, (dagtype, grad, orgnr, arbeidstaker) in _runs(unique):
        run = Dager(fom, tom, dagtype, grad, orgnr)
        if dagtype is Dagtype.SYK:
            if case is not None and ikke_syk >= CASE_BREAK_DAYS:
                cases.append(_close(case, unique, dodsdato))
                case = None
            if case is None:
                case = _Open(fom, tom, 0, [], arbeidstaker)
            case.dager.append(run)
            case.end, case.arbeidstaker = tom, arbeidstaker
            case.sykedager += run.antall
            ikke_syk = 0
        elif dagtype is Dagtype.FERIE and ikke_syk == 0:
            if case is not None:  # straight after a sick day: counted as sick
                case.dager.append(run)
                case.end = tom
                case.sykedager += run.antall
        else:
            ikke_syk += run.antall
            if case is not None:
                case.dager.append(run)
    if case is not None:
        cases.append(_close(case, unique, dodsdato))
    return cases


_AT_WORK: "_Utfall" = (Dagtype.ARBEID, None, (), False)


def _runs(pieces: Sequence[Sykeperiode]) -> Iterator[tuple[date, date, "_Utfall"]]:
    """The days from the first piece to the last as runs decided alike: neighbouring stretches with
    the same outcome joined (a chain of sykmeldinger is one run), days no piece covers at work."""
    current: tuple[date, date, _Utfall] | None = None
    for fom, tom, covering in _segments(pieces):
        utfall = _decide(covering)
        if current is not None:
            joined = current[1] + _ONE_DAY == fom
            if joined and current[2] == utfall:
                current = (current[0], tom, utfall)
                continue
            yield current
            if not joined:
                yield (current[1] + _ONE_DAY, fom - _ONE_DAY, _AT_WORK)
        current = (fom, tom, utfall)
    if current is not None:
        yield current


def _cut(piece: Sykeperiode, tom: date) -> Sykeperiode:
    return Sykeperiode(
        piece.sykmelding_id, piece.fom, tom, piece.kind, piece.grad, piece.orgnr, piece.kilde, piece.inntruffet
    )


def derive_tilfelle_id(person_ref: str, start: date) -> UUID:
    """A deterministic case id from an opaque person reference (never the fnr) and the case start.

    A backdated sykmelding that moves the start of a known case earlier changes this id; a service
    that must not re-announce a case under a new id keeps the id it first derived.
    """
    return uuid5(TILFELLE_NAMESPACE, f"{person_ref}|{start.isoformat()}")


@dataclass(frozen=True, slots=True)
class KnownCase:
    """A case as last announced: its id and the span it had then."""

    id: UUID
    start: date
    end: date


def keep_ids(person_ref: str, tilfeller: Sequence[Oppfolgingstilfelle], known: Iterable[KnownCase]) -> list[UUID]:
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
        new = derive_tilfelle_id(person_ref, tilfelle.start)
        # Only a split can derive an id already in use: the earlier half kept it.
        while new in reserved:
            new = uuid5(TILFELLE_NAMESPACE, f"{new}|split")
        reserved.add(new)
        ids.append(new)
    return ids
