"""The engine executes the journey the counts are read from, and reports what it saw."""

from __future__ import annotations

import gc

import pandas as pd
import pytest
import simpy

from onething.scenarios.calendar import DAY
from onething.scenarios.counts import counts
from onething.scenarios.levers import LEVERS, Process
from onething.scenarios.loader import load_scenario
from onething.sim import engine
from onething.sim.engine import DayQueue, Replication, run_replications
from onething.sim.eventlog import EVENT_COLUMNS, Export
from tests.builders import queue_scenario


def _without_rework(scenario):
    items = {k: i.model_copy(update={"rework": 0.0}) for k, i in scenario.items.items()}
    return scenario.model_copy(update={"items": items})


@pytest.mark.parametrize("bundle", ["newborn", "restaurant"])
@pytest.mark.parametrize("lever", [None, *LEVERS])
def test_without_rework_every_applicant_makes_exactly_the_counted_trips(bundle, lever):
    scenario = _without_rework(load_scenario(bundle))
    process = Process.of(scenario, "before", None if lever is None else [lever])
    result = Replication(process, seed=3, horizon_days=20, warmup_days=2).run()
    trips = result.stats["trips"]
    assert trips.count > 0 and result.unfinished == 0
    assert trips.quantile(0.0001) == trips.quantile(1.0) == counts(process)["trips"]


class _HandOvers:
    """The event log's "hand over materials" rows, per case."""

    def __init__(self):
        self.materials: dict[int, list[str]] = {}

    def wants(self, case_id):
        return True

    def event(self, row):
        if row[2] == "hand over materials":
            names = row[7].split("materials: ", 1)[1]
            self.materials.setdefault(row[1], []).extend(names.split("; "))

    def case(self, row):
        pass


@pytest.mark.parametrize("bundle", ["newborn", "restaurant", "deregistration"])
@pytest.mark.parametrize("mode", ["before", "after"])
def test_the_event_log_hands_over_the_materials_the_counts_count(bundle, mode):
    # restaurant after: one merged form, not five application forms (21 were listed)
    scenario = _without_rework(load_scenario(bundle))
    process = Process.of(scenario, mode)
    if process.online:
        process = Process(scenario, process.levers - {"online_intake"})
    log = _HandOvers()
    Replication(process, seed=3, horizon_days=3, warmup_days=0, recorder=log).run()
    assert log.materials
    for handed in log.materials.values():
        assert len([m for m in handed if m != "none"]) == counts(process)["materials"]


def test_rework_costs_extra_trips():
    process = Process.of(load_scenario("newborn"), "before")
    result = Replication(process, seed=3, horizon_days=30).run()
    assert result.stats["trips"].mean > counts(process)["trips"]


def test_an_overloaded_desk_leaves_cases_unfinished(write_scenario):
    # 1,000 arrivals a day at one window of 10 minutes: rho = 7
    data = queue_scenario({"desk": 1}, 1000, 10.0, horizon_days=3, replications=1)
    data["run"]["warmup_days"] = 0
    process = Process.of(load_scenario(write_scenario(data)), "before")
    result = Replication(process, seed=1, horizon_days=3, warmup_days=0, drain_days=1).run()
    assert result.unfinished > 0
    assert result.utilisation["desk"] > 0.95


def test_a_replayed_trace_brings_exactly_its_applicants(write_scenario, tmp_path):
    trace = tmp_path / "arrivals.csv"
    trace.write_text("arrival\n2026-03-02T09:00\n2026-03-02T09:05\n2026-03-03T10:00\n")
    data = queue_scenario({"desk": 1}, 10, 10.0, horizon_days=5, replications=1)
    data["applicants"]["arrivals"] = {"trace": "arrivals.csv"}
    data["run"]["warmup_days"] = 0
    process = Process.of(load_scenario(write_scenario(data)), "before")
    result = Replication(process, seed=1).run()
    assert (result.arrived, result.cases) == (3, 3)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_event_log_and_case_table_are_exported_for_every_replication(tmp_path, suffix):
    process = Process.of(load_scenario("newborn"), "before")
    export = Export(tmp_path / f"events{suffix}", tmp_path / f"cases{suffix}")
    results = run_replications(
        process, replications=2, horizon_days=15, warmup_days=3, jobs=2, export=export
    )
    read = pd.read_csv if suffix == ".csv" else pd.read_parquet
    events, cases = read(export.events), read(export.cases)
    assert tuple(events.columns) == EVENT_COLUMNS
    assert sorted(events.replication.unique()) == [0, 1]
    assert len(cases) == sum(r.cases for r in results)
    assert {"travel", "queue", "hand over materials"} <= set(events.activity)
    assert (pd.to_datetime(events.end) >= pd.to_datetime(events.start)).all()
    assert not list(tmp_path.glob(".*rep*"))  # the per-replication parts are joined and gone


def test_a_logged_queue_ends_when_its_window_service_begins_even_across_a_closing(
    tmp_path, write_scenario
):
    # twice as many applicants as one window serves in a day: queues wait overnight and
    # over weekends, where only open time counts as waiting but the log keeps the clock
    data = queue_scenario({"desk": 1}, 96, 10.0, horizon_days=10, replications=1)
    data["calendar"] = {
        "hours": [["09:00", "17:00"]],
        "weekdays": ["mon", "tue", "wed", "thu", "fri"],
    }
    data["run"]["warmup_days"] = 0
    process = Process.of(load_scenario(write_scenario(data)), "before")
    export = Export(tmp_path / "events.csv")
    run_replications(process, replications=1, horizon_days=10, warmup_days=0, jobs=1, export=export)
    events = pd.read_csv(export.events, parse_dates=["start", "end"])
    queue = events[events.activity == "queue"].set_index("case_id")
    served = events[events.activity == "hand over materials"].set_index("case_id")
    assert (queue.end - queue.start).max() > pd.Timedelta(hours=24)
    assert (queue.end == served.start.loc[queue.index]).all()


def test_queues_are_sampled_hourly_while_applicants_arrive(write_scenario):
    # 1,000 arrivals a day at one 10-minute window: the queue can only grow
    data = queue_scenario({"desk": 1}, 1000, 10.0, horizon_days=2, replications=1)
    data["run"]["warmup_days"] = 0
    process = Process.of(load_scenario(write_scenario(data)), "before")
    result = Replication(process, seed=1, horizon_days=2, warmup_days=0, drain_days=1).run()
    samples = result.queue_length["desk"]
    assert len(samples) == 2 * 24  # hours 0..47: the last arrival comes before hour 48
    assert samples[0] == 0 and samples[-1] > samples[24] > 500


def test_a_replication_leaves_no_reference_cycles_per_case():
    # cycles are freed only by the cyclic collector, whose cost grows with the cases in
    # flight: a story run that referenced itself once made the DES a third slower
    process = Process.of(_without_rework(load_scenario("newborn")), "before")
    Replication(process, seed=1, horizon_days=5, warmup_days=0).run()
    gc.collect()
    garbage = []
    gc.disable()
    try:
        for days in (10, 40):
            Replication(process, seed=1, horizon_days=days, warmup_days=0).run()
            garbage.append(gc.collect())
    finally:
        gc.enable()
    assert garbage[1] < garbage[0] + 1000  # four times the cases, hardly more garbage


def test_a_replication_collects_garbage_rarely_and_gives_the_thresholds_back():
    before = gc.get_threshold()
    seen = []
    with engine.rarer_young_collections():
        seen.append(gc.get_threshold()[0])
        with engine.rarer_young_collections():  # a second replication in the process
            seen.append(gc.get_threshold()[0])
        seen.append(gc.get_threshold()[0])
    assert seen == [engine.YOUNG_COLLECTION_THRESHOLD] * 3 and gc.get_threshold() == before
    with pytest.raises(ValueError), engine.rarer_young_collections():
        raise ValueError("a replication that fails")
    assert gc.get_threshold() == before
    process = Process.of(load_scenario("newborn"), "before")
    Replication(process, seed=1, horizon_days=2, warmup_days=0).run()
    assert gc.get_threshold() == before


def test_the_day_queue_processes_events_in_the_order_of_one_heap():
    # timeouts within a day and days ahead, ties at a day's start, some set from callbacks
    def trace(env):
        seen = []

        def later(event):
            seen.append((env.now, event.value))
            if event.value < 200:
                for delay in (0, 5, DAY - env.now % DAY, 3 * DAY + 1):
                    timeout = env.timeout(delay, event.value * 10 + len(seen) % 7)
                    timeout.callbacks.append(later)

        for value, delay in enumerate((DAY, 2 * DAY, 30, DAY, 0, 10 * DAY + 0.5)):
            env.timeout(delay, value).callbacks.append(later)
        env.run()
        return seen

    assert trace(DayQueue()) == trace(simpy.Environment())


def test_a_replication_on_the_day_queue_gives_what_one_heap_gives(monkeypatch):
    process = Process.of(load_scenario("newborn"), "before")
    ours = Replication(process, seed=3, horizon_days=40).run()
    monkeypatch.setattr(engine, "DayQueue", simpy.Environment)
    theirs = Replication(process, seed=3, horizon_days=40).run()
    assert ours.cases == theirs.cases > 0
    for name, stat in ours.stats.items():
        assert stat.mean == theirs.stats[name].mean
    assert ours.utilisation == theirs.utilisation


def test_a_count_of_cases_stops_the_arrivals_and_runs_until_they_are_done():
    process = Process.of(load_scenario("newborn"), "after")
    counted, longer = _Cases(), _Cases()
    result = Replication(process, seed=3, warmup_days=0, count=250, recorder=counted).run()
    assert result.arrived == result.cases == 250 and result.unfinished == 0
    # the first 250 applicants of a horizon that brings more, arriving at the same times
    # (their ends may differ: at a later visit, someone who came after them can be ahead)
    Replication(process, seed=3, warmup_days=0, horizon_days=200, recorder=longer).run()
    assert len(longer.arrivals) > 250
    assert counted.arrivals == {c: longer.arrivals[c] for c in range(1, 251)}


class _Cases:
    """Each case's arrival, by case id."""

    def __init__(self):
        self.arrivals: dict[int, float] = {}

    def wants(self, case_id):
        return True

    def event(self, row):
        pass

    def case(self, row):
        self.arrivals[row[1]] = row[2]
