"""NAV's platform (NAIS) resources, generated from the code: a kafka.nais.io/v1 Topic per catalogue topic
and a nais.io/v1alpha1 Application per service process. `sykmeldingsflyt topics nais` writes them.

On NAV's Aiven, topics and their ACLs are Topic resources, not AdminClient calls. Each Topic's config
comes from the catalogue; its ACLs give each of our services what it does (read: what it subscribes to;
write: what it publishes, which the relay must also read back to recover after a crash, so readwrite)
and each party inside NAV what the catalogue lets it read or write. EPJ vendors and HR systems are outside
NAV: they reach us through the gateway, never Aiven.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from faststream.kafka import KafkaBroker

from sykmeldingsflyt.gateway.publisher import PUBLISHES as GATEWAY_PUBLISHES
from sykmeldingsflyt.messaging.codec import AvroCodec, SchemaStore
from sykmeldingsflyt.messaging.settings import KafkaSettings, SettingsError
from sykmeldingsflyt.messaging.topics import SYKMELDINGSFLYT_SCHEMAS, Cleanup, Party, Topic, Topics, catalogue
from sykmeldingsflyt.observability.probes import PRODUCTION_PORT, PROMETHEUS_PATH
from sykmeldingsflyt.profiles import Profile
from sykmeldingsflyt.services.registry import SERVICES
from sykmeldingsflyt.services.runtime import Runtime, ServiceSettings
from sykmeldingsflyt.storage.database import Database

HTTP_GATEWAY = "gateway-http"
"""The HTTP gateway's process (`sykmeldingsflyt gateway`); `gateway` is its read model (`run gateway`)."""


def produces() -> dict[str, tuple[Topic, ...]]:
    """What each process publishes: the services' own declarations, and the HTTP gateway's door."""
    return {name: service.produces for name, service in SERVICES.items()} | {HTTP_GATEWAY: tuple(GATEWAY_PUBLISHES)}


# Parties outside NAV have no Kafka access on Aiven: EPJ vendors and HR systems use the gateway.
OUTSIDE_NAV = frozenset({Party.EPJ, Party.ARBEIDSGIVER})
DEFAULT_IMAGE = "ghcr.io/navikt/sykmeldingsflyt:latest"


def parties(team: str, given: Iterable[str]) -> dict[Party, tuple[str, str]]:
    """Who each party inside NAV is on Aiven: defaults, each overridden by a PARTY=TEAM/APPLICATION."""
    found = {
        Party.NAV: ("teamsykefravr", "*"),
        Party.SYKMELDT: ("teamsykmelding", "sykmeldinger-backend"),
        Party.OPERATOR: (team, "sykmeldingsflyt-operator"),
    }
    for choice in given:
        name, _, who = choice.partition("=")
        owner, _, application = who.partition("/")
        if name not in set(Party) - OUTSIDE_NAV or not owner or not application:
            inside = ", ".join(sorted(set(Party) - OUTSIDE_NAV))
            raise SettingsError(f"--party {choice}: give PARTY=TEAM/APPLICATION with PARTY one of {inside}")
        found[Party(name)] = (owner, application)
    return found


@dataclass(frozen=True)
class Access:
    team: str
    application: str
    access: str  # read, write or readwrite

    def acl(self) -> dict[str, str]:
        return {"team": self.team, "application": self.application, "access": self.access}


@dataclass(frozen=True)
class Installation:
    """Where and as whom the resources are deployed."""

    team: str
    pool: str
    image: str
    # Who each party inside NAV is on Aiven: (team, application); "*" is every application of the team.
    parties: Mapping[Party, tuple[str, str]]
    cluster_domain: str = "intern.nav.no"

    def application(self, process: str) -> str:
        return f"sykmeldingsflyt-{process}"

    @property
    def topic_prefix(self) -> str:
        # NAIS names a topic <namespace>.<metadata.name>: the services must use the same names.
        return f"{self.team}."


def reads() -> dict[str, tuple[Topic, ...]]:
    """What each service subscribes to, from the services themselves (no broker or database is reached)."""
    runtime = Runtime(
        kafka=KafkaSettings(KAFKA_BOOTSTRAP_SERVERS="localhost:9092"),
        database=Database("sqlite+aiosqlite:///:memory:"),
        codec=AvroCodec(SchemaStore()),
        topics=Topics(),
        # Not judged: this process only generates files, whatever profile its environment would choose.
        settings=ServiceSettings.model_construct(profile=Profile.DEVELOPMENT),
    )
    found: dict[str, tuple[Topic, ...]] = {HTTP_GATEWAY: ()}
    for name, service_class in SERVICES.items():
        service = service_class(runtime)
        service.subscribe(KafkaBroker("localhost:9092"))
        found[name] = tuple(service.consumes)
    return found


def accesses(topic: Topic, installation: Installation, consumed: Mapping[str, Iterable[Topic]]) -> list[Access]:
    """Every ACL of `topic`: our processes by what they do, NAV's parties by the catalogue."""
    found: dict[tuple[str, str], set[str]] = {}
    for process, topics in consumed.items():
        if topic.name in {read.name for read in topics}:
            found.setdefault((installation.team, installation.application(process)), set()).add("read")
    for process, topics in produces().items():
        if topic.name in {written.name for written in topics}:
            # The relay reads its topics' committed tail after a crash; the HTTP gateway only sends.
            done = {"write"} if process == HTTP_GATEWAY else {"read", "write"}
            found.setdefault((installation.team, installation.application(process)), set()).update(done)
    for party in (topic.readers | topic.writers) - OUTSIDE_NAV:
        team, application = installation.parties[party]
        wanted = {"read"} if party in topic.readers else set()
        wanted |= {"write"} if party in topic.writers else set()
        found.setdefault((team, application), set()).update(wanted)
    return [
        Access(team, application, "readwrite" if done == {"read", "write"} else done.pop())
        for (team, application), done in sorted(found.items())
    ]


def topic_resource(topic: Topic, installation: Installation, consumed: Mapping[str, Iterable[Topic]]) -> dict[str, Any]:
    config: dict[str, Any] = {
        "cleanupPolicy": topic.cleanup.value,
        "partitions": topic.partitions,
        "replication": 3,
        "minimumInSyncReplicas": 2,
        "retentionBytes": -1,
    }
    if topic.cleanup is Cleanup.DELETE:
        config["retentionHours"] = topic.retention_ms // 3_600_000
    else:
        config["deleteRetentionHours"] = 24
        config["minCompactionLagMs"] = 0
    return {
        "apiVersion": "kafka.nais.io/v1",
        "kind": "Topic",
        "metadata": {
            "name": topic.name,
            "namespace": installation.team,
            "labels": {"team": installation.team},
            "annotations": {"sykmeldingsflyt/description": topic.description, "sykmeldingsflyt/key": topic.key},
        },
        "spec": {
            "pool": installation.pool,
            "config": config,
            "acl": [access.acl() for access in accesses(topic, installation, consumed)],
        },
    }


def application_resource(
    process: str, installation: Installation, consumed: Mapping[str, Iterable[Topic]]
) -> dict[str, Any]:
    http = process == HTTP_GATEWAY
    command = ["gateway", "--host", "0.0.0.0", "--port", str(PRODUCTION_PORT)] if http else ["run", process]
    # Instances beyond the fewest partitions a process reads would stand by; two keep one warm.
    partitions = min((topic.partitions for topic in consumed.get(process, ())), default=6)
    spec: dict[str, Any] = {
        "image": installation.image,
        "command": ["sykmeldingsflyt", *command],
        "port": PRODUCTION_PORT,
        "liveness": {"path": "/internal/isalive", "initialDelay": 10, "periodSeconds": 5, "failureThreshold": 6},
        "readiness": {"path": "/internal/isready", "initialDelay": 10, "periodSeconds": 5},
        "prometheus": {"enabled": True, "path": PROMETHEUS_PATH},
        "replicas": {"min": 2, "max": 4 if http else max(2, partitions)},
        "resources": {
            "requests": {"cpu": "50m" if not http else "200m", "memory": "256Mi"},
            "limits": {"memory": "512Mi"},
        },
        "kafka": {"pool": installation.pool},
        "observability": {
            "logging": {"destinations": [{"id": "loki"}, {"id": "elastic"}]},
            # NAIS sets the OTEL_* variables (collector endpoint, service name) and injects no agent: the
            # services trace themselves (observability/tracing.py).
            "autoInstrumentation": {"enabled": True, "runtime": "sdk"},
        },
        "env": [
            {"name": "SYKMELDINGSFLYT_TOPIC_PREFIX", "value": installation.topic_prefix},
            {"name": "SYKMELDINGSFLYT_PROFILE", "value": "production"},
        ],
        # DATABASE_URL, SYKMELDINGSFLYT_PSEUDONYM_KEY and SYKMELDINGSFLYT_DEAD_LETTER_KEYS: one database and
        # one set of keys for every process (the gateway opens what the services sealed, and the reverse).
        "envFrom": [
            {"secret": "sykmeldingsflyt-database"},
            {"secret": "sykmeldingsflyt-pseudonym-key"},
            {"secret": "sykmeldingsflyt-dead-letter-keys"},
        ],
    }
    if http:
        spec["ingresses"] = [f"https://sykmeldingsflyt.{installation.cluster_domain}"]
        spec["maskinporten"] = {
            "enabled": True,
            "scopes": {
                "exposes": [
                    {"name": f"sykmeldingsflyt/{scope}", "enabled": True, "product": "sykmeldingsflyt"}
                    for scope in ("epj.write", "arbeidsgiver.read", "arbeidsgiver.write", "nav.read")
                ]
            },
        }
        spec["tokenx"] = {"enabled": True}
        spec["azure"] = {"application": {"enabled": True}}
    return {
        "apiVersion": "nais.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            "name": installation.application(process),
            "namespace": installation.team,
            "labels": {"team": installation.team},
        },
        "spec": spec,
    }


def resources(installation: Installation) -> dict[str, dict[str, Any]]:
    """Every resource by the file name it goes in."""
    consumed = reads()
    files = {f"topics/{topic.name}.yaml": topic_resource(topic, installation, consumed) for topic in catalogue()}
    # Every process publishes the schemas it writes with before it writes, and every consumer reads the
    # ones it does not know (messaging/schema_topic.py): on Aiven the topic and those ACLs must be declared.
    schemas = files[f"topics/{SYKMELDINGSFLYT_SCHEMAS.name}.yaml"]
    schemas["spec"]["acl"] = [
        Access(
            installation.team, installation.application(process), "write" if process == HTTP_GATEWAY else "readwrite"
        ).acl()
        for process in produces()
    ] + schemas["spec"]["acl"]
    for process in produces():
        application = application_resource(process, installation, consumed)
        files[f"apps/{installation.application(process)}.yaml"] = application
    return files
