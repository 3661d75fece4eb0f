"""The live story on the broker-less loop: its draws come from the run's seed, and a
hop's transport time reaches the story only where the applicant waits for an answer."""

from __future__ import annotations

import statistics

from onething.scenarios.levers import Process
from onething.scenarios.loader import load_scenario
from onething.sim.harness import LiveSettings
from onething.sim.local import run_local

NEWBORN = load_scenario("newborn")
AFTER = Process.of(NEWBORN, "after")


def _run(seed: int = 1, hop_minutes: float = 0.0):
    settings = LiveSettings(bootstrap="", duration_days=4, seed=seed)
    return run_local(AFTER, settings, hop_minutes=hop_minutes).result


def test_a_seed_gives_the_same_live_story_twice_and_another_seed_another():
    first, again, other = _run(), _run(), _run(seed=2)
    assert [(c.done, c.decided) for c in first.cases] == [(c.done, c.decided) for c in again.cases]
    assert [c.done for c in first.cases] != [c.done for c in other.cases]


def test_a_hop_does_not_add_to_what_the_services_decide():
    """Each event carries the minute it was sent: 30 minutes per hop changes no decision
    of a case the applicant did not have to answer (no 补正) and that queued as long at
    the window (others' re-filings come later and can change the queue), and the answers
    reach the applicant 30 minutes after their minute, which the result reports."""
    direct, hopping = _run(), _run(hop_minutes=30.0)
    untouched = [
        (a, b)
        for a, b in zip(direct.cases, hopping.cases, strict=True)
        if a.rework_rounds == b.rework_rounds == 0 and a.wait == b.wait
    ]
    assert len(untouched) > len(direct.cases) / 2
    assert all(a.decided == b.decided for a, b in untouched)
    assert statistics.median(hopping.late_minutes) == 30.0
    assert max(direct.late_minutes) == 0.0
