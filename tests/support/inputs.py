"""What the parties and upstream services put on the topics, produced as their own systems would."""

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.sykmelding import ReceivedSykmelding
from sykmeldingsflyt.domain.validering import RuleStatus, ValidationResult
from sykmeldingsflyt.domain.views import NavSykmelding
from sykmeldingsflyt.messaging import contracts
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import NAV_SYKMELDING, Topic
from sykmeldingsflyt.services.runtime import Runtime
from tests.support.kafka import produce


async def send(settings: KafkaSettings, runtime: Runtime, topic: Topic, *keyed: tuple[str, DomainModel]) -> None:
    """Each (key, model) encoded with its contract on `topic`, in order."""
    name = runtime.topics.name(topic)
    await produce(
        settings, name, [(key.encode(), contracts.encode(runtime.codec, model, name)) for key, model in keyed]
    )


async def send_nav(
    settings: KafkaSettings, runtime: Runtime, *sykmeldinger: ReceivedSykmelding, status: RuleStatus = RuleStatus.OK
) -> None:
    """Sykmeldinger as mottak publishes them on nav.sykmelding, with the rules' outcome `status`."""
    result = ValidationResult(status=RuleStatus.OK)
    if status is not RuleStatus.OK:
        hit = {"rule_name": "TEST", "message_for_sender": "-", "message_for_user": "-", "rule_status": status}
        result = ValidationResult.model_validate({"status": status, "rule_hits": [hit]})
    views = [(s.sykmelding.id, NavSykmelding(received_sykmelding=s, validation_result=result)) for s in sykmeldinger]
    await send(settings, runtime, NAV_SYKMELDING, *views)
