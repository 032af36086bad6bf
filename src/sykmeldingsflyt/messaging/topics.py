"""The topic catalogue: every topic the product uses, in one place.

Each entry says what the key is, which Avro contract the value follows, how the topic is kept, and which
parties may write and read it. `sykmeldingsflyt topics create` creates them; ACLs on a real cluster are
derived from the same table, so the catalogue is the one place where access is decided.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from enum import StrEnum


class Party(StrEnum):
    """Who is on the other end of a topic. Services of this product are not parties."""

    EPJ = "epj"  # the doctor's electronic patient record system
    SYKMELDT = "sykmeldt"  # the employee, through nav.no
    ARBEIDSGIVER = "arbeidsgiver"  # the employer's HR system
    NAV = "nav"
    OPERATOR = "operator"  # the people who run sykmeldingsflyt


class Cleanup(StrEnum):
    DELETE = "delete"
    COMPACT = "compact"


DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class Header:
    """A Kafka header a topic's messages carry, so a reader can filter or route without decoding."""

    name: str
    description: str


@dataclass(frozen=True, slots=True)
class Topic:
    name: str
    key: str
    value_schema: str
    description: str
    writers: frozenset[Party]
    readers: frozenset[Party]
    partitions: int = 6
    cleanup: Cleanup = Cleanup.DELETE
    retention_ms: int = 30 * DAY_MS
    # Inbound topics get a dead-letter twin; the catalogue derives it so no inbound topic can lack one.
    has_dlq: bool = False
    headers: tuple[Header, ...] = ()
    # The value is an Avro message under schemas/<value_schema>.avsc; where not, value_schema says what it is.
    avro_value: bool = True

    def prefixed(self, prefix: str) -> "Topic":
        return replace(self, name=f"{prefix}{self.name}") if prefix else self

    def config(self) -> dict[str, str]:
        """Topic-level configuration as the broker takes it."""
        settings = {"cleanup.policy": self.cleanup.value}
        if self.cleanup is Cleanup.DELETE:
            settings["retention.ms"] = str(self.retention_ms)
        else:
            # A tombstone must live long enough for every consumer to see the deletion.
            settings["delete.retention.ms"] = str(DAY_MS)
            settings["min.compaction.lag.ms"] = "0"
        return settings


DLQ_SUFFIX = ".dlq"
DEAD_LETTER_SCHEMA = "dead_letter"


def dead_letter_topic(source: Topic) -> Topic:
    return Topic(
        name=source.name + DLQ_SUFFIX,
        key="source topic, partition and offset (never the original key: it came from outside)",
        headers=(Header("reason", "The dead letter's reason code, the same as its `reason` field."),),
        value_schema=DEAD_LETTER_SCHEMA,
        description=f"Messages from {source.name} that could not be processed, with the reason.",
        writers=frozenset(),
        readers=frozenset({Party.OPERATOR}),
        partitions=1,
        # No longer than the source keeps the message itself (a compacted source: its nominal retention).
        retention_ms=source.retention_ms,
    )


_everyone_internal: frozenset[Party] = frozenset()
# Topics that hold several employers' or several clinics' data: Kafka's ACLs are per topic, so no outside
# party may read them. Each party reads its own share through its own door in the gateway.
_for_nav_only: frozenset[Party] = frozenset({Party.NAV})

SYKMELDING_FRA_EPJ = Topic(
    name="sykmelding.fra-epj",
    key="msgId (the sender's message id)",
    value_schema="received_sykmelding",
    description="Sykmeldinger as EPJ systems send them.",
    writers=frozenset({Party.EPJ}),
    readers=_everyone_internal,
    has_dlq=True,
)
EPJ_KVITTERING = Topic(
    name="epj.kvittering",
    key="msgId of the sykmelding it answers",
    headers=(Header("legekontor-orgnr", "The clinic's orgnr, when the sykmelding gave one: an EPJ filters on it."),),
    value_schema="kvittering",
    description="A kvittering (apprec) for every sykmelding: OK, or AVVIST with the sender's reasons.",
    writers=_everyone_internal,
    readers=_for_nav_only,
)
NAV_SYKMELDING = Topic(
    name="nav.sykmelding",
    key="sykmelding id",
    value_schema="nav_sykmelding",
    description="Every sykmelding in NAV's view, with its validation result.",
    writers=_everyone_internal,
    readers=frozenset({Party.NAV}),
    retention_ms=365 * DAY_MS,
)
SYKMELDING_STATUS = Topic(
    name="sykmelding.status",
    key="sykmelding id",
    value_schema="sykmelding_status",
    description="The employee's actions on a sykmelding: SENDT, BEKREFTET, AVBRUTT, GJENAPNET, SLETTET.",
    writers=frozenset({Party.SYKMELDT}),
    readers=frozenset({Party.NAV}),
    cleanup=Cleanup.COMPACT,
    has_dlq=True,
)
ARBEIDSGIVER_SYKMELDING = Topic(
    name="arbeidsgiver.sykmelding",
    key="sykmelding id (orgnr in the header 'orgnummer')",
    headers=(
        Header("orgnummer", "The virksomhet (underenhet) the employee sent it to: HR systems filter on it."),
        Header("juridisk-orgnummer", "That virksomhet's legal entity (hovedenhet)."),
    ),
    value_schema="arbeidsgiver_sykmelding",
    description="The employer view of sykmeldinger the employee sent; a tombstone when withdrawn.",
    writers=_everyone_internal,
    readers=_for_nav_only,
    cleanup=Cleanup.COMPACT,
)
ARBEIDSGIVER_SOKNAD = Topic(
    name="arbeidsgiver.soknad",
    key="soknad id (orgnr in the header 'orgnummer')",
    headers=(Header("orgnummer", "The virksomhet (underenhet) the employee sent the søknad to."),),
    value_schema="arbeidsgiver_soknad",
    description="The employer view of sykepengesøknader the employee sent to the employer; no diagnosis, no fnr.",
    writers=_everyone_internal,
    readers=_for_nav_only,
    cleanup=Cleanup.COMPACT,
)
OPPFOLGINGSPLAN_FRA_HR = Topic(
    name="oppfolgingsplan.fra-hr",
    key="plan uuid",
    value_schema="oppfolgingsplan",
    description="Follow-up plans as HR systems post them.",
    writers=frozenset({Party.ARBEIDSGIVER}),
    readers=_everyone_internal,
    has_dlq=True,
)
EPJ_DIALOGMELDING = Topic(
    name="epj.dialogmelding",
    key="plan uuid",
    headers=(Header("her-id", "The fastlege's HER id: the addressee."),),
    value_schema="dialogmelding",
    description="Follow-up plans to the employee's fastlege, addressed by HER id.",
    writers=_everyone_internal,
    readers=_for_nav_only,
)
NAV_OPPFOLGINGSPLAN = Topic(
    name="nav.oppfolgingsplan",
    key="plan uuid",
    value_schema="oppfolgingsplan",
    description="Follow-up plans the parties chose to send to NAV.",
    writers=_everyone_internal,
    readers=frozenset({Party.NAV}),
    retention_ms=365 * DAY_MS,
)
HR_KVITTERING = Topic(
    name="hr.kvittering",
    key="plan uuid",
    headers=(Header("orgnummer", "The organisation that posted the plan, when it could be read."),),
    value_schema="plan_kvittering",
    description="Receipts for follow-up plans: accepted, delivered to doctor and NAV, or why not.",
    writers=_everyone_internal,
    readers=_for_nav_only,
)
OPPFOLGINGSPLAN_MOTTATT = Topic(
    name="oppfolgingsplan.mottatt",
    key="plan uuid",
    value_schema="oppfolgingsplan_mottatt",
    description="That an accepted plan arrived, for the case timeline: a person pseudonym, never the plan.",
    writers=_everyone_internal,
    readers=_everyone_internal,
)
MOTEBEHOV_FRA_PART = Topic(
    name="motebehov.fra-part",
    key="motebehov uuid",
    value_schema="motebehov",
    description="Requests for a dialogue meeting from the employee or the employer.",
    writers=frozenset({Party.SYKMELDT, Party.ARBEIDSGIVER}),
    readers=_everyone_internal,
    has_dlq=True,
)
NAV_MOTEBEHOV = Topic(
    name="nav.motebehov",
    key="motebehov uuid",
    value_schema="motebehov_mottatt",
    description="Accepted møtebehov with their case, by pseudonym; each party reads its own through the gateway.",
    writers=_everyone_internal,
    readers=_for_nav_only,
    retention_ms=365 * DAY_MS,
)
NAV_DIALOGMOTE_STATUS = Topic(
    name="nav.dialogmote-status",
    key="dialogmote uuid",
    value_schema="dialogmote_status",
    description="NAV's dialogue-meeting events: INNKALT, NYTT_TID_STED, AVLYST, FERDIGSTILT, LUKKET.",
    writers=frozenset({Party.NAV}),
    readers=_everyone_internal,
    has_dlq=True,
)
SYKEPENGESOKNAD = Topic(
    name="sykepengesoknad",
    key="soknad id",
    value_schema="sykepengesoknad",
    description="Sent sykepengesøknader: the days as they turned out (work resumed, holiday, leave, behandlingsdager).",
    writers=frozenset({Party.SYKMELDT}),
    readers=frozenset({Party.NAV}),
    has_dlq=True,
)
NAV_DODSFALL = Topic(
    name="nav.dodsfall",
    key="hendelse id",
    value_schema="dodsfall",
    description="Deaths registered in the population register: a death ends the person's cases.",
    writers=frozenset({Party.NAV}),
    readers=_everyone_internal,
    has_dlq=True,
)
NAV_DIALOGMOTEKANDIDAT = Topic(
    name="nav.dialogmotekandidat",
    key="case id",
    value_schema="dialogmotekandidat_endring",
    description="Every change of a dialogmøte-2 candidature, with its reason; by pseudonym, never medical data.",
    writers=_everyone_internal,
    readers=frozenset({Party.NAV}),
    retention_ms=365 * DAY_MS,
)
NAV_DIALOGMOTEKANDIDAT_VURDERING = Topic(
    name="nav.dialogmotekandidat-vurdering",
    key="vurdering uuid",
    value_schema="dialogmotekandidat_vurdering",
    description="NAV officers' exceptions (unntak) and ikke aktuell for dialogmøte-2 candidates.",
    writers=frozenset({Party.NAV}),
    readers=_everyone_internal,
    has_dlq=True,
)
OPPGAVE_BESTILLING = Topic(
    name="oppgave.bestilling",
    key="oppgave id (stable per trigger)",
    value_schema="oppgave",
    description="Tasks the services want NAV to have; the oppgave service deduplicates and owns their lifecycle.",
    writers=_everyone_internal,
    readers=_everyone_internal,
)
NAV_OPPGAVE = Topic(
    name="nav.oppgave",
    key="oppgave id",
    value_schema="oppgave",
    description="Tasks for NAV raised at stop points, on møtebehov and on plans asking for help.",
    writers=_everyone_internal,
    readers=frozenset({Party.NAV}),
    retention_ms=365 * DAY_MS,
)
NAV_OPPGAVE_BEHANDLET = Topic(
    name="nav.oppgave-behandlet",
    key="oppgave id",
    value_schema="oppgave_behandlet",
    description="NAV's word that a task was handled.",
    writers=frozenset({Party.NAV}),
    readers=_everyone_internal,
    has_dlq=True,
)
VARSEL = Topic(
    name="varsel",
    key="case id",
    value_schema="varsel",
    description="Reminders to the employee or the employer at legal stop points; never medical data.",
    writers=_everyone_internal,
    readers=_for_nav_only,
)
# Every producer publishes the Avro schemas it writes with here before it writes, so that a consumer built
# before a schema existed still reads its messages (messaging/schema_topic.py); one partition keeps it in order.
SYKMELDINGSFLYT_SCHEMAS = Topic(
    name="sykmeldingsflyt.schemas",
    key="the schema's CRC-64-AVRO fingerprint, in hex",
    value_schema="an Avro schema (.avsc) as JSON text, one a producer writes with",
    avro_value=False,
    description="Every Avro schema a producer writes with, published before its first message.",
    writers=frozenset(),
    readers=frozenset({Party.OPERATOR}),
    partitions=1,
    cleanup=Cleanup.COMPACT,
)

_PRIMARY: tuple[Topic, ...] = (
    SYKMELDING_FRA_EPJ,
    EPJ_KVITTERING,
    NAV_SYKMELDING,
    SYKMELDING_STATUS,
    ARBEIDSGIVER_SYKMELDING,
    ARBEIDSGIVER_SOKNAD,
    OPPFOLGINGSPLAN_FRA_HR,
    EPJ_DIALOGMELDING,
    NAV_OPPFOLGINGSPLAN,
    HR_KVITTERING,
    OPPFOLGINGSPLAN_MOTTATT,
    MOTEBEHOV_FRA_PART,
    NAV_MOTEBEHOV,
    NAV_DIALOGMOTE_STATUS,
    SYKEPENGESOKNAD,
    NAV_DODSFALL,
    NAV_DIALOGMOTEKANDIDAT,
    NAV_DIALOGMOTEKANDIDAT_VURDERING,
    OPPGAVE_BESTILLING,
    NAV_OPPGAVE,
    NAV_OPPGAVE_BEHANDLET,
    VARSEL,
    SYKMELDINGSFLYT_SCHEMAS,
)


def catalogue(prefix: str = "") -> tuple[Topic, ...]:
    """Every topic, each inbound topic followed by its dead-letter topic, with the tenant prefix applied."""
    return tuple(topic.prefixed(prefix) for topic in _with_dead_letters())


def _with_dead_letters() -> Iterator[Topic]:
    for topic in _PRIMARY:
        yield topic
        if topic.has_dlq:
            yield dead_letter_topic(topic)


class Topics:
    """Topic names as one deployment sees them: the catalogue with its tenant prefix applied."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    def name(self, topic: Topic) -> str:
        return f"{self.prefix}{topic.name}"

    def dlq(self, topic: Topic) -> str:
        if not topic.has_dlq:
            raise ValueError(f"{topic.name} is not an inbound topic and has no dead-letter topic")
        return self.name(topic) + DLQ_SUFFIX
