"""What the commands print: numbers, measures and tables, a progress bar."""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from collections.abc import Sequence
from contextlib import contextmanager
from typing import Any

from tqdm import tqdm

from onething.api import WalkStep
from onething.scenarios.calendar import WorkingCalendar
from onething.scenarios.model import Scenario

CHANGE = "change (after vs before, - = less)"


def num(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if x != 0 and abs(x) < 0.005:
        return "< 0.01" if x > 0 else "> -0.01"
    if abs(x) < 1:
        return f"{x:.2f}".rstrip("0").rstrip(".")
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def alike(*values: float, digits: int = 3) -> list[str]:
    """Numbers read together (a mean and its interval, p50 / p90) with the same decimals:
    ``digits`` significant on the largest, at most two, none from 100 up; thousands
    separated; whole numbers alike stay whole.  ``13.0 [12.9, 13.0]``, not ``13 [12.9, 13]``."""
    finite = [v for v in values if v is not None and math.isfinite(v)]
    largest = max(map(abs, finite), default=0.0)
    decimals = min(2, max(0, digits - 1 - math.floor(math.log10(largest)))) if largest else 0
    if all(v == int(v) for v in finite):  # counts, and quantiles of counts
        decimals = 0
    return ["—" if v is None or math.isnan(v) else f"{v:,.{decimals}f}" for v in values]


def pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def change_text(before: Any, after: Any) -> str:
    from onething.sim.measures import change

    c = change(before, after)
    return "" if c is None else f"{c:+.1f} %"


def points_text(before: float | None, after: float | None) -> str:
    """A share's change in percentage points: ``96.8 %`` to ``100.0 %`` is ``+3.2 pp``."""
    return "" if before is None or after is None else f"{100 * (after - before):+.1f} pp"


def dist_rows(label: str, m: dict[str, Any]) -> list[list[str]]:
    low, high = m["ci95"]
    if low is None:
        mean = num(m["mean"])
    else:
        mean, low, high = alike(m["mean"], low, high)
        mean = f"{mean} [{low}, {high}]"
    return [
        [f"{label}, mean", mean],
        [f"{label}, p50 / p90", " / ".join(alike(m["p50"], m["p90"]))],
    ]


DIST_LABELS = {
    "time_working_days": "time (working days)",
    "wait_minutes": "waiting at windows (min)",
    "trips_observed": "trips incl. rework",
}
"""The distributions a table shows, each in the one unit of its kind: working days for
end-to-end time (``time_calendar_hours`` stays in ``--json``), minutes for waits."""


COUNT_LABELS = {
    "steps": "steps 环节",
    "materials": "materials 材料",
    "trips": "trips 跑动",
    "form_fields": "form fields 表单字段",
}
SHARE_LABELS = {"within_promise": "within promise"}
UTILISATION = "utilisation "


def measure_rows(m: dict[str, Any]) -> list[list[str]]:
    """One column of text rows for one process's measures."""
    rows = [[COUNT_LABELS[k], num(m[k])] for k in COUNT_LABELS]
    for key, label in DIST_LABELS.items():
        rows += dist_rows(label, m[key])
    rows.append([SHARE_LABELS["within_promise"], pct(m["within_promise"])])
    rows.append(["promised (working days)", num(m["promise_working_days"])])
    rows.append(["cases measured", num(m["cases"])])
    if m["unfinished"]:
        rows.append(["UNFINISHED cases (overload)", num(m["unfinished"])])
    for place, u in m["utilisation"].items():
        rows.append([f"{UTILISATION}{place}", pct(u)])
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


def wrapped(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal columns, broken at spaces (a word
    wider than that keeps a line of its own)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and text_width(lines[-1]) + 1 + text_width(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def print_table(
    header: Sequence[str], rows: Sequence[Sequence[str]], wrap: dict[int, int] | None = None
) -> None:
    """Columns aligned; ``wrap`` maps a column to its width, its cells wrapped onto more
    lines (so a wide table fits a terminal)."""
    wrap = wrap or {}
    table = [[str(cell) for cell in row] for row in [header, *rows]]
    lines = [
        [wrapped(cell, wrap[i]) if i in wrap else [cell] for i, cell in enumerate(row)]
        for row in table
    ]
    widths = [max(text_width(part) for row in lines for part in row[i]) for i in range(len(header))]
    for row in lines:
        for k in range(max(map(len, row))):
            cells = [cell[k] if k < len(cell) else "" for cell in row]
            padded = [c + " " * (w - text_width(c)) for c, w in zip(cells, widths, strict=True)]
            print("  ".join(padded).rstrip())


def compare_rows(before: dict[str, Any], after: dict[str, Any]) -> list[list[str]]:
    b, a = dict(map(tuple, measure_rows(before))), dict(map(tuple, measure_rows(after)))
    labels = list(dict.fromkeys([*b, *a]))
    rows = []
    for label in labels:
        key = next((k for k, v in COUNT_LABELS.items() if v == label), None)
        dist = next((k for k, v in DIST_LABELS.items() if label == f"{v}, mean"), None)
        share = next((k for k, v in SHARE_LABELS.items() if v == label), None)
        place = label.removeprefix(UTILISATION) if label.startswith(UTILISATION) else None
        if key:
            delta = change_text(before[key], after[key])
        elif dist:
            delta = change_text(before[dist]["mean"], after[dist]["mean"])
        elif share:
            delta = points_text(before[share], after[share])
        elif place:
            delta = points_text(before["utilisation"].get(place), after["utilisation"].get(place))
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


def duration_text(step: WalkStep) -> str:
    """A walk step's length: minutes within a day (queueing, a window, travel), working
    days when it spans days (a decision, the post, gathering what was sent back for)."""
    if step.start.date() == step.end.date():
        return f"{step.minutes:,.0f} min"
    return plural(round(step.working_days, 1), "working day")


def season_lines(
    scenario: Scenario, horizon_days: int, warmup_days: int, utilisation: dict[str, dict]
) -> list[str]:
    """Seasonal arrivals (``applicants.arrivals.date_profile``) said beside the table: a
    run's utilisation averages the quiet weeks with the peak, so a long wait at a modest
    utilisation comes from the peak.  The peak's load is the run's scaled by the peak
    weight over the mean weight of the measured working days (window work per applicant
    does not change with the date).  ``utilisation``: process -> place -> share."""
    arrivals = scenario.applicants.arrivals
    if not arrivals.date_profile or arrivals.per_working_day is None:
        return []
    calendar = WorkingCalendar(scenario.calendar, scenario.run.start_date)
    start = scenario.run.start_date
    days = [
        start + dt.timedelta(days=d)
        for d in range(warmup_days, horizon_days)
        if calendar.is_working_day(d)
    ]
    mean_weight = sum(map(arrivals.date_weight, days)) / len(days) if days else 1.0
    peak = max(season.weight for season in arrivals.date_profile)
    seasons = ", ".join(
        f"{season.weight:g}× {season.start} to {season.end}" for season in arrivals.date_profile
    )
    loads = [
        f"  {process}: "
        + ", ".join(f"{place} {100 * u * peak / mean_weight:,.0f} %" for place, u in places.items())
        for process, places in utilisation.items()
        if places
    ]
    return [
        "arrivals are seasonal (applicants.arrivals.date_profile), times the ordinary day:",
        f"  {seasons}.",
        f"utilisation is over the whole run; in the {peak:g}× peak the windows are offered about",
        *loads,
        "of their time: the queues and the long waits come from the peak weeks.",
    ]
