"""One core, two engines: the service classes tell, case by case, the DES's story.

For every catalog bundle, before, after and each lever alone, the DES runs one
replication while its draws are recorded per case; then the plain services (every
department, the platform, the shared data) and the load harness run with no broker and
no transport delay on the same arrivals, replaying the same draws.  Every case must come
out the same: trips, rework rounds, the materials handed over, when each item was
decided and when the case finished.  A mechanic changed in one engine only fails here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

import pytest

from onething.scenarios.levers import LEVERS, REGISTERED, EffectiveDelivery, Lever, Process
from onething.scenarios.loader import catalog_names, load_scenario
from onething.scenarios.mechanics import Calendars
from onething.scenarios.model import Item, Scenario
from onething.services.local import run_local
from onething.sim.engine import Replication
from onething.sim.harness import LiveSettings

PURPOSES = (
    "handling",
    "pickup",
    "rework",
    "processing",
    "mail",
    "paper_transfer",
    "travel",
    "rework_delay",
)
HORIZON_DAYS = 6
TOLERANCE_MINUTES = 1e-6


def _key(purpose: str, case: Any, item: str | None) -> tuple:
    """The same case in both engines: the DES numbers cases 1, 2, ... in arrival order,
    the harness names them RUN-0, RUN-1, ..."""
    number = case.id if hasattr(case, "id") else int(str(case).rsplit("-", 1)[1]) + 1
    return purpose, number, item


class Recording:
    """The DES's own draws, remembered per case, item and purpose in order."""

    def __init__(self, draws: Any):
        self.draws = draws
        self.seen: dict[tuple, list[float]] = defaultdict(list)

    def __getattr__(self, purpose: str) -> Any:
        if purpose not in PURPOSES:
            raise AttributeError(purpose)
        draw = getattr(self.draws, purpose)

        def record(case: Any, item: str | None = None) -> float:
            value = draw(case, item) if item is not None else draw(case)
            self.seen[_key(purpose, case, item)].append(value)
            return value

        return record


class Replay:
    """Hands the recorded draws out again by case, item, purpose and occurrence."""

    def __init__(self, seen: dict[tuple, list[float]]):
        self.seen = seen
        self.used: dict[tuple, int] = defaultdict(int)

    def __getattr__(self, purpose: str) -> Any:
        if purpose not in PURPOSES:
            raise AttributeError(purpose)

        def replay(case: Any, item: str | None = None) -> float:
            key = _key(purpose, case, item)
            n = self.used[key]
            self.used[key] += 1
            values = self.seen.get(key, [])
            assert n < len(values), f"the services drew {key} {n + 1} times, the DES {len(values)}"
            return values[n]

        return replay


class Story:
    """What the DES's event log says of each case."""

    def __init__(self) -> None:
        self.events: dict[int, list[tuple]] = defaultdict(list)
        self.cases: dict[int, tuple] = {}

    def wants(self, case_id: int) -> bool:
        return True

    def event(self, row: tuple) -> None:
        self.events[row[1]].append(row)

    def case(self, row: tuple) -> None:
        self.cases[row[1]] = row


MATERIALS = re.compile(r"materials: (.*)$")


def _des_story(story: Story, case_id: int) -> dict[str, Any]:
    rows = story.events[case_id]
    handed: list[str] = []
    for row in rows:
        if row[2] in ("hand over materials", "file online"):
            names = MATERIALS.search(row[7].split(" | ")[0]).group(1)
            handed += [] if names == "none" else names.split("; ")
    _, _, arrival, done, _, _, _, trips, _ = story.cases[case_id]
    return {
        "arrival": arrival,
        "trips": trips,
        "rework_rounds": sum(row[2].startswith("sent back") for row in rows),
        "handed": handed,
        "decided": {
            row[2].removeprefix("decide "): row[5] for row in rows if row[2].startswith("decide ")
        },
        "done": done,
    }


def _variants() -> list[tuple[str, str, tuple[str, ...] | None]]:
    """Before, after and each lever alone."""
    variants = []
    for bundle in catalog_names():
        variants += [(bundle, "before", None), (bundle, "after", None)]
        variants += [(bundle, lever, (lever,)) for lever in LEVERS]
    return variants


def _des(process: Process, seed: int) -> tuple[Story, Recording]:
    story = Story()
    run = Replication(process, seed, horizon_days=HORIZON_DAYS, warmup_days=0, recorder=story)
    recording = Recording(run.mechanics.draws)
    run.mechanics.draws = recording
    result = run.run()
    assert result.unfinished == 0
    return story, recording


@pytest.mark.parametrize(("bundle", "label", "levers"), _variants())
def test_the_services_tell_each_case_as_the_des_does(bundle, label, levers):
    scenario = load_scenario(bundle)
    mode = "before" if label == "before" else "after"
    _both_engines_tell_the_same(Process.of(scenario, mode, levers))


def _mailed(item: Item, mode: EffectiveDelivery) -> EffectiveDelivery:
    return "mail" if mode == "pickup" else mode


def _one_more(scenario: Scenario, place: str, windows: int) -> int:
    return windows + 1


EXPRESS = Lever(
    name="express",
    description="results mailed, offices share data, one more window everywhere",
    label="express",
    shares_data=True,
    delivery=_mailed,
    windows=_one_more,
)


@pytest.mark.parametrize("bundle", ["newborn", "restaurant"])
def test_a_lever_added_as_a_module_runs_alike_in_both_engines(monkeypatch, bundle):
    """Adding a lever touches its module only: both engines take it as they are."""
    monkeypatch.setitem(REGISTERED, EXPRESS.name, EXPRESS)
    process = Process.of(load_scenario(bundle), levers=["single_window", EXPRESS.name])
    assert process.windows("single_window") == process.scenario.levers.single_window.windows + 1
    _both_engines_tell_the_same(process)


def _both_engines_tell_the_same(process: Process) -> None:
    story, recording = _des(process, seed=7)
    arrivals = [story.cases[k][2] for k in sorted(story.cases)]
    assert arrivals, "the DES saw no applicant: the test would prove nothing"
    replay = Replay(recording.seen)

    def draws_for(_process: Process, _calendars: Calendars) -> Replay:
        return replay

    local = run_local(
        process, LiveSettings(bootstrap="", arrivals=arrivals), draws=replay, draws_for=draws_for
    )
    assert local.refused == []
    cases = local.result.cases
    assert len(cases) == len(arrivals)
    for number, case in enumerate(cases, start=1):
        des = _des_story(story, number)
        assert case.done is not None, f"{case.case_id} never finished"
        name = process.scenario.materials
        live = {
            "arrival": case.arrival,
            "trips": case.trips,
            "rework_rounds": case.rework_rounds,
            "handed": [m if m not in name else name[m].name for m in case.handed],
            "decided": case.decided,
            "done": case.done,
        }
        for field in ("trips", "rework_rounds", "handed"):
            assert live[field] == des[field], f"case {number}: {field}"
        assert live["decided"].keys() == des["decided"].keys(), f"case {number}: items decided"
        for item, when in des["decided"].items():
            assert live["decided"][item] == pytest.approx(when, abs=TOLERANCE_MINUTES), (
                f"case {number}: {item} decided"
            )
        assert live["done"] == pytest.approx(des["done"], abs=TOLERANCE_MINUTES), f"case {number}"
