"""Dead letters seal what they keep: the keyring, its rotation, and what an operator sees unasked."""

import base64
import os
from datetime import UTC, datetime

import pytest

from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.dead_letter import DeadLetterKeyring, DeadLetters, KeyringError
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.operations.redaction import MASK, redacted
from sykmeldingsflyt.services.runtime import ServiceSettings

FNR = "13031353453"
CANARY = "CANARY-DIAGNOSE-7f3a"


def _key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def _inbound(offset: int = 7) -> Inbound:
    return Inbound("sykmelding.fra-epj", 0, offset, FNR.encode(), f"{FNR} {CANARY}".encode(), ())


def _sealed(keyring: DeadLetterKeyring, inbound: Inbound) -> bytes:
    dead_letters = DeadLetters(AvroCodec(SchemaStore()), keyring)
    record = dead_letters.record(
        inbound, service="mottak", reason="MALFORMED_MESSAGE", detail="-", field=None, references={}
    )
    return dead_letters.codec.encode("dead_letter", record, "sykmelding.fra-epj.dlq")


def test_a_dead_letter_has_no_fnr_or_canary_in_the_clear_and_opens_for_replay() -> None:
    keyring = DeadLetterKeyring.parse(f"k1:{_key()}")
    data = _sealed(keyring, _inbound())

    assert FNR.encode() not in data and CANARY.encode() not in data
    dead_letters = DeadLetters(AvroCodec(SchemaStore()), keyring)
    letter = dead_letters.read(data)
    assert letter.key_id == "k1" and letter.source == "sykmelding.fra-epj:0:7"
    assert dead_letters.original(letter) == (FNR.encode(), f"{FNR} {CANARY}".encode())
    assert FNR not in repr(letter)


def test_after_rotation_the_old_key_still_opens_and_new_letters_use_the_new_one() -> None:
    old, new = _key(), _key()
    before = _sealed(DeadLetterKeyring.parse(f"k1:{old}"), _inbound())
    rotated = DeadLetters(AvroCodec(SchemaStore()), DeadLetterKeyring.parse(f"k2:{new},k1:{old}"))

    assert rotated.original(rotated.read(before))[1] == f"{FNR} {CANARY}".encode()
    assert rotated.read(_sealed(rotated.keyring, _inbound(8))).key_id == "k2"
    without_old = DeadLetters(rotated.codec, DeadLetterKeyring.parse(f"k2:{new}"))
    with pytest.raises(KeyringError, match="k1"):
        without_old.original(without_old.read(before))


def test_a_sealed_value_moved_to_another_position_does_not_open() -> None:
    keyring = DeadLetterKeyring.parse(f"k1:{_key()}")
    dead_letters = DeadLetters(AvroCodec(SchemaStore()), keyring)
    letter = dead_letters.read(_sealed(keyring, _inbound(7)))
    moved = dead_letters.read(_sealed(keyring, _inbound(8)))

    with pytest.raises(KeyringError, match="altered or moved"):
        dead_letters.original(type(letter)(**{**letter.__dict__, "sealed_value": moved.sealed_value}))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("k1", "id:base64"),
        ("k1:!!!", "base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "32 bytes"),
    ],
)
def test_an_unusable_keyring_is_refused_naming_the_problem(text: str, problem: str) -> None:
    with pytest.raises(KeyringError, match=problem):
        DeadLetterKeyring.parse(text)
    with pytest.raises(ValueError, match=problem):
        ServiceSettings(dead_letter_keys=text)


def test_a_current_key_id_not_in_the_keyring_is_refused() -> None:
    with pytest.raises(ValueError, match="not in the keyring"):
        ServiceSettings(dead_letter_keys=f"k1:{_key()}", dead_letter_key_id="k2")


def test_the_redacted_body_pseudonymises_fnr_and_masks_all_but_ids_dates_and_codes() -> None:
    body = {
        "msgId": "m-1",
        "pasientFnr": FNR,
        "sykmelding": {
            "id": "6c1c3a0e-52a6-4e4b-9f6e-0a2f0c7f9b11",
            "medisinskVurdering": {"hovedDiagnose": {"kode": "L87", "tekst": CANARY}},
            "meldingTilNav": {"beskrivBistand": f"{CANARY} for {FNR}"},
            "perioder": [{"fom": "2024-01-01", "tom": "2024-01-31", "grad": 50}],
        },
        "legekontorOrgnr": "223456782",
        "mottattDato": datetime(2024, 1, 1, tzinfo=UTC).isoformat(),
    }

    shown = redacted(body, "body", b"a pseudonym key")

    text = repr(shown)
    assert FNR not in text and CANARY not in text and "L87" not in text
    assert shown["pasientFnr"].startswith("person:")
    assert shown["sykmelding"]["medisinskVurdering"]["hovedDiagnose"] == {"kode": MASK, "tekst": MASK}
    assert shown["sykmelding"]["id"] == body["sykmelding"]["id"]  # type: ignore[index]
    assert shown["sykmelding"]["perioder"] == body["sykmelding"]["perioder"]  # type: ignore[index]
    assert shown["msgId"] == "m-1" and shown["legekontorOrgnr"] == "223456782"
