"""A death registered in the population register, as NAV's person events (PDL's DOEDSFALL) tell it.

The timeline keeps people by pseudonym and holds no fnr to look a person up with later, so the death
date comes to it as an event rather than from a register call: it ends the person's cases (DOMAIN.md
§5.1) and makes them no dialogmøte candidate (§5.2). A correction (a later event for the same person)
replaces the date; a date of None annuls an earlier registration.
"""

from datetime import date

from sykmeldingsflyt.domain.base import DomainModel
from sykmeldingsflyt.domain.identifiers import Fnr, Uuid


class Dodsfall(DomainModel):
    hendelse_id: Uuid
    personident: Fnr
    """Personal data: pseudonymise it at once, never store or log it."""
    dodsdato: date | None = None
