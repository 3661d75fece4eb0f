"""Crashes and outages in the middle of a live run, on the real embedded broker: every
case sent is completed or dead-lettered with a reason, none is counted twice."""

from __future__ import annotations

import pytest

from onething.cli import main
from onething.compose import SHARED_DATA
from onething.live import PAUSE_SECONDS, recovery_seconds, run_live
from onething.scenarios.loader import load_scenario
from onething.sim.harness import LiveSettings


@pytest.fixture(scope="module")
def newborn():
    return load_scenario("newborn")


def _chaos_run(newborn, chaos: str, seed: int, replicas=None, brokers=1, duration_days=7):
    settings = LiveSettings(bootstrap="", speedup=500.0, duration_days=duration_days, seed=seed)
    return run_live(
        "newborn",
        newborn,
        ["after"],
        None,
        settings,
        chaos=chaos,
        replicas=replicas,
        topology="compact" if brokers > 1 else "per-department",
        brokers=brokers,
    )["after"]


def _sound(result) -> None:
    """Every case sent completed once, every decision applied once."""
    ledger = result.reconcile()
    assert ledger.problems() == [] and ledger.completed == ledger.sent
    assert not result.send_failures
    assert ledger.completed_twice == 0 and ledger.decisions_applied_twice == 0


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


def test_the_busiest_of_three_brokers_killed_mid_run_loses_and_doubles_nothing(newborn):
    """Its partitions stall until the controller fences it (Kafka's 9 s broker session),
    then are led by the two nodes that have every write (acks=all, two copies in sync)."""
    result = _chaos_run(newborn, "broker-kill", seed=14, brokers=3, duration_days=5)
    (blow,) = result.blows
    assert blow.what.startswith("broker ") and "killed (SIGKILL) and restarted" in blow.what
    assert blow.finished < blow.arrived < len(result.cases)  # work in flight
    assert blow.struck_s > 0 and blow.seconds > 0
    assert blow.recovery_s is None or blow.recovery_s >= 0
    _sound(result)
    assert result.longest_stall_s > 1  # the harness's own sends waited for a new leader


def test_three_brokers_restarted_in_turn_lose_and_double_nothing(newborn):
    """Each node in turn, once the one before is back in sync; the roll is done in full
    even where the run's last case finishes before it (a slow machine)."""
    result = _chaos_run(newborn, "broker-roll", seed=15, brokers=3, duration_days=5)
    assert [blow.what for blow in result.blows] == [
        f"broker {node} restarted (SIGTERM)" for node in (1, 2, 3)
    ]
    struck = [blow.struck_s for blow in result.blows]
    assert struck == sorted(struck) and struck[0] > 0
    assert result.blows[0].finished < result.blows[0].arrived  # work in flight
    _sound(result)


def test_throughput_recovers_when_a_5_s_window_is_back_to_80_percent_of_before():
    """Answers at 10 a second, none for 6 s after a blow at t=20, then 10 a second again:
    the window from t=25 on is the first to hold 4 s of answers, 80 % of 5 s's."""
    answered, total = [], 0
    for tick in range(0, 600):
        t = tick / 10
        total += 1 if not 20 <= t < 26 else 0
        answered.append((t, total))
    assert recovery_seconds(answered, 20.0) == pytest.approx(5.0, abs=0.11)
    assert recovery_seconds(answered, 40.0) == 0  # an undisturbed stretch
    assert recovery_seconds(answered, 57.0) is None  # the run ended first
    assert recovery_seconds([(0.0, 0), (1.0, 0)], 1.0) is None  # nothing before it


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--chaos", "broker-kill"], "add --brokers 3"),
        (["--chaos", "broker-roll", "--bootstrap", "h:1"], "add --brokers 3"),
        (["--brokers", "3", "--bootstrap", "h:1"], "drop --bootstrap"),
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
