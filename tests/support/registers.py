"""Named entries of the bundled register folder (src/sykmeldingsflyt/registers/data/local), for tests, what
the folder says of a sykmelding's signer and patient, for the rule tests that run without a loop, and a
copy of it holding the people a test makes up (`registre_med`)."""

import shutil
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml

from sykmeldingsflyt.domain.fastlegeregister import Fastlege
from sykmeldingsflyt.domain.registers import HprBehandler, Person, Tilleggskompetanse
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.registers.files import FileRegistre, bundled_folder
from sykmeldingsflyt.registers.registre import Registre
from sykmeldingsflyt.synthetic import DEMO_BEHANDLER, DEMO_LEGEKONTOR

T = TypeVar("T")

BUNDLED = FileRegistre.read(bundled_folder())

UKJENT_PASIENT_FNR = "08888798715"
"""A valid synthetic fnr (born 1987-08-08) listed under `ukjente` in personer.yaml."""
UKJENTE_FNR = frozenset({UKJENT_PASIENT_FNR, "10909223224"})

UTEN_FASTLEGE_FNR = "14838526102"
"""A valid synthetic fnr (born 1985-03-14) listed under `utenFastlege` in fastleger.yaml."""

assert DEMO_BEHANDLER.her is not None
DEMO_FASTLEGE = Fastlege(her_id=DEMO_BEHANDLER.her, legekontor_her_id=DEMO_LEGEKONTOR.her_id)
"""Every other synthetic person's fastlege in fastleger.yaml: Dr. Test Legesen at Testlegene Legesenter."""


def now(coroutine: Coroutine[Any, Any, T]) -> T:
    """The answer of a folder register, which never waits (it reads dicts), without an event loop."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    raise AssertionError("a folder register waited")


def _behandler(hpr_nummer: str) -> HprBehandler:
    behandler = now(BUNDLED.behandler_med_hpr_nummer(hpr_nummer))
    assert behandler is not None, f"behandlere.yaml has no {hpr_nummer}"
    return behandler


LEGE = _behandler("9000001")
"""Dr. Test Legesen, `synthetic.DEMO_BEHANDLER`."""
TANNLEGE = _behandler("9000002")
KIROPRAKTOR = _behandler("9000003")
MANUELLTERAPEUT = _behandler("9000004")
FYSIOTERAPEUT_UTEN_TILLEGGSKOMPETANSE = _behandler("9000005")
INAKTIV_LEGE = _behandler("9000006")
LEGE_UTEN_AUTORISASJON = _behandler("9000007")
FYSIOTERAPEUT = _behandler("9000008")
SUSPENDERT_LEGE = _behandler("9000009")
"""A doctor HPR authorises but whom suspensjoner.yaml suspends from 2024-01-01."""
BEHANDLERE = (
    LEGE,
    TANNLEGE,
    KIROPRAKTOR,
    MANUELLTERAPEUT,
    FYSIOTERAPEUT_UTEN_TILLEGGSKOMPETANSE,
    FYSIOTERAPEUT,
    INAKTIV_LEGE,
    LEGE_UTEN_AUTORISASJON,
    SUSPENDERT_LEGE,
)
SYKMELDING_KOMPETANSE: Tilleggskompetanse = KIROPRAKTOR.godkjenninger[0].tilleggskompetanse[0]
"""The additional competence that lets a chiropractor or physiotherapist write sykmeldinger."""


def bundled_fakta(received: ReceivedSykmelding) -> tuple[HprBehandler | None, Person | None]:
    """What the bundled folder says of the signer (by HPR number, else fnr) and the patient."""
    signer = (
        BUNDLED.behandler_med_hpr_nummer(received.avsender_hpr)
        if received.avsender_hpr
        else BUNDLED.behandler(received.avsender_fnr)
    )
    return now(signer), now(BUNDLED.person(received.pasient_fnr))


def registre_med(folder: Path, *ansettelser: tuple[str, str, str], ukjente: Sequence[str] = ()) -> Registre:
    """The bundled registers copied to `folder`, where each (fnr, virksomhet, legal entity) of `ansettelser`
    is also employed since last year and the `ukjente` are also unknown to the population register: the
    people a test makes up, put where a plan's checks look for them. Called again on the same folder, it adds."""
    shutil.copytree(bundled_folder(), folder, dirs_exist_ok=True)
    since = datetime.now(UTC).date() - timedelta(days=365)
    arbeidsforhold = folder / "arbeidsforhold.yaml"
    entries = yaml.safe_load(arbeidsforhold.read_text(encoding="utf-8")) or []
    entries += [{"fnr": f, "orgnummer": v, "juridiskOrgnummer": j, "fom": since} for f, v, j in ansettelser]
    arbeidsforhold.write_text(yaml.safe_dump(entries), encoding="utf-8")
    personer = folder / "personer.yaml"
    innhold = yaml.safe_load(personer.read_text(encoding="utf-8"))
    innhold["ukjente"] = [*innhold.get("ukjente", []), *ukjente]
    personer.write_text(yaml.safe_dump(innhold), encoding="utf-8")
    return FileRegistre.read(folder).registre()
