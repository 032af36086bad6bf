"""The shared case room (samhandlingsrom): one page per sick-leave case for the sykmeldt, the nærmeste leder,
the doctor and NAV, each in their own privacy view, updated live. Server-rendered HTML under /rom."""

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sykmeldingsflyt.gateway.rom.routes import router

STATIC = Path(__file__).parent / "static"


def install(app: FastAPI) -> None:
    """The room's pages, and its static files (NAV's design system CSS, installed by scripts/bootstrap.sh)."""
    app.include_router(router)
    app.mount("/rom/static", StaticFiles(directory=STATIC, check_dir=False), name="rom-static")
