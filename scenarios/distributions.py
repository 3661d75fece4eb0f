"""Samplers for the scenario's distributions, each by inverse transform: one uniform in,
one draw out.

One uniform per draw, monotone in it, whatever the distribution: two processes that give
an applicant the same uniform for a quantity give them the same quantile of it (common
random numbers stay in step), and a source of uniforms can be anything that hands out
floats in [0, 1), a seeded ``random.Random`` or an applicant's own block of numbers.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Callable
from itertools import accumulate
from statistics import NormalDist

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
Quantile = Callable[[float], float]
_SMALLEST = 2.0**-53
"""The uniform put for an exact 0 where the quantile needs one above it (the normal)."""


def quantile(dist: Distribution, minutes_per_day: float) -> Quantile:
    """The distribution's inverse CDF in minutes (working minutes for working_days):
    a uniform in [0, 1) to a draw."""
    scale = unit_minutes(dist.unit, minutes_per_day)
    if isinstance(dist, Fixed):
        value = dist.value * scale
        return lambda u: value
    if isinstance(dist, Exponential):
        mean = dist.mean * scale
        log = math.log
        return lambda u: -mean * log(1.0 - u)
    if isinstance(dist, Lognormal):
        sigma2 = math.log(1.0 + (dist.sd / dist.mean) ** 2)
        normal = NormalDist(math.log(dist.mean * scale) - sigma2 / 2, math.sqrt(sigma2)).inv_cdf
        exp = math.exp
        return lambda u: exp(normal(u or _SMALLEST))
    if isinstance(dist, Triangular):
        low, high, mode = dist.low * scale, dist.high * scale, dist.mode * scale
        cut = (mode - low) / (high - low)
        rising, falling = (high - low) * (mode - low), (high - low) * (high - mode)
        sqrt = math.sqrt
        return lambda u: low + sqrt(u * rising) if u < cut else high - sqrt((1.0 - u) * falling)
    if isinstance(dist, Empirical):
        values = [v * scale for v in dist.values]
        cum = list(accumulate(dist.weights or [1.0] * len(values)))
        total, last = cum[-1], len(values) - 1
        return lambda u: values[min(bisect_right(cum, u * total), last)]
    raise TypeError(f"no sampler for {dist!r}")


def sampler(dist: Distribution, rng: random.Random, minutes_per_day: float) -> Sampler:
    """A function returning one draw in minutes, from ``rng``'s uniforms."""
    inverse = quantile(dist, minutes_per_day)
    uniform = rng.random
    return lambda: inverse(uniform())
