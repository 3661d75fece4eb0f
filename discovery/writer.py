"""From a log to a scenario file: two streaming passes, then every number with its
provenance.

The observed process becomes the scenario's ``after`` (the levers the log shows: a single
window, online filing, parallel approval, electronic results, no paper passed between
offices); a log of a siloed hall gives a scenario whose after equals its before.  Every
fitted number is listed under ``assumptions:`` (observations, method, statistic); what a
log cannot show is listed under ``placeholders:`` for the planner to fill, and the counts
that depend on it are reported as unknown.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.stats import ks_2samp

from onething.discovery.calendar import (
    DAY,
    HOLIDAY_EVIDENCE,
    OUT_OF_HOURS,
    Calendars,
    fit_calendars,
    observe,
    pooled,
)
from onething.discovery.cases import (
    PICKUP,
    RETURN_CASES,
    RETURN_SHARE,
    SNAP_MINUTES,
    Observations,
    Reader,
    Spans,
    least_squares,
    max_concurrency,
    returned_tasks,
)
from onething.discovery.fit import Fit, Sample, fit
from onething.discovery.logs import UNNAMED, Event, Skipped, read_log
from onething.discovery.pools import SIMILAR, Pools, resource_pools
from onething.discovery.runs import job_runs
from onething.discovery.vocabulary import SINGLE_WINDOW
from onething.discovery.waiting import WaitingPeriod
from onething.scenarios.errors import FileError, Problem
from onething.scenarios.model import (
    AROUND_THE_CLOCK,
    MAX_HORIZON_DAYS,
    MAX_ITEMS,
    MAX_ROUNDS,
    WEEKDAYS,
    clock_time,
    closure,
    new_identifier,
)

TAKE_UP = 0.01
"""Items done in at least this share of the cases are written (those done in fewer are
reported); an item skipped by more of the cases than this is optional, with its share as
its take-up, or part of an alternative; one skipped by fewer is required, the skips read
as rare as the items left out (the helpdesk's 21 tickets of 4,580 without a closing
still last a month: simulated without it, they ended within days)."""
EXCLUSIVE = 0.9
"""Optional items form an alternative when at least this share of the cases holding the
rarer of two of them do not hold the other."""
VARIANTS_MISFIT = 0.2
"""When the items' own take-ups and the alternatives give the log's sets of items at a
total variation distance above this (items taken together or not at all, as a loan
declined at once skips the offer's items), the sets themselves are written: one
alternative whose options are the most frequent sets, the variants of the bundle."""
VARIANTS_COVER = 0.95
"""Variants are written until they hold this share of the cases; each case of a rarer
set counts with its nearest written set."""
CLOSED_FILINGS = 50
CLOSED_APART = 0.2
CLOSED_MINUTES = 5.0
"""An item with 50 rounds or more of cases that filed it while its department was closed,
and as many of cases that filed it while open (each round one observation, as in its
processing), gets a processing for each (``Item.processing_when_closed``) where the two
samples' Kolmogorov-Smirnov distance is 0.2 or more and their means 5 working minutes
apart: a night's backlog (BPIC 2012's leads filed overnight take 59 minutes a round after
the opening, those filed by day 38)."""
SPLIT_RATIO = 1.5
SPLIT_MINUTES = 60.0
SPLIT_CASES = 100
"""Where variants are written, an item whose time per case (first filing to last
decision) is ``SPLIT_RATIO`` times longer in one group of variants than in another,
and ``SPLIT_MINUTES`` of working time longer or more, each group of ``SPLIT_CASES``
cases or more, is written once per group under its name, each with its group's rounds
and time (BPIC 2012's call-backs: until the offer comes back, or until the loan is
cancelled); each group is cut again the same way."""
DEADLINE_CASES = 30
DEADLINE_SPREAD = 0.05
"""A repeated task whose last round ended with a job's decision (a timeout's) in
``DEADLINE_CASES`` cases or more, the middle half of them within ``DEADLINE_SPREAD`` of
their median time from its filing, has a deadline on its rounds (``Repeat.within``),
around the clock: a deadline followed by the job's next run gives times from the
deadline to the deadline and the longest time between runs, so it lies between their
75 % quantile less that time and their 5 % quantile, and is written at the midpoint.
BPIC 2012's calls to complete an application stop when the system cancels it, 30 days
after they began."""
LATEST_CASES = 100
LATEST_SHARE = 0.01
LATEST_WALL = 0.03
LATEST_DAYS = 1.0
"""An item decided within some time after the case opened in every case that did it once
(``LATEST_CASES`` or more), at least ``LATEST_SHARE`` of them within ``LATEST_WALL`` of
that longest time and twice as many as in the ``LATEST_WALL`` before (a wall the times
pile up against, not a tail thinning out nor an even spread ending), a day or more, is
decided no later than that (``Item.decided_within``), around the clock: the
helpdesk closes every ticket within 60 days of its opening, 4 % of them in the last two.
Not for an item a job decides: its decisions pile up at its runs."""
SUPPORT = 0.9
"""A dependency is kept when, among the cases holding both items, at least this share
decided the one before filing the other ..."""
MIN_SUPPORT_CASES = 10
"""... in at least this many cases: an order seen in a handful of cases is no rule."""
KEEP_EVENTS = 2_000_000
"""Events kept in memory after the first reading for the passes after it (BPIC 2012's
164,506 raise the peak by about 50 MB); a longer log is read again for each."""
MIN_SOLO = 30
"""Window services filing one item alone needed before that item's own times are fitted."""
PLACEHOLDER = "PLACEHOLDER: "
LONG_LOG_DAYS = 365
"""A log spanning more days has its seasons by month (its arrivals drift over the years),
a shorter one by week."""
SEASON_Z = 4.0
"""Standard deviations by which a week's arrivals must differ to be a season: with a
dozen weeks a log of steady arrivals has none by chance."""
DRIFT_SHARE = 0.25
DRIFT_PERIODS = 12
"""Where more than ``DRIFT_SHARE`` of ``DRIFT_PERIODS`` or more weeks (months) stand out,
the rate drifts rather than peaks in seasons: every period is written with its rate.  The
helpdesk's months: 22 of 47 stood out and the 25 left at one rate put its arrivals 425
hours (EMD) from the log's, against 131 with every month's rate (its split-half floor
254); BPIC 2012's weeks, 9 of 23: 20.4 against 12.9 (floor 16.0)."""


@dataclass
class Discovery:
    scenario: dict[str, Any]
    fits: dict[str, tuple[Fit, list[float]]] = field(default_factory=dict)
    """Parameter path -> its fit and the observations (in the fit's unit)."""
    skipped: Skipped = field(default_factory=Skipped)
    events: int = 0
    cases: int = 0
    unmapped: list[str] = field(default_factory=list)
    inferred: dict[str, list[str]] = field(default_factory=dict)
    """What discovery inferred, by topic (items, dependencies, repeats, ...), with its
    support, for the fit report."""

    def yaml(self) -> str:
        return yaml.safe_dump(self.scenario, allow_unicode=True, sort_keys=False, width=100)


def discover(
    path: Path,
    fmt: str | None = None,
    columns: dict[str, str] | None = None,
    generic: bool | None = None,
) -> Discovery:
    """Read the log (calendar), go through its events for everything measured on it (once
    more where a task is returned to after other work, ``cases.RETURN_SHARE``; kept from
    the first reading up to ``KEEP_EVENTS``) and fit.  ``generic``
    reads it as a workflow log, not a 一件事 bundle's (default: when no event uses
    onething's vocabulary)."""
    events, skipped = read_log(path, fmt, columns)
    counted = _Counting(events, skipped)
    evidence, activity = observe(counted)
    if counted.n == 0:
        reason = "no usable event" if skipped.total else "no event: a header and nothing more"
        raise FileError(path, [Problem("(file)", reason), *_skips(skipped)])
    if not evidence[""].minutes and not activity.day_resolution:
        reason = "no event shows when work happens (no service begun, no decision ended)"
        raise FileError(path, [Problem("(file)", reason)])
    first, last = min(activity.dates), max(activity.dates)
    if (last - first).days >= MAX_HORIZON_DAYS:
        reason = (
            f"events from {first} to {last}: a scenario runs at most {MAX_HORIZON_DAYS} "
            f"days; correct or remove the rows dated {first} or {last}"
        )
        raise FileError(path, [Problem("(file)", reason)])
    pools = resource_pools(counted.done) if counted.departments == {UNNAMED} else None
    if pools is not None:
        pooled(evidence, activity, pools)
    calendars = fit_calendars(evidence, activity, pools is not None)

    def events_again() -> tuple[Iterable[Event], Skipped]:
        """The events for another pass, each in its pool's department where pools were
        found."""
        events, skipped = counted.again() or read_log(path, fmt, columns)
        if pools is not None:
            events = (e._replace(department=pools.department[e.activity]) for e in events)
        return events, skipped

    events, skipped = events_again()
    runs = {task: found for task, ends in activity.ends.items() if (found := job_runs(ends))}
    completions = counted.sorted_completions()
    obs = Reader(calendars, skipped, completions, runs).read(events)
    if not obs.processing:
        raise FileError(path, [Problem("(file)", "no item or task could be read")])
    if returns := returned_tasks(obs):
        # once more, the returned tasks' later rounds read as items of their own
        events, skipped = events_again()
        obs = Reader(calendars, skipped, completions, runs, returns).read(events)
    return _Writer(path, obs, calendars, skipped, counted.n, generic, pools).discovery()


class _Counting:
    """The first pass's events, counted, with each resource's completion times (for the
    start of the complete-only events of the second pass), and kept for the passes after
    it where they are ``KEEP_EVENTS`` or fewer."""

    def __init__(self, events, skipped: Skipped):  # noqa: ANN001 - any iterator of events
        self.events, self.n, self.skipped = events, 0, skipped
        self.kept: list[Event] | None = []
        self.completions: dict[str, array] = {}
        self.done: Counter[tuple[str, str]] = Counter()
        """Events per (resource, task) (``pools``)."""
        self.departments: set[str] = set()

    def __iter__(self):  # noqa: ANN204
        for e in self.events:
            self.n += 1
            if e.resource:
                self.completions.setdefault(e.resource, array("d")).append(e.end)
            self.done[(e.resource, e.activity)] += 1
            self.departments.add(e.department)
            if self.kept is not None:
                self.kept.append(e)
                if len(self.kept) > KEEP_EVENTS:
                    self.kept = None
            yield e

    def again(self) -> tuple[Iterator[Event], Skipped] | None:
        """The events once more without reading the log, where they were kept, with the
        rows the reading skipped (a copy: each pass adds its own duplicates)."""
        if self.kept is None:
            return None
        skipped = Skipped(Counter(self.skipped.counts), dict(self.skipped.first))
        return iter(self.kept), skipped

    def sorted_completions(self) -> dict[str, array]:
        return {r: array("d", sorted(ends)) for r, ends in self.completions.items()}


def _skips(skipped: Skipped) -> list[Problem]:
    return [
        Problem(f"line {skipped.first[r]}", f"{n} rows: {r}") for r, n in skipped.counts.items()
    ]


def _shifted(sample: Sample, by: float) -> Sample:
    out = Sample()
    out.count = sample.count
    out.values = [max(0.0, v - by) for v in sample.values]
    out.total = max(0.0, sample.total - by * sample.count)
    return out


def _scaled(sample: Sample, factor: float) -> Sample:
    out = Sample()
    out.count = sample.count
    out.values = [v * factor for v in sample.values]
    out.total = sample.total * factor
    return out


def _merged(parts: Iterable[Spans]) -> Spans:
    out = Spans()
    for spans in parts:
        out.merge(spans)
    return out


def _split(ranked: list[tuple[frozenset[str], Spans]]) -> list[list[tuple[frozenset[str], Spans]]]:
    """Variants ranked by their time per case, cut where the two sides differ most
    (``SPLIT_RATIO``, ``SPLIT_MINUTES``, ``SPLIT_CASES``), each side cut again."""
    best = None
    for k in range(1, len(ranked)):
        short, long = _merged(s for _, s in ranked[:k]), _merged(s for _, s in ranked[k:])
        if min(short.cases, long.cases) < SPLIT_CASES:
            continue
        a, b = short.minutes / short.cases, long.minutes / long.cases
        if b < SPLIT_RATIO * a or b - a < SPLIT_MINUTES:
            continue
        between = short.cases * long.cases * (b - a) ** 2 / (short.cases + long.cases)
        if best is None or between > best[0]:
            best = (between, k)
    if best is None:
        return [ranked]
    return _split(ranked[: best[1]]) + _split(ranked[best[1] :])


def _per_round(spans: Spans) -> float:
    return spans.minutes / max(1, sum(n * c for n, c in spans.rounds.items()))


def _span(minutes: float, day: float, unit: str) -> str:
    """A duration for the report: in ``unit`` days of ``day`` minutes from a day up,
    else in hours or minutes."""
    if minutes >= day:
        return f"{minutes / day:.2f} {unit} days"
    if minutes >= 60:
        return f"{minutes / 60:.1f} hours"
    return f"{minutes:.1f} minutes"


def _fixed(value: float, unit: str = "minutes") -> dict[str, Any]:
    return {"dist": "fixed", "value": float(f"{value:.4g}"), "unit": unit}


class _Writer:
    def __init__(
        self,
        path: Path,
        obs: Observations,
        calendars: Calendars,
        skipped: Skipped,
        events: int,
        generic: bool | None = None,
        pools: Pools | None = None,
    ):
        self.path, self.obs, self.calendars, self.pools = path, obs, calendars, pools
        self.result = Discovery({}, skipped=skipped, events=events, cases=obs.cases)
        self.assumptions: dict[str, str] = {}
        self.placeholders: dict[str, str] = {}
        self.generic = obs.onething == 0 if generic is None else generic
        self.order = self.common_items()
        self.needs = self.dependencies()
        self.order = _topological(self.order, self.needs)
        self.optional = [i for i in self.order if self.skipped(i)]
        """The written items some cases skip, in order."""
        self.alternatives = self.exclusive_groups()
        self.variants = self.item_variants()
        self.note_groups(self.alternatives)
        if self.variants:
            self.alternatives = []
        self.grouped = {i for group in self.alternatives for i in group} | {
            i for variant, _ in self.variants for i in variant
        }
        used: set[str] = set()
        self.key = {
            i: (i if re.fullmatch(r"[a-z][a-z0-9_]*", i) else new_identifier(i, used, "item"))
            for i in self.order
        }
        self.splits = self.split_items()
        self.deadlines = self.find_deadlines()
        self.latest = self.find_latest()
        taken = set(self.key.values())
        self.keys: dict[str, list[str]] = {}
        """Each item's keys: one, or one per group of variants of a split item."""
        for item in self.order:
            self.keys[item] = [self.key[item]]
            for _ in self.splits.get(item, [])[1:]:
                n = len(self.keys[item]) + 1
                while f"{self.key[item]}_{n}" in taken:
                    n += 1
                taken.add(f"{self.key[item]}_{n}")
                self.keys[item].append(f"{self.key[item]}_{n}")
        used = set()
        names = {obs.department(i) for i in self.order}
        self.dept = {
            d: (d if re.fullmatch(r"[a-z][a-z0-9_]*", d) else new_identifier(d, used, "department"))
            for d in sorted(names)
        }

    def note(self, topic: str, line: str) -> None:
        self.result.inferred.setdefault(topic, []).append(line)

    def skipped(self, item: str) -> bool:
        """Whether more than ``TAKE_UP`` of the cases skip ``item``: it is optional."""
        return self.obs.presence[item] < (1 - TAKE_UP) * self.obs.cases

    def common_items(self) -> list[str]:
        """The items most cases do (``TAKE_UP``), in their usual order; the others are
        reported with their take-up share, and the repeats with their counts."""
        obs = self.obs
        everything = obs.items()
        kept = [i for i in everything if obs.presence[i] >= TAKE_UP * obs.cases]
        if not kept:
            kept = [max(everything, key=lambda i: obs.presence[i])]
        for item in everything:
            share = obs.presence[item] / obs.cases if obs.cases else 0.0
            written = (
                "left out (rarer than the written items)"
                if item not in kept
                else "written"
                if obs.presence[item] == obs.cases
                else "written as required (skipped as rarely as the items left out are done)"
                if not self.skipped(item)
                else "written as optional or in an alternative"
            )
            self.note(
                "items",
                f"{item}: in {obs.presence[item]} of {obs.cases} cases ({share:.1%}); {written}",
            )
            if obs.estimated[item]:
                work, since = obs.work[item].mean, obs.processing[item].mean
                self.note(
                    "work",
                    f"{item}: {obs.estimated[item]} of {obs.work[item].count} starts "
                    f"estimated from resource availability; work {work:.0f} working min "
                    f"on average, {since:.0f} from filing to decision",
                )
            if obs.outcomes[item]:
                self.note(
                    "work",
                    f"{item}: {obs.outcomes[item]} of its events logged {SNAP_MINUTES:.0f} min "
                    "or less before a round of another task closed: read as "
                    "that round's outcome, decided just after it",
                )
            if (task := obs.again_of.get(item)) is not None and obs.presence[item]:
                self.note(
                    "repeats",
                    f"{task}: returned to after other work in {obs.returned[task]} of the "
                    f"{obs.presence[item]} cases doing it more than once "
                    f"({obs.returned[task] / obs.presence[item]:.0%}; at {RETURN_SHARE:.0%} "
                    f"and {RETURN_CASES} cases or more): its rounds after the first are "
                    f"written as an item of their own, {item} (named {task}), with its own "
                    "dependencies and rounds",
                )
            if obs.repeat_cases[item]:
                per_case = (obs.repeats[item] + obs.repeat_cases[item]) / obs.repeat_cases[item]
                self.note(
                    "repeats",
                    f"{item}: done more than once in {obs.repeat_cases[item]} of "
                    f"{obs.presence[item]} cases holding it "
                    f"({obs.repeat_cases[item] / max(1, obs.presence[item]):.1%}), "
                    f"{per_case:.2f} rounds on average there; written as a repeat with "
                    "these rounds' shares, each round an equal part of the time from its "
                    "first filing to its last decision",
                )
        if obs.estimated:
            self.note(
                "work",
                "an item's processing is written from filing to decision (the model has no "
                "queue for back-office staff, so the waiting for one stays in it)",
            )
        if len(kept) > MAX_ITEMS:
            kept = sorted(kept, key=lambda i: -obs.presence[i])[:MAX_ITEMS]
            self.result.unmapped.append(
                f"only the {MAX_ITEMS} most frequent items are written (a scenario's limit)"
            )
        return [i for i in everything if i in kept]

    def exclusive_groups(self) -> list[list[str]]:
        """Optional items that exclude each other (``EXCLUSIVE`` of the cases holding the
        rarer hold not the other, in ``MIN_SUPPORT_CASES`` or more), gathered greedily from
        the most frequent: each group becomes an alternative."""
        obs = self.obs
        optional = sorted(self.optional, key=lambda i: -obs.presence[i])

        def exclusive(a: str, b: str) -> bool:
            rarer = min(obs.presence[a], obs.presence[b])
            both = obs.together[(a, b)]
            return rarer >= MIN_SUPPORT_CASES and both <= (1 - EXCLUSIVE) * rarer

        groups: list[list[str]] = []
        for item in optional:
            group = next((g for g in groups if all(exclusive(item, o) for o in g)), None)
            if group is None:
                groups.append([item])
            else:
                group.append(item)
        return [g for g in groups if len(g) > 1]

    def note_groups(self, groups: list[list[str]]) -> None:
        obs = self.obs
        for group in groups:
            shares = ", ".join(f"{i} {obs.presence[i] / obs.cases:.1%}" for i in group)
            written = "in the variants" if self.variants else "written as an alternative"
            self.note(
                "alternatives",
                f"{' | '.join(group)}: of the cases holding one, at least {EXCLUSIVE:.0%} "
                f"hold none of the others; {written} ({shares})",
            )

    def group_options(self, group: list[str]) -> list[tuple[frozenset[str], float]]:
        """An exclusive group's options: one per item with its share (scaled down where
        cases holding two make the shares add up past 1), and none with the rest."""
        obs = self.obs
        shares = [obs.presence[i] / obs.cases for i in group]
        scale = min(1.0, 1 / sum(shares))
        options = [
            (frozenset([i]), round(s * scale, 6)) for i, s in zip(group, shares, strict=True)
        ]
        rest = 1 - sum(share for _, share in options)
        if rest > 1e-6:
            return [*options, (frozenset(), round(rest, 6))]
        last, share = options[-1]
        return [*options[:-1], (last, round(share + rest, 6))]

    def item_sets(self) -> Counter[frozenset[str]]:
        """The cases holding each set of the written items that not every case holds."""
        optional = set(self.optional)
        sets: Counter[frozenset[str]] = Counter()
        for items, n in self.obs.item_sets.items():
            sets[items & optional] += n
        return sets

    def misfit(self, sets: Counter[frozenset[str]]) -> float:
        """Total variation distance between the log's sets of items and those the items'
        own take-ups and the exclusive groups give (exact: the sets the log never shows
        take the mass the model gives them)."""
        obs = self.obs
        grouped = {i for g in self.alternatives for i in g}
        single = {i: obs.presence[i] / obs.cases for i in self.optional if i not in grouped}
        groups = [(frozenset(g), self.group_options(g)) for g in self.alternatives]
        apart, given = 0.0, 0.0
        for items, n in sets.items():
            p = 1.0
            for i, share in single.items():
                p *= share if i in items else 1 - share
            for members, options in groups:
                p *= sum(share for o, share in options if o == items & members)
            apart += abs(n / obs.cases - p)
            given += p
        return (apart + max(0.0, 1 - given)) / 2

    def item_variants(self) -> list[tuple[frozenset[str], float]]:
        """The most frequent sets of items with their shares (``VARIANTS_COVER``, at most
        ``MAX_ITEMS``), where the take-ups misfit the log (``VARIANTS_MISFIT``); else none.
        Sets ``variant_of`` (each set of the log -> its written variant)."""
        obs = self.obs
        self.variant_of: dict[frozenset[str], frozenset[str]] = {}
        sets = self.item_sets()
        if len(sets) < 2:
            return []
        misfit = self.misfit(sets)
        if misfit <= VARIANTS_MISFIT:
            return []
        ranked = sets.most_common()
        written, held = [], 0
        for items, n in ranked:
            covered = len(written) >= 2 and held >= VARIANTS_COVER * obs.cases
            if covered or len(written) == MAX_ITEMS:
                break
            written.append(items)
            held += n
        counts = Counter({items: sets[items] for items in written})
        self.variant_of.update((items, items) for items in written)
        for items, n in ranked[len(written) :]:
            nearest = max(written, key=lambda w: len(w & items) / max(1, len(w | items)))
            counts[nearest] += n
            self.variant_of[items] = nearest
        shares = [round(counts[w] / obs.cases, 6) for w in written]
        shares[0] = round(shares[0] + 1 - sum(shares), 6)
        self.note(
            "alternatives",
            f"the items' own take-ups and the alternatives give the log's {len(sets)} sets "
            f"of items at a total variation distance of {misfit:.2f} (above "
            f"{VARIANTS_MISFIT:g}): written instead as one alternative of the "
            f"{len(written)} most frequent sets, the variants ({held / obs.cases:.1%} of "
            f"the cases; the other {obs.cases - held} counted with their nearest set)",
        )
        return list(zip(written, shares, strict=True))

    def split_items(self) -> dict[str, list[tuple[frozenset[frozenset[str]], Spans]]]:
        """Items written once per group of variants (``SPLIT_RATIO``): item -> its groups,
        each its variants and their cases' spans, the most cases first."""
        if not self.variants:
            return {}
        optional = set(self.optional)
        by_variant: dict[str, dict[frozenset[str], Spans]] = defaultdict(dict)
        for (item, items), spans in self.obs.spans_by_set.items():
            variant = self.variant_of.get(items & optional)
            if item not in optional or item in self.obs.waiting or variant is None:
                continue
            if item in variant:  # a rarer set counted with a variant without it: left out
                by_variant[item].setdefault(variant, Spans()).merge(spans)
        out = {}
        for item, spans in by_variant.items():
            ranked = sorted(spans.items(), key=lambda v: v[1].minutes / max(1, v[1].cases))
            groups = _split(ranked)
            if len(groups) == 1:
                continue
            merged = sorted(
                ((frozenset(v for v, _ in g), _merged(s for _, s in g)) for g in groups),
                key=lambda g: -g[1].cases,
            )
            out[item] = merged
            said = "; ".join(
                f"{spans.minutes / spans.cases / 60:.1f} in {spans.cases} cases of "
                f"{len(variants)} variant{'s' if len(variants) > 1 else ''}"
                for variants, spans in merged
            )
            self.note(
                "variants",
                f"{item}: working hours from first filing to last decision differ between "
                f"its variants ({said}): written {len(merged)} times under its name, each "
                "with its cases' rounds and time per round",
            )
        return out

    def key_in(self, item: str, variant: frozenset[str]) -> str:
        """The key of ``item`` in ``variant``: its group's where it is split."""
        for key, (variants, _) in zip(self.keys[item], self.splits.get(item, []), strict=False):
            if variant in variants:
                return key
        return self.key[item]

    def entries(self, item: str) -> list[tuple[str, float, Counter[int] | None]]:
        """``item``'s entries: key, the factor on its processing per round, rounds; a
        split item's one per group with its cases' rounds, its processing scaled to their
        time per round."""
        obs = self.obs
        groups = self.splits.get(item)
        if groups is None:
            return [(self.key[item], 1.0, obs.rounds.get(item))]
        overall = max(1e-9, _per_round(_merged(spans for _, spans in groups)))
        return [
            (key, _per_round(spans) / overall, spans.rounds)
            for key, (_, spans) in zip(self.keys[item], groups, strict=True)
        ]

    def when_closed(self, item: str) -> tuple[Sample, Sample] | None:
        """``item``'s processing filed while its department was open and while it was
        closed, where the two differ (``CLOSED_APART``, ``CLOSED_FILINGS``); else None."""
        obs = self.obs
        open_, closed = obs.by_filing.get((item, False)), obs.by_filing.get((item, True))
        if item in obs.waiting or open_ is None or closed is None:
            return None
        if min(open_.count, closed.count) < CLOSED_FILINGS:
            return None
        apart = float(ks_2samp(open_.values, closed.values).statistic)
        if apart < CLOSED_APART or abs(closed.mean - open_.mean) < CLOSED_MINUTES:
            return None
        self.note(
            "work",
            f"{item}: {closed.count} of its {closed.count + open_.count} rounds were of "
            f"cases filed while its department was closed and take {closed.mean:.0f} "
            f"working min on average, those filed while open {open_.mean:.0f} "
            f"(Kolmogorov-Smirnov distance {apart:.2f}): written with a processing of "
            "their own (the backlog at the opening)",
        )
        return open_, closed

    def find_deadlines(self) -> dict[str, float]:
        """Repeated task -> the deadline on its rounds in days (``DEADLINE_CASES``)."""
        out = {}
        for task, times in self.obs.cut.items():
            if times.count < DEADLINE_CASES:
                continue
            q05, q25, q50, q75 = np.percentile(times.values, [5, 25, 50, 75]) / DAY
            if q75 - q25 > DEADLINE_SPREAD * q50:
                continue
            gap = self.obs.cut_gap[task] / DAY
            days = out[task] = round(float(max(0.0, q75 - gap) + q05) / 2, 2)
            self.note(
                "repeats",
                f"{task}: its last round ended with a job's decision in {times.count} cases, "
                f"the middle half {q25:.2f} to {q75:.2f} days after it was filed: its "
                f"rounds stop at a deadline, {days:.2f} days around the clock (between the "
                f"75 % quantile less the {gap:.2f} days between the job's runs and the 5 % "
                "quantile), as a timeout ends them",
            )
        return out

    def find_latest(self) -> dict[str, float]:
        """Item -> the days after the opening it is decided by at the latest
        (``LATEST_CASES``)."""
        since: dict[str, tuple[int, np.ndarray]] = {}
        """Item -> its cases that did it once, and the days from opening to decision of
        those kept."""
        for item, cases in self.obs.since_opening.items():
            if cases.values:
                opened, _, decided = np.array(cases.values, dtype=float).T
                since[item] = (cases.count, (decided - opened) / DAY)
        out = {}
        for item, (count, days) in since.items():
            if count < LATEST_CASES or self.obs.job_cases[item]:
                continue  # a job's decisions pile up before its runs
            longest = float(days.max())
            near = float(np.mean(days >= (1 - LATEST_WALL) * longest))
            below = float(
                np.mean(
                    (days >= (1 - 2 * LATEST_WALL) * longest) & (days < (1 - LATEST_WALL) * longest)
                )
            )
            if longest < LATEST_DAYS or near < max(LATEST_SHARE, 2 * below):
                continue
            out[item] = math.ceil(longest * 100) / 100
            self.note(
                "waiting periods",
                f"{item}: decided within {longest:.2f} days of the case's opening in each "
                f"of the {len(days)} cases kept of the {count} that did it once (a "
                f"uniform sample where more), {near:.1%} of them in the last "
                f"{LATEST_WALL:.0%} of that time: a timer decides it then at the latest "
                f"(decided_within {out[item]:g} days around the clock)",
            )
        for item, days in list(out.items()):
            for before in closure(self.needs, item):
                if before not in out and before in since and since[before][1].max() <= days:
                    out[before] = days
                    self.note(
                        "waiting periods",
                        f"{before}: decided before {item} and within its {days:g} days in "
                        "every case that did it once: decided within them too",
                    )
        return out

    def timed_out(self, item: str, key: str) -> bool:
        """Whether the entry ``key`` of ``item`` holds cases a job ends: a split item's
        group of variants holds a job's item, an entry not split may."""
        groups = self.splits.get(item)
        if groups is None:
            return True
        (variants,) = [v for k, (v, _) in zip(self.keys[item], groups, strict=True) if k == key]
        return any(i in self.obs.job_of for variant in variants for i in variant)

    def alternative_options(self) -> dict[str, list[dict[str, Any]]]:
        """The alternatives as the scenario writes them: the variants, or each exclusive
        group's options."""
        if self.variants:
            self.assumptions["alternatives.variants"] = (
                "fitted from the log: the most frequent sets of items its cases hold, each "
                "with its share of the cases (rarer sets counted with their nearest)"
            )
            return {
                "variants": [
                    {
                        "items": [self.key_in(i, items) for i in self.order if i in items],
                        "share": share,
                    }
                    for items, share in self.variants
                ]
            }
        out: dict[str, list[dict[str, Any]]] = {}
        for n, group in enumerate(self.alternatives, start=1):
            options = [
                {"items": [self.key[i] for i in items], "share": share}
                for items, share in self.group_options(group)
            ]
            out[f"choice_{n}"] = options
            self.assumptions[f"alternatives.choice_{n}"] = (
                f"fitted from the log: items that exclude each other in {EXCLUSIVE:.0%} or "
                "more of the cases holding either, each option its share of the cases"
            )
        return out

    def dependencies(self) -> dict[str, list[str]]:
        """Item -> the items it waits for: orders with support (``SUPPORT`` of the cases
        holding both, at least ``MIN_SUPPORT_CASES``), strongest first, an order closing a
        cycle left out (a loop, reported as such), then reduced (no edge implied by two
        others)."""
        obs = self.obs
        order = set(self.order)
        floor = max(MIN_SUPPORT_CASES, 1)
        candidates = sorted(
            (
                (obs.precedes[(a, b)] / n, obs.precedes[(a, b)], a, b)
                for (a, b), n in obs.together.items()
                if a in order and b in order and obs.precedes[(a, b)] >= max(floor, SUPPORT * n)
            ),
            reverse=True,
        )
        edges: set[tuple[str, str]] = set()
        for share, n, a, b in candidates:
            if _reaches(b, a, edges):
                self.note(
                    "loops",
                    f"{a} before {b} in {n} cases ({share:.1%}) closes a cycle with stronger "
                    "orders: read as a repeat, not a dependency",
                )
                continue
            edges.add((a, b))
        reduced = {(a, b) for a, b in edges if not _reaches(a, b, edges - {(a, b)})}
        for share, n, a, b in candidates:
            if (a, b) in reduced:
                self.note(
                    "dependencies",
                    f"{b} waits for {a}: {a} decided before {b} was filed in {n} of "
                    f"{obs.together[(a, b)]} cases holding both ({share:.1%}; kept at "
                    f"{SUPPORT:.0%} and {MIN_SUPPORT_CASES} cases or more)",
                )
        return {i: [a for a in self.order if (a, i) in reduced] for i in self.order}

    # --- fitting with provenance -------------------------------------------------

    def fitted(self, path: str, sample: Sample, unit: str = "minutes", per: float = 1.0) -> dict:
        result = fit(sample, unit, per)
        self.assumptions[path] = result.note()
        self.result.fits[path] = (result, [v / per for v in sample.values])
        return result.dist

    def time(self, path: str, sample: Sample, department: str = "") -> dict:
        """A working-time duration: in working days once it is a day's share or more."""
        per_day = self.calendars.of(department).minutes_per_day
        if sample.count and sample.mean >= 0.5 * per_day:
            return self.fitted(path, sample, "working_days", per_day)
        return self.fitted(path, sample)

    def waited(self, path: str, sample: Sample, period: WaitingPeriod, department: str) -> dict:
        """A time of an item with a waiting period, in the clock discovery read it on:
        calendar days around the clock (whatever its size), else working time."""
        if period.around_the_clock:
            return self.fitted(path, sample, AROUND_THE_CLOCK, DAY)
        return self.time(path, sample, department)

    # --- the scenario --------------------------------------------------------------

    def discovery(self) -> Discovery:
        obs = self.obs
        levers = self.levers()
        data: dict[str, Any] = {
            "name": new_identifier(self.path.name.split(".")[0], set(), "discovered"),
            "title": f"Discovered from {self.path.name}",
            "description": (
                f"Fitted by onething discover from {obs.cases} cases of {self.path.name}. "
                "The observed process is this scenario's 'after'; see assumptions and "
                "placeholders."
            ),
            "calendar": self.calendar(),
            "departments": self.departments(),
            "materials": {},
            "field_groups": {},
            "items": self.items(levers),
            "alternatives": self.alternative_options(),
            "applicants": self.applicants(),
            "levers": self.lever_settings(levers),
            "after": levers,
            "assumptions": {},
            "placeholders": {},
            "run": self.run(),
        }
        self.placeholders["materials"] = "materials are not in a log: list them per item"
        self.placeholders["field_groups"] = "form fields are not in a log"
        self.assumptions["departments"] = (
            "windows per department: the most window services seen at once (observed "
            "concurrency), a lower bound where the windows were never all busy"
        )
        data["assumptions"] = self.assumptions
        data["placeholders"] = self.placeholders
        self.result.scenario = data
        return self.result

    def levers(self) -> list[str]:
        obs = self.obs
        if self.generic:
            return self.workflow_levers()
        levers = []
        if obs.integrated:
            levers.append("single_window")
        if obs.online:
            levers.append("online_intake")
        if obs.integrated and not obs.paper_items:
            levers.append("data_sharing")
        different = any(
            n and (obs.integrated or obs.department(a) != obs.department(b))
            for (a, b), n in obs.overlaps.items()
        )
        if different or obs.integrated:
            # an integrated platform routing items one after another along the
            # dependencies seen in every case looks the same in a log as joint approval
            # (并联审批) along them, which is how the reform runs one: read it so
            levers.append("parallel_approval")
        # an integrated platform's instant result nobody comes back for is electronic too
        uncollected = ("electronic", "instant") if obs.integrated else ("electronic",)
        if any(sum(obs.delivery[i][k] for k in uncollected) > obs.cases / 2 for i in self.order):
            levers.append("e_certificate")
        return levers

    def workflow_levers(self) -> list[str]:
        """A workflow log shows tasks only: the model is told so with the levers that
        remove what the log has no event for (a trip and a window: single window, online
        filing; paper between offices: data sharing; a trip to collect: e-certificates).
        Items overlap (parallel approval) when some pair of them did in at least
        ``1 - SUPPORT`` of the cases holding both (and ``MIN_SUPPORT_CASES``)."""
        obs = self.obs
        levers = ["single_window", "online_intake", "data_sharing", "e_certificate"]
        overlapping = [
            (n / obs.together[(a, b)], a, b)
            for (a, b), n in obs.overlaps.items()
            if a < b
            and a in self.order
            and b in self.order
            and n >= MIN_SUPPORT_CASES
            and n >= (1 - SUPPORT) * obs.together[(a, b)]
        ]
        if overlapping:
            levers.append("parallel_approval")
            share, a, b = max(overlapping)
            self.note(
                "dependencies",
                f"items overlap in time ({a} and {b} in {share:.1%} "
                "of the cases holding both): independent items run in parallel",
            )
        self.note(
            "intake",
            "a workflow log: each case begins with its first task; no trip, window, paper "
            "transfer or collection is simulated (the levers " + ", ".join(levers) + " say "
            "so to the model; the log shows no reform)",
        )
        return levers

    def calendar(self) -> dict[str, Any]:
        spec = self.calendars.bundle
        self.assumptions["calendar"] = (
            f"fitted from the log: opening periods are the minutes of the day with window "
            f"services begun or decisions ended ({self.calendars.observations.get('', 0)} "
            f"observations, gaps under 45 min joined, rounded out to 15 min); weekdays "
            f"worked on at least half their dates; extra holidays: worked weekdays with no "
            f"event where the active working days on both sides saw {HOLIDAY_EVIDENCE} "
            f"events a day or more; extra workdays (调休): other days with events"
        )
        if self.calendars.day_resolution:
            self.note(
                "calendar",
                "day-resolution timestamps (dates only): a working day is "
                "the whole day; arrivals spread over it",
            )
        else:
            self.note(
                "calendar",
                f"opening hours {spec.hours}: the least-used quarter hours "
                f"holding {self.calendars.trimmed:.1%} of the evidence (at most "
                f"{OUT_OF_HOURS:.0%}) left out",
            )
        self.note(
            "calendar",
            f"working weekdays {', '.join(spec.weekdays)}; "
            f"{len(spec.extra_holidays)} holidays and {len(spec.extra_workdays)} extra "
            "working days listed",
        )
        return _calendar(spec)

    def departments(self) -> dict[str, Any]:
        out = {}
        for name, key in self.dept.items():
            windows = max(1, max_concurrency(self.obs, name))
            entry: dict[str, Any] = {"name": name, "windows": windows}
            own = self.calendars.departments.get(name)
            if own is not None:
                entry["calendar"] = _calendar(own)
            out[key] = entry
            if self.pools is not None and name in self.pools.members:
                members = self.pools.members[name]
                tasks = [t for t, d in self.pools.department.items() if d == name]
                hours = (
                    f"its own calendar ({', '.join(own.weekdays)}; {own.hours}"
                    + "".join(f"; {d} {h}" for d, h in own.weekday_hours.items())
                    + ")"
                    if own is not None
                    else "the bundle's calendar"
                )
                self.note(
                    "departments",
                    f"{name}: a resource pool of {len(members)} resources "
                    f"({', '.join(members[:5])}{', ...' if len(members) > 5 else ''}; "
                    f"{self.pools.events[name]} events) doing {', '.join(tasks)}; {hours}",
                )
        if self.pools is not None:
            self.note(
                "departments",
                f"the log names no department: resources whose shares of events per task "
                f"are alike at {SIMILAR} or more (cosine) are one pool, each "
                f"task goes to the pool that did most of it, and each pool is a department, "
                f"with a calendar of its own where its days or hours differ",
            )
        return out

    def requires(self, levers: list[str]) -> dict[str, list[str]]:
        obs = self.obs
        needs = self.needs
        if obs.integrated and "parallel_approval" not in levers:
            # one after another anyway: a dependency shows only as a paper transfer
            needs = {
                i: ([self.order[n - 1]] if i in obs.paper_items and n else [])
                for n, i in enumerate(self.order)
            }
        return needs

    def delivery(self, item: str, levers: list[str]) -> dict[str, Any]:
        seen = self.obs.delivery[item]
        kind = seen.most_common(1)[0][0] if seen else "instant"
        if "e_certificate" in levers:
            if kind == "mail":
                return {"delivery": "mail", "physical": True}
            if kind == "pickup":
                self.result.unmapped.append(
                    f"{item}: collected in person while other results are electronic; "
                    "modelled as mailed (e-certificates mail physical results)"
                )
                return {"delivery": "pickup", "physical": True}
            return {"delivery": "on_the_spot"}
        if kind in ("mail", "pickup", "on_the_spot"):
            return {"delivery": kind}
        return {"delivery": "on_the_spot"}

    def items(self, levers: list[str]) -> dict[str, Any]:
        obs = self.obs
        needs = self.requires(levers)
        handling = self.handling()
        out: dict[str, Any] = {}
        written = [(item, entry) for item in self.order for entry in self.entries(item)]
        apart = {item: self.when_closed(item) for item in self.order}
        for item, (key, factor, rounds) in written:
            department = obs.department(item)
            path = f"items.{key}"
            period = obs.waiting.get(item)
            every = _scaled(obs.processing[item], factor)
            split = apart[item]
            sample = every if split is None else _scaled(split[0], factor)
            if period is None:
                processing = self.time(f"{path}.processing", sample, department)
            else:
                processing = self.waited(
                    f"{path}.processing", period.processing, period, department
                )
            result = self.delivery(item, levers)
            listed = obs.steps[item].most_common(1)
            steps = (
                list(listed[0][0])
                if listed
                else ["apply", "decide"]
                + (["deliver"] if result["delivery"] in ("pickup", "mail") else [])
            )
            per_day = self.calendars.of(department).minutes_per_day
            values = sorted(every.values)
            p90 = values[int(0.9 * (len(values) - 1))] / per_day if values else 0.0
            entry: dict[str, Any] = {
                "name": obs.again_of.get(item) or obs.job_of.get(item, item),
                "department": self.dept[department],
                "requires": [k for r in needs[item] for k in self.keys[r]],
                "materials": [],
                "steps": steps,
                "handling": handling.get(item, _fixed(0.0)),
                "processing": processing,
                **(
                    {}
                    if split is None
                    else {
                        "processing_when_closed": self.time(
                            f"{path}.processing_when_closed", _scaled(split[1], factor), department
                        )
                    }
                ),
                "promised": _fixed(max(0.5, math.ceil(2 * p90) / 2), "working_days"),
                "rework": round(obs.sent_back[item] / obs.filings[item], 4)
                if obs.filings[item]
                else 0.0,
                "result": result,
            }
            if item not in handling:
                self.placeholders[f"{path}.handling"] = "no window service for it in the log"
            elif key != self.key[item]:
                self.assumptions[f"{path}.handling"] = f"as items.{self.key[item]}.handling"
            if obs.filings[item]:
                self.assumptions[f"{path}.rework"] = (
                    f"fitted from the log: {obs.sent_back[item]} sent back (repeated "
                    f"hand-overs) out of {obs.filings[item]} filings"
                )
            if entry["requires"]:
                self.assumptions[f"{path}.requires"] = (
                    "fitted from the log: each required item was decided before this one "
                    f"was filed in at least {SUPPORT:.0%} of the cases holding both, and "
                    f"{MIN_SUPPORT_CASES} or more ({obs.presence[item]} cases with this item)"
                )
            if listed:
                self.assumptions[f"{path}.steps"] = (
                    f"read from the log: the steps its decisions list "
                    f"({listed[0][1]} of {obs.steps[item].total()} decisions)"
                )
            else:
                self.placeholders[f"{path}.steps"] = (
                    "steps seen in the log (apply, decide, a delivery); review or "
                    "inspection steps leave no event: add them"
                )
            self.placeholders[f"{path}.promised"] = (
                "the promised time limit is published, not logged: set to the 90th "
                "percentile of the observed back-office time, rounded up to half a day"
            )
            if item in self.optional and item not in self.grouped:
                entry["take_up"] = round(obs.presence[item] / obs.cases, 4)
                self.assumptions[f"{path}.take_up"] = (
                    f"fitted from the log: in {obs.presence[item]} of {obs.cases} cases"
                )
            if period is not None:
                entry["waiting_period"] = self.waited(
                    f"{path}.waiting_period", period.period, period, department
                )
                days = DAY if period.around_the_clock else per_day
                if period.within is not None:
                    entry["waiting_filed_within"] = _fixed(
                        period.within / days,
                        AROUND_THE_CLOCK if period.around_the_clock else "working_days",
                    )
                    self.assumptions[f"{path}.waiting_filed_within"] = (
                        "fitted from the log: the cutoff on filing, among the 5 % to 95 % "
                        "quantiles of the filing times, whose replay came closest"
                    )
                self.note_waiting(item, period, days)
            if (latest := self.latest.get(item)) is not None:
                entry["decided_within"] = _fixed(latest, AROUND_THE_CLOCK)
                self.assumptions[f"{path}.decided_within"] = (
                    "fitted from the log: the longest time from the opening to its decision, "
                    "against which the times pile up"
                )
            if obs.job_cases[item] and item in obs.job_runs:
                at = [clock_time(m) for m in obs.job_runs[item]]
                share = min(1.0, obs.job_cases[item] / max(1, obs.presence[item]))
                entry["runs"] = {"at": at, "share": round(share, 4)}
                self.assumptions[f"{path}.runs"] = (
                    f"fitted from the log: {obs.job_cases[item]} of {obs.presence[item]} "
                    f"cases decided within a minute after {', '.join(at)}, the minutes a "
                    "job leaves its decisions on every day (its due time drawn evenly "
                    "since the run before, for the processing)"
                )
                if key == self.keys[item][0]:  # once for an item written per variant
                    self.note(
                        "work",
                        f"{item}: a job decides {share:.0%} of its cases at {', '.join(at)} "
                        "every day; written as its runs"
                        + (
                            f" (the job's decisions of {task}, an item of their own named "
                            f"{task}: the cases a job ends, a timeout's, take their own way "
                            "and time to it, not those of the cases a person ends)"
                            if (task := obs.job_of.get(item))
                            else ""
                        ),
                    )
            if rounds and max(rounds) > 1:
                counted = [rounds[n] for n in range(1, min(max(rounds), MAX_ROUNDS) + 1)]
                counted[-1] += sum(c for n, c in rounds.items() if n > MAX_ROUNDS)
                entry["repeat"] = {"rounds": counted}
                self.assumptions[f"{path}.repeat"] = (
                    f"fitted from the log: the cases holding it that did it 1, 2, 3 ... "
                    f"times ({sum(counted)} cases)"
                )
                if (days := self.deadlines.get(item)) is not None and self.timed_out(item, key):
                    entry["repeat"]["within"] = _fixed(days, AROUND_THE_CLOCK)
                    self.assumptions[f"{path}.repeat.within"] = (
                        "fitted from the log: the times from its filing to a job's decision "
                        "that ended its last round, less the wait for the job's run"
                    )
            out[key] = entry
        return out

    def note_waiting(self, item: str, period: WaitingPeriod, day: float) -> None:
        unit = "calendar" if period.around_the_clock else "working"

        def span(minutes: float) -> str:
            return _span(minutes, day, unit)

        if period.within is None:
            processing = (
                f"its processing from the {period.late} that filed it once most periods were over"
            )
        else:
            processing = (
                f"holding for a filing within {span(period.within)} of the opening (a later "
                f"one is decided after its processing alone, read from the {period.late} "
                "that filed it then)"
            )
        clocks = {True: "around the clock", False: "in working time"}
        replayed = ", ".join(
            f"{clocks[around]} {_span(minutes, DAY, 'calendar')}"
            for around, minutes in sorted(period.replayed.items(), reverse=True)
        )
        self.note(
            "waiting periods",
            f"{item}: decided no earlier than a period after the case opened, read from the "
            f"{period.early} cases that filed it early, {processing}; in the log, opening to "
            f"decision {span(period.distance)} off (Wasserstein) against "
            f"{span(period.without)} without; both times count {unit} time, the clock whose "
            f"replay on the wall clock came closer (off by: {replayed})",
        )

    def handling(self) -> dict[str, dict]:
        """Window minutes per item.  An item filed alone often enough has its own fit;
        items always filed together share the services' totals: least-squares means for
        the others, and the rest of the total (its spread included) on the first."""
        obs = self.obs
        means = least_squares(obs)
        out: dict[str, dict] = {}
        for item in self.order:
            solo = obs.services.get(((item,), False))
            if solo is not None and solo.count >= MIN_SOLO:
                out[item] = self.fitted(f"items.{self.key[item]}.handling", solo)
        alone = set(out)
        for item in self.order:
            if item in out or item not in means:
                continue
            signatures = [
                (sample.count, sig) for sig, sample in obs.services.items() if item in sig[0]
            ]
            _, (filed, collect) = max(signatures)
            # items filed with it but never decided in the log have no fit of their own
            shared = [i for i in filed if i not in alone and i in self.key]
            carrier = min(shared, key=self.order.index)  # the item itself is among them
            if item != carrier:
                out[item] = _fixed(means[item])
                self.assumptions[f"items.{self.key[item]}.handling"] = (
                    "fitted from the log: least-squares mean of the window services that "
                    f"filed it (never alone); its spread is carried by {carrier}"
                )
                continue
            others = sum(means.get(i, 0.0) for i in filed if i != item)
            others += means.get(PICKUP, 0.0) if collect else 0.0
            out[item] = self.fitted(
                f"items.{self.key[item]}.handling", _shifted(obs.services[(filed, collect)], others)
            )
        return out

    def applicants(self) -> dict[str, Any]:
        obs = self.obs
        start = obs.start_places.most_common(1)[0][0] if obs.start_places else "home"
        start = self.dept.get(start, "home") if start != SINGLE_WINDOW else "home"
        out: dict[str, Any] = {"arrivals": self.arrivals(), "start": start}
        out["travel"] = (
            self.fitted("applicants.travel", obs.travel) if obs.travel.count else _fixed(0.0)
        )
        if not obs.travel.count:
            self.placeholders["applicants.travel"] = "no travel in the log"
        pickups = obs.services.get(((), True))
        if pickups is not None and pickups.count >= MIN_SOLO:
            out["pickup_handling"] = self.fitted("applicants.pickup_handling", pickups)
        else:
            out["pickup_handling"] = _fixed(least_squares(obs).get(PICKUP, 0.0))
        if obs.mail.count:
            out["mail"] = self.time("applicants.mail", obs.mail)
        if obs.rework_delay.count:
            out["rework_delay"] = self.time("applicants.rework_delay", obs.rework_delay)
        return out

    def arrivals(self) -> dict[str, Any]:
        obs = self.obs
        spec = self.calendars.bundle
        first = dt.date(2000, 1, 1) + dt.timedelta(days=int(obs.first_arrival // DAY))
        last = dt.date(2000, 1, 1) + dt.timedelta(days=int(obs.last_arrival // DAY))
        holidays, workdays = set(spec.extra_holidays), set(spec.extra_workdays)
        dates = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        worked = [
            d
            for d in dates
            if (WEEKDAYS[d.weekday()] in spec.weekdays and d not in holidays) or d in workdays
        ]
        runs = max(1, len(obs.runs))
        working_days = max(1, len(worked)) * runs
        period, length = (_month, "month") if len(dates) > LONG_LOG_DAYS else (_week, "week")
        weights, per_day, drifts = _seasons(obs.arrivals_by_date, worked, runs, period)
        ordinary = [d for d in worked if period(d) not in weights]
        # every date counts, a season's by its weight: a surge holds most of the arrivals
        by_weekday: dict[str, int] = {d: 0 for d in WEEKDAYS}
        days_by_weekday: dict[str, float] = {d: 0.0 for d in WEEKDAYS}
        for date in worked:
            by_weekday[WEEKDAYS[date.weekday()]] += obs.arrivals_by_date[date]
            days_by_weekday[WEEKDAYS[date.weekday()]] += runs * weights.get(period(date), 1.0)
        weekday_rate = {
            d: by_weekday[d] / days_by_weekday[d] for d in spec.weekdays if days_by_weekday[d]
        }
        mean_rate = sum(weekday_rate.values()) / len(weekday_rate) if weekday_rate else 0.0
        if mean_rate <= 0:  # no case began on a working date: no profile to tell
            weekday_rate, mean_rate = {}, 1.0
        open_minutes = {h: 0 for h in range(24)}
        for a, b in spec.periods():
            for h in range(24):
                open_minutes[h] += max(0, min(b, 60 * h + 60) - max(a, 60 * h))
        hourly = {
            h: float(f"{obs.arrivals_by_hour[h] / open_minutes[h] * 60 / working_days:.4g}")
            for h in range(24)
            if open_minutes[h] and obs.arrivals_by_hour[h]
        }
        self.assumptions["applicants.arrivals.per_working_day"] = (
            f"fitted from the log: {obs.cases} cases arrived (first event) over "
            f"{working_days} working days from {first} to {last}"
            + (f" in {runs} simulation runs" if runs > 1 else "")
            + (
                f"; the median {length}'s rate"
                if drifts
                else f"; the rate of the {len(ordinary) * runs} outside the seasons"
                if weights
                else ""
            )
        )
        self.assumptions["applicants.arrivals.hourly_profile"] = (
            "fitted from the log: arrivals per open hour of the day (arrivals per hour "
            "open, per working day)"
        )
        self.assumptions["applicants.arrivals.weekday_profile"] = (
            "fitted from the log: arrivals per working date of each weekday (a season's "
            "dates counted by its weight), over their mean"
        )
        out: dict[str, Any] = {
            "per_working_day": float(f"{per_day:.4g}"),
            "hourly_profile": hourly,
            "weekday_profile": {d: float(f"{r / mean_rate:.4g}") for d, r in weekday_rate.items()},
        }
        if self.calendars.day_resolution:  # the hour of an arrival is not known
            del out["hourly_profile"]
            del self.assumptions["applicants.arrivals.hourly_profile"]
        if weights:
            self.assumptions["applicants.arrivals.date_profile"] = (
                f"fitted from the log: every {length} with its arrivals per working day over "
                f"the median {length}'s (more than {DRIFT_SHARE:.0%} of {DRIFT_PERIODS} or "
                f"more {length}s stand out: the rate drifts)"
                if drifts
                else f"fitted from the log: {length}s whose arrivals per working day differ "
                f"from the other {length}s' by more than {SEASON_Z:g} Poisson standard "
                f"deviations, each with its rate over theirs"
            ) + (
                f" ({length}s: the log spans {'more' if length == 'month' else 'less'} than "
                f"{LONG_LOG_DAYS} days)"
            )
            out["date_profile"] = [
                {
                    "start": max(start, first).isoformat(),
                    "end": min(_period_end(start, length), last).isoformat(),
                    "weight": float(f"{weight:.3g}"),
                }
                for start, weight in sorted(weights.items())
            ]
            periods = len({period(d) for d in worked})
            self.note(
                "arrivals",
                f"{drifts} {length}s of {periods} stand out ({SEASON_Z:g} Poisson standard "
                f"deviations): the rate drifts, every {length} written with its own"
                if drifts
                else f"{len(weights)} {length}s of {periods} stand out ({SEASON_Z:g} Poisson "
                "standard deviations): written as seasons",
            )
        return out

    def lever_settings(self, levers: list[str]) -> dict[str, Any]:
        obs = self.obs
        out: dict[str, Any] = {}
        if obs.integrated:
            windows = max(1, max_concurrency(obs, SINGLE_WINDOW))
            at_start = obs.start_places.most_common(1)[0][0] == SINGLE_WINDOW
            out["single_window"] = {"windows": windows, "at_start": at_start}
        elif self.generic:
            out["single_window"] = {"windows": 1}
            self.placeholders["levers.single_window"] = (
                "the log shows back-office tasks only: filing is taken as online, instant"
            )
        if obs.paper.count:
            out["paper_transfer"] = self.time("levers.paper_transfer", obs.paper)
        return out

    def run(self) -> dict[str, Any]:
        obs = self.obs
        first = dt.date(2000, 1, 1) + dt.timedelta(days=int(obs.first_arrival // DAY))
        horizon = int((obs.last_arrival - (obs.first_arrival // DAY) * DAY) // DAY) + 1
        return {
            "horizon_days": max(1, horizon),
            "warmup_days": 10 if horizon > 30 else 0,
            "start_date": first.isoformat(),
        }


def _reaches(start: str, goal: str, edges: set[tuple[str, str]]) -> bool:
    """Whether ``goal`` can be reached from ``start`` along ``edges``."""
    seen, todo = {start}, [start]
    while todo:
        node = todo.pop()
        if node == goal:
            return True
        for a, b in edges:
            if a == node and b not in seen:
                seen.add(b)
                todo.append(b)
    return False


def _topological(order: list[str], needs: dict[str, list[str]]) -> list[str]:
    """``order`` rearranged so that every item comes after those it waits for, otherwise
    as it was (the usual order)."""
    done: list[str] = []
    left = list(order)
    while left:
        ready = next(i for i in left if all(r in done for r in needs[i]))
        done.append(ready)
        left.remove(ready)
    return done


def _week(date: dt.date) -> dt.date:
    return date - dt.timedelta(days=date.weekday())


def _month(date: dt.date) -> dt.date:
    return date.replace(day=1)


def _period_end(start: dt.date, length: str) -> dt.date:
    if length == "week":
        return start + dt.timedelta(days=6)
    return _month(start + dt.timedelta(days=31)) - dt.timedelta(days=1)


def _seasons(
    arrivals: Counter[dt.date],
    worked: list[dt.date],
    runs: int,
    period: Callable[[dt.date], dt.date] = _week,
) -> tuple[dict[dt.date, float], float, int]:
    """The arrivals' weights by week (or other period, by its first date): those that
    stand out (``_standing_out``) over the others' rate, the base, which is their
    arrivals per working day; or, where more than ``DRIFT_SHARE`` of ``DRIFT_PERIODS``
    or more periods stand out, every period over the median period's rate, the base (the
    rate drifts: the years of a helpdesk).  Also how many stood out where it drifts
    (else 0)."""
    weeks: dict[dt.date, list[int]] = {}
    for date in worked:
        n_w = weeks.setdefault(period(date), [0, 0])
        n_w[0] += arrivals[date]
        n_w[1] += runs
    if not weeks:
        return {}, 0.0, 0
    seasons = _standing_out(weeks)
    median = statistics.median(n / w for n, w in weeks.values())
    if len(weeks) >= DRIFT_PERIODS and len(seasons) > DRIFT_SHARE * len(weeks) and median > 0:
        return {week: n / w / median for week, (n, w) in weeks.items()}, median, len(seasons)
    days = sum(w for week, (_, w) in weeks.items() if week not in seasons)
    base = sum(n for week, (n, _) in weeks.items() if week not in seasons) / max(1, days)
    return seasons, base, 0


def _standing_out(weeks: dict[dt.date, list[int]]) -> dict[dt.date, float]:
    """Periods whose arrivals per working day stand out from the other periods' by more
    than ``SEASON_Z`` Poisson standard deviations -> their rate over the others' (a
    season such as the start of term).  The first yardstick is the median period's rate,
    which a surge does not move; then the rate of the periods that are not seasons, until
    the set holds still."""
    base = statistics.median(n / w for n, w in weeks.values())
    seasons: dict[dt.date, float] = {}
    for _ in range(10):
        if base <= 0:
            return {}
        found = {
            week: n / w / base
            for week, (n, w) in weeks.items()
            if abs(n - base * w) > SEASON_Z * math.sqrt(base * w)
        }
        if found.keys() == seasons.keys():
            return found
        seasons = found
        days = sum(w for week, (_, w) in weeks.items() if week not in seasons)
        if not days:
            return {}
        base = sum(n for week, (n, _) in weeks.items() if week not in seasons) / days
    return seasons


def _calendar(spec: Any) -> dict[str, Any]:
    """A fitted calendar as the scenario file writes it: the days the log shows, not
    the official calendar (which it may not follow)."""
    own_hours = {day: [list(p) for p in hours] for day, hours in spec.weekday_hours.items()}
    return {
        "hours": [list(p) for p in spec.hours],
        "weekdays": list(spec.weekdays),
        **({"weekday_hours": own_hours} if own_hours else {}),
        **({"hour_rates": dict(spec.hour_rates)} if spec.hour_rates else {}),
        "holidays": "none",
        "extra_holidays": [d.isoformat() for d in spec.extra_holidays],
        "extra_workdays": [d.isoformat() for d in spec.extra_workdays],
    }
