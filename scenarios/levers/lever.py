"""What a lever is: the one place ``Process``, the counts, the engines and the BPMN export
ask what a lever changes.  Each lever is one module of this package ending in
``LEVER = Lever.of(__name__, name)``; ``levers.__init__`` registers them.

A lever changes the siloed process in two ways.  It may switch on a shape of the journey
the engines know (``INTEGRATED``: one intake desk takes the bundle; ``PARALLEL``;
``ONLINE``; ``SHARES_DATA``: no paper travels between offices).  And it may transform
what the process asks of the applicant and the offices, through the hooks below: each a
function of the module named like the field, of the scenario's data alone.  Hooks run in
the registry's order, each on what the previous one returned; a lever leaves out what it
does not change.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from onething.scenarios.model import Distribution, Item, Scenario

EffectiveDelivery = Literal["pickup", "mail", "on_the_spot", "electronic"]

HOOKS = (
    "processing",
    "delivery",
    "handed",
    "handover",
    "windows",
    "item_steps",
    "bundle_steps",
    "field_groups",
)


@dataclass(frozen=True)
class Lever:
    """Everything about one lever, by the question each piece answers."""

    name: str
    description: str
    """What it changes, in one line (the CLI's catalog, the workbench's what-if page)."""
    label: str
    """How a report names it in a sentence ("e-certificate alone cuts ...")."""
    integrated: bool = False
    """One intake desk takes the whole bundle; the platform routes the items."""
    parallel: bool = False
    """Items whose requirements are decided are processed at once, not one by one."""
    online: bool = False
    """Filing needs no trip and no queue."""
    shares_data: bool = False
    """Offices share data: no paper result travels between them."""
    processing: Callable[[Item, Distribution], Distribution] | None = None
    """An item's back-office time."""
    delivery: Callable[[Item, EffectiveDelivery], EffectiveDelivery] | None = None
    """How an item's result reaches the applicant."""
    handed: Callable[[Scenario, Item, tuple[str, ...]], tuple[str, ...]] | None = None
    """The materials an item asks the applicant to hand over; the rest are fetched from
    the shared data, which holds the ``shared`` ones and those the case's items produce."""
    handover: Callable[[Scenario, list[str], Sequence[str]], list[str]] | None = None
    """The materials handed over at one visit, given those handed earlier in the case."""
    windows: Callable[[Scenario, str, int], int] | None = None
    """Windows at a place."""
    item_steps: Callable[[Item, list[str]], list[str]] | None = None
    """One item's steps (环节) as the applicant meets them."""
    bundle_steps: Callable[[Counter[str]], Counter[str]] | None = None
    """The bundle's steps by kind, once every item's are counted."""
    field_groups: Callable[[list[str]], list[str]] | None = None
    """The field groups the applicant fills in, over the whole bundle."""

    @classmethod
    def of(cls, module: str, name: str) -> Lever:
        """The lever a module defines: its ``DESCRIPTION`` and ``LABEL``, its optional
        flags ``INTEGRATED``, ``PARALLEL``, ``ONLINE``, ``SHARES_DATA`` and its functions
        named like the hooks."""
        m = sys.modules[module]
        flags = ("integrated", "parallel", "online", "shares_data")
        return cls(
            name=name,
            description=m.DESCRIPTION,
            label=m.LABEL,
            **{f: getattr(m, f.upper()) for f in flags if hasattr(m, f.upper())},
            **{h: getattr(m, h) for h in HOOKS if hasattr(m, h)},
        )


def once(kinds: Counter[str], *merged: str) -> Counter[str]:
    """Steps of these kinds met at most once in the bundle (merged into one)."""
    return Counter({k: min(n, 1) if k in merged else n for k, n in kinds.items()})
