"""Records kept at rest sealed with the dead-letter keyring (AES-GCM, keys by id, rotatable): mottak's parked
sykmeldinger and oppfolging's waiting plans carry an fnr (and a diagnosis, or a plan's content), so a database
dump, a backup or a statement log must not show them. Each part is bound to its table, its row and the part,
so a sealed value cannot be moved to another row and decided from there."""

from typing import NamedTuple, Protocol


class Keyring(Protocol):
    """AES-GCM keys by id, as the dead letters' (messaging/dead_letter.py)."""

    @property
    def current(self) -> str: ...

    def seal(self, plaintext: bytes | None, context: bytes) -> bytes | None: ...

    def open(self, key_id: str, sealed: bytes | None, context: bytes) -> bytes | None: ...


class Post(NamedTuple):
    """A record's key and value as stored, and the key they are sealed with; None: in the clear."""

    key_id: str | None
    key: bytes | None
    value: bytes | None


def forsegl_post(keyring: Keyring, tabell: str, rad: str, key: bytes | None, value: bytes | None) -> Post:
    """The record's key and value sealed under the current key for row `rad` of `tabell`."""
    return Post(
        keyring.current,
        keyring.seal(key, _context(tabell, rad, "key")),
        keyring.seal(value, _context(tabell, rad, "value")),
    )


def apne_post(keyring: Keyring, tabell: str, rad: str, post: Post) -> tuple[bytes | None, bytes | None]:
    """The record's key and value; a row stored before sealing (no key id) holds them in the clear."""
    if post.key_id is None:
        return post.key, post.value
    return (
        keyring.open(post.key_id, post.key, _context(tabell, rad, "key")),
        keyring.open(post.key_id, post.value, _context(tabell, rad, "value")),
    )


def _context(tabell: str, rad: str, part: str) -> bytes:
    return f"{tabell}\x00{rad}\x00{part}".encode()
