"""The gateway's readiness and metrics: requests counted by route template and status, under the caller's call id."""

import uuid

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.gateway.support import Tokens


def _requests(text: str, route: str, status: str) -> float:
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "sykmeldingsflyt_http_requests_total"
        and (sample.labels["route"], sample.labels["status"]) == (route, status)
    )


async def test_requests_are_counted_by_route_template_and_status(client: httpx.AsyncClient, tokens: Tokens) -> None:
    route = "/arbeidsgiver/v1/sykmeldinger/{sykmeldingId}"
    before = (await client.get("/internal/prometheus")).text
    unknown = str(uuid.uuid4())

    answers = [
        await client.get(f"/arbeidsgiver/v1/sykmeldinger/{unknown}", headers=tokens.hr()),
        await client.get(f"/arbeidsgiver/v1/sykmeldinger/{unknown}", headers={"Nav-Call-Id": "kall-1"}),
    ]

    after = (await client.get("/internal/prometheus")).text
    assert [answer.status_code for answer in answers] == [404, 401]
    assert _requests(after, route, "404") - _requests(before, route, "404") == 1
    assert _requests(after, route, "401") - _requests(before, route, "401") == 1
    assert unknown not in after, "a path's ids never become labels"


async def test_the_gateway_is_ready_when_its_database_answers(client: httpx.AsyncClient) -> None:
    answer = await client.get("/internal/isready")

    assert (answer.status_code, answer.json()["status"]) == (200, "READY")
