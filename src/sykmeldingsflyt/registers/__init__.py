"""Adapters of the domain's register ports: NAV's HTTP APIs (`nav/`), folders of files (`files`), and the
bundled diagnosis code lists."""

from sykmeldingsflyt.registers.diagnosekoder import BundledDiagnosekoder, bundled_diagnosekoder

__all__ = ["BundledDiagnosekoder", "bundled_diagnosekoder"]
