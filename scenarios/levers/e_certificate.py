"""E-certificates (电子证照): results are electronic; physical ones are mailed together."""

from __future__ import annotations

from collections import Counter

from onething.scenarios.levers.lever import EffectiveDelivery, Lever, once
from onething.scenarios.model import Item

DESCRIPTION = "results are electronic; physical ones are mailed together"
LABEL = "e-certificate"


def delivery(item: Item, mode: EffectiveDelivery) -> EffectiveDelivery:
    if not item.result.physical:
        return "electronic"
    return "mail" if mode == "pickup" else mode


def bundle_steps(kinds: Counter[str]) -> Counter[str]:
    """The results that still need delivering come together."""
    return once(kinds, "deliver")


LEVER = Lever.of(__name__, "e_certificate")
