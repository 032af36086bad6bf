"""Pseudonyms per audience: an employer's names a person within that employer only."""

from sykmeldingsflyt.domain.pseudonym import ansatt_ref, person_ref

KEY = b"a-test-key-of-some-length-0123456789"
FNR = "17857233115"


def test_two_employers_get_unrelated_pseudonyms_and_neither_is_navs() -> None:
    nav = person_ref(FNR, KEY)
    bakeriet, verkstedet = ansatt_ref("311000101", nav, KEY), ansatt_ref("311000128", nav, KEY)

    assert len({nav, bakeriet, verkstedet}) == 3
    assert ansatt_ref("311000101", nav, KEY) == bakeriet  # stable: an HR system can join on it
    assert FNR not in bakeriet + verkstedet


def test_an_employer_pseudonym_depends_on_the_key() -> None:
    nav = person_ref(FNR, KEY)

    assert ansatt_ref("311000101", nav, KEY) != ansatt_ref("311000101", nav, KEY + b"-rotated")


def test_the_employer_pseudonym_is_not_the_hash_of_joined_strings() -> None:
    # The separator keeps (orgnr, person) pairs apart that would join to the same text.
    assert ansatt_ref("31100010", "1" + "ab", KEY) != ansatt_ref("311000101", "ab", KEY)
