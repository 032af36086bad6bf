"""The base every domain model shares: snake_case in Python, NAV's camelCase names on the wire."""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class DomainModel(BaseModel):
    """Immutable, strict about unknown fields, and dumped with NAV's field names (`by_alias=True`)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        extra="forbid",
        # A rejected value in an exception text could be an fnr or a diagnosis: never echo input.
        hide_input_in_errors=True,
    )

    def to_wire(self) -> dict[str, object]:
        """The dict an Avro writer takes: NAV's field names, dates and datetimes as Python objects."""
        return self.model_dump(by_alias=True)
