"""Prosimos against onething on each catalog bundle's exported before-process.

    python benchmarks/peer_agreement.py [--cases 1500] [--prosimos-python PATH] [--choices]

Each bundle's before-process is exported (`onething export --bpmn`), Prosimos simulates
about ``--cases`` cases of it and onething as many (same arrivals per day, no warm-up,
three replications); both mean case times in calendar hours, from arrival to the last
result, are compared (target within 10 % where the semantics map).  The last column
names what does not map exactly, per bundle, as `export` prints it.  ``--choices`` runs
the restaurant with an optional item, an alternative and two items redone
(``prosimos_peer.CHOICES``) instead, before and after: inclusive and exclusive gateways and
loops in the exported model.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.prosimos_peer import (  # noqa: E402
    export,
    run_onething,
    run_prosimos,
    with_choices,
)
from onething.scenarios.loader import catalog_names, load_scenario  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--cases",
        type=int,
        default=1500,
        help="Prosimos cases per model (at 400 a model's difference varies by 9 points)",
    )
    parser.add_argument("--prosimos-python", default=sys.executable)
    parser.add_argument("--bundles", default=",".join(catalog_names()))
    parser.add_argument("--choices", action="store_true", help="the restaurant with choices")
    args = parser.parse_args()
    header = [
        "bundle", "onething cases", "onething mean h", "Prosimos cases", "Prosimos mean h",
        "difference", "not mapped exactly",
    ]  # fmt: skip
    print("| " + " | ".join(header) + " |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        runs = [(bundle, "before") for bundle in args.bundles.split(",")]
        if args.choices:
            choices = str(with_choices(Path(tmp)))
            runs = [(choices, "before"), (choices, "after")]
        for bundle, mode in runs:
            model, sim, notes = export(bundle, mode, Path(tmp))
            start = load_scenario(bundle).run.start_date.isoformat()
            peer = run_prosimos(args.prosimos_python, model, sim, args.cases, start)
            ours = run_onething(bundle, mode, args.cases, replications=3).measures
            hours = ours["time_calendar_hours"]["mean"]
            diff = 100 * (peer.mean_hours - hours) / hours
            print(
                f"| {Path(bundle).stem} {mode} | {ours['cases']} | {hours:.1f} | {peer.cases} | "
                f"{peer.mean_hours:.1f} | {diff:+.1f} % | {'; '.join(notes)} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
