"""The topic catalogue: dead-letter twins, access, naming, prefixes and broker configuration."""

import itertools
import re

import pytest

from sykmeldingsflyt.messaging.topics import (
    ARBEIDSGIVER_SYKMELDING,
    DAY_MS,
    EPJ_KVITTERING,
    NAV_OPPGAVE,
    SYKMELDING_FRA_EPJ,
    SYKMELDING_STATUS,
    Cleanup,
    Party,
    Topic,
    Topics,
    catalogue,
)

PREFIX = "tenant-a."
KAFKA_TOPIC_NAME = re.compile(r"[a-zA-Z0-9._-]{1,249}")


def _is_dlq(topic: Topic) -> bool:
    return topic.name.endswith(".dlq")


def _primary() -> list[Topic]:
    return [topic for topic in catalogue() if not _is_dlq(topic)]


def test_every_inbound_topic_is_followed_by_its_dead_letter_topic() -> None:
    topics = catalogue()

    for index, topic in enumerate(topics):
        if topic.has_dlq:
            assert topics[index + 1].name == f"{topic.name}.dlq"


def test_every_dead_letter_topic_follows_its_source() -> None:
    topics = catalogue()

    dead_letters = [index for index, topic in enumerate(topics) if _is_dlq(topic)]

    assert dead_letters
    for index in dead_letters:
        source = topics[index - 1]
        assert source.has_dlq
        assert topics[index].name == f"{source.name}.dlq"


def test_every_topic_an_outside_party_writes_is_inbound_and_has_a_dead_letter_topic() -> None:
    for topic in _primary():
        assert topic.has_dlq == bool(topic.writers), topic.name


def test_known_inbound_topics_have_dead_letter_topics() -> None:
    names = {topic.name for topic in catalogue()}

    assert {"sykmelding.fra-epj.dlq", "sykmelding.status.dlq", "oppfolgingsplan.fra-hr.dlq"} <= names


def test_dead_letter_topics_are_read_only_by_operators_and_written_by_no_party() -> None:
    for topic in catalogue():
        if _is_dlq(topic):
            assert topic.readers == frozenset({Party.OPERATOR}), topic.name
            assert topic.writers == frozenset(), topic.name
            assert topic.value_schema == "dead_letter"


def test_dead_letters_are_kept_no_longer_than_their_source() -> None:
    topics = catalogue()

    for source, dead_letter in itertools.pairwise(topics):
        if source.has_dlq:
            assert dead_letter.cleanup is Cleanup.DELETE
            assert dead_letter.retention_ms == source.retention_ms


def test_topic_names_are_unique() -> None:
    names = [topic.name for topic in catalogue()]

    assert len(names) == len(set(names))


def test_topic_names_are_legal_kafka_names_with_and_without_prefix() -> None:
    for topic in (*catalogue(), *catalogue(PREFIX)):
        assert KAFKA_TOPIC_NAME.fullmatch(topic.name), topic.name


def test_compacted_topics_are_exactly_the_employer_views_the_status_and_the_schemas() -> None:
    compacted = {topic.name for topic in catalogue() if topic.cleanup is Cleanup.COMPACT}

    assert compacted == {
        "arbeidsgiver.sykmelding",
        "arbeidsgiver.soknad",
        "sykmelding.status",
        "sykmeldingsflyt.schemas",
    }


def test_prefix_applies_to_every_name() -> None:
    plain = catalogue()
    prefixed = catalogue(PREFIX)

    assert [topic.name for topic in prefixed] == [PREFIX + topic.name for topic in plain]


def test_prefix_changes_nothing_but_the_name() -> None:
    for plain, prefixed in zip(catalogue(), catalogue(PREFIX), strict=True):
        assert (plain.key, plain.value_schema, plain.writers, plain.readers) == (
            prefixed.key,
            prefixed.value_schema,
            prefixed.writers,
            prefixed.readers,
        )
        assert plain.config() == prefixed.config()
        assert plain.partitions == prefixed.partitions


def test_empty_prefix_leaves_names_alone() -> None:
    assert catalogue("") == catalogue()
    assert Topics().name(SYKMELDING_FRA_EPJ) == "sykmelding.fra-epj"


def test_topics_names_agree_with_the_prefixed_catalogue() -> None:
    topics = Topics(PREFIX)
    prefixed = {topic.name for topic in catalogue(PREFIX)}

    for topic in _primary():
        assert topics.name(topic) in prefixed
        if topic.has_dlq:
            assert topics.dlq(topic) in prefixed


def test_topics_dlq_is_the_prefixed_name_with_dlq_suffix() -> None:
    assert Topics(PREFIX).dlq(SYKMELDING_FRA_EPJ) == "tenant-a.sykmelding.fra-epj.dlq"


@pytest.mark.parametrize("topic", [EPJ_KVITTERING, ARBEIDSGIVER_SYKMELDING, NAV_OPPGAVE])
def test_topics_dlq_refuses_a_topic_that_is_not_inbound(topic: Topic) -> None:
    with pytest.raises(ValueError, match="not an inbound topic"):
        Topics(PREFIX).dlq(topic)


def test_topics_dlq_refuses_a_dead_letter_topic() -> None:
    dead_letter = catalogue()[catalogue().index(SYKMELDING_FRA_EPJ) + 1]

    with pytest.raises(ValueError, match="not an inbound topic"):
        Topics().dlq(dead_letter)


def test_delete_topic_config_gives_its_retention() -> None:
    assert NAV_OPPGAVE.config() == {"cleanup.policy": "delete", "retention.ms": str(365 * DAY_MS)}


def test_every_delete_topic_config_carries_its_own_retention() -> None:
    for topic in catalogue():
        if topic.cleanup is Cleanup.DELETE:
            assert topic.config() == {"cleanup.policy": "delete", "retention.ms": str(topic.retention_ms)}


@pytest.mark.parametrize("topic", [SYKMELDING_STATUS, ARBEIDSGIVER_SYKMELDING])
def test_compacted_topic_config_keeps_tombstones_and_sets_no_retention(topic: Topic) -> None:
    config = topic.config()

    assert config == {
        "cleanup.policy": "compact",
        "delete.retention.ms": str(DAY_MS),
        "min.compaction.lag.ms": "0",
    }


def test_config_values_are_strings_the_broker_takes() -> None:
    for topic in catalogue():
        for name, value in topic.config().items():
            assert isinstance(value, str), name
            assert value in {"compact", "delete"} or value.isdigit(), name


def test_no_key_is_an_fnr() -> None:
    for topic in catalogue():
        assert "fnr" not in topic.key.lower(), topic.name
        assert "fødselsnummer" not in topic.key.lower(), topic.name


def test_every_topic_is_described() -> None:
    for topic in catalogue():
        assert topic.key.strip(), topic.name
        assert topic.description.strip(), topic.name
        assert topic.value_schema.strip(), topic.name
        assert topic.partitions >= 1, topic.name


def test_no_outside_party_reads_a_topic_shared_with_others() -> None:
    """Kafka's ACLs are per topic: an HR system or EPJ allowed to read a topic would read every employer's or
    clinic's share of it. Employers, employees and clinics read their own through the gateway's doors."""
    outside = {Party.ARBEIDSGIVER, Party.EPJ, Party.SYKMELDT}

    assert [topic.name for topic in catalogue() if topic.readers & outside] == []
