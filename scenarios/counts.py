"""The official counts (四减: steps, materials, trips; plus form fields) of a process.

Pure functions: each count follows from the items and the levers, never from a typed-in
result, so a lever's effect on a count can be read and tested without a simulation.
"""

from __future__ import annotations

import re
from collections import Counter

from onething.scenarios.journey import Choices, journey, taking
from onething.scenarios.levers import Process
from onething.scenarios.model import Distribution, Scenario, unit_minutes


def steps(process: Process) -> int:
    """Steps (环节) as the applicant meets them: each item's (``item_steps``), merged as
    the levers say (``Process.bundle_steps``: one intake at a single window, one joint
    approval, results delivered together)."""
    kinds: Counter[str] = Counter()
    for key in process.order:
        kinds.update(item_steps(process, key))
    return sum(process.bundle_steps(kinds).values())


def item_steps(process: Process, key: str) -> list[str]:
    """One item's steps as its applicant meets them, before the bundle merges intakes,
    approvals and deliveries: as the levers leave them (``Process.item_steps``: under
    notify-and-commit review and inspection move after the licence), and an electronic
    result needs no delivery step."""
    electronic = process.delivery(key) == "electronic"
    return [k for k in process.item_steps(key) if not (electronic and k == "deliver")]


def materials(process: Process) -> int:
    """Materials (份) handed over along the journey (``Process.handover``): siloed, every
    item asks for its own copies; a single window takes each material once; one form
    replaces the separate application forms."""
    handed: list[str] = []
    for visit in journey(process):
        handed += process.handover(visit.file, handed)
    return len(handed)


def form_fields(process: Process) -> int:
    """Fields to fill: each item's own, and the field groups as the levers leave them (one
    form asks each once across the bundle)."""
    groups = process.scenario.field_groups
    own = sum(process.item(k).form.own_fields for k in process.order)
    return own + sum(groups[g] for g in process.field_groups())


def trips(process: Process) -> int:
    """Trips (跑动) when nothing is sent back: visits the applicant must travel to."""
    return sum(v.trip for v in journey(process))


DEPENDS_ON = {
    "steps": (r"items\.[^.]+\.steps$",),
    "materials": (r"materials$", r"items\.[^.]+\.materials$"),
    "form_fields": (r"field_groups$", r"items\.[^.]+\.form$"),
    "promise_working_days": (r"items\.[^.]+\.promised$",),
}
"""The scenario fields each count (or the promise) is computed from."""


def unknown(scenario: Scenario) -> dict[str, list[str]]:
    """Counts that depend on a placeholder, with the placeholders they depend on."""
    out = {}
    for name, patterns in DEPENDS_ON.items():
        hit = [p for p in scenario.placeholders if any(re.match(x, p) for x in patterns)]
        if hit:
            out[name] = hit
    return out


def counts(process: Process) -> dict[str, int | None]:
    """The four counts; ``None`` for one that depends on a placeholder."""
    missing = unknown(process.scenario)
    values = {
        "steps": steps(process),
        "materials": materials(process),
        "trips": trips(process),
        "form_fields": form_fields(process),
    }
    return {k: None if k in missing else v for k, v in values.items()}


def mean_counts(process: Process) -> dict[str, float | None]:
    """The four counts as the mean over applicants, each counting only the items they
    take (选办 items by their take-up, an alternative by its options' shares:
    ``journey.Choices``); ``counts`` gives them for the full bundle, and the two agree on
    a bundle without choices."""
    means: dict[str, float | None] = dict.fromkeys(counts(process), 0.0)
    for probability, taken in Choices(process).outcomes():
        for name, value in counts(taking(process, taken)).items():
            total = means[name]
            means[name] = None if value is None or total is None else total + probability * value
    return means


def form_factor(process: Process) -> float:
    """Share of the siloed form-filling left: one form shortens the intake desk's work in
    proportion to the fields that remain."""
    before = form_fields(Process(process.scenario, frozenset()))
    return form_fields(process) / before if before else 1.0


def working_days(dist: Distribution, minutes_per_day: float) -> float:
    """A distribution's mean expressed in working days."""
    return dist.mean_value * unit_minutes(dist.unit, minutes_per_day) / minutes_per_day


def promise_working_days(process: Process) -> float:
    """The bundle's promised time: items' promised limits added one after another, or
    along the longest dependency chain when approvals run in parallel."""
    per_day = process.scenario.calendar.minutes_per_day
    limit = {k: working_days(process.item(k).promised, per_day) for k in process.order}
    if not process.parallel:
        return sum(limit.values())
    longest: dict[str, float] = {}
    for key in process.order:
        requires = process.item(key).requires
        longest[key] = limit[key] + max((longest[d] for d in requires), default=0.0)
    return max(longest.values())
