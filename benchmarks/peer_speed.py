"""onething's DES against Prosimos on the same model: cases per second, in one run.

    python benchmarks/peer_speed.py [--bundle newborn] [--cases 1000] [--prosimos-python PATH]

The bundle's before-process is exported as BPMN with Prosimos parameters; Prosimos
simulates ``--cases`` cases of it, onething about as many (one replication, one process);
wall time of the simulation alone (Prosimos's own timer around ``run_simulation``,
onething's around ``simulate``).  The last line is the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.prosimos_peer import export, run_onething, run_prosimos  # noqa: E402
from onething.scenarios.loader import load_scenario  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", default="newborn")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--prosimos-python", default=sys.executable)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model, sim, _ = export(args.bundle, "before", Path(tmp))
        start = load_scenario(args.bundle).run.start_date.isoformat()
        peer = run_prosimos(args.prosimos_python, model, sim, args.cases, start)
    started = time.perf_counter()
    result = run_onething(args.bundle, "before", args.cases)
    seconds = time.perf_counter() - started
    ours = result.measures["cases"] + result.measures["unfinished"]
    print(f"{args.bundle}, before-process, same exported model")
    rates = {"Prosimos": (peer.cases, peer.seconds), "onething": (ours, seconds)}
    for name, (n, s) in rates.items():
        print(f"{name:9}: {n:>7,} cases in {s:7.1f} s = {n / s:9,.1f} cases/s")
    ratio = (ours / seconds) / (peer.cases / peer.seconds)
    print(f"onething / Prosimos cases per second: {ratio:.1f}")


if __name__ == "__main__":
    main()
