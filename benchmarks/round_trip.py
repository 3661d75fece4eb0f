"""Round trip for every catalog bundle: simulate -> event log -> discover -> simulate.

    pip install -e ".[peers]" && python benchmarks/round_trip.py [--horizon-days 60] [--seed 0]

For each bundle and mode (before, after): run A (seed 1) writes the log; `discover` fits
a scenario to it; run C (seed 3) simulates the discovered scenario's observed process;
runs B (seeds 2, 4, 6) are independent runs of the original, the noise floor; each
distance is averaged over ``--pairs`` B runs and as many C runs (seeds 3, 5, 7), since one
distance between two small logs is itself noisy.  The logs
come from ``--replications`` runs; the means compared (time, waiting) from
``--measure-replications`` fresh runs of each (seeds 11, 12, 13), since a queue's mean
wait over two runs moves by a quarter from seed to seed.  ``--seed N`` adds N to every
seed: every bundle's log A draws its arrivals from the same stream (seed 1), so one
table's rows share that log's luck, and a row's deviation that is real persists across
seeds.  Printed per
row: trips (nominal count, exact), steps (the rediscovered count is unknown: review and
inspection steps leave no event), the fitted arrival rate on ordinary days against the
original's (the log's own sampling error, about 1/sqrt(cases): a queue's waiting moves
several times as much), mean end-to-end working days and mean waiting (relative
difference C vs A, target within 5 %), and three distances of the PyPI package
``log-distance-measures`` (the measures used to evaluate Simod): cycle-time EMD,
absolute and circadian event distributions, each as d(A, C) / d(A, B) (target <= 1.5).
"""

from __future__ import annotations

import argparse
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
    return api.simulate(bundle, mode, options=o).measures


def row(
    bundle: str,
    mode: str,
    options: dict,
    folder: Path,
    measure_replications: int,
    pairs: int,
    seed: int = 0,
) -> list[str]:
    a_log = folder / f"{bundle}-{mode}-a.csv"
    run(bundle, mode, seed + 1, options, a_log)
    found = folder / f"{bundle}-{mode}.yaml"
    found.write_text(discover(a_log).yaml(), encoding="utf-8")
    discovered = load_scenario(found)
    la = _log(a_log)
    noise, ours = [], []
    for k in range(pairs):
        b_log, c_log = folder / f"b{k}.csv", folder / f"c{k}.csv"
        run(bundle, mode, seed + 2 + 2 * k, options, b_log)
        run(discovered, "after", seed + 3 + 2 * k, options, c_log)
        noise.append(distances(la, _log(b_log)))
        ours.append(distances(la, _log(c_log)))
    noise = [sum(x) / pairs for x in zip(*noise, strict=True)]
    ours = [sum(x) / pairs for x in zip(*ours, strict=True)]
    many = {**options, "replications": measure_replications}
    a = run(bundle, mode, seed + 11, many, None)
    b = run(bundle, mode, seed + 12, many, None)
    c = run(discovered, "after", seed + 13, many, None)

    def rel(key: str, c: dict = c) -> str:
        x, y = a[key]["mean"], c[key]["mean"]
        return f"{100 * (y - x) / x:+.1f} %" if x else f"{x:.2f}/{y:.2f} min"

    ratios = [
        f"{o / n:.2f}" if n else ("1.00" if o == 0 else "inf")
        for o, n in zip(ours, noise, strict=True)
    ]
    steps = "unknown" if c["steps"] is None else str(c["steps"])
    rate = load_scenario(bundle).applicants.arrivals.per_working_day
    fitted = discovered.applicants.arrivals.per_working_day
    return [
        bundle,
        mode,
        f"{a['trips']}/{c['trips']}",
        f"{a['steps']}/{steps}",
        f"{100 * (fitted - rate) / rate:+.1f} %",
        f"{a['time_working_days']['mean']:.2f}",
        rel("time_working_days"),
        f"{a['wait_minutes']['mean']:.1f}",
        rel("wait_minutes"),
        rel("wait_minutes", b),
        *ratios,
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon-days", type=int, default=60)
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--measure-replications", type=int, default=10)
    parser.add_argument("--pairs", type=int, default=3, help="B and C runs averaged")
    parser.add_argument("--bundles", default=",".join(catalog_names()))
    parser.add_argument("--seed", type=int, default=0, help="added to every seed")
    args = parser.parse_args()
    options = dict(replications=args.replications, horizon_days=args.horizon_days, warmup_days=0)
    header = [
        "bundle", "mode", "trips A/C", "steps A/C", "rate C-A", "time A (wd)", "time C-A",
        "wait A (min)", "wait C-A", "wait B-A", "cycle EMD x", "absolute x", "circadian x",
    ]  # fmt: skip
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for bundle in args.bundles.split(","):
            for mode in ("before", "after"):
                rows.append(
                    row(
                        bundle,
                        mode,
                        options,
                        Path(tmp),
                        args.measure_replications,
                        args.pairs,
                        args.seed,
                    )
                )
                print("  ".join(rows[-1]), file=sys.stderr, flush=True)
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in rows:
        print("| " + " | ".join(r) + " |")
    print(f"B = another run of the original (seed {12 + args.seed}): the noise of the same model")
    print("x = mean d(original, rediscovered runs) / mean d(original, other runs of it)")
    print("target: x <= 1.5")


if __name__ == "__main__":
    main()
