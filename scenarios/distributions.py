"""Samplers for the scenario's distributions, drawing from one seeded generator.

The stdlib ``random.Random`` draws a scalar several times faster than a numpy Generator,
and the DES draws one scalar at a time.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from itertools import accumulate

from onething.scenarios.model import (
    Distribution,
    Empirical,
    Exponential,
    Fixed,
    Lognormal,
    Triangular,
    unit_minutes,
)

Sampler = Callable[[], float]


def sampler(dist: Distribution, rng: random.Random, minutes_per_day: float) -> Sampler:
    """A function returning one draw in minutes (working minutes for working_days)."""
    scale = unit_minutes(dist.unit, minutes_per_day)
    if isinstance(dist, Fixed):
        value = dist.value * scale
        return lambda: value
    if isinstance(dist, Exponential):
        rate = 1.0 / (dist.mean * scale)
        return lambda: rng.expovariate(rate)
    if isinstance(dist, Lognormal):
        sigma2 = math.log(1.0 + (dist.sd / dist.mean) ** 2)
        mu = math.log(dist.mean * scale) - sigma2 / 2
        sigma = math.sqrt(sigma2)
        return lambda: rng.lognormvariate(mu, sigma)
    if isinstance(dist, Triangular):
        low, high, mode = dist.low * scale, dist.high * scale, dist.mode * scale
        return lambda: rng.triangular(low, high, mode)
    if isinstance(dist, Empirical):
        values = [v * scale for v in dist.values]
        cum = list(accumulate(dist.weights or [1.0] * len(values)))
        return lambda: rng.choices(values, cum_weights=cum)[0]
    raise TypeError(f"no sampler for {dist!r}")
