"""Lever attribution is arithmetic on the summary table: checked on made-up numbers,
chosen as binary fractions so that "sums exactly" can be asserted with ``==``."""

from __future__ import annotations

import itertools

import pandas as pd

from onething.experiments.studies.kind import TIME
from onething.experiments.studies.lever_attribution import MEASURES as ATTRIBUTION_MEASURES
from onething.experiments.studies.lever_attribution import attribute as lever_attribution
from onething.experiments.studies.lever_attribution import attribution_sets, set_name

LEVERS = ["a", "b", "c"]
ORDER = ["c", "a", "b"]
# time for a lever set: 32 minus each lever's effect, plus an a*b interaction
EFFECT = {"a": 8.5, "b": 4.25, "c": 1.125}


def _time(on: frozenset[str]) -> float:
    return 32.0 - sum(EFFECT[x] for x in on) + (2.5 if {"a", "b"} <= on else 0.0)


def _summary() -> pd.DataFrame:
    rows = []
    for k in range(len(LEVERS) + 1):
        for on in map(frozenset, itertools.combinations(LEVERS, k)):
            name = set_name(on, ORDER)
            rows.append([name, TIME, _time(on), _time(on) - 0.5, _time(on) + 0.5])
            for measure in ATTRIBUTION_MEASURES[1:]:
                rows.append([name, measure, 4.0 - len(on), 4.0 - len(on), 4.0 - len(on)])
    return pd.DataFrame(rows, columns=["variant", "measure", "mean", "ci95_low", "ci95_high"])


def test_attribution_runs_each_lever_set_once():
    names = [set_name(s, ORDER) for s in attribution_sets(LEVERS, ORDER)]
    assert len(names) == len(set(names))
    # before, 3 alone, 3 all-but-one, chain c, c+a (= all but b), all
    assert set(names) == {"before", "a", "b", "c", "c+a", "c+b", "a+b", "c+a+b"}


def test_cumulative_increments_sum_exactly_to_the_all_levers_difference():
    study = lever_attribution(_summary(), LEVERS, ORDER)
    for measure in ATTRIBUTION_MEASURES:
        m = study["measures"][measure]
        assert sum(m["cumulative"].values()) == m["difference"] == m["all"] - m["before"]


def test_the_interaction_is_what_the_alone_effects_miss():
    m = lever_attribution(_summary(), LEVERS, ORDER)["measures"][TIME]
    assert m["alone"] == {"a": -8.5, "b": -4.25, "c": -1.125}
    assert m["difference"] == -8.5 - 4.25 - 1.125 + 2.5
    assert m["interaction"] == m["difference"] - sum(m["alone"].values()) == 2.5
    assert m["all_but_one"] == {"a": -6.0, "b": -1.75, "c": -1.125}
    assert m["cumulative"] == {"c": -1.125, "a": -8.5, "b": -1.75}


def test_independent_levers_have_no_interaction():
    m = lever_attribution(_summary(), LEVERS, ORDER)["measures"]["trips"]
    assert m["interaction"] == 0.0
    assert m["alone"] == m["all_but_one"] == m["cumulative"] == {"a": -1, "b": -1, "c": -1}
