"""What every page and API route of the workbench shares: its state (``Workbench``, one per
app, at ``request.app.state.workbench``), rendering a page, reading a JSON body, finding a
bundle, a run or the levers a request names; and the routes of no page (the language
switch, the health check, plotly.js, the bundled font)."""

from __future__ import annotations

import json
import re
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route
from starlette.templating import Jinja2Templates

from onething.scenarios.loader import user_home
from onething.scenarios.reasons import split_name
from onething.workbench import view_model
from onething.workbench.jobs import Jobs
from onething.workbench.labels import LANGUAGES, name_in, node_lines, words
from onething.workbench.safety import MAX_UPLOAD_BYTES, NotFound, Refused, TooLarge
from onething.workbench.store import Store

HERE = Path(__file__).parent
PLOTLY_JS = resources.files("plotly") / "package_data" / "plotly.min.js"
WHOLE = re.compile(r"[0-9]{1,19}")
"""A run id or a seed as typed: ASCII digits that fit SQLite's (and numpy's) 64 bits."""


class Workbench:
    """The app's state: where runs are kept, the jobs, and the page templates."""

    def __init__(self, home: Path | None = None, workers: int | None = None):
        self.home = home or user_home()
        self.store = Store(self.home / "runs.sqlite")
        self.jobs = Jobs(self.store, workers)
        self.quick = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        """Short computations (a walk) off the event loop, one at a time."""
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.globals.update(
            name_in=name_in, split_name=split_name, node_lines=node_lines
        )

    def warm(self) -> None:
        """Start the walk's process now (it takes seconds), not on the first walk."""
        self.quick.submit(view_model.lever_names)


def workbench_of(request: Request) -> Workbench:
    return request.app.state.workbench


def lang_of(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "en"
    return lang if lang in LANGUAGES else "en"


def render(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """The page template ``name`` in the request's language, with what every page shows."""
    lang = lang_of(request)
    wb = workbench_of(request)
    return wb.templates.TemplateResponse(
        request,
        name,
        {
            "lang": lang,
            "w": words(lang),
            "bundles": view_model.bundle_names(),
            "titles": view_model.bundle_titles(),
            "lever_docs": view_model.lever_names(),
            "running": len(wb.jobs.running()),
            "csrf_token": getattr(request.state, "csrf_token", ""),
            **context,
        },
        status_code=status,
    )


async def json_body(request: Request) -> dict[str, Any]:
    """A JSON body of at most ``MAX_UPLOAD_BYTES``; ``Refused`` otherwise."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise TooLarge("too_large", size=declared, limit=MAX_UPLOAD_BYTES)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise TooLarge("too_large_stream", limit=MAX_UPLOAD_BYTES)
        chunks.append(chunk)
    try:
        data = json.loads(b"".join(chunks) or b"{}")
    except (ValueError, RecursionError):
        raise Refused("not_json") from None
    if not isinstance(data, dict):
        raise Refused("not_json_object")
    return data


def bundle_or_404(name: str) -> str:
    if name not in {n for n, _ in view_model.bundle_names()}:
        raise NotFound("no_bundle", name=name)
    return name


def run_or_404(request: Request, text: str, what: str = "run") -> dict[str, Any]:
    found = workbench_of(request).store.get(int(text)) if WHOLE.fullmatch(text) else None
    if found is None:
        raise NotFound("no_run", what=what)
    return found


def levers_of(request: Request) -> list[str] | None:
    """The levers of a ``?set=1&lever=a&lever=b`` form (or ``?levers=a,b``); None:
    the bundle's own after levers."""
    text = request.query_params.get("levers")
    if request.query_params.get("set"):
        levers = request.query_params.getlist("lever")
    elif text is not None:
        levers = [x for x in text.split(",") if x]
    else:
        return None
    unknown = [x for x in levers if x not in view_model.lever_names()]
    if unknown:
        raise Refused("unknown_lever", lever=unknown[0])
    return levers


def started(job: Any) -> JSONResponse:
    return JSONResponse({"job": job.id, "status": job.status})


async def set_lang(request: Request) -> Response:
    lang = request.path_params["lang"]
    target = request.query_params.get("next") or "/"
    if not target.startswith("/") or target[1:2] in ("/", "\\"):
        target = "/"  # never redirect off this origin (a browser reads /\\ as //)
    response = RedirectResponse(target, status_code=303)
    if lang in LANGUAGES:
        response.set_cookie("lang", lang, samesite="strict")
    return response


async def plotly_js(request: Request) -> Response:
    return FileResponse(str(PLOTLY_JS), media_type="text/javascript")


async def bundled_font(request: Request) -> Response:
    """Noto Sans SC, which app.css names for every page's Chinese: no page depends on a
    font of the machine.  8 MiB, read once per browser (it keeps it a week)."""
    from onething.experiments.fonts import bundled_font

    font = bundled_font()
    if font is None:
        raise NotFound("no_font")
    return FileResponse(
        str(font), media_type="font/otf", headers={"cache-control": "public, max-age=604800"}
    )


async def healthz(request: Request) -> Response:
    return PlainTextResponse("ok")


ROUTES = [
    Route("/lang/{lang}", set_lang),
    Route("/healthz", healthz),
    Route("/static/plotly.min.js", plotly_js),
    Route("/static/fonts/NotoSansSC-Regular.otf", bundled_font),
]
