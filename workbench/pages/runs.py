"""The runs: the list, one run, two side by side, a study's files; and the progress events
and cancelling of any running job."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from onething.workbench import view_model
from onething.workbench.guard import REPORT_CSP
from onething.workbench.labels import input_rows
from onething.workbench.safety import NotFound
from onething.workbench.site import (
    lang_of,
    render,
    run_or_404,
    workbench_of,
)

STUDY_FILES = (
    "results.csv",
    "results.parquet",
    "summary.csv",
    "study.json",
    "report.html",
    "report.zh.html",
)
"""The files of a study run that can be downloaded (the reports: English, Chinese)."""


async def runs(request: Request) -> Response:
    return render(request, "runs.html", runs=workbench_of(request).store.list())


async def run(request: Request) -> Response:
    found = run_or_404(request, request.path_params["run_id"])
    rows = input_rows(
        found["inputs"],
        view_model.bundle_titles(),
        view_model.place_names(found["bundle"]),
        lang_of(request),
    )
    return render(request, "run.html", run=found, inputs=rows)


async def runs_compare(request: Request) -> Response:
    a, b = (run_or_404(request, request.query_params.get(k, ""), f"run {k.upper()}") for k in "ab")
    lang, titles = lang_of(request), view_model.bundle_titles()
    shown = {  # lists of pairs, not objects: tojson would sort their keys
        k: {
            "id": r["id"],
            "kind": r["kind"],
            "measures": list(view_model.run_measures(r).items()),
            "inputs": input_rows(
                {"bundle": r["bundle"], **r["inputs"]},
                titles,
                view_model.place_names(r["bundle"]),
                lang,
            ),
        }
        for k, r in (("a", a), ("b", b))
    }
    return render(request, "runs_compare.html", a=a, b=b, shown=shown)


async def study_file(request: Request) -> Response:
    found = run_or_404(request, request.path_params["run_id"])
    name = request.path_params["name"]
    path = Path(found["inputs"].get("out", "")) / name
    if found["kind"] != "study" or name not in STUDY_FILES or not path.is_file():
        raise NotFound("no_file", run=found["id"], name=name)
    if name.endswith(".html") and "download" not in request.query_params:
        headers = {"content-security-policy": REPORT_CSP, "x-frame-options": "SAMEORIGIN"}
        return FileResponse(path, media_type="text/html", headers=headers)
    return FileResponse(path, filename=name)


async def api_events(request: Request) -> Response:
    job = workbench_of(request).jobs.get(request.path_params["job"])
    if job is None:
        raise NotFound("no_job")

    async def stream():
        sent = 0
        yield "retry: 2000\n\n"
        while True:
            events = job.events[sent:]
            for event in events:
                yield f"event: {event['type']}\ndata: {json.dumps(event)}\n\n"
            sent += len(events)
            if job.finished and sent >= len(job.events):
                return
            if await request.is_disconnected():
                return
            await asyncio.sleep(0.25)

    return StreamingResponse(
        stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"}
    )


async def api_cancel(request: Request) -> Response:
    return JSONResponse(
        {"cancelled": workbench_of(request).jobs.cancel(request.path_params["job"])}
    )


ROUTES = [
    Route("/runs", runs),
    Route("/runs/compare", runs_compare),
    Route("/runs/{run_id}", run),
    Route("/runs/{run_id}/files/{name}", study_file),
    Route("/api/jobs/{job}/events", api_events),
    Route("/api/jobs/{job}/cancel", api_cancel, methods=["POST"]),
]
