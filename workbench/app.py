"""The workbench's web app (Starlette): server-rendered pages, a JSON API for the forms,
server-sent events for progress.  Every asset comes from this origin (plotly.js from the
``plotly`` package), so it works on a network with no internet.  The routes are in
``pages/`` (one module per page) and ``site``; this module assembles them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from onething.scenarios.errors import FileError
from onething.workbench import forms, pages, site
from onething.workbench.guard import LOOPBACK_NAMES, Guard
from onething.workbench.jobs import QueueFull
from onething.workbench.labels import file_error_text
from onething.workbench.safety import Refused
from onething.workbench.site import HERE, Workbench, lang_of, render

REFUSALS = (Refused, forms.Invalid, FileError, QueueFull)


async def refused(request: Request, exc: Exception) -> Response:
    """Each refusal in its own status, as JSON on the API and as a page elsewhere."""
    if isinstance(exc, forms.Invalid):
        return JSONResponse({"problems": exc.in_language(lang_of(request))}, status_code=422)
    reason = str(exc)
    if isinstance(exc, Refused):
        status = exc.status
        reason = exc.in_language(lang_of(request))
    elif isinstance(exc, QueueFull):
        status = 429
    else:  # a FileError: a bundle of the catalog or the user's folder is wrong
        status = 400
        reason = file_error_text(exc, lang_of(request))
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": reason}, status_code=status)
    return render(request, "error.html", status, message=reason)


def create_app(
    home: Path | None = None,
    token: str | None = None,
    hosts: Iterable[str] = LOOPBACK_NAMES,
    workers: int | None = None,
) -> Guard:
    """The workbench behind its ``Guard``: answering to ``hosts`` (``name`` or
    ``name:port``), asking for ``token`` if given, running ``workers`` jobs at a time
    (default: the core count)."""
    wb = Workbench(home, workers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        wb.jobs.shutdown()
        wb.quick.shutdown(cancel_futures=True)

    static = Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app = Starlette(
        routes=[*pages.ROUTES, *site.ROUTES, static],
        exception_handlers=dict.fromkeys(REFUSALS, refused),
        lifespan=lifespan,
    )
    app.state.workbench = wb
    return Guard(app, hosts, token)
