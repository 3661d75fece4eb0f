"""E-certificates (电子证照): results are electronic; physical ones are mailed together."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from onething.scenarios.levers.lever import EffectiveDelivery, Lever, once

if TYPE_CHECKING:
    from onething.scenarios.levers import Process

DESCRIPTION = "results are electronic; physical ones are mailed together"
LABEL = "e-certificate"


def delivery(process: Process, key: str, mode: EffectiveDelivery) -> EffectiveDelivery:
    if not process.item(key).result.physical:
        return "electronic"
    return "mail" if mode == "pickup" else mode


def bundle_steps(kinds: Counter[str]) -> Counter[str]:
    """The results that still need delivering come together."""
    return once(kinds, "deliver")


LEVER = Lever.of(__name__, "e_certificate")
