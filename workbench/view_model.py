"""The workbench's view-model: the one place it touches onething's Python API.

Pages and worker jobs call these functions only, so a change of the API (tidy tables, a
walk that follows the same applicant in both modes, ``with_changes``) is met
here and nowhere else.  Every function returns plain JSON-ready data.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import statistics
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from onething import api
from onething.experiments.spec import Overrides
from onething.experiments.variants import apply_overrides
from onething.scenarios.counts import counts
from onething.scenarios.errors import FileError, Message
from onething.scenarios.journey import journey
from onething.scenarios.levers import LEVERS, SINGLE_WINDOW, Process
from onething.scenarios.loader import catalog_names, resolve, saved_names
from onething.scenarios.model import Scenario
from onething.sim.engine import QUEUE_SAMPLE_MINUTES
from onething.sim.statistics import StreamingStat, non_negative, t_interval

Emit = Callable[[dict[str, Any]], None]
MAX_SERIES_POINTS = 400
"""Points per chart line sent to the browser (a long horizon is thinned)."""


def jsonable(x: Any) -> Any:
    """NaN and infinities become null: the browser's JSON has no such numbers; times
    become ISO text ("2026-03-12 08:51")."""
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, dt.datetime):
        return x.isoformat(sep=" ", timespec="minutes")
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [jsonable(v) for v in x]
    return x


# --- the catalog ----------------------------------------------------------------------


def bundle_names() -> list[tuple[str, bool]]:
    """(name, is the user's own) for the catalog's bundles and the saved ones."""
    own = saved_names()
    shipped = catalog_names()
    return [(n, False) for n in shipped] + [(n, True) for n in own if n not in shipped]


def bundle_titles() -> dict[str, str]:
    """Each bundle's bilingual title (a saved file that does not load: its name)."""
    titles = {}
    for name, _ in bundle_names():
        try:
            titles[name] = load(name).title
        except FileError:
            titles[name] = name
    return titles


def load(bundle: str) -> Scenario:
    """The bundle, parsed once per version of its file: every page shows bundles, and
    parsing the catalog each time would slow the pages while runs load the cores."""
    path = resolve(bundle)
    stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=128)
def _load(path: str, mtime_ns: int, size: int) -> Scenario:
    return api.load(path)


def place_names(bundle: str) -> dict[str, str]:
    """Where applicants queue in ``bundle``: its departments and its single window, by
    id (none for a bundle that no longer loads)."""
    try:
        scenario = load(bundle)
    except FileError:
        return {}
    places = {k: d.name for k, d in scenario.departments.items()}
    places[SINGLE_WINDOW] = scenario.levers.single_window.name
    return places


def lever_names() -> dict[str, str]:
    return dict(LEVERS)


def catalog_entry(name: str, own: bool) -> dict[str, Any]:
    s = load(name)
    figures: dict[str, dict[str, Any]] = {}
    for f in s.published:
        row = figures.setdefault(f.measure, {"measure": f.measure, "sources": set()})
        row[f.mode] = f.value
        row["sources"].add(f.source)
    return {
        "name": name,
        "own": own,
        "title": s.title,
        "description": s.description,
        "departments": [d.name for d in s.departments.values()],
        "items": [i.name for i in s.items.values()],
        "published": [{**r, "sources": sorted(r["sources"])} for r in figures.values()],
        "sources": dict(s.sources),
        "after": list(s.after),
    }


def catalog(problems: list[FileError] | None = None) -> list[dict[str, Any]]:
    """Every bundle that loads; a broken saved file is listed in ``problems``."""
    entries = []
    for name, own in bundle_names():
        try:
            entries.append(catalog_entry(name, own))
        except FileError as exc:
            if problems is not None:
                problems.append(exc)
    return entries


# --- what-if --------------------------------------------------------------------------


@dataclass
class WhatIf:
    bundle: str
    levers: list[str] | None = None
    """None: the scenario's own after levers."""
    arrivals_per_day: float | None = None
    windows: dict[str, int] = field(default_factory=dict)
    rework_scale: float | None = None
    travel_scale: float | None = None
    handling_scale: float | None = None
    replications: int | None = None
    seed: int | None = None
    horizon_days: int | None = None
    warmup_days: int | None = None


def scenario_with(bundle: str, w: WhatIf) -> Scenario | str:
    """The bundle with the what-if's parameter changes, or its name when there are none
    (so an unchanged run is exactly the CLI's)."""
    overrides = Overrides(
        arrivals_per_day=w.arrivals_per_day,
        windows=w.windows,
        rework_scale=w.rework_scale,
        travel_scale=w.travel_scale,
        handling_scale=w.handling_scale,
    )
    if overrides == Overrides():
        return bundle
    return apply_overrides(load(bundle), overrides)


def whatif(w: WhatIf, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """``onething compare`` for these inputs, plus the series the charts draw."""
    options = api.RunOptions(
        w.replications, w.seed, w.horizon_days, w.warmup_days, progress=progress
    )
    comparison = api.compare(scenario_with(w.bundle, w), w.levers, options)
    results = {"before": comparison.before, "after": comparison.after}
    places = {
        mode: {p: r.process.place_name(p) for p in r.process.places} for mode, r in results.items()
    }
    return jsonable(
        {
            "compare": comparison.to_json(),
            "intervals": {mode: intervals(r) for mode, r in results.items()},
            "ecdf": {mode: _ecdf(r) for mode, r in results.items()},
            "queue": {mode: _queues(r) for mode, r in results.items()},
            "places": places,
            "bottleneck": {
                mode: bottleneck(r.measures, places[mode]) for mode, r in results.items()
            },
        }
    )


def intervals(result: api.Result) -> dict[str, Any]:
    """95 % intervals over replications of the means that ``compare`` gives without one:
    the share within the promise, and per place the utilisation and the wait ([None,
    None] below two replications)."""
    reps = result.replications

    def interval(values: list[float]) -> list[float | None]:
        return non_negative(t_interval(values))

    places = result.process.places
    shares = [r.within_promise / r.cases for r in reps if r.cases]
    return {
        "within_promise": interval(shares),
        "utilisation": {p: interval([r.utilisation[p] for r in reps]) for p in places},
        "wait_minutes_by_place": {p: interval([r.place_wait[p] for r in reps]) for p in places},
    }


def _ecdf(result: api.Result) -> dict[str, list[float]]:
    pooled = StreamingStat()
    for replication in result.replications:
        pooled.merge(replication.stats["time_working_days"])
    shares = [i / 100 for i in range(1, 100)]
    return {"x": [pooled.quantile(q) for q in shares], "y": shares}


def _queues(result: api.Result) -> dict[str, dict[str, list[float]]]:
    """Applicants waiting per place over simulated days, averaged over replications."""
    out = {}
    for place in result.replications[0].queue_length:
        series = [r.queue_length[place] for r in result.replications]
        length = min(len(s) for s in series)
        step = max(1, math.ceil(length / MAX_SERIES_POINTS))
        ticks = range(0, length, step)
        out[place] = {
            "days": [t * QUEUE_SAMPLE_MINUTES / 1440 for t in ticks],
            "mean": [statistics.fmean(s[t] for s in series) for t in ticks],
        }
    return out


def bottleneck(measures: dict[str, Any], names: dict[str, str]) -> dict[str, str]:
    """The busiest place and whether it is saturated, in words (English, Chinese)."""
    from onething.workbench.labels import name_in

    utilisation = measures.get("utilisation") or {}
    if not utilisation:
        return {"en": "No window is used (online).", "zh": "无窗口排队（网上办理）。"}
    place, u = max(utilisation.items(), key=lambda kv: kv[1])
    en, zh = name_in(names.get(place, place), "en"), name_in(names.get(place, place), "zh")
    wait = (measures.get("wait_minutes_by_place") or {}).get(place)
    wait_en = f", applicants wait {wait:.0f} min on average" if wait is not None else ""
    wait_zh = f"，平均排队 {wait:.0f} 分钟" if wait is not None else ""
    if u >= 1:
        return {
            "en": f"{en} is saturated: its windows are offered {u:.0%} of their time"
            f"{wait_en}; the queue spills into later days. Add windows there first.",
            "zh": f"{zh} 已饱和：窗口负荷 {u:.0%}{wait_zh}，排队顺延到之后的工作日。"
            "应先在此增加窗口。",
        }
    if u >= 0.8:
        return {
            "en": f"{en} is the bottleneck, busy {u:.0%} of its time{wait_en}; "
            "close to saturation.",
            "zh": f"瓶颈在 {zh}，窗口忙碌 {u:.0%}{wait_zh}，接近饱和。",
        }
    return {
        "en": f"The busiest place is {en}, busy {u:.0%} of its time{wait_en}; "
        "no place is saturated.",
        "zh": f"最忙的是 {zh}，窗口忙碌 {u:.0%}{wait_zh}；没有饱和的窗口。",
    }


# --- process map and walk -------------------------------------------------------------


def process_map(bundle: str, levers: list[str] | None = None) -> dict[str, Any]:
    """Before and after as data for a drawing: the items' DAG on the departments, what is
    handed over or fetched per item, and the applicant's visits."""
    scenario = load(bundle)
    out: dict[str, Any] = {"departments": {k: d.name for k, d in scenario.departments.items()}}
    for mode in ("before", "after"):
        process = Process.of(scenario, mode, levers if mode == "after" else None)
        items = []
        for level, keys in enumerate(process.levels):
            for row, key in enumerate(keys):
                item = process.item(key)
                handed = process.handed(key)
                items.append(
                    {
                        "key": key,
                        "name": item.name,
                        "department": item.department,
                        "level": level,
                        "row": row,
                        "requires": list(item.requires),
                        "handed": [scenario.materials[m].name for m in handed],
                        "fetched": [
                            scenario.materials[m].name for m in item.materials if m not in handed
                        ],
                        "delivery": process.delivery(key),
                    }
                )
        visits = [
            {
                "place": process.place_name(v.place),
                "department": v.place,
                "trip": v.trip,
                "online": v.online,
                "file": [process.item(k).name for k in v.file],
                "collect": [process.item(k).name for k in v.collect],
            }
            for v in journey(process)
        ]
        out[mode] = {
            "levers": sorted(process.levers),
            "items": items,
            "visits": visits,
            "start": process.place_name(scenario.applicants.start),
            "counts": counts(process),
            "single_window": process.place_name(SINGLE_WINDOW) if process.integrated else None,
        }
    return out


def walk_pair(bundle: str, levers: list[str] | None, seed: int | None) -> dict[str, Any]:
    """走流程 before and after: one applicant's steps in each mode, as timed steps.

    ``api.walk`` follows the first applicant measured; arrivals draw from a stream of
    their own, so with one seed both modes follow the same applicant."""
    from onething.workbench.labels import LANGUAGES, WORDS, activity, detail, duration

    post = " ".join(WORDS["post"])  # the mail's place: "Post 邮政寄递", as a scenario names one

    items = {k: i.name for k, i in load(bundle).items.items()}
    out = {}
    for mode in ("before", "after"):
        w = api.walk(bundle, mode, levers if mode == "after" else None, seed)
        out[mode] = {
            "case_id": w.case_id,
            "levers": sorted(w.process.levers),
            "summary": w.summary,
            "steps": [
                {
                    "start": s.start,
                    "end": s.end,
                    "activity": s.activity,
                    "place": post if s.place == "post" else s.place,
                    "minutes": s.minutes,
                    "detail": s.detail,
                    "label": {lang: activity(s.activity, items, lang) for lang in LANGUAGES},
                    "duration": {lang: duration(s.minutes, lang) for lang in LANGUAGES},
                    "shown": {lang: detail(s.detail, items, lang) for lang in LANGUAGES},
                }
                for s in w.steps
            ],
        }
    return jsonable(out)


# --- studies --------------------------------------------------------------------------


def shipped_specs() -> dict[str, Path]:
    folder = resources.files("onething.experiments")
    return {
        p.name.removesuffix(".yaml"): Path(str(p))
        for p in folder.iterdir()
        if p.name.endswith(".yaml")
    }


def shipped_study_kinds() -> dict[str, tuple[str, str]]:
    """Each shipped spec's kind and bundle, as its file says."""
    from onething.scenarios.loader import read_yaml

    out = {}
    for name, path in shipped_specs().items():
        spec = read_yaml(path)
        out[name] = (str(spec.get("kind", "variants")), str(spec.get("bundle", "")))
    return out


def study_plan(spec: Path) -> Any:
    """The runs of a spec (``FileError`` if it is wrong).  A spec sent to the workbench
    names a bundle of the catalog, a saved one, or a file in its own folder: nothing
    else of this machine."""
    from onething.experiments.runner import plan
    from onething.experiments.spec_file import load_spec

    return plan(load_spec(spec, files_within=spec.parent))


def study(spec: Path, out: Path, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """``onething experiment run`` and ``onething report`` (in English and Chinese) into
    ``out``."""
    from onething.experiments.console import report
    from onething.experiments.report import write_reports
    from onething.experiments.runner import run

    planned = study_plan(spec)
    experiment = planned.experiment
    outcome = run(planned, out, None, progress)
    write_reports(out)
    table = report(outcome)
    scenario = experiment.scenario
    names = {**place_names(scenario.name), scenario.name: scenario.title}
    return jsonable(
        {
            "name": experiment.spec.name,
            "bundle": scenario.name,
            "title": table.title,
            "header": list(table.header),
            "rows": [list(r) for r in table.rows],
            "notes": list(table.notes),
            "zh": table_in(table, "zh", names),
            "folder": str(out),
            "files": sorted(p.name for p in out.iterdir() if p.is_file()),
        }
    )


def table_in(table: Any, lang: str, names: dict[str, str]) -> dict[str, Any]:
    """A study's table in ``lang``: its title, heads and notes from the studies'
    catalogue (``experiments.studies.words``), each id in a cell (a lever, a place, a
    parameter) by its name; ``names``: place or bundle id -> name."""
    from onething.experiments.spec import PARAMETERS
    from onething.experiments.studies.words import FINDINGS
    from onething.scenarios.reasons import FIELDS
    from onething.workbench.labels import name_in, words

    w = words(lang)

    def said(text: Any) -> Any:
        return text.in_language(lang, names) if isinstance(text, Message) else text

    def named(part: str) -> str:
        if f"lever.{part}" in w:
            return w[f"lever.{part}"]
        if part in names:
            return name_in(names[part], lang)
        if part in PARAMETERS:
            return FIELDS[part][lang == "zh"]
        return FINDINGS.get(f"word.{part}", (part, part))[lang == "zh"]

    def cell(value: Any) -> Any:
        return " + ".join(map(named, value.split("+"))) if isinstance(value, str) else value

    return {
        "title": said(table.title),
        "header": [said(h) for h in table.header],
        "rows": [[cell(c) for c in row] for row in table.rows],
        "notes": [said(n) for n in table.notes],
    }


# --- comparing runs -------------------------------------------------------------------

COMPARED = ("time_working_days", "wait_minutes", "trips_observed", "within_promise")
COUNTED = ("steps", "materials", "trips", "form_fields")
"""What two runs of any kind are compared on: means with intervals, then the counts."""


def run_measures(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A finished run's means, whatever its kind, keyed "variant|measure" (a what-if's and
    a live run's variants are their modes, a study's its own): each with its mean, 95 %
    interval (or None) and whether it is a share.  A study's come from its summary.csv."""
    result, out = run.get("result") or {}, {}
    if run.get("status") != "done":
        return out

    def add(variant: str, measure: str, mean: Any, ci: Any = None) -> None:
        if isinstance(mean, int | float):
            low, high = ci if isinstance(ci, list | tuple) and len(ci) == 2 else (None, None)
            share = measure == "within_promise"
            out[f"{variant}|{measure}"] = {"mean": mean, "ci": [low, high], "share": share}

    modes: dict[str, dict[str, Any]] = {}
    if run["kind"] == "whatif":
        modes = {m: result["compare"][m] for m in ("before", "after")}
    elif run["kind"] == "live":
        modes = {result.get("mode", "after"): result.get("measures") or {}}
    for mode, m in modes.items():
        shares = (result.get("intervals") or {}).get(mode, {})
        for measure in COMPARED:
            value = m.get(measure)
            if isinstance(value, dict):
                add(mode, measure, value.get("mean"), value.get("ci95"))
            else:
                add(mode, measure, value, shares.get(measure))
        for measure in COUNTED:
            add(mode, measure, m.get(measure))
    if run["kind"] == "study":
        summary = Path(str(result.get("folder", ""))) / "summary.csv"
        if summary.is_file():
            import pandas as pd

            for row in pd.read_csv(summary).to_dict("records"):
                measure = str(row["measure"]).removesuffix(".mean")
                if measure in COMPARED or measure in COUNTED:
                    ci = [row.get("ci95_low"), row.get("ci95_high")]
                    add(str(row["variant"]), measure, row["mean"], ci)
    return jsonable(out)


# --- live -----------------------------------------------------------------------------


@dataclass
class LiveRun:
    bundle: str
    mode: str = "after"
    rate: float | None = None
    duration_days: int = 1
    speedup: float = 500.0
    chaos: str | None = None
    bootstrap: str | None = None
    seed: int = 1
    agreement_replications: int = 2


def live(run: LiveRun, emit: Emit) -> dict[str, Any]:
    """A live run (the broker and services onething starts, or an existing Kafka) with a
    snapshot of the pipeline emitted a few times a second while the harness replays."""

    def watch(mode: str, harness: Any, system: Any, trouble: Any) -> Any:
        view = _Watch(harness, system, trouble, run.chaos)
        return lambda arrived, finished, total: emit(view.snapshot(arrived, finished, total))

    outcome = api.live(
        run.bundle,
        [run.mode],
        speedup=run.speedup,
        duration_days=run.duration_days,
        rate=run.rate,
        seed=run.seed,
        bootstrap=run.bootstrap,
        chaos=run.chaos,
        agreement_replications=run.agreement_replications,
        stage=lambda name: emit({"phase": name}),
        watch=watch,
    )[run.mode]
    m = dict(outcome.measures)
    infra, reconciliation = m.pop("infra"), m.pop("reconciliation")
    return jsonable(
        {
            "scenario": outcome.result.process.scenario.name,
            "mode": run.mode,
            "measures": m,
            "infra": infra,
            "reconciliation": reconciliation,
            "reconciliation_rows": outcome.result.reconcile().rows(),
            "chaos": [vars(b) for b in outcome.result.blows],
            "des": {
                "live_mean": m["time_working_days"]["mean"],
                "des_mean": outcome.des["time_working_days"]["mean"],
                # a run the machine could not keep up with measures the machine
                "void": outcome.agreement.get("void"),
            },
            "bootstrap": outcome.bootstrap,
        }
    )


class _Watch:
    """What the dashboard shows, read off the harness and the service processes."""

    def __init__(self, harness: Any, system: Any, chaos: Any = None, kind: str | None = None):
        self.harness = harness
        self.chaos = chaos
        self.chaos_kind = kind
        self.system = system
        self.started = time.monotonic()
        self.seen_hops = 0
        self.recent: deque[tuple[float, int]] = deque([(self.started, 0)])
        self.first_pid: dict[str, int] = {}

    def snapshot(self, arrived: int, finished: int, total: int) -> dict[str, Any]:
        h = self.harness
        now = time.monotonic()
        hops = [ms for values in list(h.hops.values()) for ms in list(values)]
        recent = sorted(hops[self.seen_hops :] if len(hops) > self.seen_hops else hops[-50:])
        self.seen_hops = len(hops)
        self.recent.append((now, finished))
        while len(self.recent) > 2 and now - self.recent[0][0] > THROUGHPUT_WINDOW_S:
            self.recent.popleft()
        then, done_then = self.recent[0]
        rate = (finished - done_then) / (now - then) if now > then else 0.0
        return {
            "phase": "running",
            "t": now - self.started,
            "arrived": arrived,
            "total": total,
            "completed": finished,
            "dead_lettered": len(h.dead_letters),
            "events_sent": h.sent,
            "events_received": h.received,
            "throughput": rate,
            "latency": {
                p: _quantile(recent, q) for p, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
            },
            "lag": h.in_flight,
            "services": self.services(),
        }

    def services(self) -> list[dict[str, str]]:
        """Each part's state: up; killed (no process); restarting (a new process, not
        ready yet); back (ready again after a kill or a pause); paused (the broker)."""
        system = self.system
        states = []
        if system.broker is not None:
            if self._striking("broker"):
                state = "paused"
            elif any(b.what == "broker" for b in self._blows()):
                state = "back"
            else:
                state = "up"
            states.append({"name": "broker", "state": state})
        fleet = system.fleet
        for name in fleet.commands if fleet is not None else ():
            running = [p for p in fleet.processes if p.name == name and p.popen.poll() is None]
            first = self.first_pid.setdefault(name, running[0].popen.pid if running else 0)
            if not running:
                state = "killed"
            elif running[0].popen.pid == first:
                state = "up"
            elif any(b.what == name for b in self._blows()):
                state = "back"
            else:
                state = "restarting"
            states.append({"name": name, "state": state})
        return states

    def _blows(self) -> list[Any]:
        return list(self.chaos.blows) if self.chaos is not None else []

    def _striking(self, target: str) -> bool:
        """Chaos is pausing the broker right now (its strike takes the whole pause)."""
        thread = getattr(self.chaos, "_thread", None)
        pausing = self.chaos_kind == "pause" and target == "broker"
        return bool(pausing and thread is not None and thread.is_alive())


THROUGHPUT_WINDOW_S = 3.0
"""Completions are bursty (a day's cases finish together): a rate over a few seconds."""
LATENCY_QUANTILES = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))


def _quantile(ordered: list[float], q: float) -> float | None:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None
