"""The scenario editor's checks: the same loader and the same ``file: path: reason``
messages as the CLI, on text typed in the browser, and the form fields laid over it."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from onething.scenarios.errors import FileError, Problem
from onething.scenarios.loader import (
    CATALOG,
    catalog_names,
    parse_yaml,
    user_scenarios,
    validate,
)
from onething.workbench.labels import problem_line, scenario_names
from onething.workbench.safety import NAME, Refused, check_yaml_size, inside, safe_name

TRACE = "applicants.arrivals.trace"
TEXT_FIELDS = ("name", "title")
"""Fields whose value is the text typed, never read as a number."""


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


_PLAIN_END = re.compile(r"\s+#|,\s|[,}\]]|\s*$")
"""Where a plain scalar ends on its line (a comment, the next entry of a flow mapping)."""


def _scalar_token(value: Any, raw: Any) -> str:
    """``value`` written as one YAML scalar: as typed when that reads back as it, else
    double-quoted (JSON's quoting is YAML's)."""
    if isinstance(raw, str) and raw and raw == raw.strip() and not re.search(r"[\n,{}\[\]#]", raw):
        try:
            read = yaml.safe_load(f"k: {raw}")
        except (yaml.YAMLError, RecursionError):
            read = None
        if isinstance(read, dict) and _same(read.get("k"), value):
            return raw
    return json.dumps(value, ensure_ascii=False)


def _same(a: Any, b: Any) -> bool:
    """Equal as YAML values: of one kind (``2`` is not ``2.0``, ``1`` not ``true``), NaN
    equal to NaN."""
    if type(a) in (bool, int, float) or type(b) in (bool, int, float):
        kinds = [next(k for k in (bool, int, float, object) if isinstance(x, k)) for x in (a, b)]
        if kinds[0] is not kinds[1]:
            return False
    return a == b or (a != a and b != b)


def _token_end(line: str, col: int) -> int | None:
    """The end of the scalar that starts at ``col``; None when it is not one on this line
    (a block, a multi-line string)."""
    head = line[col : col + 1]
    if head in ('"', "'"):
        quote, i = head, col + 1
        while i < len(line):
            if line[i] == quote and head == "'" and line[i + 1 : i + 2] == "'":
                i += 2  # '' is a quote inside single quotes
            elif line[i] == quote:
                return i + 1
            elif line[i] == "\\" and head == '"':
                i += 2
            else:
                i += 1
        return None
    if head in ("", "|", ">", "{", "[", "&", "*", "!"):
        return None
    return col + _PLAIN_END.search(line, col).start() - col


def _set_in_text(text: str, node: Any, key: str, token: str) -> str | None:
    """The text with the scalar of ``node[key]`` replaced by ``token`` and every other
    character kept; None when the value is not a one-line scalar."""
    line_no, col = node.lc.value(key)
    lines = text.splitlines(keepends=True)
    line = lines[line_no]
    end = _token_end(line.rstrip("\r\n"), col)
    if end is None:
        return None
    lines[line_no] = line[:col] + token + line[end:]
    return "".join(lines)


def _round_trip() -> YAML:
    round_trip = YAML()  # comments, order and quoting kept; builds no Python objects
    round_trip.preserve_quotes = True
    round_trip.width = 4096  # never re-wrap a long line
    return round_trip


def _node(data: Any, parts: list[str]) -> Any:
    for part in parts:
        data = data.get(part) if isinstance(data, dict) else None
    return data


def apply_fields(text: str, fields: dict[str, Any]) -> str:
    """The YAML with the form's values set, round trip: every comment, the order, the
    quoting and the layout stay as typed, only the changed scalars are rewritten (the
    unchanged text when the form agrees with it or the YAML cannot be read)."""
    try:
        data = _round_trip().load(text)
    except (YAMLError, RecursionError, ValueError):
        return text
    if not isinstance(data, dict):
        return text
    changes = []
    for dotted, raw in fields.items():
        *parents, key = dotted.split(".")
        node = _node(data, parents)
        if not isinstance(node, dict) or key not in node:
            continue
        value = raw if key in TEXT_FIELDS else _typed(raw)
        if not _same(node[key], value):
            changes.append((node, key, value, raw))
    for node, key, value, raw in sorted(changes, key=lambda c: c[0].lc.value(c[1]), reverse=True):
        edited = _set_in_text(text, node, key, _scalar_token(value, raw))
        if edited is None:
            break
        text = edited
    else:  # bottom-up, so the positions above each edit still hold
        return text
    for node, key, value, _ in changes:  # a value spanning lines: ruamel writes the file
        node[key] = value
    out = io.StringIO()
    _round_trip().dump(data, out)
    return out.getvalue()


def check(name: str, text: str, lang: str = "en") -> list[dict[str, str]]:
    """The problems the loader finds, each ``{path, reason, line}`` in ``lang``, with
    ``line`` in English the CLI's ``file: path: reason`` (``labels.problem_line``); empty
    when the bundle loads.  The text is checked as if saved in the user's folder (its
    trace read from there, and only from there); nothing is written."""
    file = f"{name}.yaml" if NAME.fullmatch(name or "") else "scenario.yaml"
    try:
        check_yaml_size(text)
    except Refused as exc:
        return [_problem(Problem("(file)", exc.in_language(lang)), file, lang)]
    folder = user_scenarios()
    trace = _trace_of(text)
    if trace is not None and not _within(folder, trace):
        return [_problem(Problem(TRACE, Refused("trace_outside", folder=folder)), file, lang)]
    try:
        data = parse_yaml(text, folder / file)
    except FileError as exc:
        return [_problem(p, file, lang) for p in exc.problems]
    names = scenario_names(data, lang)
    problems: dict[tuple[str, str], dict[str, str]] = {}
    for found in _every_stage(data, folder / file):
        for p in found:
            problems.setdefault((p.path, p.reason), _problem(p, file, lang, names))
    return list(problems.values())


def _problem(
    p: Problem, file: str, lang: str, names: dict[str, dict[str, str]] | None = None
) -> dict[str, str]:
    return {
        "path": p.path,
        "reason": p.in_language(lang),
        "line": problem_line(p, file, lang, names),
    }


STAGES = 4
"""At most this many rounds of checking past the first mistakes (a mistake at one level
hides the checks of the level above it, and the cross-checks between fields)."""


def _every_stage(data: Any, path: Path) -> Iterator[list[Problem]]:
    """The loader's problems, and then what it would find next: the loader stops at the
    first level that fails (a field's own range before the checks across fields), so the
    faulty values are set back to those of the bundle's last good version (the catalog's,
    or the saved one, by its ``name:``) and the rest checked again."""
    good = _last_good(data)
    for _ in range(STAGES):
        try:
            validate(data, path)
            return
        except FileError as exc:
            yield exc.problems
            if good is None or not _restore(data, good, [p.path for p in exc.problems]):
                return


def _last_good(data: Any) -> dict[str, Any] | None:
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return None
    for folder in (CATALOG, user_scenarios()):  # never a file named so elsewhere
        try:
            good = yaml.safe_load((folder / f"{name}.yaml").read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError, RecursionError):  # none there, or unreadable
            continue
        return good if isinstance(good, dict) else None
    return None


def _restore(data: dict[str, Any], good: dict[str, Any], paths: list[str]) -> bool:
    """Each faulty value set back to the good version's (True when every one was)."""
    for dotted in paths:
        *parents, key = dotted.split(".")
        node, source = _node(data, parents), _node(good, parents)
        if not (isinstance(node, dict) and isinstance(source, dict) and key in source):
            return False
        if node.get(key) == source[key]:
            return False  # the good version fails the same way: nothing more to learn
        node[key] = source[key]
    return True


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
    saved bundle by its file name), everything else kept."""
    return apply_fields(text, {"name": name})


def save(name: str, text: str, lang: str = "en") -> Path:
    """Write a bundle that loads into the user's folder; ``Refused`` otherwise (its
    problems in ``lang``)."""
    safe_name(name)
    if name in catalog_names():
        raise Refused("catalog_bundle", name=name)
    text = with_name(text, name)
    problems = check(name, text, lang)
    if problems:
        raise Refused("does_not_load", lines="; ".join(p["line"] for p in problems))
    folder = user_scenarios()
    folder.mkdir(parents=True, exist_ok=True)
    path = inside(folder, name)
    path.write_text(text, encoding="utf-8")
    return path
