"""`discover`: a scenario fitted from an event log."""

from __future__ import annotations

import argparse
from pathlib import Path

from onething.cli.arguments import check_writable, write_all
from onething.cli.tables import print_table


def cmd_discover(args: argparse.Namespace) -> int:
    from onething.discovery.logs import parse_columns
    from onething.discovery.report import html_report, rows
    from onething.discovery.writer import discover
    from onething.scenarios.loader import validate

    check_writable(args.out, "--out", (".yaml", ".yml"))
    if args.report is not None:
        check_writable(args.report, "--report", (".html", ".htm"))
    found = discover(args.log, args.format, parse_columns(args.columns), args.generic or None)
    validate(found.scenario, args.log)  # what is written must load: a bug is caught, not shipped
    outputs = {args.out: found.yaml()}
    if args.report is not None:
        from onething.experiments import fonts
        from onething.experiments.report import CSS

        outputs[args.report] = html_report(found, CSS % {"fonts": fonts.CSS_STACK})
    write_all(outputs)
    print(f"read {found.events} events of {found.cases} cases from {args.log}")
    for line in found.skipped.lines():
        print(line)
    for line in found.unmapped:
        print(f"not mapped: {line}")
    for topic, lines in found.inferred.items():
        for line in lines:
            print(f"{topic}: {line}")
    print_table(["parameter", "n", "kind", "KS D", "5 % critical"], rows(found))
    placeholders = found.scenario["placeholders"]
    print(f"{len(placeholders)} placeholders to fill (see placeholders: in the file)")
    if args.report is not None:
        print(f"wrote {args.report}")
    print(f"wrote {args.out}")
    return 0


def add_discover(sub: argparse._SubParsersAction) -> None:
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
    p.add_argument(
        "--generic",
        action="store_true",
        help="a workflow log, not a 一件事 bundle's: no lever or visit inferred "
        "(default: when no event uses onething's activity names)",
    )
    p.set_defaults(func=cmd_discover)
