"""Single window (综合窗口): one intake desk takes the whole bundle, once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from onething.scenarios.levers.lever import EffectiveDelivery, Lever, once
from onething.scenarios.model import Item, Scenario

SINGLE_WINDOW = "single_window"
"""The place the applicant queues at under this lever (``Process.places``)."""
DESCRIPTION = "one intake desk takes the whole bundle (综合窗口)"
LABEL = "single window"
INTEGRATED = True


def delivery(item: Item, mode: EffectiveDelivery) -> EffectiveDelivery:
    """Results come back through the single window, together: none on the spot."""
    return "pickup" if mode == "on_the_spot" else mode


def handover(scenario: Scenario, handed: list[str], before: Sequence[str]) -> list[str]:
    """Each material once in the case."""
    return [m for m in dict.fromkeys(handed) if m not in before]


def bundle_steps(kinds: Counter[str]) -> Counter[str]:
    """One intake for the bundle, one delivery of its results."""
    return once(kinds, "apply", "deliver")


LEVER = Lever.of(__name__, SINGLE_WINDOW)
