"""The workbench's web app (Starlette): server-rendered pages, a JSON API for the forms,
server-sent events for progress.  Every asset comes from this origin (plotly.js from the
``plotly`` package), so it works on a network with no internet."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import shutil
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from importlib import resources
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from onething.scenarios.errors import FileError
from onething.scenarios.loader import resolve, user_home
from onething.workbench import adapter, editor, forms
from onething.workbench.guard import LOOPBACK_NAMES, REPORT_CSP, Guard
from onething.workbench.jobs import Jobs, QueueFull
from onething.workbench.labels import LANGUAGES, name_in, split_name, words
from onething.workbench.safety import (
    MAX_UPLOAD_BYTES,
    NotFound,
    Refused,
    TooLarge,
    check_yaml_size,
    safe_name,
)
from onething.workbench.store import Store, StoreError

HERE = Path(__file__).parent
PLOTLY_JS = resources.files("plotly") / "package_data" / "plotly.min.js"
WHOLE = re.compile(r"[0-9]{1,19}")
"""A run id or a seed as typed: ASCII digits that fit SQLite's (and numpy's) 64 bits."""
STUDY_FILES = ("results.csv", "results.parquet", "summary.csv", "study.json", "report.html")


class Workbench:
    """The app's state: where runs are kept and the jobs."""

    def __init__(self, home: Path | None = None, workers: int | None = None):
        self.home = home or user_home()
        self.store = Store(self.home / "runs.sqlite")
        self.jobs = Jobs(self.store, workers)
        self.quick = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        """Short computations (a walk) off the event loop, one at a time."""

    def warm(self) -> None:
        """Start the walk's process now (it takes seconds), not on the first walk."""
        self.quick.submit(adapter.lever_names)


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
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(name_in=name_in, split_name=split_name)

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get("lang") or "en"
        return lang if lang in LANGUAGES else "en"

    def page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
        lang = lang_of(request)
        bundles = adapter.bundle_names()
        return templates.TemplateResponse(
            request,
            name,
            {
                "lang": lang,
                "w": words(lang),
                "bundles": bundles,
                "lever_docs": adapter.lever_names(),
                "running": len(wb.jobs.running()),
                "csrf_token": getattr(request.state, "csrf_token", ""),
                **context,
            },
            status_code=status,
        )

    async def body(request: Request) -> dict[str, Any]:
        """A JSON body of at most ``MAX_UPLOAD_BYTES``; ``Refused`` otherwise."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
            raise TooLarge(f"{declared} bytes; the limit is {MAX_UPLOAD_BYTES}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise TooLarge(f"more than {MAX_UPLOAD_BYTES} bytes; that is the limit")
            chunks.append(chunk)
        try:
            data = json.loads(b"".join(chunks) or b"{}")
        except (ValueError, RecursionError):
            raise Refused("the request is not JSON") from None
        if not isinstance(data, dict):
            raise Refused("the request is not a JSON object")
        return data

    def bundle_or_404(name: str) -> str:
        if name not in {n for n, _ in adapter.bundle_names()}:
            raise NotFound(f"no bundle named {name!r}")
        return name

    def run_or_404(text: str, what: str = "run") -> dict[str, Any]:
        found = wb.store.get(int(text)) if WHOLE.fullmatch(text) else None
        if found is None:
            raise NotFound(f"{what}: no such run (choose a run from the list)")
        return found

    # --- pages ------------------------------------------------------------------------

    async def catalog(request: Request) -> Response:
        problems: list[str] = []
        return page(request, "catalog.html", entries=adapter.catalog(problems), problems=problems)

    async def whatif(request: Request) -> Response:
        name = bundle_or_404(request.path_params["bundle"])
        scenario = adapter.load(name)
        places = {k: d.name for k, d in scenario.departments.items()}
        places["single_window"] = scenario.levers.single_window.name
        windows = {k: d.windows for k, d in scenario.departments.items()}
        windows["single_window"] = scenario.levers.single_window.windows
        return page(
            request,
            "whatif.html",
            bundle=name,
            scenario=scenario,
            places=places,
            windows=windows,
            after=list(scenario.after),
            per_day=scenario.applicants.arrivals.per_working_day,
        )

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
        unknown = [x for x in levers if x not in adapter.lever_names()]
        if unknown:
            raise Refused(f"unknown lever {unknown[0]!r}")
        return levers

    async def process_map(request: Request) -> Response:
        name = bundle_or_404(request.path_params["bundle"])
        levers = levers_of(request)
        drawing = adapter.process_map(name, levers)
        scenario = adapter.load(name)
        return page(
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
            raise Refused(f"seed {seed_text!r}: give a whole number below 2**63")
        seed = int(seed_text) if seed_text else None
        loop = asyncio.get_running_loop()
        walks = await loop.run_in_executor(wb.quick, adapter.walk_pair, name, levers, seed)
        scenario = adapter.load(name)
        return page(
            request,
            "walk.html",
            bundle=name,
            scenario=scenario,
            walks=walks,
            seed=seed if seed is not None else scenario.run.seed,
            levers=levers if levers is not None else list(scenario.after),
        )

    async def studies(request: Request) -> Response:
        return page(request, "studies.html", specs=sorted(adapter.shipped_specs()))

    async def scenario_editor(request: Request) -> Response:
        start = request.query_params.get("from") or "newborn"
        bundle_or_404(start)
        text = Path(resolve(start)).read_text(encoding="utf-8")
        fields = editor.form_fields(yaml.safe_load(text))
        scenario = adapter.load(start)
        return page(
            request,
            "editor.html",
            start=start,
            text=text,
            fields=fields,
            scenario=scenario,
            folder=str(editor.user_scenarios()),
        )

    async def runs(request: Request) -> Response:
        return page(request, "runs.html", runs=wb.store.list())

    async def run(request: Request) -> Response:
        return page(request, "run.html", run=run_or_404(request.path_params["run_id"]))

    async def runs_compare(request: Request) -> Response:
        a, b = (run_or_404(request.query_params.get(k, ""), f"run {k.upper()}") for k in "ab")
        return page(request, "runs_compare.html", a=a, b=b)

    async def live(request: Request) -> Response:
        return page(request, "live.html")

    async def set_lang(request: Request) -> Response:
        lang = request.path_params["lang"]
        target = request.query_params.get("next") or "/"
        if not target.startswith("/") or target[1:2] in ("/", "\\"):
            target = "/"  # never redirect off this origin (a browser reads /\\ as //)
        response = RedirectResponse(target, status_code=303)
        if lang in LANGUAGES:
            response.set_cookie("lang", lang, samesite="strict")
        return response

    # --- the API of the forms ---------------------------------------------------------

    def started(job: Any) -> JSONResponse:
        return JSONResponse({"job": job.id, "status": job.status})

    async def api_whatif(request: Request) -> Response:
        w = forms.whatif(await body(request))
        return started(wb.jobs.start("whatif", w.bundle, asdict(w)))

    async def api_live(request: Request) -> Response:
        run = forms.live(await body(request))
        return started(wb.jobs.start("live", run.bundle, asdict(run)))

    async def api_study(request: Request) -> Response:
        """A shipped spec by name, or an uploaded one: written into a folder of its own
        (the only files it may name besides the catalog's and the saved bundles), which
        is removed again if the spec is refused."""
        data = await body(request)
        upload, name = data.get("upload"), data.get("spec")
        folder = wb.home / "studies" / secrets.token_hex(6)
        if upload:
            if not isinstance(upload, str):
                raise forms.Invalid({"spec": "upload: expected the spec's YAML text"})
            check_yaml_size(upload)
            folder.mkdir(parents=True)
            spec = folder / "spec-upload.yaml"
            spec.write_text(upload, encoding="utf-8")
        else:
            shipped = adapter.shipped_specs()
            if not isinstance(name, str) or name not in shipped:
                raise forms.Invalid({"spec": f"choose from {', '.join(sorted(shipped))}"})
            spec = shipped[name]
        try:
            bundle = adapter.study_plan(spec).experiment.scenario.name
            inputs = {"spec": str(spec), "out": str(folder / "results")}
            job = wb.jobs.start("study", bundle, inputs)
        except Exception as exc:  # refused, or no room: the upload goes with it
            shutil.rmtree(folder, ignore_errors=True)
            if not isinstance(exc, FileError):
                raise
            file = "upload" if upload else name
            lines = [f"{file}: {p.path}: {p.reason}" for p in exc.problems]
            raise forms.Invalid({"spec": "\n".join(lines)}) from None
        return started(job)

    async def api_events(request: Request) -> Response:
        job = wb.jobs.get(request.path_params["job"])
        if job is None:
            raise NotFound("no such job")

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
        return JSONResponse({"cancelled": wb.jobs.cancel(request.path_params["job"])})

    def editor_input(data: dict[str, Any]) -> tuple[str, str]:
        """The name and the YAML (with the form's fields laid over it) of an editor request."""
        name, text, fields = data.get("name") or "", data.get("yaml") or "", data.get("fields")
        for key, value in (("name", name), ("yaml", text)):
            if not isinstance(value, str):
                raise Refused(f"{key}: expected text")
        if not isinstance(fields or {}, dict):
            raise Refused("fields: expected a mapping")
        for value in (text, *(fields or {}).values()):
            if isinstance(value, str):
                check_yaml_size(value)  # a field's value is read as YAML too
        return name, editor.apply_fields(text, fields or {})

    async def api_validate(request: Request) -> Response:
        name, text = editor_input(await body(request))
        problems = editor.check(name, text)
        try:
            safe_name(name)
        except Refused as exc:
            problems.insert(0, {"path": "name", "reason": str(exc), "line": f"name: {exc}"})
        return JSONResponse({"yaml": text, "problems": problems})

    async def api_save(request: Request) -> Response:
        name, text = editor_input(await body(request))
        path = editor.save(name, text)
        return JSONResponse({"saved": str(path), "name": name, "yaml": path.read_text("utf-8")})

    async def study_file(request: Request) -> Response:
        found = run_or_404(request.path_params["run_id"])
        name = request.path_params["name"]
        path = Path(found["inputs"].get("out", "")) / name
        if found["kind"] != "study" or name not in STUDY_FILES or not path.is_file():
            raise NotFound(f"run {found['id']} has no file {name!r}")
        if name == "report.html" and "download" not in request.query_params:
            headers = {"content-security-policy": REPORT_CSP, "x-frame-options": "SAMEORIGIN"}
            return FileResponse(path, media_type="text/html", headers=headers)
        return FileResponse(path, filename=name)

    async def plotly_js(request: Request) -> Response:
        return FileResponse(str(PLOTLY_JS), media_type="text/javascript")

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    # --- errors -----------------------------------------------------------------------

    async def refused(request: Request, exc: Exception) -> Response:
        """Each refusal in its own status, as JSON on the API and as a page elsewhere."""
        if isinstance(exc, forms.Invalid):
            return JSONResponse({"problems": exc.problems}, status_code=422)
        if isinstance(exc, Refused):
            status = exc.status
        elif isinstance(exc, QueueFull):
            status = 429
        elif isinstance(exc, StoreError):
            status = 503
        else:  # a FileError: a bundle of the catalog or the user's folder is wrong
            status = 400
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=status)
        return page(request, "error.html", status, message=str(exc))

    routes = [
        Route("/", catalog),
        Route("/whatif/{bundle}", whatif),
        Route("/map/{bundle}", process_map),
        Route("/walk/{bundle}", walk),
        Route("/studies", studies),
        Route("/editor", scenario_editor),
        Route("/runs", runs),
        Route("/runs/compare", runs_compare),
        Route("/runs/{run_id}", run),
        Route("/runs/{run_id}/files/{name}", study_file),
        Route("/live", live),
        Route("/lang/{lang}", set_lang),
        Route("/healthz", healthz),
        Route("/static/plotly.min.js", plotly_js),
        Route("/api/whatif", api_whatif, methods=["POST"]),
        Route("/api/live", api_live, methods=["POST"]),
        Route("/api/study", api_study, methods=["POST"]),
        Route("/api/jobs/{job}/events", api_events),
        Route("/api/jobs/{job}/cancel", api_cancel, methods=["POST"]),
        Route("/api/scenario/validate", api_validate, methods=["POST"]),
        Route("/api/scenario/save", api_save, methods=["POST"]),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        wb.jobs.shutdown()
        wb.quick.shutdown(cancel_futures=True)

    app = Starlette(
        routes=routes,
        exception_handlers={
            exc: refused for exc in (Refused, forms.Invalid, FileError, QueueFull, StoreError)
        },
        lifespan=lifespan,
    )
    app.state.workbench = wb
    return Guard(app, hosts, token)
