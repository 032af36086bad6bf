"""Stable event ids: the same input always yields the same output id, so every consumer can deduplicate."""

from hashlib import sha1
from uuid import UUID

_NAMESPACE = UUID("6f1c51a4-8a6e-4b77-9c1e-3d0f2b8c7e55")
_NAMESPACE_BYTES = _NAMESPACE.bytes


def stable_id(*parts: str) -> str:
    """uuid5(_NAMESPACE, parts joined by \\x1f) as text, without building a UUID object: mottak makes two
    per sykmelding, and `uuid.UUID` costs several times the hash."""
    digest = bytearray(sha1(_NAMESPACE_BYTES + "\x1f".join(parts).encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # the RFC 4122 variant
    text = digest.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
