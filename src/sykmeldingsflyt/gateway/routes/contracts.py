"""The Kafka side's contract for vendors: the AsyncAPI document, beside the OpenAPI one FastAPI serves."""

from functools import cache

from fastapi import APIRouter
from fastapi.responses import Response

from sykmeldingsflyt.asyncapi import asyncapi_document, render

router = APIRouter(tags=["Contracts"])


@cache
def _document() -> str:
    # Made from the code once per process: it changes only with a new build.
    return render(asyncapi_document())


@router.get(
    "/asyncapi.yaml",
    summary="The AsyncAPI 3.0 document of every topic",
    response_class=Response,
    responses={200: {"content": {"application/yaml": {}}, "description": "The document (also docs/asyncapi.yaml)."}},
)
async def asyncapi_yaml() -> Response:
    return Response(_document(), media_type="application/yaml")
