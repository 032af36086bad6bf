"""A Confluent Schema Registry for tests, on a real HTTP server (pytest-httpserver): the REST calls
sykmeldingsflyt makes, with the registry's default rule (BACKWARD: the new schema reads what the latest
version wrote) decided by the Avro reference implementation's compatibility checker."""

import base64
import json
import re
import threading
from typing import Any

import avro.compatibility
import avro.schema
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

_SUBJECT = r"/subjects/(?P<subject>[^/]+)/versions"
_COMPATIBILITY = r"/compatibility/subjects/(?P<subject>[^/]+)/versions/latest"
_BY_ID = r"/schemas/ids/(?P<id>\d+)"


class ConfluentRegistry:
    def __init__(self, server: HTTPServer, credentials: tuple[str, str] | None = None) -> None:
        self.server = server
        self.url = server.url_for("/")
        self.credentials = credentials
        self.lock = threading.Lock()
        self.schemas: dict[int, str] = {}
        self.versions: dict[str, list[int]] = {}
        self.requests: list[str] = []
        self.content_types: list[str] = []
        for pattern, method, answer in (
            (_SUBJECT, "POST", self._register),
            (_COMPATIBILITY, "POST", self._check),
            (_BY_ID, "GET", self._by_id),
        ):
            server.expect_request(re.compile(f"^{pattern}$"), method=method).respond_with_handler(answer)

    def registrations(self) -> list[str]:
        """The subjects registered to, in order (one per POST that registered or found its schema)."""
        return [line.split("/")[2] for line in self.requests if re.fullmatch(f"POST {_SUBJECT}", line)]

    def plant(self, subject: str, schema: dict[str, Any]) -> None:
        """A version registered by someone else (an older build), whatever the rule would have said."""
        with self.lock:
            self.versions.setdefault(subject, []).append(self._id_of(json.dumps(schema)))

    def _register(self, request: Request) -> Response:
        subject, text = self._asked(request, _SUBJECT)
        if (refused := self._refused(request)) is not None:
            return refused
        with self.lock:
            compatible, messages = self._compatible(subject, text)
            if not compatible:
                return _answer(
                    409, {"error_code": 409, "message": f"Schema being registered is incompatible: {messages}"}
                )
            schema_id = self._id_of(text)
            if schema_id not in self.versions.setdefault(subject, []):
                self.versions[subject].append(schema_id)
        return _answer(200, {"id": schema_id})

    def _check(self, request: Request) -> Response:
        subject, text = self._asked(request, _COMPATIBILITY)
        if (refused := self._refused(request)) is not None:
            return refused
        with self.lock:
            if not self.versions.get(subject):
                return _answer(404, {"error_code": 40401, "message": f"Subject '{subject}' not found."})
            compatible, messages = self._compatible(subject, text)
        return _answer(200, {"is_compatible": compatible, "messages": messages})

    def _by_id(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(f"GET {request.path}")
            schema = self.schemas.get(int(request.path.rsplit("/", 1)[1]))
        if schema is None:
            return _answer(404, {"error_code": 40403, "message": "Schema not found"})
        return _answer(200, {"schema": schema})

    def _asked(self, request: Request, pattern: str) -> tuple[str, str]:
        with self.lock:
            self.requests.append(f"{request.method} {request.path}")
            self.content_types.append(request.headers.get("Content-Type", ""))
        found = re.fullmatch(pattern, request.path)
        assert found is not None
        return found["subject"], str(json.loads(request.get_data())["schema"])

    def _refused(self, request: Request) -> Response | None:
        if self.credentials is None:
            return None
        expected = "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()
        if request.headers.get("Authorization") == expected:
            return None
        return _answer(401, {"error_code": 401, "message": "Unauthorized"})

    def _compatible(self, subject: str, text: str) -> tuple[bool, list[str]]:
        versions = self.versions.get(subject)
        if not versions:
            return True, []
        checker = avro.compatibility.ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
        result = checker.get_compatibility(
            reader=avro.schema.parse(text), writer=avro.schema.parse(self.schemas[versions[-1]])
        )
        compatible = result.compatibility is avro.compatibility.SchemaCompatibilityType.compatible
        return compatible, sorted(result.messages)

    def _id_of(self, text: str) -> int:
        """The registry's id of a schema: the same text has the same id under every subject."""
        known = [schema_id for schema_id, existing in self.schemas.items() if existing == text]
        if known:
            return known[0]
        schema_id = 257 + len(self.schemas)
        self.schemas[schema_id] = text
        return schema_id


def _answer(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/vnd.schemaregistry.v1+json")
