"""Variants are modified copies of the bundle: the distribution scaling the overrides
rest on, and which times each scale reaches."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from onething.experiments.spec import Overrides
from onething.experiments.variants import apply_overrides, scaled
from onething.scenarios.loader import load_scenario
from onething.scenarios.model import Distribution

DISTRIBUTIONS = {
    "fixed": {"dist": "fixed", "value": 12.5},
    "exponential": {"dist": "exponential", "mean": 7.0, "unit": "hours"},
    "lognormal": {"dist": "lognormal", "mean": 30.0, "sd": 10.0},
    "triangular": {"dist": "triangular", "low": 5.0, "mode": 10.0, "high": 20.0},
    "empirical": {"dist": "empirical", "values": [1.0, 2.0, 6.0], "weights": [1.0, 2.0, 1.0]},
}


@pytest.mark.parametrize("data", DISTRIBUTIONS.values(), ids=DISTRIBUTIONS.keys())
@pytest.mark.parametrize("factor", [0.5, 1.0, 2.5])
def test_scaling_a_distribution_scales_its_mean_exactly(data, factor):
    dist = TypeAdapter(Distribution).validate_python(data)
    result = scaled(dist, factor)
    assert result.dist == dist.dist and result.unit == dist.unit
    assert result.mean_value == pytest.approx(factor * dist.mean_value, rel=1e-12)
    TypeAdapter(Distribution).validate_python(result.model_dump())  # still a valid one
    if dist.dist == "lognormal":
        assert result.sd == factor * dist.sd  # the spread scales too (same shape)
    if dist.dist == "empirical":
        assert result.weights == dist.weights


def test_scaling_by_zero_is_a_fixed_zero():
    dist = TypeAdapter(Distribution).validate_python(DISTRIBUTIONS["lognormal"])
    assert scaled(dist, 0).mean_value == 0.0


def test_handling_and_processing_scales_reach_every_item_and_only_those_times():
    s = load_scenario("restaurant")
    t = apply_overrides(s, Overrides(handling_scale=2, processing_scale=0.5))
    for key, item in s.items.items():
        new = t.items[key]
        assert new.handling.mean_value == pytest.approx(2 * item.handling.mean_value)
        assert new.processing.mean_value == pytest.approx(0.5 * item.processing.mean_value)
        assert new.promised == item.promised and new.rework == item.rework
    fire, permit = t.items["fire_check"], t.items["food_permit"]
    assert fire.processing_with_data_sharing.mode == 6  # 12 x 0.5
    assert permit.commitment is not None and permit.commitment.processing.mean_value == 0
    assert t.applicants == s.applicants
    assert s.items["fire_check"].handling.mean == 25  # the loaded bundle is untouched


# --- staffing ------------------------------------------------------------------------
