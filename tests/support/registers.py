"""Named entries of the bundled register folder (src/sykmeldingsflyt/registers/data/local), for tests."""

from sykmeldingsflyt.domain.fastlegeregister import Fastlege
from sykmeldingsflyt.synthetic import DEMO_BEHANDLER, DEMO_LEGEKONTOR

UKJENT_PASIENT_FNR = "08888798715"
"""A valid synthetic fnr (born 1987-08-08) listed under `ukjente` in personer.yaml."""

UTEN_FASTLEGE_FNR = "14838526102"
"""A valid synthetic fnr (born 1985-03-14) listed under `utenFastlege` in fastleger.yaml."""

assert DEMO_BEHANDLER.her is not None
DEMO_FASTLEGE = Fastlege(her_id=DEMO_BEHANDLER.her, legekontor_her_id=DEMO_LEGEKONTOR.her_id)
"""Every other synthetic person's fastlege in fastleger.yaml: Dr. Test Legesen at Testlegene Legesenter."""
