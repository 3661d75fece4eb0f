from __future__ import annotations

import pytest

from onething.scenarios.loader import load_scenario


@pytest.fixture(scope="module")
def newborn():
    return load_scenario("newborn")


@pytest.fixture(scope="module")
def restaurant():
    return load_scenario("restaurant")
