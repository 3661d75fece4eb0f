"""Experiment speed: the same spec with one process and with two.

    python benchmarks/experiment_speed.py [--spec experiments/newborn_levers.yaml] [--jobs 2]

Each run writes into a fresh temporary folder, so nothing comes from the cache: every
replication of the spec is simulated (a variant identical to another shares its
replications, as in any run).  Replications per second count from the start of
``runner.run`` to the last result; the whole run (with the tables, the study and the
plots, written in one process) is printed too.  The last line is the ratio of
replications per second (target: at least 1.7 on 2 cores, on an otherwise idle machine).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from onething.experiments.runner import plan, run  # noqa: E402
from onething.experiments.spec_file import load_spec  # noqa: E402


def replications_per_second(spec: Path, jobs: int) -> float:
    """Replications over the time from the start of ``run`` to the last replication's
    result (the pool's start-up included; the tables and plots written after it not)."""
    work = plan(load_spec(spec))
    last = 0.0

    def progress(n: int) -> None:
        nonlocal last
        last = time.perf_counter()

    with tempfile.TemporaryDirectory(prefix="onething-bench-") as folder:
        start = time.perf_counter()
        outcome = run(work, Path(folder) / "out", jobs, progress)
        total = time.perf_counter() - start
    assert outcome.reused == len(work.jobs) - outcome.computed
    seconds = last - start
    rate = outcome.computed / seconds
    print(
        f"jobs={jobs}: {outcome.computed} replications in {seconds:.2f} s = "
        f"{rate:.2f} replications/s (whole run with tables and plots: {total:.2f} s)",
        flush=True,
    )
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=ROOT / "experiments" / "newborn_levers.yaml")
    parser.add_argument("--jobs", type=int, default=2, help="processes of the parallel run")
    args = parser.parse_args()
    one = replications_per_second(args.spec, 1)
    many = replications_per_second(args.spec, args.jobs)
    print(f"speed-up jobs={args.jobs} / jobs=1: {many / one:.2f}x")


if __name__ == "__main__":
    main()
