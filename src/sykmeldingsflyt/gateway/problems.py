"""Every answer that is not a success: a status, a reason code a program can act on, and a message.

No answer ever echoes what the client sent: a validation error names the field and the rule it broke,
never the value, because the value could be an fnr or a diagnosis.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from sykmeldingsflyt.logs import scrub_text

# A path element that is a map key came from the client and could be an fnr or an orgnr.
_IDENTIFIER_LIKE = re.compile(r"\d{9,}")
_WHERE = frozenset({"body", "query", "path", "header", "cookie"})


class FieldProblem(BaseModel):
    field: str = Field(
        description="A dotted path of wire names, e.g. `sykmelding.perioder[0].fom`; `(body)` for the whole body.",
        examples=["sykmelding.perioder[0].fom"],
    )
    location: str = Field(description="Where the field was: body, query, path or header.", examples=["body"])
    rule: str = Field(
        description="The rule the value broke, e.g. `missing`, `fnr`, `string_too_long`.", examples=["missing"]
    )
    message: str = Field(description="The rule in words; never the value sent.", examples=["Field required"])


class Problem(BaseModel):
    status: int = Field(description="The HTTP status, repeated in the body.", examples=[422])
    code: str = Field(
        description="A reason code a program can act on, e.g. VALIDATION_ERROR, INSUFFICIENT_SCOPE, NOT_FOUND.",
        examples=["VALIDATION_ERROR"],
    )
    message: str = Field(
        description="What is wrong, for a person; never echoes what was sent.",
        examples=["The request breaks the rules of the API."],
    )
    errors: list[FieldProblem] = Field(default=[], description="One entry per field that broke a rule.")


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[FieldProblem] = (),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.errors = list(errors)


def not_found(message: str) -> ApiError:
    """The one answer for what does not exist and for what the caller may not see: they must look alike."""
    return ApiError(404, "NOT_FOUND", message)


def wrong_organisation(field: str) -> ApiError:
    """For a body that names an organisation other than the caller's: it may act for itself only."""
    return ApiError(403, "WRONG_ORGANISATION", f"{field} must be the organisation of the token.")


def invalid_body(problems: Iterable[tuple[str | None, str, str]]) -> RequestValidationError:
    """A 422 for rules the body breaks beyond its schema: (wire name of the field or None, rule, message)."""
    return RequestValidationError(
        [
            {"type": rule, "loc": ("body", field) if field else ("body",), "msg": message}
            for field, rule, message in problems
        ]
    )


def invalid_model(error: ValidationError) -> RequestValidationError:
    """A 422 for a message the gateway built from the body, which the message's own model refused."""
    return RequestValidationError(
        [{**detail, "loc": ("body", *detail["loc"])} for detail in error.errors(include_input=False)]
    )


def problem_response(
    status: int,
    code: str,
    message: str,
    errors: Sequence[FieldProblem] = (),
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = Problem(status=status, code=code, message=message, errors=list(errors))
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def field_problems(errors: Sequence[Any]) -> list[FieldProblem]:
    """pydantic's error dicts without their input, context and any identifier-like map key."""
    problems = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        location = str(loc[0]) if loc and loc[0] in _WHERE else "body"
        path = _path(loc[1:] if loc and loc[0] in _WHERE else loc)
        problems.append(
            FieldProblem(
                field=path or f"({location})",
                location=location,
                rule=str(error.get("type", "invalid")),
                # Our models' messages never quote input; scrubbing guards against a library's that might.
                message=scrub_text(str(error.get("msg", "invalid value"))),
            )
        )
    return problems


def _path(loc: Sequence[Any]) -> str:
    parts: list[str] = []
    for element in loc:
        if isinstance(element, int):
            parts.append(f"[{element}]")
        else:
            name = "<redacted>" if _IDENTIFIER_LIKE.search(str(element)) else str(element)
            parts.append(f".{name}" if parts else name)
    return "".join(parts)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return problem_response(exc.status, exc.code, exc.message, exc.errors, headers=exc.headers)


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return problem_response(
        422, "VALIDATION_ERROR", "The request breaks the rules of the API.", field_problems(exc.errors())
    )


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    # Starlette's own answers (an unknown path, a wrong method) in the same shape as ours.
    assert isinstance(exc, StarletteHTTPException)
    code = {400: "MALFORMED_BODY", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(exc.status_code, "HTTP_ERROR")
    return problem_response(exc.status_code, code, str(exc.detail), headers=exc.headers)


async def _unexpected(_request: Request, _exc: Exception) -> JSONResponse:
    # The exception itself goes to the log (redacted), never to the client.
    return problem_response(500, "INTERNAL_ERROR", "The gateway failed; the error is logged.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)


def documented(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses` entry of an operation for the problems it can answer with, for the OpenAPI document."""
    return {status: {"model": Problem, "description": _DESCRIPTIONS[status]} for status in statuses}


_DESCRIPTIONS = {
    400: "The body's text could not be read: not UTF-8, or a string that is not valid Unicode such as a lone "
    "UTF-16 surrogate escape (`MALFORMED_BODY`, naming the field).",
    401: "No valid token: `TOKEN_MISSING`, `TOKEN_INVALID` or `TOKEN_EXPIRED`.",
    403: "The token does not allow this: `INSUFFICIENT_SCOPE`, `ORGANISATION_TOKEN_REQUIRED`, "
    "`PERSON_TOKEN_REQUIRED` or `WRONG_ORGANISATION`.",
    404: "Nothing of this id that the caller may see (`NOT_FOUND`); whether it exists for others is not said.",
    409: "A request with this Idempotency-Key is still being processed (`IDEMPOTENCY_KEY_IN_USE`).",
    415: "The body is not `application/json` in UTF-8 (`UNSUPPORTED_MEDIA_TYPE`).",
    413: "The request body is larger than the gateway accepts (`REQUEST_TOO_LARGE`).",
    422: "A field breaks a rule (`VALIDATION_ERROR`, naming field and rule, never the value), or the "
    "Idempotency-Key was used before for a different request (`IDEMPOTENCY_KEY_REUSED`).",
    429: "Too many requests from this address, or from this organisation or person, across every gateway "
    "instance (`RATE_LIMITED`); see Retry-After.",
    503: "The broker did not confirm the message (`BROKER_UNAVAILABLE`); retry with the same Idempotency-Key.",
}
