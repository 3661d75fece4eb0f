"""Round trip for every catalog bundle: simulate -> event log -> discover -> simulate.

    pip install -e ".[peers]" && python benchmarks/round_trip.py [--horizon-days 60] [--seed 0]

For each bundle and mode (before, after): run A (seed 1, ``--log-replications`` runs of
``--horizon-days``) writes the log; `discover` fits a scenario to it; the measures then
compare the original and the discovered scenario on one fresh seed (100): one seed gives
both the same applicants with the same luck (common random numbers), so what differs is
the models, and each difference is printed with the 95 % interval of the paired per-run
differences; the runs (from ``--measure-replications``) double until that interval of
the mean wait is within +-2.5 points or they reach ``--max-measure-replications``.  B,
the original on another seed (101), shows how far luck alone moves a mean wait.  The
distances of the PyPI package ``log-distance-measures`` (the measures used to evaluate
Simod: cycle-time EMD, absolute and circadian event distributions) compare logs of
``--replications`` runs: the log's first runs (A) against ``--pairs`` independent runs
of the original (B: seeds 2, 3, 4, ..., the noise floor) and runs of the discovered
scenario on the same seeds (C), each averaged over the pairs.  C meets B's applicants
with B's luck, so a ratio compares the models, not two crowds: with independent seeds,
one seed's 10 % more applicants moved a ratio past 1.5 on its own.  Printed as d(A, C) /
d(A, B) (target <= 1.5).  Also per row: trips and steps (exact: the log's decisions list
their steps), the fitted arrival rate on ordinary days against the original's (the log's
own sampling error, about 1/sqrt(cases), which a busy queue's wait magnifies several
times: hence the long log).  ``--seed N`` adds N to every seed: every bundle's log A
draws its arrivals from the same seed, so one table's rows share that log's luck, and a
row's deviation that is real persists across seeds.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from onething import api  # noqa: E402
from onething.discovery.writer import discover  # noqa: E402
from onething.scenarios.loader import catalog_names, load_scenario  # noqa: E402
from onething.sim.eventlog import Export  # noqa: E402
from onething.sim.statistics import t_interval  # noqa: E402


def _log(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, parse_dates=["start", "end"])
    frame["case"] = frame["replication"].astype(str) + "/" + frame["case_id"].astype(str)
    return frame


def distances(a: pd.DataFrame, b: pd.DataFrame) -> tuple[float, float, float]:
    from log_distance_measures.absolute_event_distribution import (
        absolute_event_distribution_distance,
    )
    from log_distance_measures.circadian_event_distribution import (
        circadian_event_distribution_distance,
    )
    from log_distance_measures.config import EventLogIDs
    from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance

    ids = EventLogIDs(case="case", activity="activity", start_time="start", end_time="end")
    return (
        cycle_time_distribution_distance(a, ids, b, ids, bin_size=timedelta(hours=1)),
        absolute_event_distribution_distance(a, ids, b, ids),
        circadian_event_distribution_distance(a, ids, b, ids),
    )


def run(bundle, mode, seed, options, events: Path | None):  # noqa: ANN001, ANN201
    o = api.RunOptions(seed=seed, export=Export(events=events) if events else None, **options)
    return api.simulate(bundle, mode, options=o)


def paired(a, c, key: str) -> tuple[str, bool, float]:  # noqa: ANN001 - results, same seeds
    """Relative difference of C's mean from A's, with the 95 % interval of the paired
    per-replication differences (both ran on the same seeds, so the applicants and their
    luck are the same and what is left is the models'), whether it is within 5 %, and
    the interval's half-width in points."""
    xs = [r.stats[key].mean for r in a.replications]
    ys = [r.stats[key].mean for r in c.replications]
    mean = sum(xs) / len(xs)
    if not mean:
        return f"{mean:.2f}/{sum(ys) / len(ys):.2f}", not any(ys), 0.0
    diffs = [100 * (y - x) / mean for x, y in zip(xs, ys, strict=True)]
    low, high = t_interval(diffs)
    change = sum(diffs) / len(diffs)
    cell = f"{change:+.1f} % [{low:+.1f}, {high:+.1f}] n={len(xs)}"
    return cell, abs(change) <= 5, (high - low) / 2


def row(
    bundle: str,
    mode: str,
    options: dict,
    folder: Path,
    measure_replications: int,
    most: int,
    pairs: int,
    log_replications: int,
    seed: int = 0,
) -> tuple[list[str], dict[str, bool]]:
    a_log = folder / f"{bundle}-{mode}-a.csv"
    run(bundle, mode, seed + 1, {**options, "replications": log_replications}, a_log)
    found = folder / f"{bundle}-{mode}.yaml"
    found.write_text(discover(a_log).yaml(), encoding="utf-8")
    discovered = load_scenario(found)
    la = _log(a_log)
    # the distances compare logs of one size: the discovery log's first replications
    # are the run of that size on its seed (replication seeds are spawned in order)
    la = la[la["replication"] < options["replications"]]
    noise, ours = [], []
    for k in range(pairs):
        b_log, c_log = folder / f"b{k}.csv", folder / f"c{k}.csv"
        run(bundle, mode, seed + 2 + k, options, b_log)
        run(discovered, "after", seed + 2 + k, options, c_log)  # B's applicants, B's luck
        noise.append(distances(la, _log(b_log)))
        ours.append(distances(la, _log(c_log)))
    noise = [sum(x) / pairs for x in zip(*noise, strict=True)]
    ours = [sum(x) / pairs for x in zip(*ours, strict=True)]
    n = measure_replications
    while True:
        many = {**options, "replications": n}
        a = run(bundle, mode, seed + 100, many, None)
        c = run(discovered, "after", seed + 100, many, None)
        wait, wait_ok, half_width = paired(a, c, "wait_minutes")
        if n * 2 > most or half_width <= 2.5:
            break
        n *= 2
    b = run(bundle, mode, seed + 101, many, None)
    compared = zip(ours, noise, strict=True)
    ratios = [o / f if f else (1.0 if o == 0 else math.inf) for o, f in compared]
    am, cm = a.measures, c.measures
    time, time_ok, _ = paired(a, c, "time_working_days")
    steps = "unknown" if cm["steps"] is None else str(cm["steps"])
    rate = load_scenario(bundle).applicants.arrivals.per_working_day
    fitted = discovered.applicants.arrivals.per_working_day
    b_wait, a_wait = b.measures["wait_minutes"]["mean"], am["wait_minutes"]["mean"]
    cells = [
        bundle,
        mode,
        f"{am['trips']}/{cm['trips']}",
        f"{am['steps']}/{steps}",
        f"{100 * (fitted - rate) / rate:+.1f} %",
        f"{am['time_working_days']['mean']:.2f}",
        time,
        f"{a_wait:.1f}",
        wait,
        f"{100 * (b_wait - a_wait) / a_wait:+.1f} %" if a_wait else "-",
        *(f"{x:.2f}" for x in ratios),
    ]
    checks = {
        "trips and steps exact": (am["trips"], am["steps"]) == (cm["trips"], cm["steps"]),
        "mean time within 5 %": time_ok,
        "mean waiting within 5 %": wait_ok,
        "every distance ratio <= 1.5": all(x <= 1.5 for x in ratios),
    }
    return cells, checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon-days", type=int, default=60)
    parser.add_argument(
        "--log-replications", type=int, default=20, help="runs in the log discovered from"
    )
    parser.add_argument("--replications", type=int, default=3, help="runs per compared log")
    parser.add_argument("--measure-replications", type=int, default=10)
    parser.add_argument("--max-measure-replications", type=int, default=160)
    parser.add_argument("--pairs", type=int, default=3, help="B and C runs averaged")
    parser.add_argument("--bundles", default=",".join(catalog_names()))
    parser.add_argument("--seed", type=int, default=0, help="added to every seed")
    args = parser.parse_args()
    options = dict(replications=args.replications, horizon_days=args.horizon_days, warmup_days=0)
    header = [
        "bundle", "mode", "trips A/C", "steps A/C", "rate C-A", "time A (wd)", "time C-A",
        "wait A (min)", "wait C-A", "wait B-A", "cycle EMD x", "absolute x", "circadian x",
    ]  # fmt: skip
    rows, checks = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for bundle in args.bundles.split(","):
            for mode in ("before", "after"):
                cells, passed = row(
                    bundle,
                    mode,
                    options,
                    Path(tmp),
                    args.measure_replications,
                    args.max_measure_replications,
                    args.pairs,
                    args.log_replications,
                    args.seed,
                )
                rows.append(cells)
                checks.append(passed)
                print("  ".join(cells), file=sys.stderr, flush=True)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"B = another run of the original (seed {101 + args.seed}): the noise of the same model")
    print("x = mean d(original, rediscovered runs) / mean d(original, other runs of it)")
    print("target: x <= 1.5")
    for target in checks[0]:
        missed = [f"{r[0]} {r[1]}" for r, c in zip(rows, checks, strict=True) if not c[target]]
        print(f"{target}: {len(rows) - len(missed)} of {len(rows)} rows", end="")
        print(f" (not: {', '.join(missed)})" if missed else "")


if __name__ == "__main__":
    main()
