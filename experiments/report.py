"""``onething report RESULTS_DIR``: one self-contained HTML page for an experiment's
output folder.

The page holds the question the study asks, the scenario it ran on (items, sources,
assumptions, published figures), the findings in plain language (generated from
``study.json``), the means with their 95 % confidence intervals (from ``summary.csv``) and
every PNG plot of the folder, embedded as a data URI: no file beside it and no network
request is needed to read it.  A small inline script records on ``<body>`` whether every
image loaded and whether any element's text overflows it (``data-images-loaded``,
``data-overflow``), which the browser test reads.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

import onething.experiments.fonts as fonts
from onething.scenarios.errors import FileError, Problem
from onething.scenarios.loader import load_scenario, read_yaml
from onething.scenarios.model import Scenario

REPORT = "report.html"
TIME = "time_working_days.mean"
UTILISATION = "utilisation."

QUESTIONS = {
    "lever_attribution": "Which lever buys how much for {bundle}?",
    "load_sweep": "Where does the {bundle} process saturate as arrivals grow?",
    "variants": "How do these variants of {bundle} compare?",
    "staffing": "How many windows does {bundle} need, and where?",
    "sensitivity": "How much do the results for {bundle} depend on the assumed numbers?",
}
EXPLANATIONS = {
    "lever_attribution": (
        "Each lever is switched on alone, the full set is run without each one in turn, and "
        "the levers are added one by one in a fixed order; every variant is compared with "
        "the siloed 'before' process on the same random numbers, so the differences are "
        "the levers', not chance's."
    ),
    "load_sweep": (
        "The same process runs at growing arrival rates; the load-latency curve shows where "
        "waiting starts to dominate and which window is the bottleneck."
    ),
    "variants": (
        "Each variant changes levers or parameters of the bundle; all run on the same random "
        "numbers."
    ),
}

MEASURES = {
    "time_working_days": "Time (working days)",
    TIME: "Time, mean (working days)",
    "time_working_days.p50": "Time, median (working days)",
    "time_working_days.p90": "Time, 90th percentile (working days)",
    "wait_minutes.mean": "Waiting at windows (min)",
    "trips_observed.mean": "Trips incl. rework",
    "within_promise": "Within the promised time",
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
)
CAPTIONS = {
    "waterfall.png": (
        "Mean end-to-end time from 'before' to all levers, each lever's increment in the "
        "cumulative order (green shortens, red lengthens)."
    ),
    "load_latency.png": (
        "Mean end-to-end time against arrivals per working day, with the 95 % confidence "
        "band; the dashed line marks the knee."
    ),
}


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
    except (OSError, ValueError):
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


def _missing(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def num(x: Any, digits: int = 3) -> str:
    if _missing(x):
        return "—"
    x = float(x)
    if x == int(x) and abs(x) < 1e6:
        return str(int(x))
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def pct(x: Any) -> str:
    return "—" if _missing(x) else f"{100 * float(x):.0f} %"


def _days(x: float) -> str:
    return f"{num(abs(x))} working day" + ("" if abs(x) == 1 else "s")


def _lever(name: str) -> str:
    return "e-certificate" if name == "e_certificate" else name.replace("_", " ")


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _distribution(d: Any) -> str:
    unit = {"minutes": "min", "hours": "h", "working_days": "working days"}[d.unit]
    if d.dist == "fixed":
        return f"{num(d.value)} {unit}"
    if d.dist == "triangular":
        return f"{num(d.low)}–{num(d.high)} {unit} (mode {num(d.mode)})"
    if d.dist == "lognormal":
        return f"mean {num(d.mean)} {unit} (sd {num(d.sd)})"
    return f"mean {num(d.mean_value)} {unit}"


def _place(scenario: Scenario | None, place: str) -> str:
    if scenario is None:
        return place.replace("_", " ")
    if place == "single_window":
        return scenario.levers.single_window.name
    department = scenario.departments.get(place)
    return department.name if department else place.replace("_", " ")


def measure_name(measure: str, scenario: Scenario | None = None) -> str:
    if measure in MEASURES:
        return MEASURES[measure]
    if measure.startswith(UTILISATION):
        return f"Utilisation: {_place(scenario, measure.removeprefix(UTILISATION))}"
    return measure.replace("_", " ")


def _is_share(measure: str) -> bool:
    return measure in SHARES or measure.startswith(UTILISATION)


def _estimate(row: pd.Series, share: bool) -> str:
    """Mean with its 95 % interval; the interval is left out where it is a single point
    (a count) or undefined (one replication)."""
    f = pct if share else num
    mean, low, high = row["mean"], row["ci95_low"], row["ci95_high"]
    if _missing(low) or _missing(high) or math.isclose(low, high, abs_tol=1e-12):
        return f(mean)
    return f"{f(mean)} [{f(low)}, {f(high)}]"


def _breakable(text: str) -> str:
    """Escaped, with a break opportunity after '+' (long variant names)."""
    return escape(text).replace("+", "+<wbr>")


def _table(
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


# --- findings ------------------------------------------------------------------------


def _means(summary: pd.DataFrame) -> dict[tuple[str, str], pd.Series]:
    return {(r["variant"], r["measure"]): r for _, r in summary.iterrows()}


def _attribution_findings(study: dict[str, Any], scenario: Scenario | None) -> list[str]:
    time = study["measures"][TIME]
    trips = study["measures"].get("trips")
    found = []
    alone = sorted(time["alone"].items(), key=lambda kv: kv[1])
    for lever, effect in alone:
        if effect < 0:
            found.append(
                f"{_cap(_lever(lever))} alone cuts end-to-end time by {_days(effect)} "
                f"(from {num(time['before'])} to {num(time['before'] + effect)})."
            )
        elif effect > 0:
            found.append(
                f"{_cap(_lever(lever))} alone adds {_days(effect)} to the end-to-end time "
                f"(from {num(time['before'])} to {num(time['before'] + effect)}): "
                "on its own it does not pay."
            )
        else:
            found.append(f"{_cap(_lever(lever))} alone leaves the time unchanged.")
    change = time["difference"] / time["before"] if time["before"] else math.nan
    relative = "—" if _missing(change) else f"{100 * change:+.0f} %"
    sentence = (
        f"All {len(study['levers'])} levers together take the time from {num(time['before'])} "
        f"to {num(time['all'])} working days ({relative})"
    )
    if trips:
        sentence += f" and the trips from {num(trips['before'])} to {num(trips['all'])}"
    found.append(sentence + ".")
    if time["all_but_one"]:
        lever, cost = max(time["all_but_one"].items(), key=lambda kv: -kv[1])
        if cost < 0:
            found.append(
                f"Leaving {_lever(lever)} out of the full set costs the most: {_days(cost)} more."
            )
    interaction = time["interaction"]
    if abs(interaction) >= 0.05:
        more = "more" if interaction < 0 else "less"
        found.append(
            f"Together the levers cut {_days(interaction)} {more} than the sum of their "
            "separate effects: they "
            + ("reinforce each other." if interaction < 0 else "partly do the same work.")
        )
    if trips:
        savers = [(lv, e) for lv, e in trips["alone"].items() if e < 0]
        if savers:
            found.append(
                "Trips: "
                + ", ".join(f"{_lever(lv)} saves {num(-e)}" for lv, e in savers)
                + " on its own."
            )
    if scenario is not None and set(study["levers"]) == set(scenario.after):
        published = {
            (f.measure, f.mode): f for f in scenario.published if f.measure == "time_working_days"
        }
        before, after = (
            published.get(("time_working_days", "before")),
            published.get(("time_working_days", "after")),
        )
        if before and after:
            found.append(
                f"The published figures ({_source_name(scenario, after.source)}) are "
                f"{num(before.value)} → {num(after.value)} working days; the model gives "
                f"{num(time['before'])} → {num(time['all'])}."
            )
    return found


def _source_name(scenario: Scenario, key: str) -> str:
    return key if key in scenario.sources else "source unknown"


def _sweep_findings(study: dict[str, Any], scenario: Scenario | None) -> list[str]:
    points = [p for p in study["points"] if p.get("time_mean") is not None]
    found = []
    if not study["points"]:
        return found
    light, heavy = study["points"][0], study["points"][-1]
    if light.get("time_mean") is not None:
        ci = light["ci95"]
        interval = "" if ci[0] is None else f" (95 % CI {num(ci[0])}–{num(ci[1])})"
        found.append(
            f"At {num(light['rate'])} arrivals a working day a case takes "
            f"{num(light['time_mean'])} working days{interval}."
        )
    bottleneck = study.get("bottleneck")
    if bottleneck:
        name = _place(scenario, bottleneck)
        loads = [(p["rate"], p["utilisation"].get(bottleneck)) for p in study["points"]]
        loads = [(r, u) for r, u in loads if u]
        if loads:
            rate, u = loads[0]
            capacity = rate / u
            found.append(
                f"The {name} is the bottleneck and saturates at about {num(capacity, 2)} "
                f"arrivals a day (its utilisation is offered work over capacity: "
                f"{pct(u)} at {num(rate)} a day, {pct(loads[-1][1])} at "
                f"{num(loads[-1][0])})."
            )
    knee = study.get("knee")
    if knee is not None:
        at = next((p for p in study["points"] if p["rate"] == knee), None)
        detail = (
            f": mean time {num(at['time_mean'])} working days"
            if at and at.get("time_mean") is not None
            else ""
        )
        found.append(
            f"Time blows up from about {num(knee)} arrivals a day (the knee: mean time over "
            f"{num(study.get('knee_factor', 1.5))}× the lightest load's, or unfinished "
            f"cases){detail}."
        )
    else:
        found.append("Within these rates the time never exceeds 1.5× the lightest load's: no knee.")
    if (
        points
        and heavy is not light
        and heavy.get("time_mean") is not None
        and light.get("time_mean")
    ):
        found.append(
            f"At {num(heavy['rate'])} a day a case takes {num(heavy['time_mean'])} working days, "
            f"{heavy['time_mean'] / light['time_mean']:.1f}× as long as at {num(light['rate'])}."
        )
    unfinished = [p for p in study["points"] if p.get("unfinished")]
    if unfinished:
        found.append(
            f"From {num(unfinished[0]['rate'])} a day some cases never finish within the run "
            "(overload): their times are not in the means."
        )
    return found


def _variant_findings(summary: pd.DataFrame) -> list[str]:
    rows = summary[summary["measure"] == TIME]
    rows = rows[rows["mean"].notna()]
    if rows.empty:
        return [f"The study ran {summary['variant'].nunique()} variants; see the tables below."]
    ranked = rows.sort_values("mean")
    best, worst = ranked.iloc[0], ranked.iloc[-1]
    found = [
        f"Fastest: {best['variant']}, {num(best['mean'])} working days on average "
        f"({_estimate(best, False)})."
    ]
    if len(ranked) > 1:
        found.append(
            f"Slowest: {worst['variant']}, {num(worst['mean'])} working days "
            f"({_estimate(worst, False)})."
        )
        second = ranked.iloc[1]
        known = not _missing(best["ci95_high"]) and not _missing(second["ci95_low"])
        if known and best["ci95_high"] >= second["ci95_low"]:
            found.append(
                f"The 95 % intervals of {best['variant']} and {second['variant']} overlap: "
                "with these replications the data do not tell them apart."
            )
    base = rows[rows["variant"] == "before"]
    if not base.empty and len(ranked) > 1:
        b = float(base.iloc[0]["mean"])
        for _, r in ranked.iterrows():
            if r["variant"] != "before" and b:
                found.append(
                    f"{r['variant']}: {100 * (r['mean'] - b) / b:+.0f} % time against before."
                )
    return found[:14]


def findings(study: dict[str, Any], summary: pd.DataFrame, scenario: Scenario | None) -> list[str]:
    kind = study.get("kind")
    try:
        if kind == "lever_attribution" and TIME in study.get("measures", {}):
            return _attribution_findings(study, scenario)
        if kind == "load_sweep" and "points" in study:
            return _sweep_findings(study, scenario)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        pass  # a study.json of another version: the generic summary still holds
    return _variant_findings(summary)


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
        _table(
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
            _table(
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


def _study_table(study: dict[str, Any], scenario: Scenario | None) -> str:
    kind = study.get("kind")
    try:
        if kind == "lever_attribution":
            time, trips = study["measures"][TIME], study["measures"]["trips"]
            rows = [
                [
                    _lever(lever),
                    *(f"{m[part][lever]:+.3g}" for m in (time, trips) for part in PARTS),
                ]
                for lever in study["levers"]
            ]
            header = [
                "lever",
                *(f"{m} {p.replace('_', ' ')}" for m in ("time", "trips") for p in PARTS),
            ]
            return (
                "<h3>Lever contributions (difference in means against before)</h3>"
                + _table(header, rows)
                + f'<p class="meta">Interaction (all levers minus the sum of the alone effects): '
                f"time {time['interaction']:+.3g} working days, trips "
                f"{trips['interaction']:+.3g}.</p>"
            )
        if kind == "load_sweep":
            bottleneck = study.get("bottleneck")
            rows = [
                [
                    num(p["rate"]),
                    num(p["time_mean"]),
                    f"[{num(p['ci95'][0])}, {num(p['ci95'][1])}]",
                    pct(p["utilisation"].get(bottleneck)) if bottleneck else "—",
                    num(p["unfinished"]),
                ]
                for p in study["points"]
            ]
            where = _place(scenario, bottleneck) if bottleneck else "bottleneck"
            header = ["arrivals a day", "mean time", "95 % CI", f"utilisation {where}"]
            header.append("unfinished")
            return "<h3>Load sweep</h3>" + _table(header, rows)
    except (KeyError, TypeError, ValueError):
        pass
    return ""


PARTS = ("alone", "all_but_one", "cumulative")


def _summary_tables(summary: pd.DataFrame, scenario: Scenario | None) -> str:
    """Variants in rows, measures in columns: mean [95 % CI]."""
    variants = list(dict.fromkeys(summary["variant"]))
    measures = list(dict.fromkeys(summary["measure"]))
    lookup = _means(summary)
    grouped = {m for _, ms in GROUPS for m in ms}
    utilisation = [m for m in measures if m.startswith(UTILISATION)]
    other = [m for m in measures if m not in grouped and m not in utilisation]
    groups = [
        *((title, [m for m in ms if m in measures]) for title, ms in GROUPS),
        ("Load on the windows", [*utilisation, *other]),
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
                cells.append(escape("—" if row is None else _estimate(row, _is_share(m))))
            rows.append(cells)
        header = ["variant", *(measure_name(m, scenario) for m in columns)]
        parts.append(f"<h3>{escape(title)}</h3>" + _table(header, rows, raw=True))
    return "".join(parts)


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    caption = CAPTIONS.get(path.name, path.stem.replace("_", " ").replace("-", " "))
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

CHECK = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; });
  var over = [];
  Array.prototype.forEach.call(document.body.querySelectorAll("*"), function (e) {
    if (e.classList.contains("scroll") || e.tagName === "SCRIPT") { return; }
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
    question = QUESTIONS.get(kind, "What does the {kind} study say about {bundle}?").format(
        bundle=bundle, kind=kind.replace("_", " ")
    )
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
        f"<style>{CSS % {'fonts': fonts.CSS_STACK}}</style>",
        f"<script>{CHECK}</script>",
        "</head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">Study kind: {escape(kind)}; bundle {escape(bundle)}; '
        f"{escape(settings)}. Means over replications with 95 % Student-t intervals "
        "[low, high].</p>",
        "<section><h2>The question</h2>",
        f'<p class="question">{escape(question)}</p>',
        f"<p>{escape(EXPLANATIONS[kind])}</p>" if kind in EXPLANATIONS else "",
        "</section>",
        '<section><h2>Findings</h2><ul class="findings">',
        *(f"<li>{escape(f)}</li>" for f in findings(study, summary, scenario)),
        "</ul></section>",
    ]
    if images:
        parts += ["<section><h2>Plots</h2>", *map(_image, images), "</section>"]
    parts += [
        "<section><h2>Tables</h2>",
        _study_table(study, scenario),
        _summary_tables(summary, scenario),
        "</section>",
        _scenario_section(scenario, how),
        f'<p class="meta">Written by <code>onething report</code> from {escape(str(results_dir))}.'
        "</p></main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def write_report(results_dir: Path) -> Path:
    """Write ``RESULTS_DIR/report.html`` and return its path."""
    results_dir = Path(results_dir)
    html_text = render(results_dir)
    path = results_dir / REPORT
    path.write_text(html_text, encoding="utf-8")
    return path
