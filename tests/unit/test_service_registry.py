"""The lazy service registry: each name finds its service, and `run <name>` imports only that one."""

import subprocess
import sys

from sykmeldingsflyt.services.registry import SERVICES


def test_every_name_finds_the_service_of_that_name() -> None:
    assert len(SERVICES) == 7
    for name, service in SERVICES.items():
        assert service.name == name


def test_looking_up_one_service_imports_no_other_service() -> None:
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from sykmeldingsflyt import cli; from sykmeldingsflyt.services.registry import SERVICES; "
            "SERVICES['mottak']; print(' '.join(sorted(sys.modules)))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "sykmeldingsflyt.services.mottak" in shown
    others = {"personvern", "oppfolging", "oppgave", "tidslinje", "motebehov"}
    assert not [module for module in shown if module.removeprefix("sykmeldingsflyt.services.") in others]
    assert "sykmeldingsflyt.gateway.readmodel" not in shown
