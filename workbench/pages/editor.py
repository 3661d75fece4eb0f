"""The scenario editor: the page, and checking and saving what is typed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from onething.scenarios.loader import resolve
from onething.workbench import editor, view_model
from onething.workbench.safety import Refused, check_yaml_size, safe_name
from onething.workbench.site import (
    bundle_or_404,
    json_body,
    render,
)


async def scenario_editor(request: Request) -> Response:
    start = request.query_params.get("from") or "newborn"
    bundle_or_404(start)
    text = Path(resolve(start)).read_text(encoding="utf-8")
    fields = editor.form_fields(yaml.safe_load(text))
    scenario = view_model.load(start)
    return render(
        request,
        "editor.html",
        start=start,
        text=text,
        fields=fields,
        scenario=scenario,
        folder=str(editor.user_scenarios()),
    )


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
    name, text = editor_input(await json_body(request))
    problems = editor.check(name, text)
    try:
        safe_name(name)
    except Refused as exc:
        problems.insert(0, {"path": "name", "reason": str(exc), "line": f"name: {exc}"})
    return JSONResponse({"yaml": text, "problems": problems})


async def api_save(request: Request) -> Response:
    name, text = editor_input(await json_body(request))
    path = editor.save(name, text)
    return JSONResponse({"saved": str(path), "name": name, "yaml": path.read_text("utf-8")})


ROUTES = [
    Route("/editor", scenario_editor),
    Route("/api/scenario/validate", api_validate, methods=["POST"]),
    Route("/api/scenario/save", api_save, methods=["POST"]),
]
