"""Pseudonyms for persons: a keyed hash of the fnr that services can store, join on and key by.

The key never leaves the deployment's secrets, so a pseudonym cannot be turned back into an fnr by
hashing all eleven-digit numbers, which an unkeyed hash of a number this short would allow.
"""

import hashlib
import hmac


def person_ref(fnr: str, key: bytes) -> str:
    return hmac.new(key, fnr.encode("ascii"), hashlib.sha256).hexdigest()[:40]
