"""Folder-backed registers: the bundled folder, an operator's own folder, and errors that say where."""

import random
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sykmeldingsflyt.cli import app
from sykmeldingsflyt.domain.fastlegeregister import Fastlege
from sykmeldingsflyt.domain.registers import Arbeidsforhold, LedetAnsatt, Person
from sykmeldingsflyt.messaging.settings import SettingsError
from sykmeldingsflyt.registers.files import FileRegistre, RegisterfilFeil, bundled_folder
from sykmeldingsflyt.registers.nav.hpr import Syfohelsenettproxy
from sykmeldingsflyt.registers.settings import RegisterSettings, open_registre
from sykmeldingsflyt.synthetic import synthetic_pasient_fnr
from tests.support.registers import DEMO_FASTLEGE, UKJENT_PASIENT_FNR, UTEN_FASTLEGE_FNR

LEGE_FNR = "17857233115"
REAL_LOOKING_FNR = "17057233115"  # not synthetic: never resolves in the bundled folder


async def test_the_bundled_folder_knows_the_demo_doctor_and_every_synthetic_person() -> None:
    registre = FileRegistre.read(bundled_folder()).registre()
    lege = await registre.hpr.behandler(LEGE_FNR)
    assert lege is not None and await registre.hpr.behandler_med_hpr_nummer(lege.hpr_nummer) == lege
    synthetic = "29828433154"
    assert await registre.folkeregister.person(synthetic) == Person(synthetic, date(1984, 2, 29), None, (synthetic,))
    assert await registre.folkeregister.person(UKJENT_PASIENT_FNR) is None
    assert await registre.fastlegeregister.fastlege(LEGE_FNR) == Fastlege("900002", "900001")
    assert await registre.fastlegeregister.fastlege(UTEN_FASTLEGE_FNR) is None
    assert await registre.legesuspensjon.er_suspendert(LEGE_FNR, date(2026, 12, 5)) is False
    assert await registre.aareg.arbeidsforhold(UTEN_FASTLEGE_FNR) == (
        Arbeidsforhold("311000101", "311000004", date(2015, 8, 1)),
    )
    assert await registre.naermeste_leder.naermeste_leder(UTEN_FASTLEGE_FNR, "311000101") is not None
    ledet = await registre.naermeste_leder.ansatte("02917936725")
    assert LedetAnsatt(UTEN_FASTLEGE_FNR, "311000101") in ledet
    assert await registre.naermeste_leder.ansatte(UTEN_FASTLEGE_FNR) == ()


async def test_every_synthetic_patient_has_the_demo_doctor_except_the_few_without() -> None:
    fastleger = FileRegistre.read(bundled_folder()).registre().fastlegeregister
    rng = random.Random(2)
    for _ in range(50):
        assert await fastleger.fastlege(synthetic_pasient_fnr(rng)) == DEMO_FASTLEGE
    assert await fastleger.fastlege(UTEN_FASTLEGE_FNR) is None
    nav_test_person = "14438510053"  # month + 40: NAV's own test persons, not the Tax Administration's
    assert await fastleger.fastlege(nav_test_person) is None
    assert await fastleger.fastlege("not an fnr") is None


def _write(folder: Path, **files: str) -> Path:
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
    return folder


async def test_an_operators_folder_adds_a_doctor_a_suspension_and_a_dead_person(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        behandlere=f"""
- hprNummer: "1234567"
  fnr: "{LEGE_FNR}"
  godkjenninger:
  - helsepersonellkategori: {{aktiv: true, oid: 9060, verdi: LE}}
    autorisasjon: {{aktiv: true, oid: 7704, verdi: "1"}}
""",
        suspensjoner=f'[{{fnr: "{LEGE_FNR}", fom: 2026-12-01, tom: 2026-12-31}}]',
        personer=f"""
personer:
- {{fnr: "{UTEN_FASTLEGE_FNR}", dodsdato: 2026-11-01, tidligereIdenter: ["{UKJENT_PASIENT_FNR}"]}}
""",
    )
    registre = FileRegistre.read(folder).registre()
    assert (await registre.hpr.behandler_med_hpr_nummer("1234567")) is not None
    assert await registre.legesuspensjon.er_suspendert(LEGE_FNR, date(2026, 12, 5))
    assert not await registre.legesuspensjon.er_suspendert(LEGE_FNR, date(2027, 1, 1))
    person = await registre.folkeregister.person(UKJENT_PASIENT_FNR)
    assert person is not None and person.fnr == UTEN_FASTLEGE_FNR and person.dodsdato == date(2026, 11, 1)
    # Without `syntetiske: true` only listed persons exist.
    assert await registre.folkeregister.person("29828433154") is None


def test_errors_name_file_entry_and_field_never_the_fnr(tmp_path: Path) -> None:
    folder = _write(
        tmp_path,
        behandlere='- {hprNummer: "1", fnr: "17857233116", godkjenninger: [{autorisasjon: {aktiv: true}}]}',
        naermesteledere='- {fnr: "17857233115", orgnummer: "311000102", lederFnr: "02917936725", aktivFom: 2020-01-01}',
        personer="syntetiske: kanskje",
    )
    with pytest.raises(RegisterfilFeil) as raised:
        FileRegistre.read(folder)
    assert sorted(raised.value.problems) == [
        "behandlere.yaml: oppføring 0, felt fnr: fnr check digit does not match",
        "behandlere.yaml: oppføring 0, felt godkjenninger[0].autorisasjon.oid: Field required",
        "naermesteledere.yaml: oppføring 0, felt orgnummer: orgnr check digit does not match",
        "personer.yaml: felt syntetiske: Input should be a valid boolean, unable to interpret input",
    ]
    assert "17857233116" not in str(raised.value)


def test_broken_yaml_is_named(tmp_path: Path) -> None:
    with pytest.raises(RegisterfilFeil, match=r"suspensjoner.yaml: ikke gyldig YAML"):
        FileRegistre.read(_write(tmp_path, suspensjoner="- {fnr: [unclosed"))


def test_registers_check_command(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["registers", "check", str(bundled_folder())])
    assert ok.exit_code == 0, ok.output
    _write(tmp_path, arbeidsforhold='- {fnr: "17857233115", orgnummer: "311000101", fom: 2020-01-01}')
    bad = runner.invoke(app, ["registers", "check", str(tmp_path)])
    assert bad.exit_code == 2
    assert "arbeidsforhold.yaml: oppføring 0, felt juridiskOrgnummer: Field required" in bad.output
    missing = runner.invoke(app, ["registers", "check", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2 and "ingen slik mappe" in missing.output


def test_settings_choose_the_bundled_folder_by_default_and_a_file_folder_by_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SYKMELDINGSFLYT_REGISTERS", raising=False)
    monkeypatch.delenv("REGISTERS", raising=False)
    assert RegisterSettings.from_env().folder() == bundled_folder()
    monkeypatch.setenv("REGISTERS", f"file:{tmp_path}")
    assert RegisterSettings.from_env().folder() == tmp_path
    _write(tmp_path, personer="syntetiske: kanskje")
    with pytest.raises(SettingsError, match=r"personer\.yaml: felt syntetiske"):
        open_registre(RegisterSettings.from_env())


def test_nav_registers_name_every_missing_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYKMELDINGSFLYT_REGISTERS", "nav")
    monkeypatch.setenv("SYKMELDINGSFLYT_HPR_URL", "http://syfohelsenettproxy")
    with pytest.raises(SettingsError) as raised:
        RegisterSettings.from_env()
    message = str(raised.value)
    assert "SYKMELDINGSFLYT_HPR_SCOPE" in message and "SYKMELDINGSFLYT_HPR_URL" not in message
    assert "AZURE_APP_CLIENT_SECRET or AZURE_APP_JWK" in message


async def test_nav_registers_are_built_from_complete_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYKMELDINGSFLYT_REGISTERS", "nav")
    for name in ("HPR", "BTSYS", "PDL", "FASTLEGE", "AAREG", "NARMESTELEDER"):
        monkeypatch.setenv(f"SYKMELDINGSFLYT_{name}_URL", f"http://{name.lower()}")
        monkeypatch.setenv(f"SYKMELDINGSFLYT_{name}_SCOPE", f"api://{name.lower()}/.default")
    monkeypatch.setenv("AZURE_APP_CLIENT_ID", "id")
    monkeypatch.setenv("AZURE_APP_CLIENT_SECRET", "secret")
    monkeypatch.setenv("AZURE_OPENID_CONFIG_TOKEN_ENDPOINT", "http://login/token")
    registre = open_registre(RegisterSettings.from_env())
    assert isinstance(registre.hpr, Syfohelsenettproxy)
    await registre.close()
