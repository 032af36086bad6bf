"""Pseudonyms for persons, one per audience.

`person_ref` is NAV's and our services' own: a keyed hash of the fnr that services store, join on and key
by. The key never leaves the deployment's secrets, so a pseudonym cannot be turned back into an fnr by
hashing all eleven-digit numbers, which an unkeyed hash of a number this short would allow.

`ansatt_ref` is what an employer sees: a keyed hash of (orgnr, fnr), through the person's `person_ref` so
that services that never hold the fnr can derive it. It names one person within one employer only: two
employers comparing what they got cannot tell that they have the same person, and no employer can derive
NAV's reference or another employer's from its own.

`sak_ref` names a person's case in the case room's addresses, which every party of the case sees: it
links to nothing else, so an address passed on tells no one the person's `person_ref` or `ansatt_ref`.
"""

import hashlib
import hmac

# Keeps the employer pseudonyms apart from every other use of the key.
_ANSATT = b"arbeidsgiver-ansatt\x00"
_SAK = b"samhandlingsrom-sak\x00"


def person_ref(fnr: str, key: bytes) -> str:
    return hmac.new(key, fnr.encode("ascii"), hashlib.sha256).hexdigest()[:40]


def ansatt_ref(orgnr: str, person: str, key: bytes) -> str:
    """The employee as employer `orgnr` may know them, from their `person_ref`."""
    message = _ANSATT + orgnr.encode("ascii") + b"\x00" + person.encode("ascii")
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:40]


def sak_ref(person: str, key: bytes) -> str:
    """The case room's name for the case of the person with `person_ref` `person`."""
    return hmac.new(key, _SAK + person.encode("ascii"), hashlib.sha256).hexdigest()[:32]
