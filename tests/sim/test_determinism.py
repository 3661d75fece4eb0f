"""Same seed, same answer: whatever the number of processes sharing the work."""

from __future__ import annotations

from onething.scenarios.levers import Process
from onething.scenarios.loader import load_scenario
from onething.sim.engine import run_replications
from onething.sim.measures import measures


def _run(mode: str, jobs: int, seed: int = 7) -> dict:
    process = Process.of(load_scenario("newborn"), mode)
    results = run_replications(process, replications=3, seed=seed, horizon_days=30, jobs=jobs)
    return measures(process, results)


def test_same_seed_gives_identical_measures():
    assert _run("before", jobs=1) == _run("before", jobs=1)


def test_results_do_not_depend_on_the_number_of_processes():
    assert _run("after", jobs=1) == _run("after", jobs=2)


def test_another_seed_gives_other_draws():
    first = _run("before", jobs=1)["time_working_days"]["mean"]
    other = _run("before", jobs=1, seed=8)["time_working_days"]["mean"]
    assert first != other
