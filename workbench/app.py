"""The workbench's web app (Starlette): server-rendered pages, a JSON API for the forms,
server-sent events for progress.  Every asset comes from this origin (plotly.js from the
``plotly`` package), so it works on a network with no internet."""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import secrets
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
from onething.workbench.jobs import Jobs
from onething.workbench.labels import LANGUAGES, name_in, split_name, words
from onething.workbench.safety import MAX_UPLOAD_BYTES, Refused, check_yaml_size, safe_name
from onething.workbench.store import Store

HERE = Path(__file__).parent
PLOTLY_JS = resources.files("plotly") / "package_data" / "plotly.min.js"
TOKEN_COOKIE = "onething_token"
STUDY_FILES = ("results.csv", "results.parquet", "summary.csv", "study.json", "report.html")


class Workbench:
    """The app's state: where runs are kept, the running jobs, the access token."""

    def __init__(self, home: Path | None = None, token: str | None = None):
        self.home = home or user_home()
        self.store = Store(self.home / "runs.sqlite")
        self.jobs = Jobs(self.store)
        self.token = token
        self.quick = ProcessPoolExecutor(1, mp_context=get_context("spawn"))
        """Short computations (a walk) off the event loop, one at a time."""


def create_app(home: Path | None = None, token: str | None = None) -> Starlette:
    wb = Workbench(home, token)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(name_in=name_in, split_name=split_name)

    def lang_of(request: Request) -> str:
        lang = request.query_params.get("lang") or request.cookies.get("lang") or "en"
        return lang if lang in LANGUAGES else "en"

    def page(request: Request, name: str, **context: Any) -> Response:
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
                **context,
            },
        )

    async def body(request: Request) -> dict[str, Any]:
        """A JSON body of at most ``MAX_UPLOAD_BYTES``; ``Refused`` otherwise."""
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
            raise Refused(f"{declared} bytes; the limit is {MAX_UPLOAD_BYTES}")
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                raise Refused(f"more than {MAX_UPLOAD_BYTES} bytes; that is the limit")
            chunks.append(chunk)
        try:
            data = json.loads(b"".join(chunks) or b"{}")
        except ValueError:
            raise Refused("the request is not JSON") from None
        if not isinstance(data, dict):
            raise Refused("the request is not a JSON object")
        return data

    def bundle_or_404(name: str) -> str:
        if name not in {n for n, _ in adapter.bundle_names()}:
            raise Refused(f"no bundle named {name!r}")
        return name

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
        if seed_text and not seed_text.isdigit():
            raise Refused(f"seed {seed_text!r}: give a whole number")
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
        found = wb.store.get(int(request.path_params["run_id"]))
        if found is None:
            raise Refused("no such run")
        return page(request, "run.html", run=found)

    async def runs_compare(request: Request) -> Response:
        chosen = []
        for key in ("a", "b"):
            text = request.query_params.get(key, "")
            found = wb.store.get(int(text)) if text.isdigit() else None
            if found is None:
                raise Refused(f"run {key.upper()}: choose a run from the list")
            chosen.append(found)
        return page(request, "runs_compare.html", a=chosen[0], b=chosen[1])

    async def live(request: Request) -> Response:
        return page(request, "live.html")

    async def set_lang(request: Request) -> Response:
        lang = request.path_params["lang"]
        target = request.query_params.get("next") or "/"
        if not target.startswith("/") or target.startswith("//"):
            target = "/"  # never redirect off this origin
        response = RedirectResponse(target, status_code=303)
        if lang in LANGUAGES:
            response.set_cookie("lang", lang, samesite="strict")
        return response

    # --- the API of the forms ---------------------------------------------------------

    def started(job: Any) -> JSONResponse:
        return JSONResponse({"job": job.id})

    async def api_whatif(request: Request) -> Response:
        w = forms.whatif(await body(request))
        return started(wb.jobs.start("whatif", w.bundle, asdict(w)))

    async def api_live(request: Request) -> Response:
        run = forms.live(await body(request))
        return started(wb.jobs.start("live", run.bundle, asdict(run)))

    async def api_study(request: Request) -> Response:
        data = await body(request)
        folder = wb.home / "studies" / secrets.token_hex(6)
        if data.get("upload"):
            text = str(data["upload"])
            check_yaml_size(text)
            folder.mkdir(parents=True)
            spec = folder / "spec-upload.yaml"
            spec.write_text(text, encoding="utf-8")
        else:
            shipped = adapter.shipped_specs()
            name = data.get("spec")
            if name not in shipped:
                raise forms.Invalid({"spec": f"choose from {', '.join(sorted(shipped))}"})
            spec = shipped[name]
        try:
            adapter.check_spec(spec)
        except FileError as exc:
            file = "upload" if data.get("upload") else str(data.get("spec"))
            lines = [f"{file}: {p.path}: {p.reason}" for p in exc.problems]
            raise forms.Invalid({"spec": "\n".join(lines)}) from None
        bundle = yaml.safe_load(spec.read_text(encoding="utf-8")).get("bundle", "")
        inputs = {"spec": str(spec), "out": str(folder / "results")}
        return started(wb.jobs.start("study", str(bundle), inputs))

    async def api_events(request: Request) -> Response:
        job = wb.jobs.get(request.path_params["job"])
        if job is None:
            raise Refused("no such job")

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

    async def api_validate(request: Request) -> Response:
        data = await body(request)
        name = str(data.get("name") or "")
        text = str(data.get("yaml") or "")
        check_yaml_size(text)
        fields = data.get("fields") or {}
        if not isinstance(fields, dict):
            raise Refused("fields: expected a mapping")
        text = editor.apply_fields(text, fields)
        problems = editor.check(name or "scenario", text)
        try:
            safe_name(name)
        except Refused as exc:
            problems.insert(0, {"path": "name", "reason": str(exc), "line": f"name: {exc}"})
        return JSONResponse({"yaml": text, "problems": problems})

    async def api_save(request: Request) -> Response:
        data = await body(request)
        name = str(data.get("name") or "")
        text = editor.apply_fields(str(data.get("yaml") or ""), data.get("fields") or {})
        path = editor.save(name, text)
        return JSONResponse({"saved": str(path), "name": name, "yaml": path.read_text("utf-8")})

    async def study_file(request: Request) -> Response:
        found = wb.store.get(int(request.path_params["run_id"]))
        name = request.path_params["name"]
        if found is None or found["kind"] != "study" or name not in STUDY_FILES:
            raise Refused("no such file")
        folder = Path(found["inputs"]["out"])
        path = folder / name
        if not path.is_file():
            raise Refused("no such file")
        if name == "report.html" and "download" not in request.query_params:
            return FileResponse(path, media_type="text/html")
        return FileResponse(path, filename=name)

    async def plotly_js(request: Request) -> Response:
        return FileResponse(str(PLOTLY_JS), media_type="text/javascript")

    async def healthz(request: Request) -> Response:
        return PlainTextResponse("ok")

    # --- errors and the token ---------------------------------------------------------

    async def refused(request: Request, exc: Exception) -> Response:
        if isinstance(exc, forms.Invalid):
            return JSONResponse({"problems": exc.problems}, status_code=422)
        status = 413 if "limit" in str(exc) else 400
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=status)
        return page(request, "error.html", message=str(exc))

    async def file_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, FileError)
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=400)
        return page(request, "error.html", message=str(exc))

    routes = [
        Route("/", catalog),
        Route("/whatif/{bundle}", whatif),
        Route("/map/{bundle}", process_map),
        Route("/walk/{bundle}", walk),
        Route("/studies", studies),
        Route("/editor", scenario_editor),
        Route("/runs", runs),
        Route("/runs/compare", runs_compare),
        Route("/runs/{run_id:int}", run),
        Route("/runs/{run_id:int}/files/{name}", study_file),
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
        exception_handlers={Refused: refused, forms.Invalid: refused, FileError: file_error},
        lifespan=lifespan,
    )
    app.state.workbench = wb
    if token is not None:
        return TokenGate(app, token)
    return app


class TokenGate:
    """With a non-loopback host, every request needs the printed token: once as
    ``?token=`` (then kept in a cookie), or as the cookie."""

    def __init__(self, app: Any, token: str):
        self.app = app
        self.token = token
        self.state = app.state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        given = request.query_params.get("token")
        cookie = request.cookies.get(TOKEN_COOKIE, "")
        if given is not None and hmac.compare_digest(given, self.token):
            response = RedirectResponse(request.url.remove_query_params("token"), 303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            await response(scope, receive, send)
            return
        if not hmac.compare_digest(cookie, self.token):
            response = PlainTextResponse(
                "onething workbench: open the URL with the token printed at start", 403
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
