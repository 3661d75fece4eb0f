"""`catalog`, `export` and `import-bpmn`: the bundles, and BPMN out and in."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from onething import api
from onething.cli.arguments import (
    IN_THE_WAY,
    UsageError,
    check_writable,
    levers_of,
    out_folder,
    write_all,
)
from onething.cli.tables import print_table
from onething.scenarios.levers import LEVERS, Process
from onething.scenarios.loader import catalog_names, load_scenario

CATALOG_WRAP = {1: 24, 3: 32, 4: 10}
"""The catalog's wrapped columns (title, levers, sources) and their widths: the table fits
100 terminal columns."""


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
            ", ".join(b["after_levers"]),
            ", ".join(b["published_sources"]) or "none",
        ]
        for b in bundles
    ]
    header = ["bundle", "title", "items", "after levers", "sources"]
    print_table(header, rows, wrap=CATALOG_WRAP)
    print("\nlevers:")
    for name, doc in LEVERS.items():
        print(f"  {name:18} {doc}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from onething.scenarios import bpmn, prosimos

    if args.bpmn.exists() and not args.bpmn.is_dir():
        raise UsageError(f"--bpmn {args.bpmn}: cannot write there: {IN_THE_WAY}")
    process = Process.of(api.load(args.bundle), args.mode, levers_of(args))
    exported = bpmn.export(process)
    params, notes = prosimos.parameters(process, exported.graph)
    stem = f"{process.scenario.name}-{args.mode if args.levers is None else process.label}"
    model, sim = args.bpmn / f"{stem}.bpmn", args.bpmn / f"{stem}.prosimos.json"
    outputs = {model: exported.xml, sim: json.dumps(params, indent=1, ensure_ascii=False)}
    out_folder(args.bpmn, "--bpmn")
    write_all(outputs)
    for note in dict.fromkeys(exported.notes + notes):
        print(f"not mapped exactly: {note}")
    print(f"wrote {model}\nwrote {sim}")
    return 0


def cmd_import_bpmn(args: argparse.Namespace) -> int:
    import yaml

    from onething.scenarios import bpmn
    from onething.scenarios.loader import validate

    check_writable(args.out, "--out", (".yaml", ".yml"))
    params = bpmn.read_params(args.params) if args.params is not None else None
    imported = bpmn.import_bpmn(args.bpmn_file, params, args.params or "--params")
    validate(imported.scenario, args.bpmn_file)
    text = yaml.safe_dump(imported.scenario, allow_unicode=True, sort_keys=False, width=100)
    write_all({args.out: text})
    for line in imported.unmapped:
        print(f"not mapped: {line}")
    print(f"{len(imported.scenario['items'])} items; wrote {args.out}")
    return 0


def add_catalog(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("catalog", help="list the bundles and the levers")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_catalog)


def add_export(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="a process as BPMN 2.0 plus Prosimos parameters")
    p.add_argument("bundle", help="a catalog name or a scenario file")
    p.add_argument("--mode", choices=["before", "after"], default="before")
    p.add_argument("--levers", help="comma-separated levers; overrides --mode")
    p.add_argument("--bpmn", type=Path, required=True, help="folder for the .bpmn and .json")
    p.set_defaults(func=cmd_export)


def add_import_bpmn(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import-bpmn", help="a scenario from a BPMN 2.0 process")
    p.add_argument("bpmn_file", type=Path, help="the .bpmn file")
    p.add_argument("--params", type=Path, help="Prosimos simulation parameters (JSON)")
    p.add_argument("--out", type=Path, required=True, help="the scenario file to write (.yaml)")
    p.set_defaults(func=cmd_import_bpmn)
