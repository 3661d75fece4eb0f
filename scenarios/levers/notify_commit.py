"""Notify and commit (告知承诺): items that allow it are decided on the applicant's written
commitment and inspected after the licence."""

from __future__ import annotations

from onething.scenarios.levers.lever import Lever
from onething.scenarios.model import Distribution, Item

DESCRIPTION = "告知承诺: items that allow it are decided on commitment, inspected later"
LABEL = "notify and commit"
AFTER_THE_LICENCE = ("review", "inspect")


def processing(item: Item, dist: Distribution) -> Distribution:
    return item.commitment.processing if item.commitment is not None else dist


def item_steps(item: Item, steps: list[str]) -> list[str]:
    """Review and inspection move after the licence: the applicant no longer meets them."""
    if item.commitment is None:
        return steps
    return [kind for kind in steps if kind not in AFTER_THE_LICENCE]


LEVER = Lever.of(__name__, "notify_commit")
