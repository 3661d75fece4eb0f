"""The scenario editor: the page, and checking and saving what is typed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from onething.scenarios.loader import resolve
from onething.scenarios.model import Scenario
from onething.scenarios.reasons import field_path
from onething.workbench import editor, view_model
from onething.workbench.labels import name_in, words
from onething.workbench.safety import Refused, check_yaml_size, safe_name
from onething.workbench.site import (
    bundle_or_404,
    json_body,
    lang_of,
    render,
)

TITLE = ("Title", "标题")
"""The one word of the editor's form that the workbench's words do not have yet."""
FIELD_WORDS = {
    "applicants.arrivals.per_working_day": "arrivals",
    "run.replications": "replications",
    "run.horizon_days": "horizon_days",
    "run.seed": "seed",
}
"""Form fields labelled by a word of the workbench (``labels.WORDS``)."""


def field_labels(fields: dict[str, Any], scenario: Scenario, lang: str) -> dict[str, str]:
    """Each form field as a planner names it: a department's windows by the department's
    own name in the page's language, the other fields by their word; never the path."""
    w = words(lang)
    labels = {}
    for path in fields:
        parts = path.split(".")
        if path == "title":
            labels[path] = TITLE[lang == "zh"]
        elif path in FIELD_WORDS:
            labels[path] = w[FIELD_WORDS[path]]
        elif parts[0] == "departments" and len(parts) == 3 and parts[1] in scenario.departments:
            labels[path] = name_in(scenario.departments[parts[1]].name, lang)
        else:
            labels[path] = parts[-1].replace("_", " ")
    return labels


async def scenario_editor(request: Request) -> Response:
    start = request.query_params.get("from") or "newborn"
    bundle_or_404(start)
    text = Path(resolve(start)).read_text(encoding="utf-8")
    fields = editor.form_fields(yaml.safe_load(text))
    scenario = view_model.load(start)
    windows = [path for path in fields if path.startswith("departments.")]
    return render(
        request,
        "editor.html",
        start=start,
        text=text,
        fields=fields,
        labels=field_labels(fields, scenario, lang_of(request)),
        windows=windows,
        scenario=scenario,
        folder=str(editor.user_scenarios()),
    )


def editor_input(data: dict[str, Any]) -> tuple[str, str]:
    """The name and the YAML (with the form's fields laid over it) of an editor request."""
    name, text, fields = data.get("name") or "", data.get("yaml") or "", data.get("fields")
    for key, value in (("name", name), ("yaml", text)):
        if not isinstance(value, str):
            raise Refused("expected_text", field=key)
    if not isinstance(fields or {}, dict):
        raise Refused("expected_mapping")
    for value in (text, *(fields or {}).values()):
        if isinstance(value, str):
            check_yaml_size(value)  # a field's value is read as YAML too
    return name, editor.apply_fields(text, fields or {})


async def api_validate(request: Request) -> Response:
    name, text = editor_input(await json_body(request))
    lang = lang_of(request)
    problems = editor.check(name, text, lang)
    try:
        safe_name(name)
    except Refused as exc:
        reason, where = exc.in_language(lang), field_path("name", lang)
        line = f"{where}: {reason}" if lang == "en" else f"{where}：{reason}"
        problems.insert(0, {"path": "name", "reason": reason, "line": line})
    return JSONResponse({"yaml": text, "problems": problems})


async def api_save(request: Request) -> Response:
    name, text = editor_input(await json_body(request))
    path = editor.save(name, text, lang_of(request))
    return JSONResponse({"saved": str(path), "name": name, "yaml": path.read_text("utf-8")})


ROUTES = [
    Route("/editor", scenario_editor),
    Route("/api/scenario/validate", api_validate, methods=["POST"]),
    Route("/api/scenario/save", api_save, methods=["POST"]),
]
