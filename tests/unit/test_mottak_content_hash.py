"""The content hash is stored with every accepted sykmelding and compared with later ones' hashes: a
resend after an upgrade is recognised only if the hash is computed as it always was."""

import hashlib
import json
import random
from datetime import date

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.services.mottak import _content_hash


def test_the_content_hash_is_sha256_of_the_sorted_json_of_signer_patient_diagnosis_and_periods() -> None:
    rng = random.Random(16)
    for _ in range(200):
        received = synthetic.make_sykmelding(rng, fom=date(2026, 1, 5))
        sykmelding = received.sykmelding
        content = {
            "signer": received.avsender_fnr,
            "pasient": received.pasient_fnr,
            "medisinskVurdering": sykmelding.medisinsk_vurdering.model_dump(mode="json", by_alias=True),
            "perioder": [periode.model_dump(mode="json", by_alias=True) for periode in sykmelding.perioder],
        }
        assert _content_hash(received) == hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
