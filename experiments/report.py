"""``onething report RESULTS_DIR [--lang zh]``: one self-contained HTML page for an
experiment's output folder, in English (``report.html``) or Chinese (``report.zh.html``).

Every word of the page is from the studies' catalogue (``studies.words.FINDINGS``: the
headings, measures, units, levers, the questions and the findings, in both languages);
the scenario's items and departments by its own names (English and Chinese in English,
its Chinese names in Chinese).  The scenario file's prose (its description, sources,
assumptions and notes) is written in English by the catalog and quoted as written,
marked ``lang="en"`` on a Chinese page.

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
import re
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

import onething.experiments.fonts as fonts
from onething.experiments.present import estimate, num, table
from onething.experiments.runner import draw
from onething.experiments.studies import KINDS, variants
from onething.experiments.studies.kind import ECDF_PREFIX, TIME, UTILISATION
from onething.experiments.studies.words import (
    FINDINGS,
    Finding,
    Pair,
    lever_pair,
    place_pair,
    said,
    variant_pair,
    word,
)
from onething.scenarios.errors import FileError, Problem
from onething.scenarios.loader import load_scenario, read_yaml
from onething.scenarios.model import Distribution, Scenario
from onething.scenarios.reasons import field_path, name_in

REPORTS = {"en": "report.html", "zh": "report.zh.html"}
"""The report's file in each language: ``report.html`` in English (its name since the
start), ``report.zh.html`` in Chinese."""
REPORT = REPORTS["en"]

SHARES = {"within_promise"}
GROUPS = (
    (
        "group.time",
        (
            TIME,
            "time_working_days.p50",
            "time_working_days.p90",
            "wait_minutes.mean",
            "trips_observed.mean",
            "within_promise",
        ),
    ),
    ("group.counts", ("steps", "materials", "trips", "form_fields")),
    ("group.cases", ("cases", "unfinished")),
)
"""The summary tables' groups of measures (a measure's name: ``measure.<measure>`` of
``FINDINGS``).  The ECDF's quantiles (q05 .. q95) are drawn in the time plot, never a
table column."""
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


def _failed(exc: FileError) -> Pair:
    """Why a scenario did not load, in both languages (the file's problems, one a line)."""
    chinese = "\n".join(f"{p.path}：{p.in_language('zh')}" for p in exc.problems)
    return Pair(str(exc), f"{exc.file}：{chinese}")


def _scenario(results_dir: Path, bundle: Any) -> tuple[Scenario | None, Any]:
    """The bundle the spec names: a catalog name, or a scenario file relative to where the
    spec was (unknown for the copy: tried beside the folder, its parent and the current
    directory).  Returns the scenario or None with the reason (a ``Finding``)."""
    if not isinstance(bundle, str) or not bundle:
        return None, Finding("report.no_bundle")
    if Path(bundle).suffix not in (".yaml", ".yml"):
        try:
            scenario = load_scenario(bundle)
            name = Pair(bundle, name_in(scenario.title, "zh"))
            return scenario, Finding("report.catalog_bundle", name=name)
        except FileError as exc:
            return None, _failed(exc)
    candidates = [Path(bundle)] if Path(bundle).is_absolute() else []
    candidates += [results_dir / bundle, results_dir.parent / bundle, Path.cwd() / bundle]
    for candidate in candidates:
        if candidate.is_file():
            try:
                return load_scenario(candidate), Finding("report.scenario_file", path=candidate)
            except FileError as exc:
                return None, _failed(exc)
    return None, Finding("report.not_found", path=bundle)


# --- formatting ----------------------------------------------------------------------


UNIT_WORDS = {
    "minutes": "report.min",
    "hours": "report.h",
    "working_days": "report.working_days",
    "calendar_days": "report.calendar_days",
}


def _distribution(d: Distribution, lang: str) -> str:
    """How long a step takes: the distribution in a few words in English, its mean in
    Chinese."""
    unit = word(UNIT_WORDS[d.unit], lang)
    if lang == "zh":
        return word("report.mean", lang, value=num(d.mean_value), unit=unit)
    return d.describe(num, unit)


def measure_name(measure: str, scenario: Scenario | None = None, lang: str = "en") -> str:
    if f"measure.{measure}" in FINDINGS:
        return word(f"measure.{measure}", lang)
    if measure.startswith(UTILISATION):
        at = place_pair(scenario, measure.removeprefix(UTILISATION))
        return Finding("measure.utilisation", place=at).in_language(lang)
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


def findings(
    study: dict[str, Any], summary: pd.DataFrame, scenario: Scenario | None, lang: str = "en"
) -> list[str]:
    """The kind's findings in ``lang``; the generic ones (fastest, slowest, against
    before) for a study.json that lacks what the kind's read (another version's, or
    none)."""
    kind = KINDS.get(str(study.get("kind")))
    if kind is None or not kind.complete(study):
        found = variants.findings(study, summary, scenario)
    else:
        found = kind.findings(study, summary, scenario)
    return [said(f, lang) for f in found]


# --- sections ------------------------------------------------------------------------


def _quoted(text: str, lang: str, tag: str = "span") -> str:
    """The scenario file's own prose (its description, sources, assumptions, notes), which
    the catalog writes in English: quoted as written, marked ``lang="en"`` on a Chinese
    page."""
    mark = ' lang="en"' if lang == "zh" and re.search("[A-Za-z]{3}", text) else ""
    return f"<{tag}{mark}>{escape(text)}</{tag}>"


def _names(scenario: Scenario) -> dict[str, dict[str, str]]:
    """The scenario's items, departments and materials by their Chinese names (section ->
    key -> name), for an assumption's field path."""
    parts = {
        "items": scenario.items,
        "departments": scenario.departments,
        "materials": scenario.materials,
    }
    return {
        section: {key: name_in(part.name, "zh") for key, part in found.items()}
        for section, found in parts.items()
    }


def _scenario_section(scenario: Scenario | None, how: Any, lang: str) -> str:
    def w(key: str, **fields: Any) -> str:
        return escape(word(key, lang, **fields))

    def source(key: str) -> str:
        """A source by its key: as the file writes it in English, words in Chinese."""
        return escape(key if lang == "en" else key.replace("_", " "))

    def shown(name: str) -> str:
        """A name of the scenario: as written (bilingual) in English, its Chinese in
        Chinese."""
        return escape(name if lang == "en" else name_in(name, "zh"))

    if scenario is None:
        return (
            f"<section><h2>{w('report.scenario')}</h2>"
            f'<p class="warning">{w("report.not_loaded", why=said(how, lang))}</p></section>'
        )
    s = scenario
    colon = "：" if lang == "zh" else ": "
    levers = ("、" if lang == "zh" else ", ").join(
        lever_pair(x).in_language(lang) if lang == "zh" else x for x in s.after
    )
    parts = [
        f"<section><h2>{w('report.scenario_of', title=shown(s.title))}</h2>",
        _quoted(s.description, lang, "p") if s.description else "",
        f'<p class="meta">'
        f"{w('report.how', how=said(how, lang), levers=levers or word('report.none', lang))}"
        "</p>",
        f'<p class="meta">{w("report.quoted")}</p>',
        f"<h3>{w('report.items')}</h3>",
    ]
    rows = [
        [
            shown(item.name),
            shown(s.departments[item.department].name),
            escape(_distribution(item.processing, lang)),
            escape(_distribution(item.promised, lang)),
            ("、" if lang == "zh" else ", ").join(shown(s.items[r].name) for r in item.requires)
            or "—",
        ]
        for item in s.items.values()
    ]
    heads = ("item", "department", "processing", "promised", "requires")
    parts.append(table([word(f"report.{h}", lang) for h in heads], rows, raw=True, text=True))
    if s.sources:
        parts.append(f'<h3>{w("report.sources")}</h3><ul class="sources">')
        parts += [
            f"<li><b>{source(key)}</b>{colon}{_quoted(text, lang)}</li>"
            for key, text in s.sources.items()
        ]
        parts.append("</ul>")
    if s.published:
        parts.append(f"<h3>{w('report.published')}</h3>")
        heads = ("measure", "process", "value", "source", "note")
        parts.append(
            table(
                [word(f"report.{h}", lang) for h in heads],
                [
                    [
                        escape(measure_name(f.measure, lang=lang)),
                        w(f"word.{f.mode}") if f"word.{f.mode}" in FINDINGS else escape(f.mode),
                        escape(num(f.value)),
                        source(f.source),
                        _quoted(f.note, lang) if f.note else "—",
                    ]
                    for f in s.published
                ],
                raw=True,
                text=True,
            )
        )
    if s.assumptions:
        names = _names(s)
        parts.append(f'<h3>{w("report.assumptions")}</h3><ul class="assumptions">')
        parts += [
            (
                f"<li><code>{escape(path)}</code>: "
                if lang == "en"
                else f"<li><b>{escape(field_path(path, lang, names))}</b>{colon}"
            )
            + f"{_quoted(text, lang)}</li>"
            for path, text in s.assumptions.items()
        ]
        parts.append("</ul>")
    parts.append("</section>")
    return "".join(parts)


def _summary_tables(summary: pd.DataFrame, scenario: Scenario | None, lang: str) -> str:
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
        ("group.load", utilisation),
        ("group.other", other),
    ]
    parts = []
    for title, columns in groups:
        if not columns:
            continue
        rows = []
        for v in variants:
            name = variant_pair(v, scenario).in_language(lang)
            cells = [f'<span class="variant">{_breakable(name)}</span>']
            for m in columns:
                row = lookup.get((v, m))
                cells.append(escape("—" if row is None else _estimate(row, m)))
            rows.append(cells)
        header = [
            word("variants.variant", lang),
            *(measure_name(m, scenario, lang) for m in columns),
        ]
        parts.append(f"<h3>{escape(word(title, lang))}</h3>" + table(header, rows, raw=True))
    return "".join(parts)


def _image(path: Path, captions: dict[str, tuple[str, str]], lang: str) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    known = captions.get(path.name)
    caption = known[lang == "zh"] if known else path.stem.replace("_", " ").replace("-", " ")
    name = f"{escape(path.name)}: " if lang == "en" else ""
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{escape(path.stem)}">'
        f"<figcaption>{name}{escape(caption)}</figcaption></figure>"
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


SETTINGS = ("replications", "horizon_days", "warmup_days", "seed")
"""The run's settings the page's first line gives (``report.<setting>``)."""


def render(results_dir: Path, lang: str = "en") -> str:
    """The report's page in ``lang`` ("en" or "zh")."""
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
    zh = lang == "zh"
    kind_name = word(f"study.{kind}", lang) if f"study.{kind}" in FINDINGS else kind
    shown_bundle = name_in(scenario.title, "zh") if scenario and zh else bundle
    question = (known.question[zh] if known else word("report.unknown_question", lang)).format(
        bundle=shown_bundle, kind=kind_name if zh else kind.replace("_", " ")
    )
    complete = known is not None and known.complete(study)
    settings = ("，" if zh else ", ").join(
        f"{word(f'report.{key}', lang)} {value}"
        for key in SETTINGS
        if (value := study.get(key, spec.get(key))) is not None
    )
    if zh:
        title = f"{kind_name}：{name_in(scenario.title, 'zh') if scenario else bundle}"
        meta = escape(
            word("report.meta", lang, kind=kind_name, bundle=shown_bundle, settings=settings)
        )
    else:
        title = f"{name}: {scenario.title if scenario else bundle}"
        meta = escape(word("report.meta", lang, kind=kind, bundle=bundle, settings=settings))
    images = sorted(results_dir.glob("*.png"))
    written = word(  # the spec's name and the folder are the code's and the disk's names:
        "report.written",  # the tab's title only, in Chinese
        lang,
        command="<code>onething report</code>",
        folder=f"<code>{escape(str(results_dir))}</code>",
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if zh else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(f'{title} — {name}' if zh else title)}</title>",
        f"<style>{FONT_FACE}{CSS % {'fonts': fonts.CSS_STACK}}</style>",
        f"<script>{CHECK}</script>",
        "</head><body><main>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="meta">{meta}</p>',
        f"<section><h2>{escape(word('report.question', lang))}</h2>",
        f'<p class="question">{escape(question)}</p>',
        f"<p>{escape(known.explanation[zh])}</p>" if known else "",
        "</section>",
        f'<section><h2>{escape(word("report.findings", lang))}</h2><ul class="findings">',
        *(f"<li>{escape(f)}</li>" for f in findings(study, summary, scenario, lang)),
        "</ul></section>",
    ]
    if images:
        captions = {
            "time_ecdf.png": FINDINGS["caption.time_ecdf.png"],
            **(known.captions if known else {}),
        }
        parts += [
            f"<section><h2>{escape(word('report.plots', lang))}</h2>",
            *(_image(i, captions, lang) for i in images),
            "</section>",
        ]
    parts += [
        f"<section><h2>{escape(word('report.tables', lang))}</h2>",
        known.tables(study, scenario, lang) if known and complete else "",
        _summary_tables(summary, scenario, lang),
        "</section>",
        _scenario_section(scenario, how, lang),
        f'<p class="meta">{written}</p></main></body></html>',
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


def write_report(results_dir: Path, lang: str = "en") -> Path:
    """Redraw the plots, write the report in ``lang`` (``RESULTS_DIR/report.html`` in
    English, ``report.zh.html`` in Chinese) and return its path."""
    return write_reports(results_dir, (lang,))[0]


def write_reports(results_dir: Path, languages: tuple[str, ...] = tuple(REPORTS)) -> list[Path]:
    """Redraw the plots once and write the report in each of ``languages``."""
    results_dir = Path(results_dir)
    _need(results_dir)
    redraw(results_dir)
    paths = []
    for lang in languages:
        path = results_dir / REPORTS[lang]
        path.write_text(render(results_dir, lang), encoding="utf-8")
        paths.append(path)
    return paths
