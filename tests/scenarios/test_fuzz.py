"""Generated bad files: either a valid scenario (which then runs) or spec, or
``file: path: reason`` lines, never another exception and never a hang.

The generators are ``fuzzing``'s; here a few dozen inputs per surface, in
``benchmarks/fuzz_scenarios.py`` ten thousand."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.scenarios.fuzzing import (
    limited,
    run_scenario,
    run_spec,
    scenario_texts,
    spec_texts,
    write,
)

LIMIT_SECONDS = 10
SUITE = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))


def test_mutated_catalog_files_load_and_run_or_say_why(tmp_path):
    @settings(SUITE, max_examples=40)
    @given(scenario_texts())
    def check(text: str) -> None:
        with limited(LIMIT_SECONDS):
            assert run_scenario(write(tmp_path / "scenario.yaml", text)) in ("ran", "refused")

    check()


def test_mutated_experiment_specs_load_or_say_why(tmp_path):
    @settings(SUITE, max_examples=60)
    @given(spec_texts())
    def check(text: str) -> None:
        with limited(LIMIT_SECONDS):
            assert run_spec(write(tmp_path / "spec.yaml", text)) in ("planned", "refused")

    check()
