"""Crashes and outages in the middle of a live run, on the real embedded broker: every
case sent is completed or dead-lettered with a reason, none is counted twice."""

from __future__ import annotations

import pytest

from onething.cli import main
from onething.compose import SHARED_DATA
from onething.live import PAUSE_SECONDS, run_live
from onething.scenarios.loader import load_scenario
from onething.sim.harness import LiveSettings


@pytest.fixture(scope="module")
def newborn():
    return load_scenario("newborn")


def _chaos_run(newborn, chaos: str, seed: int, replicas=None):
    settings = LiveSettings(bootstrap="", speedup=500.0, duration_days=7, seed=seed)
    return run_live("newborn", newborn, ["after"], None, settings, chaos=chaos, replicas=replicas)[
        "after"
    ]


def test_sigkill_a_department_then_the_platform_loses_and_doubles_nothing(newborn):
    result = _chaos_run(newborn, "kill", seed=11)
    ledger = result.reconcile()
    assert [blow.what for blow in result.blows] == ["department hospital", "platform"]
    first, second = result.blows
    assert 0 < first.arrived <= second.arrived  # in this order, each with work in flight:
    assert first.finished < first.arrived and second.finished < ledger.sent
    assert ledger.sent >= 60
    assert ledger.problems() == []
    assert ledger.completed + len(ledger.dead_lettered) == ledger.sent
    assert ledger.completed_twice == 0 and ledger.decisions_applied_twice == 0
    assert sorted(result.decisions_applied.values()) == [len(newborn.items)] * ledger.completed
    # the crashes were real: replayed work reached the harness and was ignored
    assert ledger.repeated_events > 0


def test_replicas_joining_and_leaving_a_department_lose_and_double_nothing(newborn):
    """Two replicas of the hospital share its partitions; during the run a third and a
    fourth join (each a consumer-group rebalance), one leaves with SIGTERM, one dies
    with SIGKILL and is not restarted.  The shared data runs as two replicas throughout."""
    result = _chaos_run(newborn, "rebalance", seed=13, replicas={"hospital": 2, SHARED_DATA: 2})
    ledger = result.reconcile()
    assert [blow.what for blow in result.blows] == [
        "one more replica of department hospital joined",
        "one more replica of department hospital joined",
        "a replica of department hospital stopped (SIGTERM)",
        "a replica of department hospital killed (SIGKILL), not restarted",
    ]
    assert all(blow.finished < ledger.sent for blow in result.blows)  # work in flight
    assert ledger.sent >= 60 and ledger.problems() == []
    assert ledger.completed + len(ledger.dead_lettered) == ledger.sent
    assert ledger.completed_twice == 0 and ledger.decisions_applied_twice == 0
    assert sorted(result.decisions_applied.values()) == [len(newborn.items)] * ledger.completed


def test_a_paused_broker_is_ridden_out_and_reported(newborn):
    result = _chaos_run(newborn, "pause", seed=12)
    ledger = result.reconcile()
    assert [blow.what for blow in result.blows] == ["broker"]
    assert result.blows[0].seconds >= PAUSE_SECONDS
    assert ledger.problems() == [] and ledger.completed == ledger.sent
    assert not result.send_failures
    # the harness saw the outage: a send waited most of the pause for its acknowledgement
    assert result.longest_stall_s > PAUSE_SECONDS / 2


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--chaos", "pause", "--bootstrap", "127.0.0.1:9092"], "drop --bootstrap"),
        (["--chaos", "--external-services", "--bootstrap", "127.0.0.1:9092"], "in after mode"),
        (["--chaos", "kill", "--mode", "before"], "in after mode"),
        (["--chaos", "rebalance", "--external-services", "--bootstrap", "h:1"], "starts"),
        (["--replicas", "5"], "5 replicas share 4 partitions"),
        (["--replicas", "2", "--topology", "compact"], "per-department services"),
    ],
)
def test_chaos_that_cannot_be_done_is_refused_before_anything_starts(argv, said, capsys):
    assert main(["live", "newborn", *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert said in err and err.count("\n") == 0
