"""Levers: named, explicit transformations of the siloed "before" process.

A ``Process`` is a scenario with a set of levers switched on.  Everything the engines and
the counts need to know about that combination (who delivers how, which materials are
still handed over, how long the back office takes) is derived here, in one place, so the
DES, the live services and the counts cannot disagree.

Each lever is one module of this package saying what it changes (``lever.Lever``);
adding a lever is a module and a line below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from onething.scenarios.errors import Reason
from onething.scenarios.levers import (
    data_sharing,
    e_certificate,
    notify_commit,
    one_form,
    online_intake,
    parallel_approval,
    single_window,
    staffing,
)
from onething.scenarios.levers.lever import HOOKS, EffectiveDelivery, Lever
from onething.scenarios.levers.one_form import MERGED_FORM
from onething.scenarios.levers.single_window import SINGLE_WINDOW
from onething.scenarios.model import Distribution, Item, Scenario

REGISTERED: dict[str, Lever] = {
    lever.name: lever
    for lever in (
        single_window.LEVER,
        one_form.LEVER,
        data_sharing.LEVER,
        parallel_approval.LEVER,
        e_certificate.LEVER,
        online_intake.LEVER,
        notify_commit.LEVER,
        staffing.LEVER,
    )
}
"""The levers by name, in the order their hooks apply and the catalog lists them."""


class _Descriptions(Mapping[str, str]):
    """Lever name -> what it changes, read from ``REGISTERED`` as it stands."""

    def __getitem__(self, name: str) -> str:
        return REGISTERED[name].description

    def __iter__(self) -> Iterator[str]:
        return iter(REGISTERED)

    def __len__(self) -> int:
        return len(REGISTERED)


LEVERS: Mapping[str, str] = _Descriptions()

Mode = Literal["before", "after"]
HOME = "home"


class UnknownLever(Reason):
    pass


def unknown_levers(names: Iterable[str]) -> Reason:
    """The one line that says these names are no lever's."""
    names = list(names)
    return Reason(
        "unknown_lever",
        quoted=", ".join(map(repr, names)),
        names="、".join(names),
        known=", ".join(LEVERS),
    )


def parse_levers(text: str | Iterable[str]) -> frozenset[str]:
    names = [n.strip() for n in text.split(",")] if isinstance(text, str) else list(text)
    names = [n for n in names if n]
    unknown = [n for n in names if n not in LEVERS]
    if unknown:
        raise UnknownLever("unknown_lever", **unknown_levers(unknown).fields)
    return frozenset(names)


def is_zero(dist: Distribution) -> bool:
    """Never takes time (no distribution draws below 0, so a mean of 0 is 0 every time)."""
    return dist.mean_value == 0


@dataclass(frozen=True)
class Process:
    """A scenario with these levers on; what it asks of the applicant and the offices."""

    scenario: Scenario
    levers: frozenset[str]

    @classmethod
    def of(
        cls, scenario: Scenario, mode: Mode = "after", levers: Iterable[str] | None = None
    ) -> Process:
        """Before = no levers; after = the scenario's own levers, or the ones given."""
        if levers is not None:
            return cls(scenario, parse_levers(levers))
        return cls(scenario, parse_levers(scenario.after) if mode == "after" else frozenset())

    def has(self, lever: str) -> bool:
        return lever in self.levers

    @property
    def label(self) -> str:
        return "+".join(sorted(self.levers)) if self.levers else "before"

    @cached_property
    def switched_on(self) -> tuple[Lever, ...]:
        """The levers on, in the registry's order (the order their hooks apply)."""
        return tuple(lever for name, lever in REGISTERED.items() if name in self.levers)

    @cached_property
    def _hooks(self) -> dict[str, tuple[Callable[..., Any], ...]]:
        """Per hook, the functions of the levers on that have it, in order."""
        return {
            hook: tuple(f for lever in self.switched_on if (f := getattr(lever, hook)))
            for hook in HOOKS
        }

    @cached_property
    def integrated(self) -> bool:
        """One intake desk takes the whole bundle (``Lever.integrated``)."""
        return any(lever.integrated for lever in self.switched_on)

    @cached_property
    def parallel(self) -> bool:
        return any(lever.parallel for lever in self.switched_on)

    @cached_property
    def online(self) -> bool:
        return any(lever.online for lever in self.switched_on)

    @cached_property
    def shares_data(self) -> bool:
        """Offices share data: no paper result travels between them."""
        return any(lever.shares_data for lever in self.switched_on)

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
        dist = item.processing
        for change in self._hooks["processing"]:
            dist = change(item, dist)
        return dist

    def delivery(self, key: str) -> EffectiveDelivery:
        mode: EffectiveDelivery = self.item(key).result.delivery
        if mode == "pickup" and is_zero(self.processing(key)):
            mode = "on_the_spot"
        for change in self._hooks["delivery"]:
            mode = change(self.item(key), mode)
        return mode

    def handed(self, key: str) -> tuple[str, ...]:
        """Materials the applicant hands over for this item."""
        return self._handed[key]

    @cached_property
    def _handed(self) -> dict[str, tuple[str, ...]]:
        """``handed`` of every item, worked out once (a visit asks it for each item)."""
        out = {}
        for key, item in self.scenario.items.items():
            handed = tuple(item.materials)
            for change in self._hooks["handed"]:
                handed = change(self.scenario, item, handed)
            out[key] = handed
        return out

    def fetched(self, key: str) -> tuple[str, ...]:
        """Materials of this item that are fetched (data sharing) instead of asked for."""
        handed = set(self.handed(key))
        return tuple(m for m in self.item(key).materials if m not in handed)

    def handover(self, files: Sequence[str], before: Sequence[str] = ()) -> list[str]:
        """Materials handed over when filing ``files`` at one visit (``before`` was handed
        earlier in the case): each item's ``handed``, then what the levers make of the
        visit's pile (one form replaces the application forms once in a case; a single
        window takes each material once).  Siloed, every item asks for its own copies."""
        handed = [m for key in files for m in self.handed(key)]
        for change in self._hooks["handover"]:
            handed = change(self.scenario, handed, before)
        return handed

    def item_steps(self, key: str) -> list[str]:
        """One item's steps as the levers leave them for its applicant."""
        steps = list(self.item(key).steps)
        for change in self._hooks["item_steps"]:
            steps = change(self.item(key), steps)
        return steps

    def bundle_steps(self, kinds: Counter[str]) -> Counter[str]:
        """The bundle's steps by kind as the levers merge them."""
        for change in self._hooks["bundle_steps"]:
            kinds = change(kinds)
        return kinds

    def field_groups(self) -> list[str]:
        """The field groups filled in over the bundle, a group once per time it is asked."""
        groups = [g for k in self.order for g in self.item(k).form.groups]
        for change in self._hooks["field_groups"]:
            groups = change(groups)
        return groups

    def rework(self, key: str) -> float:
        """Only materials still handed over can be missing; fetched ones cannot."""
        item = self.item(key)
        if not item.materials:
            return item.rework
        return item.rework * len(self.handed(key)) / len(item.materials)

    def windows(self, place: str) -> int:
        s = self.scenario
        if place == SINGLE_WINDOW:
            windows = s.levers.single_window.windows
        else:
            windows = s.departments[place].windows
        for change in self._hooks["windows"]:
            windows = change(s, place, windows)
        return windows

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


__all__ = [
    "HOME",
    "LEVERS",
    "MERGED_FORM",
    "REGISTERED",
    "SINGLE_WINDOW",
    "EffectiveDelivery",
    "Lever",
    "Mode",
    "Process",
    "UnknownLever",
    "is_zero",
    "parse_levers",
    "unknown_levers",
]
