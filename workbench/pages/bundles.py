"""The bundle pages: the catalog (home), a bundle's what-if form, its process map and the
walk through it; and the what-if run the form starts."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from onething.scenarios.errors import FileError
from onething.workbench import forms, view_model
from onething.workbench.labels import file_error_text
from onething.workbench.safety import Refused
from onething.workbench.site import (
    WHOLE,
    bundle_or_404,
    json_body,
    lang_of,
    levers_of,
    render,
    started,
    workbench_of,
)


async def catalog(request: Request) -> Response:
    problems: list[FileError] = []
    entries = view_model.catalog(problems)
    lang = lang_of(request)
    shown = [file_error_text(error, lang) for error in problems]
    return render(request, "catalog.html", entries=entries, problems=shown)


async def whatif(request: Request) -> Response:
    name = bundle_or_404(request.path_params["bundle"])
    scenario = view_model.load(name)
    places = view_model.place_names(name)
    windows = {k: d.windows for k, d in scenario.departments.items()}
    windows["single_window"] = scenario.levers.single_window.windows
    return render(
        request,
        "whatif.html",
        bundle=name,
        scenario=scenario,
        places=places,
        windows=windows,
        after=list(scenario.after),
        per_day=scenario.applicants.arrivals.per_working_day,
    )


async def process_map(request: Request) -> Response:
    name = bundle_or_404(request.path_params["bundle"])
    levers = levers_of(request)
    drawing = view_model.process_map(name, levers)
    scenario = view_model.load(name)
    return render(
        request,
        "map.html",
        bundle=name,
        scenario=scenario,
        drawing=drawing,
        levers=levers if levers is not None else list(scenario.after),
    )


async def walk(request: Request) -> Response:
    name = bundle_or_404(request.path_params["bundle"])
    levers = levers_of(request)
    seed_text = request.query_params.get("seed") or ""
    if seed_text and not (WHOLE.fullmatch(seed_text) and int(seed_text) < 2**63):
        raise Refused("bad_seed", seed=seed_text)
    seed = int(seed_text) if seed_text else None
    loop = asyncio.get_running_loop()
    walks = await loop.run_in_executor(
        workbench_of(request).quick, view_model.walk_pair, name, levers, seed
    )
    scenario = view_model.load(name)
    return render(
        request,
        "walk.html",
        bundle=name,
        scenario=scenario,
        walks=walks,
        seed=seed if seed is not None else scenario.run.seed,
        levers=levers if levers is not None else list(scenario.after),
    )


async def api_whatif(request: Request) -> Response:
    w = forms.whatif(await json_body(request))
    return started(workbench_of(request).jobs.start("whatif", w.bundle, asdict(w)))


ROUTES = [
    Route("/", catalog),
    Route("/whatif/{bundle}", whatif),
    Route("/map/{bundle}", process_map),
    Route("/walk/{bundle}", walk),
    Route("/api/whatif", api_whatif, methods=["POST"]),
]
