"""Generated requests at every route of the workbench (random JSON bodies, paths, query
strings and headers): never a 500, never a hang, never a file outside the home folder.
The long run: ``python -m benchmarks.fuzz_workbench``."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

from tests.workbench.fuzz import Request, Sandbox, requests


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    running = Sandbox(tmp_path_factory.mktemp("fuzz"))
    yield running
    running.close()


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=requests())
def test_no_request_gets_a_500_a_hang_or_a_file_outside_home(sandbox, request: Request):
    assert sandbox.send(request) is None
