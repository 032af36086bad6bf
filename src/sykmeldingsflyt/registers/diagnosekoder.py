"""The ICPC-2 and ICD-10 code lists NAV publishes as `@navikt/diagnosekoder`, bundled as data files.

See data/SOURCE.md for where the files come from. They are read once per process; a lookup is then a
dict probe.
"""

import json
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from types import MappingProxyType

from sykmeldingsflyt.domain.sykmelding import ICD10_SYSTEM, ICPC2_SYSTEM

VERSION = "@navikt/diagnosekoder 1.2026.0"

_PACKAGE = "sykmeldingsflyt.registers"


def _read(name: str) -> Mapping[str, str]:
    entries = json.loads((files(_PACKAGE) / "data" / name).read_text(encoding="utf-8"))
    return MappingProxyType({entry["code"]: entry["text"] for entry in entries})


class BundledDiagnosekoder:
    """`Diagnosekoder` over the code lists shipped in this package."""

    version = VERSION

    def __init__(self, icpc2: Mapping[str, str], icd10: Mapping[str, str]) -> None:
        self._icpc2 = icpc2
        self._icd10 = icd10
        self._by_system = {ICPC2_SYSTEM: self._icpc2_text, ICD10_SYSTEM: self._icd10_text}

    def is_icpc2(self, kode: str) -> bool:
        return kode in self._icpc2

    def is_icd10(self, kode: str) -> bool:
        return self._icd10_text(kode) is not None

    def text(self, system: str, kode: str) -> str | None:
        lookup = self._by_system.get(system)
        return lookup(kode) if lookup else None

    def _icpc2_text(self, kode: str) -> str | None:
        return self._icpc2.get(kode)

    def _icd10_text(self, kode: str) -> str | None:
        text = self._icd10.get(kode)
        # The list holds M545; EPJ systems write both M545 and M54.5.
        return text if text is not None else self._icd10.get(kode.replace(".", "", 1))


@cache
def bundled_diagnosekoder() -> BundledDiagnosekoder:
    """The bundled lists, read on first use and shared after that."""
    return BundledDiagnosekoder(icpc2=_read("ICPC2.json"), icd10=_read("ICD10.json"))
