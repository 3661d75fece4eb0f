"""Optional items, an alternative and repeats, live on Apache Kafka: the services see only
what each applicant files (the platform: the items of the first filing), and every case
completes once, with its own items and the rounds of its repeated ones."""

from __future__ import annotations

from collections import Counter

import yaml

from onething.live import live_system
from onething.scenarios.levers import Process
from onething.sim.harness import Harness, LiveSettings
from tests.builders import choices_bundle
from tests.sim.test_drift import Rows


def test_a_bundle_with_choices_runs_live_and_reconciles_clean(tmp_path):
    """After mode: the platform routes what the first filing names (before mode, where
    the applicant files at each department, the drift test covers broker-less)."""
    mode = "after"
    scenario = choices_bundle()
    path = tmp_path / "choices.yaml"
    data = scenario.model_dump(mode="json", exclude_unset=True)
    # the services read the items in another order than the harness holds them: a whole
    # bundle, sent as no list, comes back served in theirs and is still the same filing
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), encoding="utf-8")
    assert list(yaml.safe_load(path.read_text(encoding="utf-8"))["items"]) != list(scenario.items)
    rows = Rows()
    with live_system(str(path), scenario, [mode], None, 3000.0, False) as system:
        settings = LiveSettings(bootstrap=system.bootstrap, speedup=3000.0, duration_days=3, seed=5)
        result = Harness(Process.of(scenario, mode), settings, recorder=rows).run()
    assert result.cases and len(result.completed) == len(result.cases)
    assert result.reconcile().problems() == []
    assert len({case.taken for case in result.cases}) >= 3
    assert any(len(case.taken) == len(scenario.items) for case in result.cases)
    decisions = [Counter(r[0] for r in events) for events in rows.events.values()]
    assert any(d["decide food_permit"] > 1 for d in decisions)
    # options sharing items: some cases take both outdoor items, not every case
    both = [d for d in decisions if d["decide signboard"] and d["decide fire_check"]]
    assert 0 < len(both) < len(decisions)
