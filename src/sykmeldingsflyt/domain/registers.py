"""Ports to the external registers the services consult (docs/domain.md §2.2).

The domain owns these Protocols and the small value types they return; adapters (`sykmeldingsflyt.registers`:
clients of NAV's registers in `nav/`, folder-backed registers in `files.py`) implement them. The value types
follow the shape of NAV's own clients (HPR, PDL, fastlegerest, Aareg, narmesteleder), so an adapter is a
mapping, not a reinterpretation.

The asynchronous ports are asked by services *before* they call the pure domain: a register's answer is a
fact the rules read, never a call the rules make. An answer of "no such person" is `None`; a register that
cannot answer now raises `RegisterUtilgjengelig`, which is never an answer.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

from sykmeldingsflyt.domain.fastlegeregister import Fastlege

AUTORISASJON_OID = 7704
"""HPR's code system for the kind of authorisation a godkjenning grants."""

TILLEGGSKOMPETANSE_OID = 7702
"""HPR's code system for additional competences; value "1" is the competence to write sykmeldinger."""


class Helsepersonellkategori(StrEnum):
    """The HPR profession codes the rules name; HPR has many more, which no rule accepts."""

    LEGE = "LE"
    TANNLEGE = "TL"
    KIROPRAKTOR = "KI"
    MANUELLTERAPEUT = "MT"
    FYSIOTERAPEUT = "FT"


@dataclass(frozen=True, slots=True)
class Kode:
    """A coded value in HPR: which code system (`oid`), which value, and whether it is in force."""

    oid: int
    verdi: str
    aktiv: bool = True


@dataclass(frozen=True, slots=True)
class Tilleggskompetanse:
    type: Kode
    gyldig_fra: date
    gyldig_til: date | None = None
    avsluttet: bool = False
    """HPR has closed this competence (an `avsluttetStatus`), whatever its validity dates say."""


@dataclass(frozen=True, slots=True)
class Godkjenning:
    """One approval of a health professional: an authorisation for one profession."""

    autorisasjon: Kode | None = None
    helsepersonellkategori: Kode | None = None
    tilleggskompetanse: tuple[Tilleggskompetanse, ...] = ()


@dataclass(frozen=True, slots=True)
class HprBehandler:
    """A health professional as HPR knows them."""

    hpr_nummer: str
    fnr: str = field(repr=False)
    godkjenninger: tuple[Godkjenning, ...]


@dataclass(frozen=True, slots=True)
class Person:
    """A person the population register knows."""

    fnr: str = field(repr=False)
    fodselsdato: date
    dodsdato: date | None = None
    identer: tuple[str, ...] = field(default=(), repr=False)
    """Every ident the person has had (fnr, earlier fnr, d-nummer), the current `fnr` among them."""


@dataclass(frozen=True, slots=True)
class Arbeidsforhold:
    """One employment as Aareg knows it: where the person works and who reports it."""

    orgnummer: str
    """The underenhet (the workplace, Aareg's `arbeidssted`)."""
    juridisk_orgnummer: str
    """The legal entity that reports the employment (Aareg's `opplysningspliktig`)."""
    fom: date
    tom: date | None = None

    def aktivt(self, dato: date) -> bool:
        return self.fom <= dato and (self.tom is None or dato <= self.tom)


@dataclass(frozen=True, slots=True)
class NaermesteLeder:
    """Who leads an employee at one underenhet, from when (and until when, if it has ended)."""

    orgnummer: str
    leder_fnr: str = field(repr=False)
    aktiv_fom: date
    aktiv_tom: date | None = None


@dataclass(frozen=True, slots=True)
class LedetAnsatt:
    """An employee a leader is the active nearest leader of, at one underenhet."""

    fnr: str = field(repr=False)
    orgnummer: str


class RegisterUtilgjengelig(Exception):  # noqa: N818 - the domain's word: the register is unavailable
    """A register could not answer now (down, slow, refusing us, or answering nonsense): ask again later.

    Never means "no such person"; the message names the register and the kind of failure, never whom it
    was asked about.
    """

    def __init__(self, register: str, grunn: str) -> None:
        super().__init__(f"{register} kunne ikke svare: {grunn}")
        self.register = register
        self.grunn = grunn


class Helsepersonellregister(Protocol):
    """HPR, as NAV reads it through syfohelsenettproxy."""

    async def behandler(self, fnr: str) -> HprBehandler | None:
        """The health professional with this fnr, or None when HPR has no such person."""
        ...

    async def behandler_med_hpr_nummer(self, hpr_nummer: str) -> HprBehandler | None:
        """The health professional with this HPR number, or None when HPR has no such number."""
        ...


class Legesuspensjon(Protocol):
    """Helfo's register of doctors whose right to write sykmeldinger is suspended (btsys)."""

    async def er_suspendert(self, behandler_fnr: str, dato: date) -> bool: ...


class Folkeregister(Protocol):
    """The population register, as NAV reads it through PDL."""

    async def person(self, ident: str) -> Person | None:
        """The person with this ident (current or earlier), or None when the register does not know it."""
        ...


class Fastlegeregister(Protocol):
    """Helsedirektoratet's fastlege register, as NAV reads it through fastlegerest."""

    async def fastlege(self, fnr: str) -> Fastlege | None:
        """The person's fastlege today, or None when the person has none (or is unknown)."""
        ...


class Aareg(Protocol):
    """NAV's register of employments (arbeidsgiver- og arbeidstakerregisteret)."""

    async def arbeidsforhold(self, fnr: str) -> tuple[Arbeidsforhold, ...]:
        """The person's employments, ended ones included; empty when Aareg knows none (or not the person)."""
        ...


class NaermesteLederRegister(Protocol):
    """Who the employer has named as each employee's nearest leader (NAV's narmesteleder)."""

    async def naermeste_leder(self, fnr: str, orgnummer: str) -> NaermesteLeder | None:
        """The employee's active nearest leader at `orgnummer`, or None when none is named."""
        ...

    async def ansatte(self, leder_fnr: str) -> tuple[LedetAnsatt, ...]:
        """The employees `leder_fnr` is the active nearest leader of, each at its underenhet; empty for none."""
        ...


class Diagnosekoder(Protocol):
    """The ICPC-2 and ICD-10 code lists NAV validates diagnoses against."""

    @property
    def version(self) -> str:
        """Where the lists come from and which edition, e.g. "@navikt/diagnosekoder 1.2026.0"."""
        ...

    def is_icpc2(self, kode: str) -> bool: ...

    def is_icd10(self, kode: str) -> bool:
        """True for a leaf ICD-10 code, written with or without its dot (M545 or M54.5)."""
        ...

    def text(self, system: str, kode: str) -> str | None:
        """The code's Norwegian text; `system` is the code system's OID. None for an unknown code."""
        ...
