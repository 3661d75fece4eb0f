"""Durations in, one of the model's distribution kinds out, chosen by a stated criterion.

Criterion: the one-sample Kolmogorov-Smirnov statistic D of each candidate (fixed,
exponential, lognormal, triangular; parameters by moments, the triangular's ends at the
sample's extremes); the smallest D wins if it is below the 5 % critical value 1.36/sqrt(n).
With parameters estimated from the same data the test is conservative (Lilliefors), so a
kind that passes fits at least that well.  When none passes, the empirical distribution
(the middles of 100 equal slices of the sample) is used: the log is then replayed, not smoothed.

A ``Sample`` keeps exact count and mean and a fixed-size uniform reservoir for the shape,
so fitting a parameter seen ten million times costs the same memory as one seen 4,000.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

RESERVOIR = 4000
QUANTILES = 100
KS_COEFFICIENT = 1.36  # 5 % critical value of the Kolmogorov-Smirnov statistic, times sqrt(n)


@dataclass
class Reservoir:
    """A count and a uniform reservoir (Vitter's algorithm R) of what was added."""

    seed: int = 0
    count: int = 0
    values: list[Any] = field(default_factory=list)
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def add(self, value: Any) -> None:
        self.count += 1
        if len(self.values) < RESERVOIR:
            self.values.append(value)
        else:
            slot = self._rng.randrange(self.count)
            if slot < RESERVOIR:
                self.values[slot] = value


@dataclass
class Sample(Reservoir):
    """Exact count and mean, and a uniform reservoir of values."""

    total: float = 0.0
    values: list[float] = field(default_factory=list)

    def add(self, value: float) -> None:
        self.total += value
        super().add(value)

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0


@dataclass(frozen=True)
class Fit:
    dist: dict[str, Any]
    """The scenario's distribution, ready for YAML."""
    kind: str
    observations: int
    statistic: float
    """KS D of the chosen kind (0 for fixed; for empirical, of the best parametric one)."""
    critical: float
    candidates: dict[str, float]

    def note(self) -> str:
        """The assumption text: observations, method, fit statistic."""
        tried = ", ".join(f"{k} {d:.3f}" for k, d in self.candidates.items())
        how = (
            "all observations equal"
            if self.kind == "fixed"
            else f"KS D={self.statistic:.3f} against 5 % critical {self.critical:.3f}"
            + ("" if self.kind != "empirical" else ", no kind passed: empirical quantiles")
        )
        return f"fitted from the log: {self.observations} observations, {self.kind}; {how}" + (
            f" (candidates: {tried})" if tried else ""
        )


def _round(x: float) -> float:
    return float(f"{x:.4g}") if x else 0.0


def _cdfs(x: np.ndarray, mean: float, sd: float) -> dict[str, Any]:
    low, high = float(x.min()), float(x.max())
    cdfs: dict[str, Any] = {}
    if mean > 0:
        cdfs["exponential"] = (
            lambda v: stats.expon.cdf(v, scale=mean),
            {"dist": "exponential", "mean": mean},
        )
    if mean > 0 and sd > 0:
        sigma2 = math.log(1 + (sd / mean) ** 2)
        mu = math.log(mean) - sigma2 / 2
        cdfs["lognormal"] = (
            lambda v: stats.lognorm.cdf(v, math.sqrt(sigma2), scale=math.exp(mu)),
            {"dist": "lognormal", "mean": mean, "sd": sd},
        )
    if high > low:
        mode = min(max(3 * mean - low - high, low), high)
        c = (mode - low) / (high - low)
        cdfs["triangular"] = (
            lambda v: stats.triang.cdf(v, c, loc=low, scale=high - low),
            {"dist": "triangular", "low": low, "mode": mode, "high": high},
        )
    return cdfs


def _quantiles(x: np.ndarray, k: int, mean: float) -> np.ndarray:
    """``k`` observations at the middles of equal slices of the sorted ``x``, the last
    one moved to keep ``mean`` (a tail the middles miss).  Observations, not averages or
    scaled values: a timer's 15 days stays 15 days and a time of day stays one, where
    scaling every value to the mean moved them by an hour."""
    values = x[((np.arange(k) + 0.5) * (x.size / k)).astype(int)]
    values[-1] = max(values[-1] + k * (mean - values.mean()), values[-2] if k > 1 else 0.0)
    return values


def fit(sample: Sample, unit: str = "minutes", per_unit: float = 1.0) -> Fit:
    """The best-fitting kind for a sample of minutes, written in ``unit`` (``per_unit``
    minutes each)."""
    x = np.sort(np.asarray(sample.values, dtype=float)) / per_unit
    n = len(x)
    mean = sample.mean / per_unit
    if n == 0:
        raise ValueError("no observations to fit")
    if float(x.max() - x.min()) <= 1e-6 * max(1.0, abs(mean)):
        dist = {"dist": "fixed", "value": _round(mean), "unit": unit}
        return Fit(dist, "fixed", sample.count, 0.0, 0.0, {})
    sd = float(x.std(ddof=1)) if n > 1 else 0.0
    critical = KS_COEFFICIENT / math.sqrt(n)
    upper = np.arange(1, n + 1) / n
    lower = np.arange(0, n) / n
    scores: dict[str, float] = {}
    params: dict[str, dict[str, Any]] = {}
    for kind, (cdf, dist) in _cdfs(x, mean, sd).items():
        f = cdf(x)
        scores[kind] = float(max(np.max(upper - f), np.max(f - lower)))
        params[kind] = dist
    best = min(scores, key=scores.get) if scores else None
    if best is not None and scores[best] <= critical:
        dist = {k: (_round(v) if isinstance(v, float) else v) for k, v in params[best].items()}
        if dist["dist"] == "triangular" and dist["low"] == dist["high"]:
            dist["high"] = dist["low"] + 1e-3
        return Fit({**dist, "unit": unit}, best, sample.count, scores[best], critical, scores)
    values = _quantiles(x, min(n, QUANTILES), mean)
    dist = {"dist": "empirical", "values": [_round(float(v)) for v in values], "unit": unit}
    statistic = scores[best] if best is not None else 1.0
    return Fit(dist, "empirical", sample.count, statistic, critical, scores)
