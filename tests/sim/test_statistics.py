"""Streaming statistics: exact moments, quantiles within the histogram's resolution."""

from __future__ import annotations

import random
import statistics

import pytest

from onething.sim.statistics import StreamingStat, non_negative, t_interval


def test_mean_and_variance_match_the_batch_formulas():
    values = [random.Random(1).expovariate(0.1) for _ in range(5000)]
    stat = StreamingStat()
    for v in values:
        stat.add(v)
    assert stat.mean == pytest.approx(statistics.fmean(values))
    assert stat.variance == pytest.approx(statistics.variance(values))


def test_quantiles_are_within_half_a_percent():
    rng = random.Random(2)
    values = sorted(rng.lognormvariate(3, 1) for _ in range(20_000))
    stat = StreamingStat()
    for v in values:
        stat.add(v)
    for q in (0.5, 0.9, 0.99):
        assert stat.quantile(q) == pytest.approx(values[int(q * len(values)) - 1], rel=0.005)


def test_zeros_are_counted_exactly():
    stat = StreamingStat()
    for v in [0.0] * 60 + [10.0] * 40:
        stat.add(v)
    assert stat.quantile(0.5) == 0.0
    assert stat.quantile(0.9) == pytest.approx(10.0, rel=0.005)


def test_integer_measures_report_whole_quantiles():
    stat = StreamingStat(integer=True)
    for v in [1, 1, 2, 4]:
        stat.add(v)
    assert stat.quantile(0.5) == 1.0
    assert stat.quantile(0.9) == 4.0


def test_merging_streams_equals_one_stream():
    a, b, both = StreamingStat(), StreamingStat(), StreamingStat()
    for i in range(100):
        (a if i % 3 else b).add(i * 1.5)
        both.add(i * 1.5)
    a.merge(b)
    assert a.mean == pytest.approx(both.mean)
    assert a.variance == pytest.approx(both.variance)
    assert a.bins == both.bins


def test_t_interval_uses_student_t():
    low, high = t_interval([1.0, 2.0, 3.0])
    # mean 2, sd 1, t(0.975, 2) = 4.303
    assert (low, high) == pytest.approx((2 - 4.303 / 3**0.5, 2 + 4.303 / 3**0.5), rel=1e-3)
    assert t_interval([5.0]) is None


def test_an_interval_of_a_non_negative_quantity_is_truncated_at_zero():
    """Two replications of a waiting time, 0.5 and 16 minutes: the t-interval reaches far
    below zero, which no waiting time can."""
    low, high = t_interval([0.5, 16.0])
    assert low < 0
    assert non_negative((low, high)) == [0.0, high]
    assert non_negative((1.0, 2.0)) == [1.0, 2.0]
    assert non_negative(None) == [None, None]


def test_a_batch_counts_as_its_values_added_one_by_one():
    rng = random.Random(3)
    values = [0.0] * 50 + [rng.lognormvariate(2, 1) for _ in range(5000)]
    one_by_one, batched = StreamingStat(), StreamingStat()
    for v in values:
        one_by_one.add(v)
    batched.add_many(values[:1234])
    batched.add_many(values[1234:])
    assert batched.count == one_by_one.count and batched.zeros == one_by_one.zeros
    assert batched.mean == pytest.approx(one_by_one.mean)
    assert batched.variance == pytest.approx(one_by_one.variance)
    assert batched.bins == one_by_one.bins
