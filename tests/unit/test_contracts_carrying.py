"""NAV's record carries the sykmelding as it came; mottak reuses the bytes it came in rather than writing
them again. Whatever the sykmelding and the outcome, the bytes must be those of writing the whole record,
and an answer withheld from NAV must never travel in the reused bytes."""

import random
from datetime import date

from hypothesis import HealthCheck, given, settings

from sykmeldingsflyt import synthetic
from sykmeldingsflyt.domain.privacy import nav_view
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding, SporsmalSvar, SvarRestriksjon
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from tests import strategies

CODEC = AvroCodec(SchemaStore())
TOPIC = "nav.sykmelding"
OK = ValidationResult(status=RuleStatus.OK)


def _through(received: ReceivedSykmelding, result: ValidationResult) -> tuple[bytes, bytes]:
    """NAV's record as mottak writes it from the incoming bytes, and as written whole."""
    data = contracts.encode(CODEC, received, "sykmelding.fra-epj")
    decoded, incoming = contracts.decode_incoming(CODEC, data, ReceivedSykmelding)
    view = nav_view(decoded, result)
    return contracts.encode_carrying(CODEC, view, incoming, TOPIC), contracts.encode(CODEC, view, TOPIC)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(received=strategies.received_sykmeldinger(), result=strategies.validation_results())
def test_nav_record_from_the_incoming_bytes_is_the_record_written_whole(
    received: ReceivedSykmelding, result: ValidationResult
) -> None:
    carried, whole = _through(received, result)
    assert carried == whole


def test_the_incoming_bytes_are_reused_for_an_ordinary_sykmelding() -> None:
    received = synthetic.make_sykmelding(random.Random(16), fom=date(2026, 1, 5))
    data = contracts.encode(CODEC, received, "sykmelding.fra-epj")
    _, incoming = contracts.decode_incoming(CODEC, data, ReceivedSykmelding)
    assert incoming.written is not None
    assert bytes(incoming.written.body) == data[10:]
    rest = {"validationResult": OK.to_wire()}
    spliced = CODEC.encode_after("nav_sykmelding", "receivedSykmelding", incoming.written, rest, TOPIC)
    assert spliced == contracts.encode(CODEC, nav_view(received, OK), TOPIC)
    # Not a field of that type, or not the first: written whole.
    assert CODEC.encode_after("nav_sykmelding", "validationResult", incoming.written, rest, TOPIC) is None


def test_an_answer_withheld_from_nav_is_not_in_the_record_nav_gets() -> None:
    base = synthetic.make_sykmelding(random.Random(17), fom=date(2026, 1, 5))
    skjult = SporsmalSvar(
        sporsmal="Annen informasjon?", svar="Kun til legen", restriksjoner=[SvarRestriksjon.SKJERMET_FOR_NAV]
    )
    received = base.model_copy(
        update={"sykmelding": base.sykmelding.model_copy(update={"utdypende_opplysninger": {"6.3": {"6.3.1": skjult}}})}
    )
    carried, whole = _through(received, OK)
    assert carried == whole
    assert b"Kun til legen" in contracts.encode(CODEC, received, "sykmelding.fra-epj")
    assert b"Kun til legen" not in carried
    assert contracts.decode(CODEC, carried, NavSykmelding).received_sykmelding.sykmelding.utdypende_opplysninger == {}
