"""The engine agrees with queueing theory where theory has an exact answer."""

from __future__ import annotations

import math

from onething.scenarios.levers import Process
from onething.scenarios.loader import load_scenario
from onething.sim.engine import run_replications
from onething.sim.statistics import t_interval
from tests.builders import queue_scenario


def erlang_c_wait(arrival_rate: float, service_rate: float, servers: int) -> float:
    """Mean wait in queue of an M/M/c queue (Erlang C)."""
    a = arrival_rate / service_rate
    rho = a / servers
    assert rho < 1
    top = a**servers / math.factorial(servers) / (1 - rho)
    p_wait = top / (sum(a**k / math.factorial(k) for k in range(servers)) + top)
    return p_wait / (servers * service_rate - arrival_rate)


REPLICATIONS = 32
"""With 8 replications of 60 days the 95 % interval of the mean wait is about +-6 % of the
exact value, wider than the 5 % asked for: a test that passed or failed with the random
stream; 32 bring it to about +-3.4 %."""


def _simulated_waits(path) -> list[float]:
    process = Process.of(load_scenario(path), "before")
    return [r.stats["wait_minutes"].mean for r in run_replications(process)]


def _assert_agrees(waits: list[float], exact: float) -> None:
    mean = sum(waits) / len(waits)
    low, high = t_interval(waits)
    assert abs(mean - exact) / exact < 0.05, (mean, exact)
    assert low <= exact <= high, (low, exact, high)


def test_mmc_department_waits_as_erlang_c(write_scenario):
    per_day, mean_service, windows = 200.0, 15.0, 3  # rho = 0.69
    scenario = queue_scenario({"desk": windows}, per_day, mean_service, replications=REPLICATIONS)
    path = write_scenario(scenario)
    exact = erlang_c_wait(per_day / 1440, 1 / mean_service, windows)
    _assert_agrees(_simulated_waits(path), exact)


def test_tandem_of_departments_waits_as_jackson_network(write_scenario):
    # Poisson departures from an M/M/c station feed the next one (Burke), so the mean
    # total wait is the sum of each station's Erlang C wait.
    per_day, mean_service = 150.0, 12.0
    stations = {"first": 2, "second": 3}
    path = write_scenario(
        queue_scenario(stations, per_day, mean_service, replications=REPLICATIONS)
    )
    exact = sum(erlang_c_wait(per_day / 1440, 1 / mean_service, c) for c in stations.values())
    _assert_agrees(_simulated_waits(path), exact)
