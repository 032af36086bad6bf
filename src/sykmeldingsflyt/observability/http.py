"""HTTP requests counted and timed by route and status, each logged under the caller's Nav-Call-Id (or a new
call id) and, when the caller sent a W3C traceparent, its trace and span ids. With tracing on, each request is
a server span continuing the caller's traceparent, and its log lines carry that span's ids."""

import re
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sykmeldingsflyt.logs import bind_call
from sykmeldingsflyt.observability import tracing
from sykmeldingsflyt.observability.metrics import HTTP_REQUESTS, HTTP_SECONDS

CALL_ID_HEADERS = (b"nav-call-id", b"x-correlation-id")
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-(?P<trace>[0-9a-f]{32})-(?P<span>[0-9a-f]{16})-[0-9a-f]{2}")


class ObservedHttp:
    """ASGI middleware. The route label is the route's template (/arbeidsgiver/v1/sykmeldinger/{id}), never the
    path itself, which holds ids and would make a time series per id."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        headers = dict(scope.get("headers", ()))
        given = next((headers[name].decode("latin-1") for name in CALL_ID_HEADERS if name in headers), None)
        traceparent = headers.get(b"traceparent")
        began = time.perf_counter()
        with (
            bind_call(given[:128] if given else None, **_trace(traceparent or b"")),
            tracing.serving(scope["method"], traceparent) as span,
        ):
            try:
                await self.app(scope, receive, sending)
            finally:
                # The router writes the matched route into the scope it was given, which is this one.
                route = _template(scope.get("route"))
                tracing.served(span, scope["method"], route, status)
                HTTP_REQUESTS.labels(scope["method"], route, str(status)).inc()
                HTTP_SECONDS.labels(scope["method"], route).observe(time.perf_counter() - began)


def _trace(traceparent: bytes) -> dict[str, str]:
    """The trace and parent span ids of a W3C traceparent header, for the log lines of this request."""
    found = _TRACEPARENT.fullmatch(traceparent.decode("latin-1").strip())
    return {"trace_id": found["trace"], "span_id": found["span"]} if found else {}


def _template(route: Any) -> str:
    return str(getattr(route, "path", None) or "unmatched")
