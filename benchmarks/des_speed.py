"""DES speed and memory: onething against a bare SimPy model of the same network.

    python benchmarks/des_speed.py [--cases 200000] [--memory-cases 1000000]

The newborn bundle's siloed process at 600 births a working day, windows scaled so the
busiest desk runs at about 80 %.  The bare model is the same queueing network written
directly in SimPy (same journey, windows and distributions) with none of onething's
calendar, rework, bookkeeping or statistics.  Both run in this process, one after the
other, so the ratio compares like with like on this machine today; speed is cases per
CPU second of this process, so other work on a shared machine does not tilt the ratio
(wall time would count the time the scheduler gave to others).  Peak memory is read
from a fresh process per size, to show it stays flat as cases grow.  The last line is
the speed ratio.  onething's replications collect garbage rarely
(``onething.sim.engine.YOUNG_COLLECTION_THRESHOLD``); the bare model runs once at Python's
settings (the ratio the target is about) and once collecting as onething does, so the
line before the last shows what remains without that setting.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import random
import subprocess
import sys
import time
from pathlib import Path

import simpy

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from onething.scenarios.calendar import WorkingCalendar  # noqa: E402
from onething.scenarios.distributions import sampler  # noqa: E402
from onething.scenarios.journey import journey  # noqa: E402
from onething.scenarios.levers import Process  # noqa: E402
from onething.scenarios.loader import load_scenario  # noqa: E402
from onething.sim.engine import Replication, rarer_young_collections  # noqa: E402

PER_DAY = 600
TARGET_UTILISATION = 0.8


def heavy_newborn():
    """The newborn bundle at 600 births a day, every department staffed for it."""
    s = load_scenario("newborn")
    per_day = s.calendar.minutes_per_day
    items = {k: i.model_copy(update={"rework": 0.0}) for k, i in s.items.items()}
    load: dict[str, float] = {}
    process = Process.of(s, "before")
    for visit in journey(process):
        minutes = sum(items[k].handling.mean_value for k in visit.file) + 5 * bool(visit.collect)
        load[visit.place] = load.get(visit.place, 0.0) + PER_DAY * minutes
    departments = {
        d: dep.model_copy(
            update={"windows": max(1, math.ceil(load.get(d, 1) / per_day / TARGET_UTILISATION))}
        )
        for d, dep in s.departments.items()
    }
    arrivals = s.applicants.arrivals.model_copy(update={"per_working_day": float(PER_DAY)})
    applicants = s.applicants.model_copy(update={"arrivals": arrivals})
    # a million cases run for years, past the last year the official calendar knows
    calendar = s.calendar.model_copy(update={"holidays": "none"})
    return s.model_copy(
        update={
            "items": items,
            "departments": departments,
            "applicants": applicants,
            "calendar": calendar,
        }
    )


def run_onething(cases: int) -> tuple[int, float]:
    scenario = heavy_newborn()
    process = Process.of(scenario, "before")
    started = time.process_time()
    result = Replication(process, seed=1, warmup_days=0, count=cases).run()
    return result.arrived - result.unfinished, time.process_time() - started


def run_bare(cases: int, collect_as_onething: bool = False) -> tuple[int, float]:
    """The same network hand-written in plain SimPy; ``collect_as_onething``: with the
    garbage collector set as onething's replications set it (``rarer_young_collections``),
    to show how much of the ratio that setting is.

    Same journey, windows, distributions and working calendar (offices open only in
    working hours, back offices count working time), with Poisson arrivals spread evenly
    over the opening hours.  Left out: what onething adds around the model: rework,
    hourly and weekday profiles, per-item results and delivery modes, statistics,
    utilisation and the event-log hooks.
    """
    scenario = heavy_newborn()
    process = Process.of(scenario, "before")
    rng = random.Random(1)
    calendar = WorkingCalendar(scenario.calendar, scenario.run.start_date)
    per_day = calendar.minutes_per_day
    visits = journey(process)
    env = simpy.Environment()
    windows = {p: simpy.Resource(env, process.windows(p)) for p in process.places}
    handling = {k: sampler(i.handling, rng, per_day) for k, i in scenario.items.items()}
    processing = {k: sampler(process.processing(k), rng, per_day) for k in scenario.items}
    travel = sampler(scenario.applicants.travel, rng, per_day)
    pickup = sampler(scenario.applicants.pickup_handling, rng, per_day)
    done = [0]

    def applicant():
        for visit in visits:
            if visit.trip:
                yield env.timeout(travel())
            opens = calendar.next_open(env.now)
            if opens > env.now:
                yield env.timeout(opens - env.now)
            with windows[visit.place].request() as request:
                yield request
                minutes = sum(handling[k]() for k in visit.file) + (
                    pickup() if visit.collect else 0
                )
                yield env.timeout(minutes)
            if visit.file:
                work = max(processing[k]() for k in visit.file)
                yield env.timeout(calendar.add_working(env.now, work) - env.now)
        done[0] += 1

    def arrivals():
        rate = PER_DAY / per_day  # arrivals per open minute
        begun, day = 0, 0
        while begun < cases:
            for start, end in calendar.open_periods(day):
                t = start + rng.expovariate(rate)
                while t < end and begun < cases:
                    yield env.timeout(t - env.now)
                    env.process(applicant())
                    begun += 1
                    t += rng.expovariate(rate)
            day += 1

    started = time.process_time()
    env.process(arrivals())
    with rarer_young_collections() if collect_as_onething else contextlib.nullcontext():
        env.run()
    return done[0], time.process_time() - started


def compare_with_bare(cases: int, indent: str = "  ") -> None:
    """Print onething's speed against the bare model's, the ratio last."""
    runs = (
        ("bare SimPy model", run_bare(cases)),
        ("bare, collecting as onething", run_bare(cases, collect_as_onething=True)),
        ("onething DES", run_onething(cases)),
    )
    rates = []
    for label, (n, seconds) in runs:
        rates.append(n / seconds)
        print(
            f"{indent}{label:28} : {n:>9,} cases in {seconds:6.1f} CPU-s"
            f" = {rates[-1]:8,.0f} cases/CPU-s"
        )
    bare, bare_collecting, ours = rates
    print(f"{indent}onething / bare SimPy collecting as onething: {ours / bare_collecting:.2f}")
    print(f"{indent}onething / bare SimPy speed ratio: {ours / bare:.2f} (target >= 0.8)")


def peak_memory_mb(cases: int) -> float:
    """Peak resident memory of a fresh process simulating ``cases`` cases."""
    root = str(Path(__file__).resolve().parents[1])
    code = (
        f"import resource, sys; sys.path.insert(0, {root!r}); "
        f"from benchmarks.des_speed import run_onething; n, _ = run_onething({cases}); "
        "print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--memory-cases", type=int, default=1_000_000)
    args = parser.parse_args()

    scenario = heavy_newborn()
    windows = {d: dep.windows for d, dep in scenario.departments.items()}
    print(f"newborn, siloed, {PER_DAY} births a working day, windows {windows}")
    print("memory (peak RSS, fresh process per size; target under 300 MB at 1 million):")
    for n in sorted({args.memory_cases // 4, args.memory_cases}):
        print(f"  {n:>9,} cases: peak {peak_memory_mb(n):6.0f} MB")
    print(f"speed ({args.cases:,} cases each, same process):")
    compare_with_bare(args.cases)


if __name__ == "__main__":
    main()
