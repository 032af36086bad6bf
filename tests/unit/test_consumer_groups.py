"""Consumer group ids: one per service and topic, carrying the tenant prefix, so deployments (or test runs)
sharing one cluster never join each other's groups."""

from faststream.kafka import KafkaBroker
from faststream.kafka.subscriber.usecase import LogicSubscriber

from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.settings import KafkaSettings
from sykmeldingsflyt.messaging.topics import Topics
from sykmeldingsflyt.profiles import Profile
from sykmeldingsflyt.services.registry import SERVICES
from sykmeldingsflyt.services.runtime import Runtime, ServiceSettings
from sykmeldingsflyt.storage.database import Database


def _groups(prefix: str) -> dict[str, str]:
    """Every subscriber's group id by its title (`service:topic`), for a deployment with `prefix`."""
    runtime = Runtime(
        # Nothing connects: the services only register their subscribers on a broker that never starts.
        kafka=KafkaSettings.model_construct(bootstrap_servers="groups.invalid:9092", topic_prefix=prefix),
        database=Database("sqlite+aiosqlite://"),
        codec=AvroCodec(SchemaStore()),
        topics=Topics(prefix),
        settings=ServiceSettings.model_construct(profile=Profile.DEVELOPMENT),
    )
    broker = KafkaBroker("groups.invalid:9092")
    for service_class in SERVICES.values():
        service_class(runtime).subscribe(broker)
    return {
        str(subscriber.specification.config.title_): str(subscriber.group_id)
        for subscriber in broker.subscribers
        if isinstance(subscriber, LogicSubscriber)
    }


def test_a_group_id_names_the_service_and_the_topic() -> None:
    groups = _groups("")

    assert groups["mottak:sykmelding.fra-epj"] == "sykmeldingsflyt-mottak.sykmelding.fra-epj"
    assert len(set(groups.values())) == len(groups), "two subscribers share a group"


def test_every_group_id_carries_the_tenant_prefix() -> None:
    plain, tenant_a, tenant_b = _groups(""), _groups("tenant-a."), _groups("tenant-b.")

    assert tenant_a.keys() == plain.keys() == tenant_b.keys()
    for title, group in plain.items():
        assert tenant_a[title] == group.replace("sykmeldingsflyt-", "sykmeldingsflyt-tenant-a.", 1)
        assert tenant_b[title] == group.replace("sykmeldingsflyt-", "sykmeldingsflyt-tenant-b.", 1)
    assert not set(tenant_a.values()) & (set(tenant_b.values()) | set(plain.values()))
