"""``onething experiment run SPEC``: the human summary, the output folder, exit codes."""

from __future__ import annotations

import json

from onething.cli import main
from tests.experiments.conftest import QUICK

SPEC = {
    "name": "tiny",
    "kind": "lever_attribution",
    "bundle": "newborn",
    "levers": ["data_sharing", "e_certificate"],
    **QUICK,
}


def test_experiment_run_prints_the_attribution_table_and_writes_results(
    capsys, write_spec, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["experiment", "run", str(write_spec(SPEC)), "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "lever attribution" in out
    for label in ("time alone", "time marginal", "time cumulative", "trips cumulative"):
        assert label in out
    assert "interaction" in out and "data_sharing" in out
    assert "8 replications computed, 0 reused" in out  # 4 lever sets x 2
    folder = tmp_path / "results" / "tiny"
    assert f"wrote {folder.relative_to(tmp_path)}/" in out
    study = json.loads((folder / "study.json").read_text())
    assert study["kind"] == "lever_attribution" and study["order"] == SPEC["levers"]
    assert (folder / "waterfall.png").is_file()


def test_experiment_run_again_reuses_the_cache(capsys, write_spec, tmp_path):
    argv = ["experiment", "run", str(write_spec(SPEC)), "--out", str(tmp_path / "o")]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(argv) == 0
    assert "0 replications computed, 8 reused from the cache" in capsys.readouterr().out


def test_a_bad_spec_exits_2_with_the_field_and_reason(capsys, write_spec):
    spec = write_spec({**SPEC, "levers": ["data_sharing", "warp_drive"]})
    assert main(["experiment", "run", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == (
        f"{spec}: levers.1: unknown lever 'warp_drive' (known: single_window, one_form, "
        "data_sharing, parallel_approval, e_certificate, online_intake, notify_commit, staffing)"
    )


def test_a_missing_spec_file_exits_2(capsys, tmp_path):
    assert main(["experiment", "run", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: (file): no such file" in capsys.readouterr().err


def test_experiment_run_prints_the_staffing_search(capsys, write_spec, tmp_path):
    spec = {
        "name": "staff",
        "kind": "staffing",
        "bundle": "restaurant",
        "arrivals_per_day": 25,
        "max_windows": 1,
        **QUICK,
    }
    assert main(["experiment", "run", str(write_spec(spec)), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "fewest windows for 90% within the promised time at 25 arrivals/day" in out
    assert "single_window" in out and "within promise" in out
    assert "no answer: target 90% not reached with up to 1 window per place" in out
    assert "2 replications computed, 0 reused" in out
    assert (tmp_path / "o" / "staffing.png").is_file()


def test_experiment_run_prints_the_sensitivity_table(capsys, write_spec, tmp_path):
    spec = {
        "name": "sens",
        "kind": "sensitivity",
        "bundle": "newborn",
        "parameters": [{"name": "handling_scale", "low": 0.5, "high": 2}],
        **QUICK,
    }
    assert main(["experiment", "run", str(write_spec(spec)), "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "sensitivity of mean time" in out and "handling_scale" in out
    assert "baseline (every scale 1" in out and "swing" in out
    assert (tmp_path / "o" / "tornado.png").is_file()
