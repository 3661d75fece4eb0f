"""Generated bad files: either a valid scenario (which then runs) or spec, or
``file: path: reason`` lines, never another exception and never a hang.

The generators are ``fuzzing``'s; here a few dozen inputs per surface, in
``benchmarks/fuzz_scenarios.py`` ten thousand."""

from __future__ import annotations

import signal

import pytest
from hypothesis import HealthCheck, given, settings

from tests.scenarios.fuzzing import run_scenario, run_spec, scenario_texts, spec_texts, write

LIMIT_SECONDS = 10
SUITE = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)


class Hang(BaseException):
    pass


@pytest.fixture
def alarm():
    """Arm with ``alarm(seconds)``: past them the input counts as a hang."""

    def ring(signum, frame):
        raise Hang(f"an input ran past {LIMIT_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, ring)
    yield lambda: signal.alarm(LIMIT_SECONDS)
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_mutated_catalog_files_load_and_run_or_say_why(tmp_path, alarm):
    @settings(SUITE, max_examples=40)
    @given(scenario_texts())
    def check(text: str) -> None:
        alarm()
        assert run_scenario(write(tmp_path / "scenario.yaml", text)) in ("ran", "refused")

    check()


def test_mutated_experiment_specs_load_or_say_why(tmp_path, alarm):
    @settings(SUITE, max_examples=60)
    @given(spec_texts())
    def check(text: str) -> None:
        alarm()
        assert run_spec(write(tmp_path / "spec.yaml", text)) in ("planned", "refused")

    check()
