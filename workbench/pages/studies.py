"""The studies: the page of shipped specs, and running one (or an uploaded spec)."""

from __future__ import annotations

import secrets
import shutil

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from onething.scenarios.errors import FileError
from onething.workbench import forms, view_model
from onething.workbench.labels import name_in, problem_line, words
from onething.workbench.safety import check_yaml_size
from onething.workbench.site import (
    json_body,
    lang_of,
    render,
    started,
    workbench_of,
)


async def studies(request: Request) -> Response:
    lang = lang_of(request)
    if lang == "en":
        specs = {name: name for name in sorted(view_model.shipped_specs())}
    else:  # what it studies and on which bundle, in Chinese
        titles, w = view_model.bundle_titles(), words(lang)
        specs = {
            name: f"{name_in(titles.get(bundle, bundle), lang)} · {w.get(f'study.{kind}', kind)}"
            for name, (kind, bundle) in sorted(view_model.shipped_study_kinds().items())
        }
    return render(request, "studies.html", specs=specs)


async def api_study(request: Request) -> Response:
    """A shipped spec by name, or an uploaded one: written into a folder of its own
    (the only files it may name besides the catalog's and the saved bundles), which
    is removed again if the spec is refused."""
    data = await json_body(request)
    upload, name = data.get("upload"), data.get("spec")
    folder = workbench_of(request).home / "studies" / secrets.token_hex(6)
    if upload:
        if not isinstance(upload, str):
            raise forms.Invalid({"spec": forms.Said("form.spec_upload")})
        check_yaml_size(upload)
        folder.mkdir(parents=True)
        spec = folder / "spec-upload.yaml"
        spec.write_text(upload, encoding="utf-8")
    else:
        shipped = view_model.shipped_specs()
        if not isinstance(name, str) or name not in shipped:
            raise forms.Invalid(
                {"spec": forms.Said("form.spec_choose", options=", ".join(sorted(shipped)))}
            )
        spec = shipped[name]
    try:
        bundle = view_model.study_plan(spec).experiment.scenario.name
        inputs = {"spec": str(spec), "out": str(folder / "results")}
        job = workbench_of(request).jobs.start("study", bundle, inputs)
    except Exception as exc:  # refused, or no room: the upload goes with it
        shutil.rmtree(folder, ignore_errors=True)
        if not isinstance(exc, FileError):
            raise
        file, lang = "upload" if upload else name, lang_of(request)
        lines = [problem_line(p, file, lang) for p in exc.problems]
        raise forms.Invalid(
            {"spec": forms.Said("form.spec_refused", text="\n".join(lines))}
        ) from None
    return started(job)


ROUTES = [
    Route("/studies", studies),
    Route("/api/study", api_study, methods=["POST"]),
]
