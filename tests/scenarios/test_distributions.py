"""Each distribution is drawn by inverse transform: one uniform per draw, monotone in it,
with the distribution's mean."""

from __future__ import annotations

import pytest

from onething.scenarios.distributions import quantile
from onething.scenarios.model import Empirical, Exponential, Fixed, Lognormal, Triangular

DISTRIBUTIONS = [
    Fixed(dist="fixed", value=3.0),
    Exponential(dist="exponential", mean=2.0, unit="hours"),
    Lognormal(dist="lognormal", mean=5.0, sd=2.0),
    Triangular(dist="triangular", low=1.0, mode=2.0, high=6.0, unit="working_days"),
    Empirical(dist="empirical", values=[1.0, 4.0, 9.0], weights=[1.0, 2.0, 1.0]),
]
GRID = [(i + 0.5) / 20_000 for i in range(20_000)]


@pytest.mark.parametrize("dist", DISTRIBUTIONS, ids=lambda d: d.dist)
def test_the_quantile_has_the_distributions_mean_and_rises_with_the_uniform(dist):
    draw = quantile(dist, minutes_per_day=480)
    values = [draw(u) for u in GRID]
    scale = {"minutes": 1, "hours": 60, "working_days": 480}[dist.unit]
    assert sum(values) / len(values) == pytest.approx(dist.mean_value * scale, rel=0.01)
    assert values == sorted(values)
    assert draw(0.0) >= 0.0
