"""Discovery streams: peak memory stays flat as the event log grows.

    python benchmarks/discover_memory.py [--events 1000000,10000000]
    python benchmarks/discover_memory.py --generic --mb 50,100,200

The DES writes a log of about a million events (the newborn bundle's siloed process at
600 births a working day, as in des_speed.py) to a temporary folder; a larger log repeats
that run as further replications (as `simulate --replications N` writes them), so 10
million events take a minute to produce rather than half an hour.  Everything is produced
on the fly and deleted afterwards.  For each size a fresh process runs `discover` on the
log and reports its peak resident memory.  Memory is bounded by the cases open at once and
by fixed-size samples, not by the log's length, so the figures should be about equal.

``--generic`` writes the same rows as a generic CSV read through ``--columns`` (other
column names, no replication column: the run is part of the case id), so the replications
follow one another with the clock going back at each; ``--mb`` sizes the logs in
megabytes instead of events.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.des_speed import PER_DAY, heavy_newborn  # noqa: E402
from onething import api  # noqa: E402
from onething.sim.eventlog import Export  # noqa: E402

EVENTS_PER_CASE = 27  # the newborn siloed process, rework included (measured)

GENERIC_HEADER = "case,task,office,begin,finish,who,note\n"
GENERIC_COLUMNS = (
    "case=case,activity=task,department=office,start=begin,end=finish,resource=who,detail=note"
)

_CHILD = """
import resource, sys, time
from pathlib import Path
from onething.discovery.logs import parse_columns
from onething.discovery.writer import discover
started = time.perf_counter()
found = discover(Path(sys.argv[1]), None, parse_columns(sys.argv[2]))
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(found.events, found.cases, f"{seconds:.1f}", f"{peak:.0f}")
"""


BASE = 1_000_000
"""Events per DES run; a larger log is that many runs' worth (below)."""


def simulated(events: int, path: Path) -> None:
    scenario = heavy_newborn()
    cases = events / EVENTS_PER_CASE
    days = math.ceil(cases / PER_DAY * 7 / 5) + 1
    options = api.RunOptions(
        replications=1, seed=1, horizon_days=days, warmup_days=0, jobs=1,
        export=Export(events=path),
    )  # fmt: skip
    api.simulate(scenario, "before", options=options)


def generate(events: int, path: Path, base: Path, generic: bool = False, size: int = 0) -> None:
    """A log of ``events`` (or of ``size`` bytes, if given): the base run's rows, repeated
    as replications 0, 1, 2... (as `simulate --replications N` writes them), streamed
    line by line; ``generic``: as a generic CSV, the run folded into the case id."""
    if not base.exists():
        simulated(min(events, BASE) if not size else BASE, base)
    with path.open("w", encoding="utf-8") as out, base.open(encoding="utf-8") as rows:
        header = rows.readline()
        out.write(GENERIC_HEADER if generic else header)
        written = 0
        run = 0
        while (out.tell() < size) if size else (written < events):
            rows.seek(0)
            rows.readline()
            for line in rows:
                rest = line[line.index(",") :]
                out.write(f"{run}-{rest[1:]}" if generic else f"{run}{rest}")
                written += 1
                if (out.tell() >= size) if size else (written >= events):
                    break
            run += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="1000000,10000000")
    parser.add_argument("--mb", help="log sizes in megabytes instead, e.g. 50,100,200")
    parser.add_argument("--generic", action="store_true", help="a generic CSV, --columns")
    args = parser.parse_args()
    sizes = [int(x) for x in (args.mb or args.events).split(",")]
    columns = GENERIC_COLUMNS if args.generic else ""
    print("log MB  events read  cases     discover s  peak RSS MB", flush=True)
    peaks = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base.csv"
        for size in sizes:
            log = Path(tmp) / "events.csv"
            started = time.perf_counter()
            if args.mb:
                generate(0, log, base, args.generic, size * 1_000_000)
            else:
                generate(size, log, base, args.generic)
            made = time.perf_counter() - started
            megabytes = log.stat().st_size / 1e6
            out = subprocess.run(
                [sys.executable, "-c", _CHILD, str(log), columns],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            log.unlink()
            events, cases, seconds, peak = out
            peaks.append(float(peak))
            line = f"{megabytes:>6.0f}  {int(events):>11,}  {int(cases):>8,}  {seconds:>10}"
            line += f"  {peak:>11}"
            print(f"{line}  (log made in {made:.0f} s)", flush=True)
    print(f"peak memory, largest / smallest log: {peaks[-1] / peaks[0]:.2f}")


if __name__ == "__main__":
    main()
