"""Stable event ids: the same input always yields the same output id, so every consumer can deduplicate."""

from uuid import UUID, uuid5

_NAMESPACE = UUID("6f1c51a4-8a6e-4b77-9c1e-3d0f2b8c7e55")


def stable_id(*parts: str) -> str:
    return str(uuid5(_NAMESPACE, "\x1f".join(parts)))
