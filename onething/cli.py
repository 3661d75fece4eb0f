"""``onething``: the command line.  Every command is a thin shell over ``onething.api``.

User mistakes (a bad scenario file, an unknown lever) print ``file: path: reason`` and
exit with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

from onething import api
from onething.live import CHAOS_KINDS, TOPOLOGIES, chaos_refusal
from onething.scenarios.calendar import TooFarAhead
from onething.scenarios.errors import FileError, Problem
from onething.scenarios.levers import LEVERS, Process, UnknownLever, parse_levers
from onething.scenarios.loader import catalog_names, load_scenario
from onething.scenarios.model import (
    MAX_ARRIVALS_PER_DAY,
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    MAX_SEED,
)
from onething.scenarios.official_calendar import BeyondOfficialCalendar
from onething.services.broker import BrokerUnavailable
from onething.sim.eventlog import Export, check_suffix
from onething.sim.harness import LiveError
from onething.topics.schemas import MAX_SPEEDUP, MIN_SPEEDUP

USAGE_ERROR = 2
CHANGE = "change (after vs before, - = less)"
PROGRESS_EVERY = 5.0
"""Seconds between the plain progress lines of a live run whose stderr is not a terminal."""


class UsageError(Exception):
    """A mistake in the command line itself."""


# --- formatting ----------------------------------------------------------------------


def _num(x: Any, digits: int = 3) -> str:
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


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{100 * x:.1f} %"


def _change(before: Any, after: Any) -> str:
    from onething.sim.measures import change

    c = change(before, after)
    return "" if c is None else f"{c:+.1f} %"


def _dist_rows(label: str, m: dict[str, Any]) -> list[list[str]]:
    ci = m["ci95"]
    interval = f" [{_num(ci[0])}, {_num(ci[1])}]" if ci[0] is not None else ""
    return [
        [f"{label}, mean", f"{_num(m['mean'])}{interval}"],
        [f"{label}, p50 / p90", f"{_num(m['p50'])} / {_num(m['p90'])}"],
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
    rows = [[COUNT_LABELS[k], _num(m[k])] for k in COUNT_LABELS]
    for key, label in DIST_LABELS.items():
        rows += _dist_rows(label, m[key])
    rows.append(["within promise", _pct(m["within_promise"])])
    rows.append(["promised (working days)", _num(m["promise_working_days"])])
    rows.append(["cases measured", _num(m["cases"])])
    if m["unfinished"]:
        rows.append(["UNFINISHED cases (overload)", _num(m["unfinished"])])
    for place, u in m["utilisation"].items():
        rows.append([f"utilisation {place}", _pct(u)])
    for measure, placeholders in m.get("unknown", {}).items():
        rows.append([f"{measure}: unknown, fill in", _placeholders(placeholders)])
    return rows


def _placeholders(paths: Sequence[str]) -> str:
    """``items.a.steps, items.b.steps`` as ``items.*.steps (2)``: one short cell."""
    groups: dict[str, int] = {}
    for path in paths:
        parts = path.split(".")
        key = f"items.*.{parts[2]}" if len(parts) == 3 and parts[0] == "items" else path
        groups[key] = groups.get(key, 0) + 1
    return ", ".join(k if n == 1 else f"{k} ({n})" for k, n in groups.items())


def _width(text: str) -> int:
    """Terminal columns: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _print_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(_width(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        cells = [cell + " " * (w - _width(cell)) for cell, w in zip(row, widths, strict=True)]
        print("  ".join(cells).rstrip())


def _compare_rows(before: dict[str, Any], after: dict[str, Any]) -> list[list[str]]:
    b, a = dict(map(tuple, measure_rows(before))), dict(map(tuple, measure_rows(after)))
    labels = list(dict.fromkeys([*b, *a]))
    rows = []
    for label in labels:
        key = next((k for k, v in COUNT_LABELS.items() if v == label), None)
        dist = next((k for k, v in DIST_LABELS.items() if label == f"{v}, mean"), None)
        if key:
            delta = _change(before[key], after[key])
        elif dist:
            delta = _change(before[dist]["mean"], after[dist]["mean"])
        else:
            delta = ""
        rows.append([label, b.get(label, "—"), a.get(label, "—"), delta])
    return rows


# --- commands ------------------------------------------------------------------------


@contextmanager
def _progress(total: int, desc: str):
    """A bar on stderr, shown only for runs longer than two seconds on a terminal."""
    with tqdm(total=total, desc=desc, unit="rep", delay=2, disable=None, leave=False) as bar:
        yield bar.update


IN_THE_WAY = "a file is in the way"


def _folder(path: Path, flag: str) -> Path:
    """An output folder, made if need be; a usage error when it cannot be (a file is in
    the way, no permission)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        in_the_way = isinstance(exc, FileExistsError | NotADirectoryError)
        reason = IN_THE_WAY if in_the_way else exc.strerror
        raise UsageError(f"{flag} {path}: cannot write there: {reason}") from None
    return path


def _options(args: argparse.Namespace, update: Callable[[int], None] | None) -> api.RunOptions:
    export = None
    if getattr(args, "events", None) or getattr(args, "cases", None):
        for flag, path in (("--events", args.events), ("--cases", args.cases)):
            if path is not None:
                try:
                    check_suffix(path)
                except ValueError as exc:
                    raise UsageError(str(exc)) from None
                if path.is_dir():
                    raise UsageError(f"{flag} {path}: a folder, not a file name")
                _folder(path.parent, flag)
        export = Export(args.events, args.cases)
    return api.RunOptions(
        args.replications,
        args.seed,
        args.horizon_days,
        args.warmup_days,
        args.jobs,
        export,
        update,
    )


def _levers(args: argparse.Namespace) -> frozenset[str] | None:
    if args.levers is None:
        return None
    return parse_levers(args.levers)


def _replications(args: argparse.Namespace) -> int:
    return args.replications or load_scenario(args.bundle).run.replications


def cmd_catalog(args: argparse.Namespace) -> int:
    bundles = []
    for name in catalog_names():
        s = load_scenario(name)
        bundles.append(
            {
                "name": name,
                "title": s.title,
                "items": len(s.items),
                "after_levers": list(s.after),
                "published_sources": sorted({f.source for f in s.published}),
            }
        )
    if args.json:
        print(json.dumps(bundles, ensure_ascii=False))
        return 0
    rows = [
        [
            b["name"],
            b["title"],
            str(b["items"]),
            ",".join(b["after_levers"]),
            ", ".join(b["published_sources"]) or "none",
        ]
        for b in bundles
    ]
    _print_table(["bundle", "title", "items", "after levers", "published figures from"], rows)
    print("\nlevers:")
    for name, doc in LEVERS.items():
        print(f"  {name:18} {doc}")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    levers = _levers(args)
    with _progress(_replications(args), f"simulate {args.bundle}") as update:
        result = api.simulate(args.bundle, args.mode, levers, _options(args, update))
    m = result.measures
    if args.json:
        print(json.dumps({"scenario": result.process.scenario.name, "mode": args.mode, **m}))
        return 0
    s = result.process.scenario
    print(
        f"{s.name} — {s.title}\nprocess: {result.process.label}  "
        f"({m['replications']} replications, 95 % CI of the mean)\n"
    )
    _print_table(["measure", args.mode], measure_rows(m))
    for path in (args.events, args.cases):
        if path is not None:
            print(f"\nwrote {path}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    levers = _levers(args)
    with _progress(2 * _replications(args), f"compare {args.bundle}") as update:
        comparison = api.compare(args.bundle, levers, _options(args, update))
    plots = []
    if not args.no_plots and (args.out is not None or not args.json):
        from onething.plots import compare_plots

        out = Path("out") if args.out is None else args.out
        plots = compare_plots(comparison, _folder(out / comparison.scenario.name, "--out"))
    if args.json:
        print(json.dumps(comparison.to_json()))
        return 0
    s = comparison.scenario
    print(f"{s.name} — {s.title}")
    print(
        f"after = {comparison.after.process.label}  "
        f"({comparison.before.measures['replications']} replications, 95 % CI of the mean)\n"
    )
    _print_table(
        ["measure", "before", "after", CHANGE],
        _compare_rows(comparison.before.measures, comparison.after.measures),
    )
    if plots:
        print("\nplots: " + ", ".join(str(p) for p in plots))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    bundles = args.bundles or catalog_names()
    with _progress(2 * len(bundles) * (args.replications or 10), "calibrate") as update:
        options = api.RunOptions(args.replications, args.seed, jobs=args.jobs, progress=update)
        rows = api.calibrate(bundles, options)
    missed = [r for r in rows if r["within_tolerance"] is False]
    if args.json:
        print(json.dumps(rows))
        return 1 if missed else 0
    table = []
    for r in rows:
        if r["published"] is None:
            verdict = "no published figure"
        else:
            verdict = "ok" if r["within_tolerance"] else "MISSED"
            verdict += f" ({r['source']})"
        error = "" if r["rel_error"] is None else f"{100 * r['rel_error']:+.1f} %"
        table.append(
            [
                r["scenario"],
                r["mode"],
                r["measure"],
                _num(r["published"]),
                _num(r["simulated"]),
                error,
                verdict,
            ]
        )
    _print_table(
        ["bundle", "mode", "measure", "published", "model", "rel. error", "verdict"], table
    )
    print(
        f"\ncounts must match exactly; time within {100 * api.TIME_TOLERANCE:.0f} %. "
        f"{len(missed)} figure(s) missed."
    )
    return 1 if missed else 0


def plural(n: float, word: str, plural_form: str | None = None) -> str:
    """``1 trip``, ``2 trips``, ``1.5 working days``."""
    many = plural_form or word + "s"
    return f"{_num(n)} {word if n == 1 else many}"


def _when(t: Any, day: Any = None) -> str:
    """A timestamp; only the time of day when it is on ``day`` (the step's start day)."""
    if day is not None and t.date() == day:
        return t.strftime("%H:%M")
    return t.strftime("%a %Y-%m-%d %H:%M")


def cmd_walk(args: argparse.Namespace) -> int:
    w = api.walk(args.bundle, args.mode, _levers(args), args.seed)
    s = w.summary
    if args.json:
        print(json.dumps({"mode": args.mode, **w.to_json()}, ensure_ascii=False))
        return 0
    print(f"走流程 — walking the process: {w.process.scenario.title}, {w.process.label}")
    print(f"Applicant #{w.case_id} sets off from {s['start']} at {_when(s['arrival'])}.\n")
    for step in w.steps:
        span = f"{_when(step.start)} → {_when(step.end, step.start.date())}"
        line = f"  {span:43} {step.activity} — {step.place} ({_duration(step.minutes)})"
        print(line)
        if step.detail:
            print(f"  {'':43}   {step.detail}")
    print(
        f"\nDone at {_when(s['done'])}: {plural(s['time_working_days'], 'working day')} "
        f"({plural(s['time_calendar_hours'], 'calendar hour')}), {plural(s['trips'], 'trip')}, "
        f"{plural(s['wait_minutes'], 'minute')} queueing, "
        f"{'within' if s['within_promise'] else 'OUTSIDE'} the promised time."
    )
    return 0


def cmd_compose(args: argparse.Namespace) -> int:
    from onething.compose import ComposeError, compose_file, parse_replicas

    scenario = load_scenario(args.bundle)
    try:
        replicas = parse_replicas(args.replicas, scenario)
        text = compose_file(args.bundle, scenario, replicas, args.bootstrap, args.partitions)
    except ComposeError as exc:
        raise UsageError(f"compose: {exc}") from None
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_broker(args: argparse.Namespace) -> int:
    from onething.services.broker import EmbeddedBroker

    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    try:
        broker = EmbeddedBroker(tls_cert=args.tls_cert, tls_key=args.tls_key)
    except OSError as exc:  # ssl.SSLError included
        reason = exc.strerror or str(exc)
        raise UsageError(f"{args.tls_cert}, {args.tls_key}: cannot serve TLS: {reason}") from None
    broker.start(port=args.port)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tls = " over TLS only" if broker.tls else ""
    print(f"Kafka-compatible broker (Tansu, memory storage) at {broker.bootstrap}{tls}", flush=True)
    print(f"use it with --bootstrap {broker.bootstrap}; Ctrl-C stops it", flush=True)
    if broker.tls:
        print(
            "clients need ONETHING_KAFKA_SECURITY_PROTOCOL=SSL and ONETHING_KAFKA_SSL_CAFILE="
            "<the CA that signed the certificate>",
            flush=True,
        )
    try:
        while broker.running:
            time.sleep(0.5)
        print(f"the broker exited; its log: {broker.log_path}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        broker.stop()


def cmd_service(args: argparse.Namespace) -> int:
    from onething.live import READY
    from onething.services.broker import wait_for_broker
    from onething.services.faust_adapter import (
        compact_app,
        department_app,
        platform_app,
        shared_data_app,
    )
    from onething.services.faust_runtime import run_worker
    from onething.topics.schemas import Clock

    scenario = load_scenario(args.bundle)
    wait_for_broker(args.bootstrap, timeout=5)
    clock = Clock(
        origin=time.time(), minutes_per_second=args.speedup, levers=sorted(scenario.after)
    )
    if args.kind == "department":
        if not args.department:
            raise UsageError("service department: --department is required")
        if args.department not in scenario.departments:
            known = ", ".join(scenario.departments)
            raise UsageError(f"--department {args.department}: not in {scenario.name} ({known})")
        app = department_app(scenario, args.department, args.bootstrap)
    elif args.kind == "platform":
        app = platform_app(scenario, args.bootstrap, clock)
    elif args.kind == "shared-data":
        app = shared_data_app(scenario, args.bootstrap)
    else:
        app = compact_app(scenario, args.bootstrap, clock)
    announced = []

    @app.on_rebalance_complete.connect
    async def ready(sender: object, **kwargs: object) -> None:
        if not announced:  # the harness waits for this line before it sends anything
            announced.append(True)
            print(READY, file=sys.__stdout__, flush=True)

    run_worker(app)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from onething.experiments.distributed import worker_app
    from onething.live import READY
    from onething.services.broker import create_topics, wait_for_broker
    from onething.services.faust_runtime import run_worker
    from onething.topics.names import JOB_PARTITIONS, JOB_RESULTS, JOBS

    wait_for_broker(args.bootstrap, timeout=5)
    create_topics(args.bootstrap, {JOBS: JOB_PARTITIONS, JOB_RESULTS: JOB_PARTITIONS})
    app = worker_app(args.bootstrap)
    announced = []

    @app.on_rebalance_complete.connect
    async def ready(sender: object, **kwargs: object) -> None:
        if not announced:
            announced.append(True)
            print(READY, file=sys.__stdout__, flush=True)

    run_worker(app)
    return 0


def _replicas(args: argparse.Namespace, scenario: Any) -> dict[str, int] | None:
    """Department replicas of a live run, within the topics' partitions (which the
    processes it starts read from the environment)."""
    from onething.compose import ComposeError, parse_replicas
    from onething.topics.names import partitions

    if not args.replicas:
        return None
    if args.external_services or args.topology == "compact":
        raise UsageError("--replicas needs the per-department services onething starts")
    try:
        replicas = parse_replicas(args.replicas, scenario)
    except ComposeError as exc:
        raise UsageError(str(exc)) from None
    available = args.partitions or partitions()
    if max(replicas.values()) > available:
        raise UsageError(
            f"--replicas: {max(replicas.values())} replicas share {available} partitions; "
            "raise --partitions"
        )
    return replicas


@contextmanager
def _partitions(count: int | None) -> Iterator[None]:
    """Topics' partitions for this run: the processes it starts read the environment."""
    from onething.topics.names import PARTITIONS_ENV

    before = os.environ.get(PARTITIONS_ENV)
    if count is not None:
        os.environ[PARTITIONS_ENV] = str(count)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(PARTITIONS_ENV, None)
        else:
            os.environ[PARTITIONS_ENV] = before


def cmd_live(args: argparse.Namespace) -> int:
    from onething.api import live
    from onething.live import AGREEMENT_REPLICATIONS, behind_warning

    if args.chaos and (
        why := chaos_refusal(
            args.chaos, args.bootstrap is None, not args.external_services, args.mode != "before"
        )
    ):
        raise UsageError(why)
    scenario = load_scenario(args.bundle)
    modes = ["before", "after"] if args.mode == "both" else [args.mode]
    levers = _levers(args)
    replicas = _replicas(args, scenario)
    bars: dict[str, Any] = {}
    said: dict[str, float] = {}

    def say(line: str) -> None:
        print(f"onething: live: {line}", file=sys.stderr, flush=True)

    def progress(mode: str, done: int, total: int) -> None:
        if not sys.stderr.isatty():  # a log file: a plain line every few seconds
            now = time.monotonic()
            if done == total or now - said.get(mode, -math.inf) >= PROGRESS_EVERY:
                said[mode] = now
                say(f"{mode}: {done}/{total} applicants finished")
            return
        bar = bars.get(mode)
        if bar is None:
            bar = bars[mode] = tqdm(
                total=total, desc=f"live {mode}", unit="case", delay=2, disable=None, leave=False
            )
        bar.update(done - bar.n)

    try:
        with _partitions(args.partitions):
            outcomes = live(
                args.bundle,
                modes,
                levers,
                speedup=args.speedup,
                duration_days=args.duration,
                rate=args.rate,
                seed=args.seed,
                infra_only=args.infra_only,
                drain_seconds=args.drain,
                bootstrap=args.bootstrap,
                external_services=args.external_services,
                topology=args.topology,
                replicas=replicas,
                chaos=args.chaos,
                agreement_replications=AGREEMENT_REPLICATIONS if args.agreement else None,
                keep_files=args.keep,
                say=say,
                progress=progress,
            )
    finally:
        for bar in bars.values():
            bar.close()
    doc: dict[str, Any] = {"scenario": scenario.name, "infra": {}}
    for mode, outcome in outcomes.items():
        m = dict(outcome.measures)
        doc["infra"][mode] = m.pop("infra")
        doc.setdefault("reconciliation", {})[mode] = m.pop("reconciliation")
        if args.chaos:
            doc.setdefault("chaos", {})[mode] = [asdict(blow) for blow in outcome.result.blows]
        doc[mode] = m
        if outcome.des is not None:
            doc.setdefault("des", {})[mode] = outcome.des
            doc.setdefault("agreement", {})[mode] = outcome.agreement
    ledgers = {mode: outcome.result.reconcile() for mode, outcome in outcomes.items()}
    unsound = [
        f"{mode}: {issue}" for mode, ledger in ledgers.items() for issue in ledger.problems()
    ]
    if args.json:
        print(json.dumps(doc))
        return 1 if unsound else 0
    print(
        f"{scenario.name} — {scenario.title}: live run on {len(modes)} mode(s), "
        f"speed-up {args.speedup:g} simulated minutes per second"
    )
    if len(modes) == 2:
        _print_table(
            ["measure", "before", "after", CHANGE], _compare_rows(doc["before"], doc["after"])
        )
    else:
        _print_table(["measure", modes[0]], measure_rows(doc[modes[0]]))
    print()
    for mode, infra in doc["infra"].items():
        hop = infra["hop_ms"]
        print(
            f"infra {mode}: hop latency p50 {_num(hop['p50'])} ms, p95 {_num(hop['p95'])} ms, "
            f"p99 {_num(hop['p99'])} ms; {_num(infra['cases_per_s'])} cases/s; "
            f"max lag {infra['max_lag']} requests; longest broker stall "
            f"{_num(infra['longest_stall_s'])} s"
        )
    for mode, blows in doc.get("chaos", {}).items():
        for blow in blows:
            print(
                f"chaos {mode}: {blow['what']} struck when {blow['arrived']} applicants had "
                f"arrived and {blow['finished']} finished; back after {_num(blow['seconds'])} s"
            )
    print()
    ledger_rows = [dict(ledger.rows()) for ledger in ledgers.values()]
    labels = dict.fromkeys(label for rows in ledger_rows for label in rows)
    _print_table(
        ["reconciliation", *ledgers],
        [(label, *(rows.get(label, "0") for rows in ledger_rows)) for label in labels],
    )
    for mode, verdict in doc.get("agreement", {}).items():
        if "void" in verdict:
            print(f"agreement {mode}: void ({verdict['void']})")
            continue
        live_mean, des_mean = verdict["live"], verdict["des"]
        print(
            f"agreement {mode}: live {_num(live_mean)} vs DES {_num(des_mean)} working days "
            f"on the same arrivals ({_change(des_mean, live_mean)})"
        )
    for mode, infra in doc["infra"].items():
        if not infra["kept_up"]:
            print(
                f"onething: live {mode}: {behind_warning(infra['behind_schedule_s'])}",
                file=sys.stderr,
            )
    for problem in unsound:
        print(f"onething: live: reconciliation {problem}", file=sys.stderr)
    return 1 if unsound else 0


def cmd_experiment(args: argparse.Namespace) -> int:
    from onething.experiments.console import report
    from onething.experiments.distributed import RemoteError
    from onething.experiments.runner import plan, run
    from onething.experiments.spec_file import load_spec

    experiment = load_spec(args.spec)
    work = plan(experiment)
    out = _folder(args.out or Path("results") / experiment.spec.name, "--out")
    with _progress(len(work.jobs), f"experiment {experiment.spec.name}") as update:
        try:
            outcome = run(work, out, args.jobs, update, args.bootstrap)
        except RemoteError as exc:
            print(f"\nonething: {exc}", file=sys.stderr)
            return 1
    table = report(outcome)
    print(f"{table.title}\n")
    _print_table(
        table.header, [[c if isinstance(c, str) else _num(c) for c in r] for r in table.rows]
    )
    print("\n" + "\n".join(table.notes))
    print(f"\nwrote {out}/")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from onething.experiments.report import write_report

    print(f"wrote {write_report(args.results)}")
    return 0


def cmd_ui(args: argparse.Namespace) -> int:
    from onething.workbench.server import serve

    try:
        serve(args.host, args.port, args.allow_host, args.jobs)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise UsageError(f"ui: cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return 0


def _host_name(text: str) -> str:
    """A name the workbench may be reached by: ``name``, ``name:port``, ``[v6]:port``."""
    if not re.fullmatch(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", text):
        raise argparse.ArgumentTypeError(f"{text!r}: give a host name, optionally :PORT")
    return text


def _port(text: str) -> int:
    value = _non_negative(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text}: a port is at most 65535")
    return value


# --- discover: a scenario from a hall's event log ---------------------------------------


def _writable(path: Path, what: str, suffixes: tuple[str, ...] = ()) -> None:
    """Refuse an output path before any work: its name, and a folder that exists."""
    if suffixes and path.suffix not in suffixes:
        raise UsageError(f"{what} {path}: the file name must end in {' or '.join(suffixes)}")
    if path.is_dir():
        raise UsageError(f"{what} {path}: is a folder, not a file")
    if not path.parent.is_dir():
        raise UsageError(f"{what} {path}: no folder {path.parent}")


def _write_all(files: dict[Path, str]) -> None:
    """Write every file or none: each goes to a temporary name beside it, then all are
    renamed into place, so an error leaves no half-written or partial output."""
    done: list[Path] = []
    try:
        for path, text in files.items():
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            done.append(temporary)
            temporary.write_text(text, encoding="utf-8")
        for temporary, path in zip(done, files, strict=True):
            os.replace(temporary, path)
    except OSError as exc:
        for temporary in done:
            temporary.unlink(missing_ok=True)
        raise FileError(
            exc.filename or "(output)", [Problem("(file)", f"cannot write: {exc.strerror or exc}")]
        ) from None


def cmd_discover(args: argparse.Namespace) -> int:
    from onething.discovery.logs import parse_columns
    from onething.discovery.report import html_report, rows
    from onething.discovery.writer import discover
    from onething.scenarios.loader import validate

    _writable(args.out, "--out", (".yaml", ".yml"))
    if args.report is not None:
        _writable(args.report, "--report", (".html", ".htm"))
    found = discover(args.log, args.format, parse_columns(args.columns))
    validate(found.scenario, args.log)  # what is written must load: a bug is caught, not shipped
    outputs = {args.out: found.yaml()}
    if args.report is not None:
        outputs[args.report] = html_report(found)
    _write_all(outputs)
    print(f"read {found.events} events of {found.cases} cases from {args.log}")
    for line in found.skipped.lines():
        print(line)
    for line in found.unmapped:
        print(f"not mapped: {line}")
    _print_table(["parameter", "n", "kind", "KS D", "5 % critical"], rows(found))
    placeholders = found.scenario["placeholders"]
    print(f"{len(placeholders)} placeholders to fill (see placeholders: in the file)")
    if args.report is not None:
        print(f"wrote {args.report}")
    print(f"wrote {args.out}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from onething.scenarios import bpmn, prosimos

    if args.bpmn.exists() and not args.bpmn.is_dir():
        raise UsageError(f"--bpmn {args.bpmn}: cannot write there: {IN_THE_WAY}")
    process = Process.of(api.load(args.bundle), args.mode, _levers(args))
    exported = bpmn.export(process)
    params, notes = prosimos.parameters(process, exported.graph)
    stem = f"{process.scenario.name}-{args.mode if args.levers is None else process.label}"
    model, sim = args.bpmn / f"{stem}.bpmn", args.bpmn / f"{stem}.prosimos.json"
    outputs = {model: exported.xml, sim: json.dumps(params, indent=1, ensure_ascii=False)}
    _folder(args.bpmn, "--bpmn")
    _write_all(outputs)
    for note in dict.fromkeys(exported.notes + notes):
        print(f"not mapped exactly: {note}")
    print(f"wrote {model}\nwrote {sim}")
    return 0


def cmd_import_bpmn(args: argparse.Namespace) -> int:
    import yaml

    from onething.scenarios import bpmn
    from onething.scenarios.loader import validate

    _writable(args.out, "--out", (".yaml", ".yml"))
    params = bpmn.read_params(args.params) if args.params is not None else None
    imported = bpmn.import_bpmn(args.bpmn_file, params, args.params or "--params")
    validate(imported.scenario, args.bpmn_file)
    text = yaml.safe_dump(imported.scenario, allow_unicode=True, sort_keys=False, width=100)
    _write_all({args.out: text})
    for line in imported.unmapped:
        print(f"not mapped: {line}")
    print(f"{len(imported.scenario['items'])} items; wrote {args.out}")
    return 0


def _discover_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("discover", help="a scenario fitted from an event log (CSV or XES)")
    p.add_argument("log", type=Path, help="onething's --events CSV, a generic CSV, or XES")
    p.add_argument("--out", type=Path, required=True, help="the scenario file to write (.yaml)")
    p.add_argument("--format", choices=["csv", "xes"], help="default: from the file name")
    p.add_argument(
        "--columns",
        help="column mapping for a generic CSV (or XES keys): "
        "case=...,activity=...,department=...,start=...,end=...[,resource=...]",
    )
    p.add_argument("--report", type=Path, help="write the fit report as one HTML page")
    p.set_defaults(func=cmd_discover)

    p = sub.add_parser("export", help="a process as BPMN 2.0 plus Prosimos parameters")
    p.add_argument("bundle", help="a catalog name or a scenario file")
    p.add_argument("--mode", choices=["before", "after"], default="before")
    p.add_argument("--levers", help="comma-separated levers; overrides --mode")
    p.add_argument("--bpmn", type=Path, required=True, help="folder for the .bpmn and .json")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("import-bpmn", help="a scenario from a BPMN 2.0 process")
    p.add_argument("bpmn_file", type=Path, help="the .bpmn file")
    p.add_argument("--params", type=Path, help="Prosimos simulation parameters (JSON)")
    p.add_argument("--out", type=Path, required=True, help="the scenario file to write (.yaml)")
    p.set_defaults(func=cmd_import_bpmn)


def _duration(minutes: float) -> str:
    if minutes < 90:
        return f"{minutes:.0f} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} days"  # always more than one


# --- parser --------------------------------------------------------------------------


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--replications",
        type=_at_most(MAX_REPLICATIONS),
        help="default: the scenario's run.replications",
    )
    p.add_argument("--seed", type=_seed, help="default: the scenario's run.seed")
    p.add_argument(
        "--horizon-days", type=_at_most(MAX_HORIZON_DAYS), help="calendar days of arrivals"
    )
    p.add_argument(
        "--warmup-days",
        type=_at_most(MAX_HORIZON_DAYS - 1, zero=True),
        help="cases arriving earlier are not measured",
    )
    p.add_argument("--jobs", type=_positive, help="processes (default: every core)")
    p.add_argument("--json", action="store_true", help="print one JSON document")


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def _at_most(limit: int, zero: bool = False) -> Callable[[str], int]:
    """A whole number up to ``limit``, from 1 (or from 0 with ``zero``)."""

    def parse(text: str) -> int:
        value = _non_negative(text) if zero else _positive(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"{value} is over the limit of {limit}")
        return value

    return parse


_seed = _at_most(MAX_SEED, zero=True)


def _number(low: float, high: float) -> Callable[[str], float]:
    """A number above ``low`` (or equal to it, where ``low`` is positive) and at most
    ``high``: never ``inf`` or ``nan``."""

    def parse(text: str) -> float:
        value = float(text)
        if not (low < value <= high or value == low > 0):
            raise argparse.ArgumentTypeError(f"must be from {low:g} to {high:g}, not {text}")
        return value

    return parse


_speedup = _number(MIN_SPEEDUP, MAX_SPEEDUP)
_rate = _number(0, MAX_ARRIVALS_PER_DAY)
_drain = _number(0, 86_400.0)


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, not {text}")
    return value


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("onething")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onething",
        description="What-if lab for 高效办成一件事 bundles: before vs after integration.",
    )
    parser.add_argument("--version", action="version", version=f"onething {_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    bundle_help = "a catalog name (see `onething catalog`) or a scenario file"
    levers_help = f"comma-separated levers for 'after' ({', '.join(LEVERS)})"

    p = sub.add_parser("catalog", help="list the bundles and the levers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_catalog)

    p = sub.add_parser("compare", help="before vs after: the four reductions and the queues")
    p.add_argument("bundle", help=bundle_help)
    p.add_argument("--levers", help=levers_help + "; default: the scenario's own")
    p.add_argument(
        "--out",
        type=Path,
        help="folder for PNG plots (default: out/; with --json, plots only if given)",
    )
    p.add_argument("--no-plots", action="store_true")
    _run_options(p)
    p.set_defaults(func=cmd_compare, events=None, cases=None)

    p = sub.add_parser("simulate", help="one process: before, after, or any levers")
    p.add_argument("bundle", help=bundle_help)
    p.add_argument("--mode", choices=["before", "after"], default="after")
    p.add_argument("--levers", help=levers_help + "; overrides --mode")
    p.add_argument("--events", type=Path, help="write the event log (.csv or .parquet)")
    p.add_argument("--cases", type=Path, help="write one row per case (.csv or .parquet)")
    _run_options(p)
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser("calibrate", help="published figures vs the model, per catalog bundle")
    p.add_argument("bundles", nargs="*", help="default: every catalog bundle")
    p.add_argument("--replications", type=_at_most(MAX_REPLICATIONS))
    p.add_argument("--seed", type=_seed)
    p.add_argument("--jobs", type=_positive)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("compose", help="write a docker-compose file for a bundle's live twin")
    p.add_argument("bundle", help=bundle_help)
    p.add_argument(
        "--replicas",
        help="N for every department, or NAME=N,... of departments and shared-data (default 1)",
    )
    p.add_argument("--bootstrap", help="HOST:PORT of an existing Kafka (default: start one)")
    p.add_argument(
        "--partitions", type=_positive, default=4, help="partitions per topic (default 4)"
    )
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(func=cmd_compose)

    p = sub.add_parser("broker", help="run the embedded Kafka-compatible broker (Tansu)")
    p.add_argument("--port", type=_positive, help="default: a free port")
    p.add_argument("--tls-cert", type=Path, help="serve TLS only, with this PEM certificate")
    p.add_argument("--tls-key", type=Path, help="the certificate's PEM private key")
    p.set_defaults(func=cmd_broker)

    p = sub.add_parser("service", help="run one live service (a Faust app) until stopped")
    p.add_argument(
        "kind",
        choices=["department", "platform", "shared-data", "all"],
        help="one service, or all of the bundle's in one worker (the compact topology)",
    )
    p.add_argument("--bundle", required=True, help=bundle_help)
    p.add_argument("--department", help="which department (kind department)")
    p.add_argument("--bootstrap", required=True, help="HOST:PORT of any Kafka")
    p.add_argument(
        "--speedup",
        type=_speedup,
        default=500.0,
        help="simulated minutes per second for applications without a clock",
    )
    p.set_defaults(func=cmd_service)

    p = sub.add_parser("live", help="run a bundle live on Kafka and measure it")
    p.add_argument("bundle", help=bundle_help)
    p.add_argument("--mode", choices=["before", "after", "both"], default="both")
    p.add_argument("--levers", help=levers_help + "; default: the scenario's own")
    p.add_argument("--rate", type=_rate, help="arrivals per working day (default: the scenario's)")
    p.add_argument(
        "--duration",
        type=_positive,
        default=5,
        help="calendar days during which applicants arrive (default 5)",
    )
    p.add_argument(
        "--speedup",
        type=_speedup,
        default=500.0,
        help="simulated minutes per real second (default 500)",
    )
    p.add_argument("--bootstrap", help="HOST:PORT of a running Kafka (default: start Tansu)")
    p.add_argument(
        "--external-services",
        action="store_true",
        help="the services already run (e.g. docker compose); start none",
    )
    p.add_argument(
        "--infra-only", action="store_true", help="service times zero: measure the pipeline alone"
    )
    p.add_argument(
        "--replicas",
        help="processes sharing a service's partitions: N per department, or NAME=N,... of "
        "departments and shared-data",
    )
    p.add_argument(
        "--partitions",
        type=_positive,
        help="partitions per topic (default 4, or ONETHING_PARTITIONS); at least the replicas",
    )
    p.add_argument(
        "--drain",
        type=_drain,
        default=300.0,
        help="real seconds to wait for the last cases after the last arrival (default 300)",
    )
    p.add_argument(
        "--topology",
        choices=TOPOLOGIES,
        default="per-department",
        help="one process per service (default), or every service in one worker",
    )
    p.add_argument(
        "--agreement", action="store_true", help="also run the DES on the same arrivals and compare"
    )
    p.add_argument(
        "--chaos",
        nargs="?",
        const="kill",
        choices=CHAOS_KINDS,
        help="kill (default): SIGKILL the busiest department at 1/3 of the arrivals and the "
        "platform at 2/3, restarting each; pause: SIGSTOP the embedded broker for 15 s at 1/2",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--keep",
        action="store_true",
        help="keep the run's folder (broker log, service logs, Faust data) and print its path",
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_live)

    p = sub.add_parser("walk", help="走流程: one applicant's journey, step by step")
    p.add_argument("bundle", help=bundle_help)
    p.add_argument("--mode", choices=["before", "after"], default="before")
    p.add_argument("--levers", help=levers_help + "; overrides --mode")
    p.add_argument("--seed", type=_seed)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_walk)

    p = sub.add_parser(
        "experiment", help="run an experiment spec (variants, lever attribution, load sweep)"
    )
    runs = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = runs.add_parser("run", help="run every variant x replication; tables, study and plots")
    p.add_argument("spec", type=Path, help="an experiment spec (YAML), e.g. experiments/*.yaml")
    p.add_argument("--out", type=Path, help="output folder (default: results/<spec name>)")
    p.add_argument("--jobs", type=_positive, help="processes (default: every core)")
    p.add_argument(
        "--bootstrap", help="HOST:PORT of a Kafka: run on the `onething worker` processes there"
    )
    p.set_defaults(func=cmd_experiment)

    p = sub.add_parser("worker", help="run experiment replications sent through Kafka")
    p.add_argument("--bootstrap", required=True, help="HOST:PORT of any Kafka")
    p.set_defaults(func=cmd_worker)

    _discover_parser(sub)

    p = sub.add_parser("report", help="one self-contained HTML report of an experiment's results")
    p.add_argument("results", type=Path, help="an experiment's output folder")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("ui", help="the workbench: onething in the browser, on this machine")
    p.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; any other requires a printed token)",
    )
    p.add_argument(
        "--allow-host",
        type=_host_name,
        action="append",
        default=[],
        metavar="NAME",
        help="also answer to this Host name (NAME: any port, NAME:PORT: that one; "
        "repeatable); others are refused, against DNS rebinding",
    )
    p.add_argument(
        "--jobs",
        type=_positive,
        default=None,
        help="run at most this many simulations and studies at once, queueing the rest "
        "(default: the core count)",
    )
    p.set_defaults(func=cmd_ui)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FileError as exc:
        print(exc, file=sys.stderr)
    except UnknownLever as exc:
        print(f"onething: --levers: {exc}", file=sys.stderr)
    except UsageError as exc:
        print(f"onething: {exc}", file=sys.stderr)
    except (BeyondOfficialCalendar, TooFarAhead) as exc:
        print(f"onething: calendar: {exc}", file=sys.stderr)
    except api.WarmupTooLong as exc:
        warmup = "--warmup-days" if exc.warmup_given else "the scenario's run.warmup_days"
        horizon = "--horizon-days" if exc.horizon_given else "the scenario's run.horizon_days"
        print(
            f"onething: {warmup} ({exc.warmup}) must be shorter than {horizon} ({exc.horizon})",
            file=sys.stderr,
        )
    except api.RunError as exc:
        print(f"onething: {exc}", file=sys.stderr)
    except BrokerUnavailable as exc:
        print(f"onething: {exc}", file=sys.stderr)
        return 1
    except LiveError as exc:
        print(f"onething: live: {exc}", file=sys.stderr)
        return 1
    return USAGE_ERROR


if __name__ == "__main__":
    sys.exit(main())
