"""How the report shows numbers, names and tables: one reading for the report's generic
sections and every study kind's own."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from onething.scenarios.levers import REGISTERED, SINGLE_WINDOW
from onething.scenarios.model import Scenario


def missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def num(x: Any, digits: int = 3) -> str:
    if missing(x):
        return "—"
    x = float(x)
    if x == int(x) and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def pct(x: Any) -> str:
    return "—" if missing(x) else f"{100 * float(x):.0f} %"


def low_end(x: Any) -> Any:
    """An interval's low end for a quantity that cannot be negative: truncated at zero."""
    return x if missing(x) else max(0.0, float(x))


def signed(x: Any) -> str:
    return "—" if missing(x) else f"{float(x):+.3g}"


def days(x: float) -> str:
    return f"{num(abs(x))} working day" + ("" if abs(x) == 1 else "s")


def lever(name: str) -> str:
    """A lever as a sentence names it; a name no lever has (a study.json from another
    version) with its underscores as spaces."""
    known = REGISTERED.get(name)
    return known.label if known else name.replace("_", " ")


def cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def place(scenario: Scenario | None, name: str) -> str:
    """A department's (or the single window's) name as the scenario gives it."""
    if scenario is None:
        return name.replace("_", " ")
    if name == SINGLE_WINDOW:
        return scenario.levers.single_window.name
    department = scenario.departments.get(name)
    return department.name if department else name.replace("_", " ")


def table(
    header: Sequence[str], rows: Iterable[Sequence[str]], raw: bool = False, text: bool = False
) -> str:
    """A table in a horizontally scrollable box; cells escaped unless ``raw``; ``text``
    tables wrap their cells (numbers tables keep each estimate on one line)."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{c if raw else escape(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    kind = ' class="text"' if text else ""
    return (
        f'<div class="scroll"><table{kind}><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def estimate(mean: Any, low: Any, high: Any, share: bool = False, of_cases: bool = False) -> str:
    """Mean with its 95 % interval, as a percentage if ``share``; the interval is left out
    where it is a single point (a count) or undefined (one replication).  Every measure
    of the report is a time, a count or a share: the low end is truncated at zero
    (``sim.statistics.non_negative``), the high end at one only for a share of cases
    (``of_cases``): a utilisation is offered work over capacity and goes past 100 % when
    a place is overloaded, so its interval is never cut below its mean."""
    f = pct if share else num
    low = low if missing(low) else max(0.0, float(low))
    high = high if missing(high) or not of_cases else min(1.0, float(high))
    if missing(low) or missing(high) or math.isclose(low, high, abs_tol=1e-12):
        return f(mean)
    return f"{f(mean)} [{f(low)}, {f(high)}]"
