"""The applicant's journey: the ordered office visits a process asks of one applicant.

A pure function of the process and of the items the applicant takes (``Choices``: 选办
items and alternatives), so the nominal trip count (no rework) is read off the same plan
that the DES and the live harness execute: the count and the simulation cannot drift
apart.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import product

from onething.scenarios.levers import HOME, SINGLE_WINDOW, Process, is_zero

ENUMERATED = 4096
"""Up to this many combinations of choices, the mean over applicants is exact; beyond,
it is the mean over this many applicants drawn with a fixed seed."""


class Choices:
    """What an applicant may choose of a bundle: each optional item (``take_up`` below 1)
    on its own draw, and one option of each alternative on one draw."""

    def __init__(self, process: Process):
        s = process.scenario
        grouped = {k for options in s.alternatives.values() for o in options for k in o.items}
        self.order = process.order
        self.optional = {k: s.items[k].take_up for k in self.order if s.items[k].take_up < 1}
        self.alternatives = {
            name: [(o.share, frozenset(o.items)) for o in options]
            for name, options in s.alternatives.items()
        }
        self.required = frozenset(k for k in self.order if k not in grouped) - set(self.optional)

    def __bool__(self) -> bool:
        """Some applicant may take less than the whole bundle."""
        return bool(self.optional or self.alternatives)

    def taken(
        self, take_up: Callable[[str], float], alternative: Callable[[str], float]
    ) -> tuple[str, ...]:
        """The items one applicant takes, in the process's order, from their uniform draws:
        ``take_up(item)`` for each optional item, ``alternative(name)`` for each
        alternative (in the file's order)."""
        chosen = set(self.required)
        for key, share in self.optional.items():
            if take_up(key) < share:
                chosen.add(key)
        for name, options in self.alternatives.items():
            chosen |= _option(options, alternative(name))
        return tuple(k for k in self.order if k in chosen)

    def outcomes(self) -> Iterator[tuple[float, tuple[str, ...]]]:
        """(probability, items taken) over applicants: every combination when there are
        at most ``ENUMERATED``, else that many applicants drawn with a fixed seed."""
        combinations = 2 ** len(self.optional)
        for options in self.alternatives.values():
            combinations *= len(options)
        if combinations > ENUMERATED:
            rng = random.Random(0)
            for _ in range(ENUMERATED):
                draw = lambda _key: rng.random()  # noqa: E731 - one uniform per choice
                yield 1 / ENUMERATED, self.taken(draw, draw)
            return
        singles = [[(p, {k}), (1 - p, set())] for k, p in self.optional.items()]
        groups = [[(p, set(items)) for p, items in g] for g in self.alternatives.values()]
        for combination in product(*singles, *groups):
            probability, chosen = 1.0, set(self.required)
            for p, items in combination:
                probability *= p
                chosen |= items
            if probability > 0:
                yield probability, tuple(k for k in self.order if k in chosen)


def _option(options: list[tuple[float, frozenset[str]]], uniform: float) -> frozenset[str]:
    """The option a uniform draw falls on, shares laid end to end (the last one when
    rounding leaves the draw past their sum)."""
    total = 0.0
    for share, items in options:
        total += share
        if uniform < total:
            return items
    return options[-1][1]


def taking(process: Process, taken: tuple[str, ...]) -> Process:
    """The process of an applicant who takes only ``taken``.

    The dependency rule: an item is not blocked by an item the applicant does not take
    (an optional item not chosen, another option of an alternative): it waits instead
    for what that item would have waited for, among the items taken, so the order of
    the rest holds (the applicant simply does not need that result)."""
    if taken == process.order:
        return process
    s = process.scenario
    keep = set(taken)

    def needs(key: str) -> list[str]:
        found: list[str] = []
        for dep in s.items[key].requires:
            for d in [dep] if dep in keep else needs(dep):
                if d not in found:
                    found.append(d)
        return found

    items = {k: s.items[k].model_copy(update={"requires": needs(k)}) for k in taken}
    return Process(s.model_copy(update={"items": items, "alternatives": {}}), process.levers)


class Journeys:
    """Each applicant's journey by the items they take, planned once per combination."""

    def __init__(self, process: Process):
        self.process = process
        self.choices = Choices(process)
        self._planned = {process.order: journey(process)}

    def of(self, taken: tuple[str, ...]) -> tuple[Visit, ...]:
        planned = self._planned.get(taken)
        if planned is None:
            planned = self._planned[taken] = journey(taking(self.process, taken))
        return planned


@dataclass(frozen=True)
class Visit:
    place: str
    """A department, or ``single_window``."""
    file: tuple[str, ...] = ()
    """Items filed (materials handed over) at this visit."""
    collect: tuple[str, ...] = ()
    """Results collected in person at this visit."""
    awaits: tuple[str, ...] = ()
    """Items whose results the applicant must hold before setting off."""
    trip: bool = True
    """The applicant travels to get here (a 跑动)."""
    online: bool = False
    on_the_spot: tuple[str, ...] = ()
    """Items filed here whose results are handed over on the spot (waited for here)."""


def journey(process: Process) -> tuple[Visit, ...]:
    visits = _integrated(process) if process.integrated else _siloed(process)
    return _mark_trips(process, visits)


def _integrated(process: Process) -> list[Visit]:
    visits = [Visit(SINGLE_WINDOW, file=process.order, online=process.online)]
    collect = tuple(k for k in process.order if process.delivery(k) == "pickup")
    if collect:
        visits.append(Visit(SINGLE_WINDOW, collect=collect, awaits=process.order))
    return visits


def _waves(process: Process) -> list[tuple[str, ...]]:
    """Parallel approval files every ready item at once; otherwise items go one after
    another, except neighbours at the same department that do not depend on each other."""
    if process.parallel:
        return list(process.levels)
    waves: list[list[str]] = []
    for key in process.order:
        item = process.item(key)
        last = waves[-1] if waves else None
        if (
            last
            and process.item(last[0]).department == item.department
            and not set(item.requires) & set(last)
        ):
            last.append(key)
        else:
            waves.append([key])
    return [tuple(w) for w in waves]


def _siloed(process: Process) -> list[Visit]:
    visits: list[Visit] = []
    previous: tuple[str, ...] = ()
    for wave in _waves(process):
        by_place = _group_by_department(process, wave)
        for place, items in by_place.items():
            visits.append(Visit(place, file=items, awaits=previous, online=process.online))
        pickups = [k for k in wave if process.delivery(k) == "pickup"]
        for place, items in _group_by_department(process, tuple(pickups)).items():
            visits.append(Visit(place, collect=items, awaits=items))
        previous = wave
    return _merge_neighbours(visits)


def _group_by_department(process: Process, keys: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    groups: dict[str, list[str]] = {}
    for key in keys:
        groups.setdefault(process.item(key).department, []).append(key)
    return {place: tuple(items) for place, items in groups.items()}


def _merge_neighbours(visits: list[Visit]) -> list[Visit]:
    """Collecting a result and filing the next item at the same office is one visit."""
    merged: list[Visit] = []
    for visit in visits:
        last = merged[-1] if merged else None
        if (
            last is not None
            and last.place == visit.place
            and last.collect
            and not last.file
            and not visit.collect
            and not visit.online
        ):
            awaits = tuple(dict.fromkeys(last.awaits + visit.awaits))
            merged[-1] = Visit(visit.place, file=visit.file, collect=last.collect, awaits=awaits)
        else:
            merged.append(visit)
    return merged


def _mark_trips(process: Process, visits: list[Visit]) -> tuple[Visit, ...]:
    """A visit is a trip when the applicant is somewhere else before it.

    The applicant stays at an office only while a result is handed over on the spot;
    whenever a result must be waited for, they go home first.
    """
    at_start = process.scenario.levers.single_window.at_start
    location = process.scenario.applicants.start
    in_hand: set[str] = set()
    marked: list[Visit] = []
    for visit in visits:
        if any(k not in in_hand for k in visit.awaits):
            location = HOME
            in_hand.update(visit.awaits)
        desk_is_here = visit.place == SINGLE_WINDOW and at_start and not visit.collect
        trip = not (visit.online or desk_is_here) and visit.place != location
        spot = tuple(k for k in visit.file if process.delivery(k) == "on_the_spot")
        marked.append(
            Visit(visit.place, visit.file, visit.collect, visit.awaits, trip, visit.online, spot)
        )
        in_hand.update(visit.collect)
        in_hand.update(
            k
            for k in visit.file
            if process.delivery(k) == "on_the_spot"
            or (process.delivery(k) == "electronic" and is_zero(process.processing(k)))
        )
        if not visit.online:
            location = visit.place
    return tuple(marked)
