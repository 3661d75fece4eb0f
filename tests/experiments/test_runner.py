"""The runner on small real runs of the newborn bundle: the study's arithmetic holds on
simulated numbers, the cache makes a re-run free, and the numbers are the engine's."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from onething.experiments.runner import Outcome, plan, run
from onething.experiments.spec import Overrides
from onething.experiments.spec_file import load_spec
from onething.experiments.studies.kind import TIME
from onething.experiments.studies.lever_attribution import MEASURES as ATTRIBUTION_MEASURES
from onething.experiments.variants import apply_overrides
from onething.scenarios.levers import Process
from onething.scenarios.loader import load_scenario
from onething.scenarios.model import MAX_REWORK
from onething.sim.engine import run_replications
from onething.sim.measures import measures
from tests.experiments.conftest import QUICK, write

ATTRIBUTION = {"name": "levers", "kind": "lever_attribution", "bundle": "newborn", **QUICK}
VARIANTS = {
    "name": "variants",
    "kind": "variants",
    "bundle": "newborn",
    **QUICK,
    "variants": [
        {"name": "before"},
        {"name": "sharing", "levers": ["data_sharing"]},
        {"name": "busy", "levers": ["single_window"], "overrides": {"arrivals_per_day": 30}},
    ],
}


def _run(folder: Path, data: dict, jobs: int = 1, out: str = "out") -> Outcome:
    return run(plan(load_spec(write(folder, data))), folder / out, jobs)


@pytest.fixture(scope="module")
def attribution(tmp_path_factory) -> Outcome:
    return _run(tmp_path_factory.mktemp("attribution"), ATTRIBUTION, jobs=2)


def test_attribution_of_the_newborn_bundle_sums_to_the_all_levers_difference(attribution):
    for measure in ATTRIBUTION_MEASURES:
        m = attribution.study["measures"][measure]
        assert sum(m["cumulative"].values()) == pytest.approx(m["difference"], abs=1e-9)
        assert m["interaction"] == pytest.approx(m["difference"] - sum(m["alone"].values()))
    time = attribution.study["measures"][TIME]
    assert time["all"] < time["before"]
    assert attribution.study["measures"]["trips"]["difference"] == -3  # 4 -> 1 (Qinghai)


def test_a_run_writes_the_tables_the_study_the_plots_and_the_spec(attribution):
    out = attribution.files[0].parent
    names = {p.name for p in attribution.files}
    assert names == {
        "results.csv",
        "results.parquet",
        "summary.csv",
        "study.json",
        "spec.yaml",
        "time_ecdf.png",
        "waterfall.png",
    }
    assert all((out / name).stat().st_size > 0 for name in names)
    results = pd.read_parquet(out / "results.parquet")
    assert list(results.columns) == ["variant", "replication", "measure", "value"]
    variants = len(attribution.plan.variants)
    assert len(results[results.measure == TIME]) == variants * QUICK["replications"]
    assert {"utilisation.single_window", "utilisation.hospital", "within_promise"} <= set(
        results.measure
    )
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary.columns) == ["variant", "measure", "mean", "ci95_low", "ci95_high"]


def test_a_rerun_reuses_every_replication_and_gives_identical_results(attribution):
    out = attribution.files[0].parent
    first = (out / "results.csv").read_bytes()
    again = run(attribution.plan, out, jobs=1)
    assert (again.computed, again.reused) == (0, len(attribution.plan.jobs))
    assert (out / "results.csv").read_bytes() == first
    assert again.study == attribution.study


def test_only_new_replications_are_computed_when_the_spec_grows(tmp_path):
    _run(tmp_path, VARIANTS)
    more = _run(tmp_path, {**VARIANTS, "replications": 3})
    assert (more.computed, more.reused) == (3, 6)


def test_one_process_and_two_give_the_same_results(tmp_path):
    one = _run(tmp_path, VARIANTS, jobs=1, out="one")
    two = _run(tmp_path, VARIANTS, jobs=2, out="two")
    pd.testing.assert_frame_equal(one.results, two.results)


def test_a_variant_equals_a_local_run_of_the_same_seeds(tmp_path):
    outcome = _run(tmp_path, VARIANTS)
    process = Process.of(load_scenario("newborn"), "before", ["data_sharing"])
    local = run_replications(process, 2, QUICK["seed"], 15, 3, jobs=1)
    expected = measures(process, local)
    summary = outcome.summary.set_index(["variant", "measure"])["mean"]
    assert summary[("sharing", TIME)] == expected["time_working_days"]["mean"]
    assert summary[("sharing", "materials")] == expected["materials"]
    assert summary[("sharing", "utilisation.hospital")] == pytest.approx(
        expected["utilisation"]["hospital"]
    )


def test_a_load_sweep_names_the_bottleneck_and_the_knee(tmp_path):
    sweep = {"name": "load", "kind": "load_sweep", "bundle": "newborn", **QUICK}
    outcome = _run(tmp_path, {**sweep, "rates": [10, 30, 60]}, jobs=2)
    study = outcome.study
    assert study["bottleneck"] == "single_window"
    assert study["knee"] == 60
    assert [p["rate"] for p in study["points"]] == [10, 30, 60]
    assert study["points"][0]["time_mean"] < study["points"][-1]["time_mean"]
    assert (tmp_path / "out" / "load_latency.png").stat().st_size > 0


def test_overrides_change_only_what_they_name():
    s = load_scenario("newborn")
    o = Overrides(
        arrivals_per_day=50,
        windows={"public_security": 5, "single_window": 6},
        rework_scale=10,
        travel_scale=2,
    )
    t = apply_overrides(s, o)
    assert t.applicants.arrivals.per_working_day == 50
    assert t.applicants.arrivals.hourly_profile == s.applicants.arrivals.hourly_profile
    assert t.departments["public_security"].windows == 5
    assert t.departments["hospital"].windows == s.departments["hospital"].windows
    staffed = Process.of(t, "after", ["single_window", "staffing"])
    assert staffed.windows("single_window") == 6  # the override wins over the staffing lever
    assert t.items["childbirth_reimbursement"].rework == MAX_REWORK  # 0.15 x 10, capped
    assert t.items["birth_certificate"].rework == pytest.approx(0.5)
    assert t.applicants.travel.mode == 2 * s.applicants.travel.mode
    assert s.departments["public_security"].windows == 2  # the loaded bundle is untouched
