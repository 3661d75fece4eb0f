"""Staffing: windows per place as the scenario sets them under ``levers.staffing``."""

from __future__ import annotations

from onething.scenarios.levers.lever import Lever
from onething.scenarios.model import Scenario

DESCRIPTION = "windows per department as set under levers.staffing"
LABEL = "staffing"


def windows(scenario: Scenario, place: str, windows: int) -> int:
    return scenario.levers.staffing.get(place, windows)


LEVER = Lever.of(__name__, "staffing")
