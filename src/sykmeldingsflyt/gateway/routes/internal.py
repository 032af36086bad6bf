"""For the platform: liveness and readiness probes, which do no work beyond asking the database (and serve as
the benchmark's baseline). Metrics are at /internal/prometheus, mounted by the app."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from sykmeldingsflyt.observability.probes import database_answers

router = APIRouter(prefix="/internal", tags=["Platform"])


@router.get("/isalive", summary="Liveness")
async def isalive() -> dict[str, str]:
    return {"status": "UP"}


@router.get("/isready", summary="Readiness: the database answers", responses={503: {"description": "Not ready"}})
async def isready(request: Request) -> JSONResponse:
    try:
        await database_answers(request.app.state.gateway.database)()
    except Exception as error:  # any failure to answer means not ready
        return JSONResponse({"status": "NOT_READY", "problems": [f"database: {type(error).__name__}"]}, 503)
    return JSONResponse({"status": "READY"})
