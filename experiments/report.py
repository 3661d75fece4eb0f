"""``onething report RESULTS_DIR``: one self-contained HTML page for an experiment's
output folder.

The page holds the question the study asks, the scenario it ran on (items, sources,
assumptions, published figures), the findings in plain language (generated from
``study.json``), the means with their 95 % confidence intervals (from ``summary.csv``) and
every PNG plot of the folder, embedded as a data URI, and the glyphs of Noto Sans SC its
Chinese text needs: no file beside it, no network request and no installed font is needed
to read it.  A small inline script records on ``<body>`` whether every
image loaded and whether any element's content overflows it, a table wider than the page
included (``data-images-loaded``, ``data-overflow``), which the browser test reads.
"""

from __future__ import annotations

import base64
import json
import math
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

import onething.experiments.fonts as fonts
from onething.experiments.present import estimate, num, place, table
from onething.experiments.runner import draw
from onething.experiments.studies import KINDS, variants
from onething.experiments.studies.kind import ECDF_PREFIX, TIME, UTILISATION
from onething.scenarios.errors import FileError, Problem
from onething.scenarios.loader import load_scenario, read_yaml
from onething.scenarios.model import Distribution, Scenario

REPORT = "report.html"

MEASURES = {
    "time_working_days": "Time (working days)",
    TIME: "Time, mean (working days)",
    "time_working_days.p50": "Time, median (working days)",
    "time_working_days.p90": "Time, 90th percentile (working days)",
    "wait_minutes.mean": "Waiting at windows (min)",
    "trips_observed.mean": "Trips incl. rework (per case)",
    "within_promise": "Within the promised time (share)",
    "steps": "Steps 环节",
    "materials": "Materials 材料",
    "trips": "Trips 跑动",
    "form_fields": "Form fields 表单字段",
    "cases": "Cases measured",
    "unfinished": "Unfinished cases",
}
SHARES = {"within_promise"}
GROUPS = (
    (
        "Time and service",
        (
            TIME,
            "time_working_days.p50",
            "time_working_days.p90",
            "wait_minutes.mean",
            "trips_observed.mean",
            "within_promise",
        ),
    ),
    ("Counts (from the process, no randomness)", ("steps", "materials", "trips", "form_fields")),
    ("Cases", ("cases", "unfinished")),
)
TIME_CAPTION = (
    "Share of cases done within each end-to-end time, per variant (further left is faster; "
    "the quantiles are averaged over replications)."
)
"""The ECDF's quantiles (q05 .. q95): drawn in the time plot, never a table column."""
# --- reading the folder --------------------------------------------------------------


def _need(results_dir: Path) -> None:
    if not results_dir.is_dir():
        raise FileError(results_dir, [Problem("(folder)", "no such results folder")])
    for name in ("spec.yaml", "summary.csv"):
        if not (results_dir / name).is_file():
            raise FileError(
                results_dir,
                [
                    Problem(
                        name,
                        "missing: not an experiment's output folder "
                        "(run `onething experiment run SPEC --out FOLDER` first)",
                    )
                ],
            )


def _summary(path: Path) -> pd.DataFrame:
    try:
        summary = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        raise FileError(path, [Problem("(file)", f"cannot read: {exc}")]) from None
    missing = {"variant", "measure", "mean"} - set(summary.columns)
    if missing:
        columns = ", ".join(sorted(missing))
        raise FileError(path, [Problem("(header)", f"missing columns {columns}")])
    for column in ("ci95_low", "ci95_high"):
        if column not in summary.columns:
            summary[column] = math.nan
    summary["variant"] = summary["variant"].astype(str)
    summary["measure"] = summary["measure"].astype(str)
    return summary


def _study(path: Path) -> dict[str, Any]:
    try:
        study = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # a damaged file: the tables still show
        return {}
    return study if isinstance(study, dict) else {}


def _scenario(results_dir: Path, bundle: Any) -> tuple[Scenario | None, str]:
    """The bundle the spec names: a catalog name, or a scenario file relative to where the
    spec was (unknown for the copy: tried beside the folder, its parent and the current
    directory).  Returns the scenario or None with the reason."""
    if not isinstance(bundle, str) or not bundle:
        return None, "the spec names no bundle"
    if Path(bundle).suffix not in (".yaml", ".yml"):
        try:
            return load_scenario(bundle), f"catalog bundle {bundle}"
        except FileError as exc:
            return None, str(exc)
    candidates = [Path(bundle)] if Path(bundle).is_absolute() else []
    candidates += [results_dir / bundle, results_dir.parent / bundle, Path.cwd() / bundle]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return load_scenario(candidate), f"scenario file {candidate}"
            except FileError as exc:
                return None, str(exc)
    return None, f"scenario file {bundle} not found (it is relative to the original spec)"


# --- formatting ----------------------------------------------------------------------


def _distribution(d: Distribution) -> str:
    return d.describe(num, {"minutes": "min", "hours": "h", "working_days": "working days"}[d.unit])


def measure_name(measure: str, scenario: Scenario | None = None) -> str:
    if measure in MEASURES:
        return MEASURES[measure]
    if measure.startswith(UTILISATION):
        return f"Utilisation: {place(scenario, measure.removeprefix(UTILISATION))}"
    return measure.replace("_", " ")


def _is_share(measure: str) -> bool:
    return measure in SHARES or measure.startswith(UTILISATION)


def _estimate(row: pd.Series, measure: str) -> str:
    share = _is_share(measure)
    return estimate(row["mean"], row["ci95_low"], row["ci95_high"], share, measure in SHARES)


def _breakable(text: str) -> str:
    """Escaped, with a break opportunity after '+' (long variant names)."""
    return escape(text).replace("+", "+<wbr>")


# --- findings ------------------------------------------------------------------------


def _means(summary: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    return {(r["variant"], r["measure"]): r for _, r in summary.iterrows()}


def findings(study: dict[str, Any], summary: pd.DataFrame, scenario: Scenario | None) -> list[str]:
    """The kind's findings; the generic ones (fastest, slowest, against before) for a
    study.json that lacks what the kind's read (another version's, or none)."""
    kind = KINDS.get(str(study.get("kind")))
    if kind is None or not kind.complete(study):
        return variants.findings(study, summary, scenario)
    return kind.findings(study, summary, scenario)


# --- sections ------------------------------------------------------------------------


def _scenario_section(scenario: Scenario | None, how: str) -> str:
    if scenario is None:
        return (
            "<section><h2>The scenario</h2>"
            f'<p class="warning">The scenario could not be loaded: {escape(how)}</p></section>'
        )
    s = scenario
    parts = [
        f"<section><h2>The scenario: {escape(s.title)}</h2>",
        f"<p>{escape(s.description)}</p>" if s.description else "",
        f'<p class="meta">{escape(how)}; levers of the published after process: '
        f"{escape(', '.join(s.after) or 'none')}.</p>",
        "<h3>Items</h3>",
    ]
    rows = [
        [
            escape(item.name),
            escape(s.departments[item.department].name),
            escape(_distribution(item.processing)),
            escape(_distribution(item.promised)),
            escape(", ".join(s.items[r].name for r in item.requires) or "—"),
        ]
        for item in s.items.values()
    ]
    parts.append(
        table(
            ["item", "department", "processing", "promised", "requires"], rows, raw=True, text=True
        )
    )
    if s.sources:
        parts.append('<h3>Sources</h3><ul class="sources">')
        parts += [
            f"<li><b>{escape(key)}</b>: {escape(text)}</li>" for key, text in s.sources.items()
        ]
        parts.append("</ul>")
    if s.published:
        parts.append("<h3>Published figures</h3>")
        parts.append(
            table(
                ["measure", "process", "value", "source", "note"],
                [
                    [measure_name(f.measure), f.mode, num(f.value), f.source, f.note or "—"]
                    for f in s.published
                ],
                text=True,
            )
        )
    if s.assumptions:
        parts.append('<h3>Assumptions</h3><ul class="assumptions">')
        parts += [
            f"<li><code>{escape(path)}</code>: {escape(text)}</li>"
            for path, text in s.assumptions.items()
        ]
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _summary_tables(summary: pd.DataFrame, scenario: Scenario | None) -> str:
    """Variants in rows, measures in columns: mean [95 % CI].  The time's quantiles
    beyond the median and the 90th percentile stay in summary.csv and the time plot."""
    variants = list(dict.fromkeys(summary["variant"]))
    measures = [m for m in dict.fromkeys(summary["measure"]) if not m.startswith(ECDF_PREFIX)]
    lookup = _means(summary)
    grouped = {m for _, ms in GROUPS for m in ms}
    utilisation = [m for m in measures if m.startswith(UTILISATION)]
    other = [m for m in measures if m not in grouped and m not in utilisation]
    groups = [
        *((title, [m for m in ms if m in measures]) for title, ms in GROUPS),
        ("Load on the windows (utilisation: offered work / capacity)", utilisation),
        ("Other measures", other),
    ]
    parts = []
    for title, columns in groups:
        if not columns:
            continue
        rows = []
        for v in variants:
            cells = [f'<span class="variant">{_breakable(v)}</span>']
            for m in columns:
                row = lookup.get((v, m))
                cells.append(escape("—" if row is None else _estimate(row, m)))
            rows.append(cells)
        header = ["variant", *(measure_name(m, scenario) for m in columns)]
        parts.append(f"<h3>{escape(title)}</h3>" + table(header, rows, raw=True))
    return "".join(parts)


def _image(path: Path, captions: dict[str, str]) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = captions.get(path.name, path.stem.replace("_", " ").replace("-", " "))
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(path.stem)}">'
        f"<figcaption>{escape(path.name)}: {escape(caption)}</figcaption></figure>"
    )


CSS = """
* { box-sizing: border-box; }
body { font-family: %(fonts)s; margin: 0; color: #1d2329; background: #fff;
  line-height: 1.5; overflow-wrap: break-word; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.3em; border-bottom: 2px solid #2f7d5b; padding-bottom: 2px; margin-top: 32px; }
h3 { font-size: 1.05em; margin: 20px 0 6px; }
.meta { color: #5a6570; font-size: 0.92em; }
.question { font-size: 1.25em; font-weight: bold; color: #2f7d5b; }
.warning { color: #b5483b; }
ul.findings li { margin: 4px 0; }
.scroll { overflow-x: auto; max-width: 100%%; margin: 6px 0 12px; }
table { border-collapse: collapse; font-size: 0.88em; }
th, td { border: 1px solid #d5dadf; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef2f4; }
td { white-space: nowrap; }
td:first-child { white-space: normal; min-width: 12em; }
table.text td { white-space: normal; min-width: 6em; }
.variant { display: inline-block; max-width: 26em; }
figure { margin: 16px 0; }
figure img { max-width: 100%%; height: auto; border: 1px solid #e3e7ea; }
figcaption { color: #5a6570; font-size: 0.9em; }
code { font-size: 0.9em; background: #f3f5f6; padding: 0 3px; }
"""

FONT_FACE = "/* the embedded font */"
"""Where the ``@font-face`` of the page's own Chinese characters goes, once the page is
written (``fonts.embedded_face``): the report draws Chinese on a machine with no CJK font."""

CHECK = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  var over = [];
  Array.prototype.forEach.call(document.body.querySelectorAll("*"), function (e) {
    if (e.tagName === "SCRIPT") { return; }
    if (e.scrollWidth > e.clientWidth + 1 && e.clientWidth > 0) {
      over.push(e.tagName.toLowerCase() + (e.className ? "." + e.className : ""));
    }
  });
  var root = document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) { over.push("html"); }
  document.body.dataset.imagesLoaded = loaded.length + "/" + images.length;
  document.body.dataset.overflow = String(over.length);
  document.body.dataset.overflowElements = over.slice(0, 10).join(" ");
});
"""


def render(results_dir: Path) -> str:
    _need(results_dir)
    spec = read_yaml(results_dir / "spec.yaml")
    if not isinstance(spec, dict):
        spec = {}
    summary = _summary(results_dir / "summary.csv")
    study = _study(results_dir / "study.json")
    kind = str(study.get("kind") or spec.get("kind") or "variants")
    bundle_ref = spec.get("bundle")
    scenario, how = _scenario(results_dir, bundle_ref)
    bundle = scenario.name if scenario else str(study.get("bundle") or bundle_ref or "?")
    name = str(spec.get("name") or study.get("name") or results_dir.name)
    known = KINDS.get(kind)
    question = (
        known.question if known else "What does the {kind} study say about {bundle}?"
    ).format(bundle=bundle, kind=kind.replace("_", " "))
    complete = known is not None and known.complete(study)
    settings = ", ".join(
        f"{label} {study.get(key, spec.get(key))}"
        for key, label in (
            ("replications", "replications"),
            ("horizon_days", "horizon (days)"),
            ("warmup_days", "warm-up (days)"),
            ("seed", "seed"),
        )
        if study.get(key, spec.get(key)) is not None
    )
    title = f"{name}: {scenario.title if scenario else bundle}"
    images = sorted(results_dir.glob("*.png"))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{FONT_FACE}{CSS % {'fonts': fonts.CSS_STACK}}</style>",
        f"<script>{CHECK}</script>",
        "</head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Study kind: {escape(kind)}; bundle {escape(bundle)}; '
        f"{escape(settings)}. Means over replications with 95 % Student-t intervals "
        "[low, high].</p>",
        "<section><h2>The question</h2>",
        f'<p class="question">{escape(question)}</p>',
        f"<p>{escape(known.explanation)}</p>" if known else "",
        "</section>",
        '<section><h2>Findings</h2><ul class="findings">',
        *(f"<li>{escape(f)}</li>" for f in findings(study, summary, scenario)),
        "</ul></section>",
    ]
    if images:
        captions = {"time_ecdf.png": TIME_CAPTION, **(known.captions if known else {})}
        parts += ["<section><h2>Plots</h2>", *(_image(i, captions) for i in images), "</section>"]
    parts += [
        "<section><h2>Tables</h2>",
        known.tables(study, scenario) if known and complete else "",
        _summary_tables(summary, scenario),
        "</section>",
        _scenario_section(scenario, how),
        f'<p class="meta">Written by <code>onething report</code> from {escape(str(results_dir))}.'
        "</p></main></body></html>",
    ]
    page = "\n".join(p for p in parts if p)
    return page.replace(FONT_FACE, fonts.embedded_face(page), 1)


def redraw(results_dir: Path) -> list[Path]:
    """Draw the study's plots again from summary.csv and study.json, so a report made
    after installing a CJK font (or a newer onething) has the current plots."""
    study = _study(results_dir / "study.json")
    kind = KINDS.get(str(study.get("kind")))
    if kind is None:
        return []
    return draw(kind, study, _summary(results_dir / "summary.csv"), results_dir)


def write_report(results_dir: Path) -> Path:
    """Redraw the plots, write ``RESULTS_DIR/report.html`` and return its path."""
    results_dir = Path(results_dir)
    _need(results_dir)
    redraw(results_dir)
    html_text = render(results_dir)
    path = results_dir / REPORT
    path.write_text(html_text, encoding="utf-8")
    return path
