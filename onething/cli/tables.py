"""What the commands print: numbers, measures and tables, a progress bar."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

CHANGE = "change (after vs before, - = less)"


def num(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if x != 0 and abs(x) < 0.005:
        return "< 0.01" if x > 0 else "> -0.01"
    if abs(x) < 1:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def change_text(before: Any, after: Any) -> str:
    from onething.sim.measures import change

    c = change(before, after)
    return "" if c is None else f"{c:+.1f} %"


def dist_rows(label: str, m: dict[str, Any]) -> list[list[str]]:
    ci = m["ci95"]
    interval = f" [{num(ci[0])}, {num(ci[1])}]" if ci[0] is not None else ""
    return [
        [f"{label}, mean", f"{num(m['mean'])}{interval}"],
        [f"{label}, p50 / p90", f"{num(m['p50'])} / {num(m['p90'])}"],
    ]


DIST_LABELS = {
    "time_working_days": "time (working days)",
    "time_calendar_hours": "time (calendar hours)",
    "wait_minutes": "waiting at windows (min)",
    "trips_observed": "trips incl. rework",
}


COUNT_LABELS = {
    "steps": "steps 环节",
    "materials": "materials 材料",
    "trips": "trips 跑动",
    "form_fields": "form fields 表单字段",
}


def measure_rows(m: dict[str, Any]) -> list[list[str]]:
    """One column of text rows for one process's measures."""
    rows = [[COUNT_LABELS[k], num(m[k])] for k in COUNT_LABELS]
    for key, label in DIST_LABELS.items():
        rows += dist_rows(label, m[key])
    rows.append(["within promise", pct(m["within_promise"])])
    rows.append(["promised (working days)", num(m["promise_working_days"])])
    rows.append(["cases measured", num(m["cases"])])
    if m["unfinished"]:
        rows.append(["UNFINISHED cases (overload)", num(m["unfinished"])])
    for place, u in m["utilisation"].items():
        rows.append([f"utilisation {place}", pct(u)])
    for measure, placeholders in m.get("unknown", {}).items():
        rows.append([f"{measure}: unknown, fill in", placeholders_note(placeholders)])
    return rows


def placeholders_note(paths: Sequence[str]) -> str:
    """``items.a.steps, items.b.steps`` as ``items.*.steps (2)``: one short cell."""
    groups: dict[str, int] = {}
    for path in paths:
        parts = path.split(".")
        key = f"items.*.{parts[2]}" if len(parts) == 3 and parts[0] == "items" else path
        groups[key] = groups.get(key, 0) + 1
    return ", ".join(k if n == 1 else f"{k} ({n})" for k, n in groups.items())


def text_width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(text_width(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        cells = [cell + " " * (w - text_width(cell)) for cell, w in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip())


def compare_rows(before: dict[str, Any], after: dict[str, Any]) -> list[list[str]]:
    b, a = dict(map(tuple, measure_rows(before))), dict(map(tuple, measure_rows(after)))
    labels = list(dict.fromkeys([*b, *a]))
    rows = []
    for label in labels:
        key = next((k for k, v in COUNT_LABELS.items() if v == label), None)
        dist = next((k for k, v in DIST_LABELS.items() if label == f"{v}, mean"), None)
        if key:
            delta = change_text(before[key], after[key])
        elif dist:
            delta = change_text(before[dist]["mean"], after[dist]["mean"])
        else:
            delta = ""
        rows.append([label, b.get(label, "—"), a.get(label, "—"), delta])
    return rows


@contextmanager
def progress_bar(total: int, desc: str):
    """A bar on stderr, shown only for runs longer than two seconds on a terminal."""
    with tqdm(total=total, desc=desc, unit="rep", delay=2, disable=None, leave=False) as bar:
        yield bar.update


def plural(n: float, word: str, plural_form: str | None = None) -> str:
    """``1 trip``, ``2 trips``, ``1.5 working days``."""
    many = plural_form or word + "s"
    return f"{num(n)} {word if n == 1 else many}"


def when(t: Any, day: Any = None) -> str:
    """A timestamp; only the time of day when it is on ``day`` (the step's start day)."""
    if day is not None and t.date() == day:
        return t.strftime("%H:%M")
    return t.strftime("%a %Y-%m-%d %H:%M")


def duration_text(minutes: float) -> str:
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"  # always more than one
