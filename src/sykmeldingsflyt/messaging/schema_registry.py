"""A client for the Confluent Schema Registry REST API (also served by Aiven's Karapace)."""

import json

import fastavro
import httpx

from sykmeldingsflyt.messaging.codec import Schema, UnknownSchemaError

_CONTENT_TYPE = "application/vnd.schemaregistry.v1+json"


class ConfluentSchemaRegistry:
    """Registers the schemas this build writes and fetches, once each, the schemas others wrote with."""

    def __init__(
        self, url: str, username: str | None = None, password: str | None = None, timeout: float = 10.0
    ) -> None:
        auth = httpx.BasicAuth(username, password) if username and password else None
        self._http = httpx.Client(
            base_url=url.rstrip("/"), auth=auth, timeout=timeout, headers={"Content-Type": _CONTENT_TYPE}
        )
        self._by_id: dict[int, Schema] = {}

    def register(self, subject: str, schema: Schema) -> int:
        response = self._http.post(f"/subjects/{subject}/versions", json={"schema": schema.text})
        response.raise_for_status()
        schema_id = int(response.json()["id"])
        self._by_id[schema_id] = schema
        return schema_id

    def schema_by_id(self, schema_id: int) -> Schema:
        if schema_id not in self._by_id:
            response = self._http.get(f"/schemas/ids/{schema_id}")
            if response.status_code == httpx.codes.NOT_FOUND:
                raise UnknownSchemaError(f"the schema registry has no schema with id {schema_id}")
            response.raise_for_status()
            text = response.json()["schema"]
            definition = json.loads(text)
            name = definition.get("name", str(schema_id)) if isinstance(definition, dict) else str(schema_id)
            self._by_id[schema_id] = Schema(name=name, parsed=fastavro.parse_schema(definition), text=text)
        return self._by_id[schema_id]

    def close(self) -> None:
        self._http.close()
