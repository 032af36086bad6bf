"""Local implementations of the domain's register ports (`sykmeldingsflyt.domain.registers`)."""

from sykmeldingsflyt.registers.diagnosekoder import BundledDiagnosekoder, bundled_diagnosekoder
from sykmeldingsflyt.registers.hpr_fixture import FixtureHprRegister
from sykmeldingsflyt.registers.legesuspensjon_fixture import FixtureLegesuspensjon
from sykmeldingsflyt.registers.person_fixture import FixturePersonRegister

__all__ = [
    "BundledDiagnosekoder",
    "FixtureHprRegister",
    "FixtureLegesuspensjon",
    "FixturePersonRegister",
    "bundled_diagnosekoder",
]
