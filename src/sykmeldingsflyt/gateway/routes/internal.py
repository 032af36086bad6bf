"""For the platform: liveness and readiness probes, which do no work (and serve as the benchmark's baseline)."""

from fastapi import APIRouter

router = APIRouter(prefix="/internal", tags=["Platform"])


@router.get("/isalive", summary="Liveness")
async def isalive() -> dict[str, str]:
    return {"status": "UP"}
