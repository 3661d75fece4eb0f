"""The live dashboard: the page, and starting a live run."""

from __future__ import annotations

from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from onething.workbench import forms
from onething.workbench.site import (
    json_body,
    render,
    started,
    workbench_of,
)


async def live(request: Request) -> Response:
    return render(request, "live.html")


async def api_live(request: Request) -> Response:
    run = forms.live(await json_body(request))
    return started(workbench_of(request).jobs.start("live", run.bundle, asdict(run)))


ROUTES = [
    Route("/live", live),
    Route("/api/live", api_live, methods=["POST"]),
]
