"""What differs by a distribution's kind is asked of the distribution: its mean and
variance (which the sampler's draws must match), whether it is memoryless, how a report
writes it; each is drawn by inverse transform: one uniform per draw, monotone in it."""

from __future__ import annotations

import random
import statistics

import pytest
from pydantic import TypeAdapter

from onething.scenarios.distributions import quantile, sampler
from onething.scenarios.levers import is_zero
from onething.scenarios.model import KINDS, Distribution
from onething.scenarios.prosimos import moments

EXAMPLES = {
    "fixed": {"dist": "fixed", "value": 4},
    "exponential": {"dist": "exponential", "mean": 3},
    "lognormal": {"dist": "lognormal", "mean": 5, "sd": 2},
    "triangular": {"dist": "triangular", "low": 1, "mode": 2, "high": 6},
    "empirical": {"dist": "empirical", "values": [1, 2, 7], "weights": [1, 2, 1]},
}
READ = TypeAdapter(Distribution)


def test_every_kind_has_an_example():
    assert set(EXAMPLES) == set(KINDS)
    assert all(isinstance(READ.validate_python(d), KINDS[k]) for k, d in EXAMPLES.items())


@pytest.mark.parametrize("kind", EXAMPLES)
def test_mean_and_variance_are_those_of_the_draws(kind):
    dist = READ.validate_python(EXAMPLES[kind])
    draw = sampler(dist, random.Random(7), 480)
    draws = [draw() for _ in range(40_000)]
    assert statistics.fmean(draws) == pytest.approx(dist.mean_value, rel=0.02)
    assert statistics.pvariance(draws) == pytest.approx(dist.variance, rel=0.06, abs=1e-9)


def test_moments_are_in_minutes_whatever_the_unit():
    dist = READ.validate_python({**EXAMPLES["triangular"], "unit": "hours"})
    mean, var = moments(dist, 480)
    assert mean == pytest.approx(dist.mean_value * 60)
    assert var == pytest.approx(dist.variance * 3600)


def test_only_the_exponential_is_memoryless():
    assert [k for k, cls in KINDS.items() if cls.MEMORYLESS] == ["exponential"]


def test_a_report_writes_each_kind_by_its_parameters():
    text = {k: READ.validate_python(d).describe(str, "min") for k, d in EXAMPLES.items()}
    assert text == {
        "fixed": "4.0 min",
        "exponential": "mean 3.0 min",
        "lognormal": "mean 5.0 min (sd 2.0)",
        "triangular": "1.0–6.0 min (mode 2.0)",
        "empirical": "mean 3.0 min",
    }


def test_zero_is_a_time_that_never_passes():
    assert is_zero(READ.validate_python({"dist": "fixed", "value": 0}))
    assert is_zero(READ.validate_python({"dist": "empirical", "values": [0, 0]}))
    assert not any(is_zero(READ.validate_python(d)) for d in EXAMPLES.values())


GRID = [(i + 0.5) / 20_000 for i in range(20_000)]


@pytest.mark.parametrize("kind", EXAMPLES)
def test_the_quantile_has_the_distributions_mean_and_rises_with_the_uniform(kind):
    dist = READ.validate_python({**EXAMPLES[kind], "unit": "hours"})
    draw = quantile(dist, minutes_per_day=480)
    values = [draw(u) for u in GRID]
    assert sum(values) / len(values) == pytest.approx(dist.mean_value * 60, rel=0.01)
    assert values == sorted(values)
    assert draw(0.0) >= 0.0
