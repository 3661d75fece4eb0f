"""The load sweep's knee and bottleneck, on made-up summaries."""

from __future__ import annotations

import pandas as pd
import pytest

from onething.experiments.studies.kind import TIME
from onething.experiments.studies.load_sweep import rate_name
from onething.experiments.studies.load_sweep import sweep as load_sweep


def _sweep(times: dict[float, float], unfinished: dict[float, float] | None = None):
    rows = []
    for rate, time in times.items():
        name = rate_name(rate)
        rows += [
            [name, TIME, time, time - 0.25, time + 0.25],
            [name, "unfinished", (unfinished or {}).get(rate, 0.0), 0.0, 0.0],
            [name, "utilisation.window", rate / 50, 0.0, 0.0],
            [name, "utilisation.back", rate / 100, 0.0, 0.0],
        ]
    return pd.DataFrame(rows, columns=["variant", "measure", "mean", "ci95_low", "ci95_high"])


def test_the_knee_is_the_first_rate_past_one_and_a_half_times_the_lightest():
    study = load_sweep(_sweep({10: 4.0, 20: 5.0, 30: 6.5, 40: 20.0}), [30, 10, 40, 20])
    assert [p["rate"] for p in study["points"]] == [10, 20, 30, 40]
    assert study["knee"] == 30
    assert study["bottleneck"] == "window"
    assert study["points"][0]["ci95"] == [3.75, 4.25]
    assert study["points"][-1]["utilisation"] == {"window": 0.8, "back": 0.4}


def test_unfinished_cases_mark_the_knee_even_when_time_looks_flat():
    study = load_sweep(_sweep({10: 4.0, 20: 4.5}, unfinished={20: 3.0}), [10, 20])
    assert study["knee"] == 20


def test_no_knee_when_time_stays_flat():
    assert load_sweep(_sweep({10: 4.0, 20: 4.5, 30: 5.5}), [10, 20, 30])["knee"] is None


@pytest.mark.parametrize("rate, name", [(20, "rate=20"), (12.5, "rate=12.5")])
def test_rate_variants_are_named_by_their_rate(rate, name):
    assert rate_name(rate) == name
