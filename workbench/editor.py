"""The scenario editor's checks: the same loader and the same ``file: path: reason``
messages as the CLI, on text typed in the browser, and the form fields laid over it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from onething.scenarios.errors import FileError
from onething.scenarios.loader import catalog_names, parse_yaml, user_scenarios, validate
from onething.workbench.safety import NAME, Refused, check_yaml_size, inside, safe_name

TRACE = "applicants.arrivals.trace"


def form_fields(data: Any) -> dict[str, Any]:
    """The common numbers, by dotted path, that the editor shows as form fields."""
    if not isinstance(data, dict):
        return {}
    fields: dict[str, Any] = {"title": data.get("title", "")}
    arrivals = (data.get("applicants") or {}).get("arrivals") or {}
    if "per_working_day" in arrivals:
        fields["applicants.arrivals.per_working_day"] = arrivals["per_working_day"]
    for key, department in (data.get("departments") or {}).items():
        if isinstance(department, dict) and "windows" in department:
            fields[f"departments.{key}.windows"] = department["windows"]
    for key in ("replications", "horizon_days", "seed"):
        if key in (data.get("run") or {}):
            fields[f"run.{key}"] = data["run"][key]
    return fields


def _typed(text: Any) -> Any:
    """A form value as YAML would read it (``3`` a number, ``abc`` a string)."""
    if not isinstance(text, str):
        return text
    try:
        return yaml.safe_load(text) if text.strip() else None
    except (yaml.YAMLError, RecursionError):
        return text


def apply_fields(text: str, fields: dict[str, Any]) -> str:
    """The YAML with the form's values set; unchanged text (comments kept) when the form
    agrees with it or the YAML cannot be read."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return text
    if not isinstance(data, dict):
        return text
    changed = False
    for dotted, raw in fields.items():
        parts = dotted.split(".")
        node = data
        for part in parts[:-1]:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict) or parts[-1] not in node:
            continue
        value = raw if parts[-1] == "title" else _typed(raw)
        if node[parts[-1]] != value:
            node[parts[-1]] = value
            changed = True
    if not changed:
        return text
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def check(name: str, text: str) -> list[dict[str, str]]:
    """The problems the loader finds, each ``{path, reason, line}`` with ``line`` the
    CLI's ``file: path: reason``; empty when the bundle loads.  The text is checked as if
    saved in the user's folder (its trace read from there, and only from there); nothing
    is written."""
    file = f"{name}.yaml" if NAME.fullmatch(name or "") else "scenario.yaml"

    def problem(path: str, reason: str) -> list[dict[str, str]]:
        return [{"path": path, "reason": reason, "line": f"{file}: {path}: {reason}"}]

    try:
        check_yaml_size(text)
    except Refused as exc:
        return problem("(file)", str(exc))
    folder = user_scenarios()
    trace = _trace_of(text)
    if trace is not None and not _within(folder, trace):
        return problem(TRACE, f"a bundle of the workbench reads its trace from {folder} only")
    try:
        validate(parse_yaml(text, folder / file), folder / file)
    except FileError as exc:
        return [
            {
                "path": p.path,
                "reason": p.reason,
                "line": f"{Path(p.file).name if p.file else file}: {p.path}: {p.reason}",
            }
            for p in exc.problems
        ]
    return []


def _within(folder: Path, name: str) -> bool:
    try:
        return (folder / name).resolve().is_relative_to(folder.resolve())
    except (ValueError, OSError):  # a NUL byte, a loop of links
        return False


def _trace_of(text: str) -> str | None:
    """The arrival trace the text names, if it reads as a scenario that names one."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return None
    for key in TRACE.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, str) else None


def with_name(text: str, name: str) -> str:
    """The text with its ``name:`` set to the name it is saved under (the CLI finds a
    saved bundle by its file name)."""
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError):
        return text  # the check that follows names the mistake
    if isinstance(data, dict) and data.get("name") != name:
        data["name"] = name
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
    return text


def save(name: str, text: str) -> Path:
    """Write a bundle that loads into the user's folder; ``Refused`` otherwise."""
    safe_name(name)
    if name in catalog_names():
        raise Refused(f"{name} is a catalog bundle: save under another name")
    text = with_name(text, name)
    problems = check(name, text)
    if problems:
        raise Refused("; ".join(p["line"] for p in problems))
    folder = user_scenarios()
    folder.mkdir(parents=True, exist_ok=True)
    path = inside(folder, name)
    path.write_text(text, encoding="utf-8")
    return path
