"""The notebook API returns pandas tables a planner can work with."""

from __future__ import annotations

import pytest

import onething

QUICK = onething.RunOptions(replications=2, horizon_days=20, warmup_days=2, jobs=1)


def test_compare_table_has_the_reductions_in_order():
    table = onething.compare("newborn", options=QUICK).table()
    assert list(table.index[:4]) == ["steps", "materials", "trips", "form_fields"]
    assert table.loc["steps", "change_pct"] == pytest.approx(100 * (3 - 16) / 16)
    assert "utilisation.single_window" in table.index


def test_simulate_with_levers_gives_a_tidy_table():
    result = onething.simulate("restaurant", levers=["one_form"], options=QUICK)
    table = result.table()
    assert table.loc["form_fields", "mean"] == 58
    row = table.loc["time_working_days"]
    assert row["ci95_low"] <= row["mean"] <= row["ci95_high"]
