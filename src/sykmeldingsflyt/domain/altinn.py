"""Altinn's authorisation service as a port: may this system user act for this organisation?

An HR vendor reads for its customer as an Altinn system user (systembruker): the customer created it in
Altinn and gave it the right to the sykepenger resource for some of its organisations. Every read of an
organisation's data asks this before answering.
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Systembruker:
    """The system user a Maskinporten token was issued for (its `authorization_details`)."""

    id: str
    """`systemuser_id`: the system user's uuid in Altinn."""
    orgnr: str
    """`systemuser_org`: the customer organisation that owns the system user."""


class AltinnUnavailableError(Exception):
    """Altinn could not be asked: neither yes nor no, so the caller is told to try again."""


class Altinn(Protocol):
    async def har_tilgang(self, systembruker: Systembruker, orgnr: str) -> bool:
        """Whether `systembruker` may use the resource for organisation `orgnr` (raises AltinnUnavailableError)."""
        ...
