"""onething's DES against Ciw on a tandem of three M/M/c desks with rework at the first.

    python benchmarks/tandem_ciw.py [--cases 200000] [--warmup-days 2] [--seed 1]

The network: Poisson arrivals, three departments in series, each with c windows and
exponential service; at the first desk the filing is sent back (补正) with probability p
and the applicant queues there again, as often as it is sent back.  onething runs it from
a scenario built with the project's own model (``tests.builders.queue_scenario``: open
around the clock, ``holidays: none``, no travel, no back-office time) with ``rework: p``
on the first item and a zero rework delay; Ciw 3.2.7 runs the same network with the
feedback in its routing matrix.  It is an open Jackson network, so the exact mean
sojourn is known: desk 1 sees lambda / (1 - p) and each applicant visits it 1 / (1 - p)
times on average, and each desk is an M/M/c queue (Erlang C).

Each engine runs in a fresh process of its own, one after the other, so neither holds the
other's imports or heap; speed is cases finished per CPU second of that process
(``time.process_time`` around the simulation alone, so other work on a shared machine
does not tilt it), peak memory its ``ru_maxrss``; each engine is imported inside its
function for that reason.  Mean sojourn counts the applicants who
arrive after the warm-up and before the last arrival.  The last line is the speed ratio.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DAY = 24 * 60

ARRIVALS_PER_MINUTE = 1.0
REWORK = 0.2
DESKS = {"desk_1": (3, 1.8), "desk_2": (2, 1.5), "desk_3": (4, 3.0)}
"""Windows and mean service minutes per desk: each runs at 75 % (desk 1 counting rework)."""


def jackson_sojourn() -> float:
    """Exact mean minutes from arrival to leaving the last desk."""
    from tests.sim.test_queueing_theory import erlang_c_wait

    visits = {d: 1 / (1 - REWORK) if i == 0 else 1.0 for i, d in enumerate(DESKS)}
    total = 0.0
    for desk, (windows, mean) in DESKS.items():
        rate = ARRIVALS_PER_MINUTE * visits[desk]
        total += visits[desk] * (erlang_c_wait(rate, 1 / mean, windows) + mean)
    return total


def horizon_days(cases: int, warmup_days: int) -> int:
    return math.ceil(cases / ARRIVALS_PER_MINUTE / DAY) + warmup_days


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_onething(cases: int, warmup_days: int, seed: int) -> dict[str, float]:
    """The tandem in onething's DES; imports here keep Ciw out of this process."""
    from onething.scenarios.levers import Process
    from onething.scenarios.loader import validate
    from onething.sim.engine import Replication
    from tests.builders import queue_scenario

    data = queue_scenario({d: c for d, (c, _) in DESKS.items()}, ARRIVALS_PER_MINUTE * DAY, 1.0)
    for i, (desk, (_, mean)) in enumerate(DESKS.items()):
        item = data["items"][f"item_{desk}"]
        item["handling"]["mean"] = mean
        item["rework"] = REWORK if i == 0 else 0.0
    data["applicants"]["rework_delay"] = {"dist": "fixed", "value": 0}
    process = Process.of(validate(data, Path("tandem (benchmark)")), "before")
    horizon = horizon_days(cases, warmup_days)
    replication = Replication(process, seed, horizon_days=horizon, warmup_days=warmup_days)
    started = time.process_time()
    result = replication.run()
    seconds = time.process_time() - started
    return {
        "cases": result.arrived - result.unfinished,
        "seconds": seconds,
        "sojourn": result.stats["time_calendar_hours"].mean * 60,
        "measured": result.stats["time_calendar_hours"].count,
        "peak_mb": peak_mb(),
    }


def run_ciw(cases: int, warmup_days: int, seed: int) -> dict[str, float]:
    """The tandem in Ciw; it runs a day past the last arrival so that late arrivals
    finish, and every finished customer counts towards its speed."""
    import ciw

    last_arrival = horizon_days(cases, warmup_days) * DAY
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(ARRIVALS_PER_MINUTE)]
        + [None] * (len(DESKS) - 1),
        service_distributions=[ciw.dists.Exponential(1 / mean) for _, mean in DESKS.values()],
        number_of_servers=[windows for windows, _ in DESKS.values()],
        routing=[[REWORK, 1 - REWORK, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]],
    )
    ciw.seed(seed)
    simulation = ciw.Simulation(network)
    started = time.process_time()
    simulation.simulate_until_max_time(last_arrival + DAY)
    seconds = time.process_time() - started
    finished = simulation.nodes[-1].all_individuals  # the exit node: who has left
    sojourns = [
        i.data_records[-1].exit_date - i.data_records[0].arrival_date
        for i in finished
        if warmup_days * DAY <= i.data_records[0].arrival_date < last_arrival
    ]
    return {
        "cases": len(finished),
        "seconds": seconds,
        "sojourn": sum(sojourns) / len(sojourns),
        "measured": len(sojourns),
        "peak_mb": peak_mb(),
    }


def in_fresh_process(engine: str, cases: int, warmup_days: int, seed: int) -> dict[str, float]:
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
        f"from benchmarks.tandem_ciw import run_{engine}; "
        f"print(json.dumps(run_{engine}({cases}, {warmup_days}, {seed})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode:
        lines = out.stderr.strip().splitlines() or ["no output"]
        raise SystemExit(f"the {engine} half failed: {lines[-1]}")
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--warmup-days", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.cases <= 0 or args.warmup_days < 0:
        parser.error("--cases must be positive and --warmup-days not negative")

    exact = jackson_sojourn()
    desks = ", ".join(f"{d} M/M/{c} mean {m:g} min" for d, (c, m) in DESKS.items())
    print(
        f"tandem: {ARRIVALS_PER_MINUTE:g} arrivals/min, {desks}, rework p = {REWORK:g} at "
        f"desk_1; about {args.cases:,} cases after a {args.warmup_days}-day warm-up"
    )
    print(f"exact Jackson mean sojourn: {exact:.4f} min")
    rates = {}
    for label, engine in (("Ciw 3.2.7", "ciw"), ("onething DES", "onething")):
        r = in_fresh_process(engine, args.cases, args.warmup_days, args.seed)
        rates[engine] = r["cases"] / r["seconds"]
        error = (r["sojourn"] - exact) / exact
        print(
            f"  {label:12}: {r['cases']:>9,} cases in {r['seconds']:6.1f} CPU-s = "
            f"{rates[engine]:8,.0f} cases/CPU-s; mean sojourn {r['sojourn']:.4f} min "
            f"({error:+.2%} of exact, {r['measured']:,} cases); peak {r['peak_mb']:.0f} MB"
        )
    ratio = rates["onething"] / rates["ciw"]
    print(f"onething / Ciw speed ratio: {ratio:.2f} (target >= 2, sojourn within 1 %)")


if __name__ == "__main__":
    main()
