"""Dead letters: a message that cannot be processed goes to its topic's .dlq with the reason.

The dead letter is written through the outbox in the same transaction that marks the message handled,
so it is published exactly once and the consumer moves on. Its key is the source position, never the
original key, which came from outside and could carry anything.

What is visible on the topic is what an operator needs to triage: the reason, the source position and
ids (a UUID key). The original key and value, kept so an operator can replay them once the cause is
fixed, are sealed with AES-GCM under a key from a keyring: a sykmelding carries an fnr and a diagnosis,
and a dead-letter topic is read by people who are not entitled to either. The source position is the
associated data, so a sealed value cannot be moved to another dead letter and replayed from there.
"""

import base64
import binascii
import dataclasses
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sykmeldingsflyt.messaging.codec import AvroCodec
from sykmeldingsflyt.messaging.ids import stable_id
from sykmeldingsflyt.messaging.stage import Inbound
from sykmeldingsflyt.messaging.topics import DEAD_LETTER_SCHEMA, DLQ_SUFFIX
from sykmeldingsflyt.storage.unit_of_work import UnitOfWork

_NONCE_BYTES = 12
_KEY_BYTES = 32


class KeyringError(ValueError):
    """A dead-letter keyring setting that cannot be used, or a dead letter it cannot open."""


@dataclass(frozen=True)
class DeadLetterKeyring:
    """AES-256 keys by id: new dead letters are sealed with `current`, older ones opened with the key
    they name, so a key can be rotated without losing what is on the topic."""

    current: str
    keys: Mapping[str, bytes]

    def __post_init__(self) -> None:
        if self.current not in self.keys:
            raise KeyringError(f"the current dead-letter key id {self.current!r} is not in the keyring")
        for key_id, key in self.keys.items():
            if len(key) != _KEY_BYTES:
                raise KeyringError(f"dead-letter key {key_id!r} must be {_KEY_BYTES} bytes, not {len(key)}")

    @classmethod
    def parse(cls, text: str, current: str | None = None) -> "DeadLetterKeyring":
        """`id:base64,id:base64,...` (standard or URL-safe base64 of 32 bytes); the current key is
        `current`, or the first listed."""
        keys: dict[str, bytes] = {}
        for entry in filter(None, (part.strip() for part in text.split(","))):
            key_id, separator, encoded = entry.partition(":")
            if not separator or not key_id:
                raise KeyringError("each dead-letter key must be written id:base64")
            try:
                keys[key_id] = base64.b64decode(encoded.replace("-", "+").replace("_", "/"), validate=True)
            except (binascii.Error, ValueError):
                raise KeyringError(f"dead-letter key {key_id!r} is not base64") from None
        if not keys:
            raise KeyringError("the dead-letter keyring is empty")
        return cls(current or next(iter(keys)), keys)

    def seal(self, plaintext: bytes | None, context: bytes) -> bytes | None:
        if plaintext is None:
            return None
        nonce = os.urandom(_NONCE_BYTES)
        return nonce + AESGCM(self.keys[self.current]).encrypt(nonce, plaintext, context)

    def open(self, key_id: str, sealed: bytes | None, context: bytes) -> bytes | None:
        if sealed is None:
            return None
        key = self.keys.get(key_id)
        if key is None:
            raise KeyringError(f"the dead letter was sealed with key {key_id!r}, which is not in the keyring")
        try:
            return AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context)
        except InvalidTag:
            raise KeyringError(f"the dead letter does not open with key {key_id!r}: altered or moved") from None


@dataclass(frozen=True)
class DeadLetter:
    """A dead letter as read back from its topic: what anyone reading the topic sees, and the sealed
    original that only the keyring opens."""

    reason: str
    detail: str
    field: str | None
    service: str
    source_topic: str
    source_partition: int
    source_offset: int
    failed_at: datetime
    references: Mapping[str, str]
    key_id: str | None
    sealed_key: bytes | None = dataclasses.field(repr=False)
    sealed_value: bytes | None = dataclasses.field(repr=False)
    # Dead letters written before sealing carry the original in the clear.
    clear_key: bytes | None = dataclasses.field(default=None, repr=False)
    clear_value: bytes | None = dataclasses.field(default=None, repr=False)

    @property
    def source(self) -> str:
        """The source position, `topic:partition:offset`: the dead letter's key and its identity."""
        return f"{self.source_topic}:{self.source_partition}:{self.source_offset}"

    @property
    def replayable(self) -> bool:
        return self.sealed_value is not None or self.clear_value is not None


@dataclass(frozen=True)
class DeadLetters:
    """Writes and reads dead letters under one keyring."""

    codec: AvroCodec
    keyring: DeadLetterKeyring

    def record(
        self,
        inbound: Inbound,
        *,
        service: str,
        reason: str,
        detail: str,
        field: str | None,
        references: Mapping[str, str],
    ) -> dict[str, Any]:
        source = inbound.event_id
        return {
            "reason": reason,
            "detail": detail,
            "field": field,
            "service": service,
            "sourceTopic": inbound.topic,
            "sourcePartition": inbound.partition,
            "sourceOffset": inbound.offset,
            "failedAt": datetime.now(UTC),
            "originalKey": None,
            "originalValue": None,
            "keyId": self.keyring.current,
            "sealedKey": self.keyring.seal(inbound.key, _context(source, "key")),
            "sealedValue": self.keyring.seal(inbound.value, _context(source, "value")),
            "references": {**_key_reference(inbound.key), **references},
        }

    def read(self, data: bytes) -> DeadLetter:
        record = self.codec.decode(DEAD_LETTER_SCHEMA, data)
        return DeadLetter(
            reason=record["reason"],
            detail=record["detail"],
            field=record["field"],
            service=record["service"],
            source_topic=record["sourceTopic"],
            source_partition=record["sourcePartition"],
            source_offset=record["sourceOffset"],
            failed_at=record["failedAt"],
            references=record["references"],
            key_id=record["keyId"],
            sealed_key=record["sealedKey"],
            sealed_value=record["sealedValue"],
            clear_key=record["originalKey"],
            clear_value=record["originalValue"],
        )

    def original(self, letter: DeadLetter) -> tuple[bytes | None, bytes | None]:
        """The key and value as received: for a replay, or a look an operator has given a reason for."""
        if letter.key_id is None:
            return letter.clear_key, letter.clear_value
        return (
            self.keyring.open(letter.key_id, letter.sealed_key, _context(letter.source, "key")),
            self.keyring.open(letter.key_id, letter.sealed_value, _context(letter.source, "value")),
        )


def _context(source: str, part: str) -> bytes:
    return f"{source}#{part}".encode()


def _key_reference(key: bytes | None) -> dict[str, str]:
    """The original key, when it is a UUID (a sykmelding, plan or meeting id): an id, never personal."""
    try:
        return {"key": str(uuid.UUID(key.decode("ascii")))} if key and len(key) == 36 else {}
    except (UnicodeDecodeError, ValueError):
        return {}


def send_to_dead_letter(
    uow: UnitOfWork,
    dead_letters: DeadLetters,
    inbound: Inbound,
    *,
    reason: str,
    detail: str,
    field: str | None = None,
    references: Mapping[str, str] | None = None,
) -> None:
    """Queue `inbound` for its dead-letter topic. `references` are ids and pseudonyms that help an
    operator find the case (never an fnr or content)."""
    topic = inbound.topic + DLQ_SUFFIX
    record = dead_letters.record(
        inbound, service=uow.consumer, reason=reason, detail=detail, field=field, references=references or {}
    )
    uow.publish(
        topic=topic,
        key=inbound.event_id,
        value=dead_letters.codec.encode(DEAD_LETTER_SCHEMA, record, topic),
        event_id=stable_id(uow.consumer, inbound.event_id, "dead-letter"),
        headers={"reason": reason},
    )
