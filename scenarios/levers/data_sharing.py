"""Data sharing (数据共享): what government databases hold or the bundle produced is fetched,
not handed over (so it cannot be missing); no paper travels between offices."""

from __future__ import annotations

from onething.scenarios.levers.lever import Lever
from onething.scenarios.model import Distribution, Item, Scenario

DESCRIPTION = "shared and bundle-produced materials are fetched, not handed over"
LABEL = "data sharing"
SHARES_DATA = True


def processing(item: Item, dist: Distribution) -> Distribution:
    """Faster checks where the scenario says materials are verified electronically."""
    faster = item.processing_with_data_sharing
    return dist if faster is None else faster


def handed(scenario: Scenario, item: Item, materials: tuple[str, ...]) -> tuple[str, ...]:
    kinds = scenario.materials
    produced = {i.result.produces for i in scenario.items.values()}
    return tuple(m for m in materials if not kinds[m].shared and m not in produced)


LEVER = Lever.of(__name__, "data_sharing")
