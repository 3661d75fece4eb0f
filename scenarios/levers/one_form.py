"""One form (一表申请): the items' application forms become one, each field group asked once."""

from __future__ import annotations

from collections.abc import Sequence

from onething.scenarios.levers.lever import Lever
from onething.scenarios.model import Scenario

MERGED_FORM = "merged form"
"""The one form that replaces the items' application forms."""
DESCRIPTION = "one merged form: field groups asked by several items are filled once"
LABEL = "one form"


def handover(scenario: Scenario, handed: list[str], before: Sequence[str]) -> list[str]:
    """The application forms become one material, handed over once in a case."""
    kinds = scenario.materials
    forms = [m for m in handed if kinds[m].kind == "form"]
    handed = [m for m in handed if kinds[m].kind != "form"]
    if forms and MERGED_FORM not in before:
        handed.append(MERGED_FORM)
    return handed


def field_groups(groups: list[str]) -> list[str]:
    """A field group several forms ask is filled once (the desk time shrinks with it:
    ``counts.form_factor``)."""
    return list(dict.fromkeys(groups))


LEVER = Lever.of(__name__, "one_form")
