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


TOPICS = {
    "items": "Items and their take-up",
    "dependencies": "Order and dependencies",
    "loops": "Loops (orders left out)",
    "repeats": "Repeats",
    "work": "Work and waiting (complete-only events)",
    "calendar": "Calendar",
    "arrivals": "Arrivals",
    "intake": "How the log maps to the model",
}


def _list(lines: list[str]) -> str:
    return "<ul class='findings'>" + "".join(f"<li>{html.escape(x)}</li>" for x in lines) + "</ul>"


def html_report(discovery: Discovery, style: str = "") -> str:
    """The fit report as one self-contained HTML page, in ``style`` (the study reports'
    stylesheet, which the CLI passes: discovery sits below the experiments layer)."""
    parts = [
        "<!doctype html><html lang='en'><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>onething discover: fit report</title><style>{style}</style><main>",
        "<h1>Fit report</h1>",
        f"<p class='meta'>{discovery.events} events, {discovery.cases} cases. What discovery "
        "inferred, with its support; then each fitted parameter, the log's empirical "
        "distribution against the fitted one (criterion: the Kolmogorov-Smirnov statistic D "
        "against its 5 % critical value).</p>",
    ]
    if discovery.inferred:
        parts.append("<h2>What was inferred</h2>")
        for topic, lines in discovery.inferred.items():
            parts.append(f"<h3>{html.escape(TOPICS.get(topic, topic))}</h3>{_list(lines)}")
    if discovery.skipped.total:
        parts.append(f"<h2>Skipped rows</h2>{_list(discovery.skipped.lines())}")
    if discovery.unmapped:
        parts.append(
            f"<h2>Not mapped</h2><p class='warning'>What the model cannot say "
            f"as the log shows it.</p>{_list(discovery.unmapped)}"
        )
    parts.append("<h2>Fitted parameters</h2><div class='scroll'><table>")
    parts.append("<tr><th>parameter</th><th>n</th><th>kind</th><th>D</th><th>critical</th></tr>")
    for row in rows(discovery):
        parts.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>")
    parts.append("</table></div>")
    for path, (f, values) in discovery.fits.items():
        if f.kind == "fixed":
            continue
        note = html.escape(discovery.scenario["assumptions"].get(path, ""))
        image = _plot(path, f, values)
        parts.append(
            f"<figure><img alt='{html.escape(path)}' src='data:image/png;base64,{image}'>"
            f"<figcaption><code>{html.escape(path)}</code>: {note}</figcaption></figure>"
        )
    parts.append("</main></html>")
    return "\n".join(parts)
