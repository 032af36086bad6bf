"""What an operator sees of a message without giving a reason: its shape, ids, dates and codes.

A whitelist, as the parties' views are: a text is shown only if its field is known to hold an id or a
code, or it has the shape of a UUID, a date or an organisation number. An fnr becomes the person's
pseudonym (which the case tools look up), and every other text is masked, so a diagnosis, a reason or
a name in a field nobody thought of is masked too.
"""

import re
from typing import Any

from sykmeldingsflyt.domain.identifiers import is_valid_fnr, is_valid_orgnr
from sykmeldingsflyt.domain.pseudonym import person_ref

MASK = "•••"

_SAFE_FIELDS = frozenset(
    {
        "id",
        "msgId",
        "sykmeldingId",
        "navLogId",
        "eventId",
        "oppgaveId",
        "planUuid",
        "moteId",
        "tilfelleId",
        "personRef",
        "statusEvent",
        "status",
        "type",
        "innmelderType",
        "mottaker",
        "legekontorOrgnr",
        "orgnummer",
        "juridiskOrgnummer",
        "virksomhetsnummer",
    }
)
_SAFE_SHAPE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"  # a UUID
    r"|\d{4}-\d{2}-\d{2}([T ][0-9:.]+([+-]\d{2}:\d{2}|Z)?)?"  # a date or a timestamp
)


def redacted(value: Any, name: str, pseudonym_key: bytes) -> Any:
    """`value` (decoded JSON-like data, in field `name`) with fnr pseudonymised (under `pseudonym_key`) and
    free text masked."""
    if isinstance(value, dict):
        return {field: redacted(item, field, pseudonym_key) for field, item in value.items()}
    if isinstance(value, list):
        return [redacted(item, name, pseudonym_key) for item in value]
    if not isinstance(value, str):
        return value  # numbers, booleans, null: degrees and counts, never a text
    if is_valid_fnr(value):
        return f"person:{person_ref(value, pseudonym_key)}"
    if (name in _SAFE_FIELDS and not _has_fnr(value)) or _SAFE_SHAPE.fullmatch(value) or is_valid_orgnr(value):
        return value
    return MASK


def _has_fnr(text: str) -> bool:
    return any(is_valid_fnr(digits) for digits in re.findall(r"(?<!\d)\d{11}(?!\d)", text))
