"""`experiment run` and `report`: experiment specs and their HTML reports."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from onething.cli.arguments import out_folder, positive
from onething.cli.tables import num, print_table, progress_bar


def cmd_experiment(args: argparse.Namespace) -> int:
    from onething.experiments.console import report
    from onething.experiments.distributed import RemoteError
    from onething.experiments.runner import plan, run
    from onething.experiments.spec_file import load_spec

    experiment = load_spec(args.spec)
    work = plan(experiment)
    out = out_folder(args.out or Path("results") / experiment.spec.name, "--out")
    with progress_bar(len(work.jobs), f"experiment {experiment.spec.name}") as update:
        try:
            outcome = run(work, out, args.jobs, update, args.bootstrap)
        except RemoteError as exc:
            print(f"\nonething: {exc}", file=sys.stderr)
            return 1
    table = report(outcome)
    print(f"{table.title}\n")
    print_table(
        table.header, [[c if isinstance(c, str) else num(c) for c in r] for r in table.rows]
    )
    print("\n" + "\n".join(table.notes))
    print(f"\nwrote {out}/")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from onething.experiments.report import write_report

    print(f"wrote {write_report(args.results, args.lang)}")
    return 0


def add_experiment(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "experiment", help="run an experiment spec (variants, lever attribution, load sweep)"
    )
    runs = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = runs.add_parser("run", help="run every variant x replication; tables, study and plots")
    p.add_argument("spec", type=Path, help="an experiment spec (YAML), e.g. experiments/*.yaml")
    p.add_argument("--out", type=Path, help="output folder (default: results/<spec name>)")
    p.add_argument("--jobs", type=positive, help="processes (default: every core)")
    p.add_argument(
        "--bootstrap", help="HOST:PORT of a Kafka: run on the `onething worker` processes there"
    )
    p.set_defaults(func=cmd_experiment)


def add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="one self-contained HTML report of an experiment's results")
    p.add_argument("results", type=Path, help="an experiment's output folder")
    p.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="the report's language: en writes report.html, zh (中文) report.zh.html",
    )
    p.set_defaults(func=cmd_report)
