"""Ports to the external registers the validation rules consult (DOMAIN.md §2.2).

The domain owns these Protocols and the small value types they return; adapters (the local fixtures and
bundled code lists in `sykmeldingsflyt.registers`, or clients of the real registers) implement them.
The value types follow the shape of NAV's Helsepersonellregister (HPR) client, so a real adapter is a
mapping, not a reinterpretation.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol

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


class HprRegister(Protocol):
    def lookup(self, hpr_or_fnr: str) -> HprBehandler | None:
        """The professional with this HPR number or fnr, or None when HPR has no such person."""
        ...


class PersonRegister(Protocol):
    def lookup(self, fnr: str) -> Person | None:
        """The person with this fnr, or None when the register does not know it."""
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


class Legesuspensjon(Protocol):
    """NAV's register of doctors whose right to write sykmeldinger is suspended (btsys)."""

    async def er_suspendert(self, behandler_fnr: str, dato: date) -> bool:
        """Whether the doctor with this fnr is suspended on `dato` (the signature day)."""
        ...
