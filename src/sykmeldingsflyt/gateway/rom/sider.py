"""The room's Jinja2 templates (templates/), autoescaped HTML."""

from pathlib import Path

from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
