"""The fit report: per fitted parameter, the data against the chosen distribution, in the
terminal (a table) or as one self-contained HTML page (ECDF plots embedded)."""

from __future__ import annotations

import base64
import html
import io

import numpy as np

from onething.discovery.fit import Fit
from onething.discovery.writer import Discovery
from onething.scenarios.distributions import sampler


def rows(discovery: Discovery) -> list[list[str]]:
    out = []
    for path, (f, _) in discovery.fits.items():
        d = "—" if f.kind == "fixed" else f"{f.statistic:.3f}"
        c = "—" if f.kind == "fixed" else f"{f.critical:.3f}"
        out.append([path, str(f.observations), f.kind, d, c])
    return out


def _draws(f: Fit, n: int = 4000) -> np.ndarray:
    import random

    from pydantic import TypeAdapter

    from onething.scenarios.model import Distribution

    dist = TypeAdapter(Distribution).validate_python(f.dist)
    draw = sampler(dist, random.Random(0), 1.0)  # 1 'minute' per unit: values in the unit
    return np.sort([draw() for _ in range(n)])


def _plot(path: str, f: Fit, values: list[float]) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = np.sort(values)
    model = _draws(f)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.step(data, np.arange(1, len(data) + 1) / len(data), where="post", label="log")
    ax.plot(model, np.arange(1, len(model) + 1) / len(model), label=f"fitted {f.kind}")
    ax.set_xlabel(f.dist.get("unit", "minutes"))
    ax.set_ylabel("share at most")
    ax.set_title(path, fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def html_report(discovery: Discovery) -> str:
    """The fit report as one self-contained HTML page."""
    parts = [
        "<!doctype html><meta charset='utf-8'><title>onething discover: fit report</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "td,th{padding:2px 8px;text-align:left}</style>",
        f"<h1>Fit report</h1><p>{discovery.events} events, {discovery.cases} cases. "
        "Each parameter: the log's empirical distribution against the fitted one; the "
        "criterion is the Kolmogorov-Smirnov statistic D against its 5 % critical value.</p>",
    ]
    if discovery.skipped.total:
        items = "".join(f"<li>{html.escape(x)}</li>" for x in discovery.skipped.lines())
        parts.append(f"<h2>Skipped rows</h2><ul>{items}</ul>")
    if discovery.unmapped:
        items = "".join(f"<li>{html.escape(x)}</li>" for x in discovery.unmapped)
        parts.append(f"<h2>Not mapped</h2><ul>{items}</ul>")
    parts.append(
        "<table><tr><th>parameter</th><th>n</th><th>kind</th><th>D</th><th>critical</th></tr>"
    )
    for row in rows(discovery):
        parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    parts.append("</table>")
    for path, (f, values) in discovery.fits.items():
        if f.kind == "fixed":
            continue
        note = html.escape(discovery.scenario["assumptions"].get(path, ""))
        image = _plot(path, f, values)
        parts.append(f"<h3>{html.escape(path)}</h3><p>{note}</p>")
        parts.append(f"<img alt='{html.escape(path)}' src='data:image/png;base64,{image}'>")
    return "\n".join(parts)
