"""Two ways to ask Altinn whether a system user may act for an organisation.

`AltinnPdp` asks Altinn's Policy Decision Point (POST {base}/authorization/api/v1/authorize, an XACML JSON
request as NAV's hag-altinn-pdp-client sends it) for the sykepenger resource. `AltinnTilgangsfil` is the
stand-in where Altinn is not reachable (development, tests, a demonstration): a JSON file an operator edits,
{"<systemuser uuid>": ["<orgnr>", ...]}, read again whenever it changes.
"""

import asyncio
import json
from pathlib import Path
from typing import Any

import httpx
import structlog

from sykmeldingsflyt.domain.altinn import AltinnUnavailableError, Systembruker

log = structlog.get_logger(__name__)

SYSTEMBRUKER_ATTRIBUTE = "urn:altinn:systemuser:uuid"
RESSURS_ATTRIBUTE = "urn:altinn:resource"
ORGNR_ATTRIBUTE = "urn:altinn:organization:identifier-no"
ACTION_ATTRIBUTE = "urn:oasis:names:tc:xacml:1.0:action:action-id"
_STRING = "http://www.w3.org/2001/XMLSchema#string"


def pdp_request(systembruker_id: str, orgnr: str, ressurs: str) -> dict[str, Any]:
    """The XACML JSON request: may this system user `access` this resource of this organisation?"""

    def category(*attributes: tuple[str, str]) -> dict[str, Any]:
        return {"Attribute": [{"AttributeId": name, "Value": value} for name, value in attributes]}

    action = {"Attribute": [{"AttributeId": ACTION_ATTRIBUTE, "Value": "access", "DataType": _STRING}]}
    return {
        "Request": {
            "ReturnPolicyIdList": False,
            "AccessSubject": [category((SYSTEMBRUKER_ATTRIBUTE, systembruker_id))],
            "Action": [action],
            "Resource": [category((RESSURS_ATTRIBUTE, ressurs), (ORGNR_ATTRIBUTE, orgnr))],
        }
    }


class AltinnPdp:
    def __init__(
        self, base_url: str, ressurs: str, subscription_key: str | None, token: str | None, timeout: float = 5.0
    ) -> None:
        self.url = base_url.rstrip("/") + "/authorization/api/v1/authorize"
        self.ressurs = ressurs
        headers = {"Accept": "application/json"}
        if subscription_key:
            headers["Ocp-Apim-Subscription-Key"] = subscription_key
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.AsyncClient(timeout=timeout, headers=headers)

    async def har_tilgang(self, systembruker: Systembruker, orgnr: str) -> bool:
        try:
            response = await self._client.post(self.url, json=pdp_request(systembruker.id, orgnr, self.ressurs))
            response.raise_for_status()
            decisions = [result["Decision"] for result in _results(response.json())]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
            log.error("altinn.pdp_failed", error=type(error).__name__)
            raise AltinnUnavailableError from None
        # Several results (one per resource category) must all permit; none at all is no answer, so a no.
        return bool(decisions) and all(decision == "Permit" for decision in decisions)

    async def aclose(self) -> None:
        await self._client.aclose()


def _results(document: Any) -> list[dict[str, Any]]:
    # Altinn answers {"Response": [{"Decision": "Permit", ...}]}.
    results = document["Response"]
    if not isinstance(results, list):
        raise TypeError("Response is not a list")
    return results


class AltinnTilgangsfil:
    """Altinn's answers from a file an operator edits; a missing file grants nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._read: tuple[int, int, int] | None = None
        self._grants: dict[str, frozenset[str]] = {}

    async def har_tilgang(self, systembruker: Systembruker, orgnr: str) -> bool:
        grants = await asyncio.to_thread(self._current)
        return orgnr in grants.get(systembruker.id, frozenset())

    async def aclose(self) -> None:
        return None

    def _current(self) -> dict[str, frozenset[str]]:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return {}
        # An editor's save replaces the file (a new inode) or rewrites it (a new time or size).
        seen = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
        if seen != self._read:
            try:
                document = json.loads(self.path.read_text())
                self._grants = {str(user): frozenset(map(str, orgs)) for user, orgs in document.items()}
            except (OSError, ValueError, AttributeError, TypeError) as error:
                # The last good grants stay: an operator's half-saved file must not open or close every door.
                log.error("altinn.tilgangsfil_unreadable", path=str(self.path), error=type(error).__name__)
                return self._grants
            self._read = seen
        return self._grants

    def grant(self, systembruker_id: str, *orgnr: str) -> None:
        """Add grants to the file, as an operator would (used by the demonstration and tests)."""
        try:
            document = json.loads(self.path.read_text())
        except FileNotFoundError:
            document = {}
        document[systembruker_id] = sorted({*document.get(systembruker_id, []), *orgnr})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document, indent=2))
        temporary.replace(self.path)
