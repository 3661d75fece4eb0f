"""Data sharing (数据共享): what government databases hold or the bundle produced is fetched,
not handed over (so it cannot be missing); no paper travels between offices."""

from __future__ import annotations

from typing import TYPE_CHECKING

from onething.scenarios.levers.lever import Lever

if TYPE_CHECKING:
    from onething.scenarios.levers import Process
    from onething.scenarios.model import Distribution, Item

DESCRIPTION = "shared and bundle-produced materials are fetched, not handed over"
LABEL = "data sharing"
SHARES_DATA = True


def processing(item: Item, dist: Distribution) -> Distribution:
    """Faster checks where the scenario says materials are verified electronically."""
    faster = item.processing_with_data_sharing
    return dist if faster is None else faster


def handed(process: Process, key: str, materials: tuple[str, ...]) -> tuple[str, ...]:
    shared = process.scenario.materials
    return tuple(m for m in materials if not shared[m].shared and m not in process.produced)


LEVER = Lever.of(__name__, "data_sharing")
