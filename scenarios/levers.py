"""Levers: named, explicit transformations of the siloed "before" process.

A ``Process`` is a scenario with a set of levers switched on.  Everything the engines and
the counts need to know about that combination (who delivers how, which materials are
still handed over, how long the back office takes) is derived here, in one place, so the
DES, the live services and the counts cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal, get_args

from onething.scenarios.model import Distribution, Fixed, Item, LeverName, Scenario

LEVERS: dict[str, str] = {
    "single_window": "one intake desk takes the whole bundle (综合窗口)",
    "one_form": "one merged form: field groups asked by several items are filled once",
    "data_sharing": "shared and bundle-produced materials are fetched, not handed over",
    "parallel_approval": "independent items are approved at once, not one after another",
    "e_certificate": "results are electronic; physical ones are mailed together",
    "online_intake": "filing online: no trip, no queue",
    "notify_commit": "告知承诺: items that allow it are decided on commitment, inspected later",
    "staffing": "windows per department as set under levers.staffing",
}
assert set(LEVERS) == set(get_args(LeverName))

Mode = Literal["before", "after"]
EffectiveDelivery = Literal["pickup", "mail", "on_the_spot", "electronic"]
SINGLE_WINDOW = "single_window"
HOME = "home"
MERGED_FORM = "merged form"
"""The one form that replaces the items' application forms (the ``one_form`` lever)."""


class UnknownLever(ValueError):
    pass


def parse_levers(text: str | Iterable[str]) -> frozenset[str]:
    names = [n.strip() for n in text.split(",")] if isinstance(text, str) else list(text)
    names = [n for n in names if n]
    unknown = [n for n in names if n not in LEVERS]
    if unknown:
        raise UnknownLever(
            f"unknown lever {', '.join(map(repr, unknown))} (known: {', '.join(LEVERS)})"
        )
    return frozenset(names)


def is_zero(dist: Distribution) -> bool:
    return isinstance(dist, Fixed) and dist.value == 0


@dataclass(frozen=True)
class Process:
    scenario: Scenario
    levers: frozenset[str]

    @classmethod
    def of(
        cls, scenario: Scenario, mode: Mode = "after", levers: Iterable[str] | None = None
    ) -> Process:
        """Before = no levers; after = the scenario's own levers, or the ones given."""
        if levers is not None:
            return cls(scenario, parse_levers(levers))
        return cls(scenario, frozenset(scenario.after) if mode == "after" else frozenset())

    def has(self, lever: str) -> bool:
        return lever in self.levers

    @property
    def label(self) -> str:
        return "+".join(sorted(self.levers)) if self.levers else "before"

    @property
    def integrated(self) -> bool:
        return self.has("single_window")

    @property
    def parallel(self) -> bool:
        return self.has("parallel_approval")

    @property
    def online(self) -> bool:
        return self.has("online_intake")

    @cached_property
    def order(self) -> tuple[str, ...]:
        """Items in dependency order; ties keep the file's order."""
        items = self.scenario.items
        done: list[str] = []
        placed: set[str] = set()
        while len(done) < len(items):
            for key, item in items.items():
                if key not in placed and all(d in placed for d in item.requires):
                    done.append(key)
                    placed.add(key)
                    break
        return tuple(done)

    @cached_property
    def levels(self) -> tuple[tuple[str, ...], ...]:
        """Items grouped by dependency depth: each level needs only earlier levels."""
        depth: dict[str, int] = {}
        for key in self.order:
            requires = self.scenario.items[key].requires
            depth[key] = 1 + max((depth[d] for d in requires), default=-1)
        return tuple(
            tuple(k for k in self.order if depth[k] == level)
            for level in range(max(depth.values()) + 1)
        )

    def item(self, key: str) -> Item:
        return self.scenario.items[key]

    def processing(self, key: str) -> Distribution:
        item = self.item(key)
        if self.has("notify_commit") and item.commitment is not None:
            return item.commitment.processing
        if self.has("data_sharing") and item.processing_with_data_sharing is not None:
            return item.processing_with_data_sharing
        return item.processing

    def delivery(self, key: str) -> EffectiveDelivery:
        result = self.item(key).result
        mode: EffectiveDelivery = result.delivery
        if mode == "pickup" and is_zero(self.processing(key)):
            mode = "on_the_spot"
        if self.integrated and mode == "on_the_spot":
            mode = "pickup"  # results come back through the single window, together
        if self.has("e_certificate"):
            if not result.physical:
                mode = "electronic"
            elif mode == "pickup":
                mode = "mail"
        return mode

    @cached_property
    def produced(self) -> frozenset[str]:
        return frozenset(
            i.result.produces for i in self.scenario.items.values() if i.result.produces
        )

    def handed(self, key: str) -> tuple[str, ...]:
        """Materials the applicant hands over for this item."""
        materials = self.scenario.materials
        if not self.has("data_sharing"):
            return tuple(self.item(key).materials)
        return tuple(
            m
            for m in self.item(key).materials
            if not materials[m].shared and m not in self.produced
        )

    def fetched(self, key: str) -> tuple[str, ...]:
        """Materials of this item that data sharing fetches instead of asking for."""
        if not self.has("data_sharing"):
            return ()
        handed = set(self.handed(key))
        return tuple(m for m in self.item(key).materials if m not in handed)

    def handover(self, files: Sequence[str], before: Sequence[str] = ()) -> list[str]:
        """Materials handed over when filing ``files`` at one visit: what data sharing
        fetches is not asked for; one form replaces the application forms (once in a
        case); a single window takes each material once (``before`` was handed earlier
        in the case).  Siloed, every item asks for its own copies."""
        kinds = self.scenario.materials
        handed = [m for key in files for m in self.handed(key)]
        if self.has("one_form"):
            forms = [m for m in handed if kinds[m].kind == "form"]
            handed = [m for m in handed if kinds[m].kind != "form"]
            if forms and MERGED_FORM not in before:
                handed.append(MERGED_FORM)
        if self.integrated:
            handed = [m for m in dict.fromkeys(handed) if m not in before]
        return handed

    def rework(self, key: str) -> float:
        """Only materials still handed over can be missing; fetched ones cannot."""
        item = self.item(key)
        if not item.materials:
            return item.rework
        return item.rework * len(self.handed(key)) / len(item.materials)

    def windows(self, place: str) -> int:
        staffing = self.scenario.levers.staffing if self.has("staffing") else {}
        if place == SINGLE_WINDOW:
            return staffing.get(place, self.scenario.levers.single_window.windows)
        return staffing.get(place, self.scenario.departments[place].windows)

    @cached_property
    def places(self) -> tuple[str, ...]:
        """Where applicants queue: the single window, or each department with an item."""
        if self.integrated:
            return (SINGLE_WINDOW,)
        return tuple(dict.fromkeys(self.item(k).department for k in self.order))

    def place_name(self, place: str) -> str:
        if place == SINGLE_WINDOW:
            return self.scenario.levers.single_window.name
        if place in self.scenario.departments:
            return self.scenario.departments[place].name
        return place  # home, the post
