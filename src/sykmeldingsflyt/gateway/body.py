"""What the gateway accepts as a request body: JSON (415 otherwise) in valid Unicode (400 otherwise,
naming the field), checked before the application parses it.

JSON may escape a lone UTF-16 surrogate ("\\ud800"); Python reads it into a string that no encoder
will write again, so without this check it would fail deep inside, at the Avro encoder or the database.
"""

import json
from collections.abc import Iterator
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from sykmeldingsflyt.gateway.limits import replay
from sykmeldingsflyt.gateway.problems import field_problems, problem_response

_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})
ROM = "/rom/"
"""The case room's pages post HTML forms, which the room reads and checks itself (gateway/rom/handlinger.py)."""


class JsonBody:
    """Refuses a body that is not JSON in UTF-8 with 415, and one whose text is not valid Unicode with
    400. The body arrives whole (BodySizeLimit, outside this, has read it)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY or scope["path"].startswith(ROM):
            await self.app(scope, receive, send)
            return
        message = await receive()
        body = message.get("body", b"") if message["type"] == "http.request" else b""
        refusal = _refusal(_content_type(scope), body) if body else None
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, replay([message], receive), send)


def _refusal(content_type: str, body: bytes) -> Any:
    media_type, _, parameters = content_type.partition(";")
    charset = next(
        (value.strip().strip('"').lower() for name, _, value in _parameters(parameters) if name == "charset"), "utf-8"
    )
    if media_type.strip().lower() != "application/json" or charset not in ("utf-8", "utf8"):
        return problem_response(415, "UNSUPPORTED_MEDIA_TYPE", "The body must be application/json in UTF-8.")
    try:
        document = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return _malformed([("(body)",)], "The body is not UTF-8 text.")
    except ValueError:
        return None  # not JSON at all: the application's own answer (422 json_invalid) names the place
    broken = list(_broken_text(document, ()))
    if broken:
        return _malformed(broken, "The text is not valid Unicode (a lone UTF-16 surrogate).")
    return None


def _malformed(places: list[tuple[str | int, ...]], message: str) -> Any:
    errors = field_problems([{"loc": ("body", *place), "type": "unicode", "msg": message} for place in places])
    return problem_response(400, "MALFORMED_BODY", "The body's text could not be read.", errors)


def _broken_text(value: Any, place: tuple[str | int, ...]) -> Iterator[tuple[str | int, ...]]:
    """The places of strings (values or member names) that no encoder can write."""
    if isinstance(value, str) and not _encodable(value):
        yield place
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _broken_text(item, (*place, index))
    elif isinstance(value, dict):
        for name, item in value.items():
            if not _encodable(name):
                # The name itself cannot be echoed back; its place says where it was.
                yield (*place, "(member name)")
            else:
                yield from _broken_text(item, (*place, name))


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _content_type(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return str(value.decode("latin-1"))
    return ""


def _parameters(text: str) -> Iterator[tuple[str, str, str]]:
    for parameter in text.split(";"):
        name, equals, value = parameter.partition("=")
        yield name.strip().lower(), equals, value
