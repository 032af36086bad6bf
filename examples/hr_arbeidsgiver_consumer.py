"""How an HR system reads the sykmeldinger its customers' employees sent them, from the gateway's LPS feed.

Needs only httpx and the standard library, as a vendor's own code would:

    python examples/hr_arbeidsgiver_consumer.py --gateway https://sykmeldingsflyt.example --orgnr 311000101 \
        --token-file token.jwt [--state state.json] [--follow]

The token is a Maskinporten token with the scope `nav:helseytelser/sykepenger`, for your customer's Altinn
system user; Altinn decides which organisations it may read for (401 IKKE_TILGANG_TIL_RESSURS otherwise).

`POST /v1/sykmeldinger` answers at most 1,000 entries in the order of their running number `loepenr`, and
sets `X-Warning-limit-reached` when there were more: ask again from the last `loepenr` you got. An entry with
status TRUKKET means the employee withdrew the sykmelding (or sent it elsewhere): delete your copy. Store
what you read and the last `loepenr` together, then ask from there: after a crash you resume where you
stopped, as from a Kafka offset. With `--follow`, each request carries `Prefer: wait=25`: the gateway holds
it until something arrives (long-polling), so news comes in seconds without polling in a tight loop.
The employee appears as `ansattRef`, a pseudonym of theirs at this virksomhet only (the same on varsler);
ask with `fnr` to find the sykmeldinger of an employee you know.
"""

import argparse
import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

LIMIT_HEADER = "X-Warning-limit-reached"
WAIT_SECONDS = 25


@dataclass
class Lager:
    """What the HR system keeps: the sykmeldinger in force by id, and where to resume in each feed."""

    sykmeldinger: dict[str, dict[str, Any]] = field(default_factory=dict)
    varsler: dict[str, dict[str, Any]] = field(default_factory=dict)
    sykmelding_loepenr: int = 0
    varsel_loepenr: int = 0

    def apply(self, entry: dict[str, Any]) -> None:
        if entry["status"] == "TRUKKET":
            self.sykmeldinger.pop(entry["sykmeldingId"], None)
        else:
            self.sykmeldinger[entry["sykmeldingId"]] = entry
        self.sykmelding_loepenr = entry["loepenr"]

    def save(self, path: Path) -> None:
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.__dict__))
        temporary.replace(path)  # all or nothing: the entries and the loepenr they go with

    @classmethod
    def load(cls, path: Path | None) -> "Lager":
        return cls(**json.loads(path.read_text())) if path is not None and path.exists() else cls()


async def read_sykmeldinger(client: httpx.AsyncClient, orgnr: str, lager: Lager, *, wait: int = 0) -> int:
    """Everything new since the stored loepenr, page by page; how many entries came."""
    count = 0
    while True:
        headers = {"Prefer": f"wait={wait}"} if wait and count == 0 else {}
        body = {"orgnr": orgnr, "fraLoepenr": lager.sykmelding_loepenr}
        response = await client.post("/v1/sykmeldinger", json=body, headers=headers)
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()
        for entry in entries:
            lager.apply(entry)
        count += len(entries)
        if LIMIT_HEADER not in response.headers:
            return count


async def read_varsler(client: httpx.AsyncClient, orgnr: str, lager: Lager) -> int:
    count = 0
    while True:
        response = await client.post("/v1/varsler", json={"orgnr": orgnr, "fraLoepenr": lager.varsel_loepenr})
        response.raise_for_status()
        entries: list[dict[str, Any]] = response.json()
        for entry in entries:
            lager.varsler[entry["varsel"]["id"]] = entry["varsel"]
            lager.varsel_loepenr = entry["loepenr"]
        count += len(entries)
        if LIMIT_HEADER not in response.headers:
            return count


def client_for(gateway: str, token: str) -> httpx.AsyncClient:
    # Longer than the longest wait, so a held request is not cut by the client.
    return httpx.AsyncClient(base_url=gateway, headers={"Authorization": f"Bearer {token}"}, timeout=WAIT_SECONDS + 10)


async def run(gateway: str, token: str, orgnr: str, state: Path | None, follow: bool) -> Lager:
    lager = Lager.load(state)
    async with client_for(gateway, token) as client:
        while True:
            came = await read_sykmeldinger(client, orgnr, lager, wait=WAIT_SECONDS if follow else 0)
            came += await read_varsler(client, orgnr, lager)
            if state is not None:
                lager.save(state)
            print(
                f"{came} new; {len(lager.sykmeldinger)} sykmeldinger in force, {len(lager.varsler)} varsler "
                f"(at loepenr {lager.sykmelding_loepenr} and {lager.varsel_loepenr})"
            )
            if not follow:
                return lager


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gateway", required=True)
    parser.add_argument("--orgnr", required=True)
    parser.add_argument("--token-file", type=Path, required=True)
    parser.add_argument("--state", type=Path)
    parser.add_argument("--follow", action="store_true")
    arguments = parser.parse_args()
    token = arguments.token_file.read_text().strip()
    asyncio.run(run(arguments.gateway, token, arguments.orgnr, arguments.state, arguments.follow))


if __name__ == "__main__":
    main()
