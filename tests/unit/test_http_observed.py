"""Every log line of a request carries its call id, and the caller's trace ids when it sent a traceparent."""

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
import structlog
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from sykmeldingsflyt.logs import configure_logging
from sykmeldingsflyt.observability.http import ObservedHttp

TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"


@pytest.fixture
def logged() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    yield stream
    root.handlers[:], _ = saved
    root.setLevel(saved[1])
    structlog.reset_defaults()


async def _get(headers: dict[str, str]) -> None:
    async def answer(_request: Request) -> PlainTextResponse:
        structlog.get_logger("test").info("inne")
        return PlainTextResponse("ok")

    app = ObservedHttp(Starlette(routes=[Route("/x/{id}", answer)]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/x/1", headers=headers)).status_code == 200


def _ours(logged: io.StringIO) -> list[dict[str, str]]:
    lines = [json.loads(text) for text in logged.getvalue().splitlines()]
    return [line for line in lines if line["logger_name"] == "test"]


async def test_the_callers_call_id_and_trace_are_on_its_log_lines(logged: io.StringIO) -> None:
    await _get({"Nav-Call-Id": "kall-7", "traceparent": f"00-{TRACE}-{SPAN}-01"})

    (line,) = _ours(logged)
    assert (line["callId"], line["trace_id"], line["span_id"]) == ("kall-7", TRACE, SPAN)


async def test_without_them_a_call_id_is_made_and_no_trace_is_claimed(logged: io.StringIO) -> None:
    await _get({"traceparent": "not a traceparent"})

    (line,) = _ours(logged)
    assert len(line["callId"]) == 36 and "trace_id" not in line
