"""`simulate`, `compare`, `calibrate` and `walk`: the DES through ``onething.api``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from onething import api
from onething.cli.arguments import (
    BUNDLE_HELP,
    LEVERS_HELP,
    add_run_options,
    at_most,
    levers_of,
    out_folder,
    positive,
    replications_of,
    run_options_of,
    seed_arg,
)
from onething.cli.tables import (
    CHANGE,
    compare_rows,
    duration_text,
    measure_rows,
    num,
    plural,
    print_table,
    progress_bar,
    season_lines,
    when,
)
from onething.scenarios.loader import catalog_names
from onething.scenarios.model import MAX_REPLICATIONS, Scenario


def cmd_simulate(args: argparse.Namespace) -> int:
    levers = levers_of(args)
    with progress_bar(replications_of(args), f"simulate {args.bundle}") as update:
        result = api.simulate(args.bundle, args.mode, levers, run_options_of(args, update))
    m = result.measures
    if args.json:
        print(json.dumps({"scenario": result.process.scenario.name, "mode": args.mode, **m}))
        return 0
    s = result.process.scenario
    print(
        f"{s.name} — {s.title}\nprocess: {result.process.label}  "
        f"({m['replications']} replications, 95 % CI of the mean)\n"
    )
    print_table(["measure", args.mode], measure_rows(m))
    _say_season(s, args, {args.mode: m["utilisation"]})
    for path in (args.events, args.cases):
        if path is not None:
            print(f"\nwrote {path}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    levers = levers_of(args)
    with progress_bar(2 * replications_of(args), f"compare {args.bundle}") as update:
        comparison = api.compare(args.bundle, levers, run_options_of(args, update))
    plots = []
    if not args.no_plots and (args.out is not None or not args.json):
        from onething.plots import compare_plots

        out = Path("out") if args.out is None else args.out
        plots = compare_plots(comparison, out_folder(out / comparison.scenario.name, "--out"))
    if args.json:
        print(json.dumps(comparison.to_json()))
        return 0
    s = comparison.scenario
    print(f"{s.name} — {s.title}")
    print(
        f"after = {comparison.after.process.label}  "
        f"({comparison.before.measures['replications']} replications, 95 % CI of the mean)\n"
    )
    print_table(
        ["measure", "before", "after", CHANGE],
        compare_rows(comparison.before.measures, comparison.after.measures),
    )
    loads = {"before": comparison.before.measures, "after": comparison.after.measures}
    _say_season(s, args, {mode: m["utilisation"] for mode, m in loads.items()})
    if plots:
        print("\nplots: " + ", ".join(str(p) for p in plots))
    return 0


def _say_season(scenario: Scenario, args: argparse.Namespace, utilisation: dict) -> None:
    horizon = args.horizon_days or scenario.run.horizon_days
    warmup = scenario.run.warmup_days if args.warmup_days is None else args.warmup_days
    lines = season_lines(scenario, horizon, warmup, utilisation)
    if lines:
        print("\n" + "\n".join(lines))


def cmd_calibrate(args: argparse.Namespace) -> int:
    bundles = args.bundles or catalog_names()
    with progress_bar(2 * len(bundles) * (args.replications or 10), "calibrate") as update:
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
                num(r["published"]),
                num(r["simulated"]),
                error,
                verdict,
            ]
        )
    print_table(["bundle", "mode", "measure", "published", "model", "rel. error", "verdict"], table)
    print(
        f"\ncounts must match exactly; time within {100 * api.TIME_TOLERANCE:.0f} %. "
        f"{len(missed)} figure(s) missed."
    )
    return 1 if missed else 0


def cmd_walk(args: argparse.Namespace) -> int:
    w = api.walk(args.bundle, args.mode, levers_of(args), args.seed)
    s = w.summary
    if args.json:
        print(json.dumps({"mode": args.mode, **w.to_json()}, ensure_ascii=False))
        return 0
    print(f"走流程 — walking the process: {w.process.scenario.title}, {w.process.label}")
    print(f"Applicant #{w.case_id} sets off from {s['start']} at {when(s['arrival'])}.\n")
    for step in w.steps:
        span = f"{when(step.start)} → {when(step.end, step.start.date())}"
        line = f"  {span:43} {step.activity} — {step.place} ({duration_text(step)})"
        print(line)
        if step.detail:
            print(f"  {'':43}   {step.detail}")
    print(
        f"\nDone at {when(s['done'])}: {plural(s['time_working_days'], 'working day')}, "
        f"{plural(s['trips'], 'trip')}, {plural(round(s['wait_minutes']), 'minute')} queueing, "
        f"{'within' if s['within_promise'] else 'OUTSIDE'} the promised time."
    )
    return 0


def add_compare(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="before vs after: the four reductions and the queues")
    p.add_argument("bundle", help=BUNDLE_HELP)
    p.add_argument("--levers", help=LEVERS_HELP + "; default: the scenario's own")
    p.add_argument(
        "--out",
        type=Path,
        help="folder for PNG plots (default: out/; with --json, plots only if given)",
    )
    p.add_argument("--no-plots", action="store_true")
    add_run_options(p)
    p.set_defaults(func=cmd_compare, events=None, cases=None)


def add_simulate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("simulate", help="one process: before, after, or any levers")
    p.add_argument("bundle", help=BUNDLE_HELP)
    p.add_argument("--mode", choices=["before", "after"], default="after")
    p.add_argument("--levers", help=LEVERS_HELP + "; overrides --mode")
    p.add_argument("--events", type=Path, help="write the event log (.csv or .parquet)")
    p.add_argument("--cases", type=Path, help="write one row per case (.csv or .parquet)")
    add_run_options(p)
    p.set_defaults(func=cmd_simulate)


def add_calibrate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="published figures vs the model, per catalog bundle")
    p.add_argument("bundles", nargs="*", help="default: every catalog bundle")
    p.add_argument("--replications", type=at_most(MAX_REPLICATIONS))
    p.add_argument("--seed", type=seed_arg)
    p.add_argument("--jobs", type=positive)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_calibrate)


def add_walk(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("walk", help="走流程: one applicant's journey, step by step")
    p.add_argument("bundle", help=BUNDLE_HELP)
    p.add_argument("--mode", choices=["before", "after"], default="before")
    p.add_argument("--levers", help=LEVERS_HELP + "; overrides --mode")
    p.add_argument("--seed", type=seed_arg)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_walk)
