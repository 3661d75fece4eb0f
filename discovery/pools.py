"""Resource pools from ``org:resource``: who does which tasks, and so where each task's
working hours come from, for a log that names no department (``org:group``, ``org:role``).

A resource's profile is how its events spread over the tasks.  Resources whose profiles
are ``SIMILAR`` or more alike (cosine; Simod pools resources by correlation, which says
nothing of two profiles spread evenly) are one pool, joined transitively; each task
goes to the pool that did most of its events, and each pool becomes a department with
its own calendar.  BPIC 2012's loan system (resource 112) submits and pre-accepts around
the clock while its staff work Monday to Saturday, 9 to 21: one office's calendar spread
the staff's work over the nights and Sundays (circadian EMD 1.19; with pools 0.61).
Events without a resource go with their task.  Pools that do fewer than ``MIN_EVENTS``
events, or that do no task most, join the department of their busiest task.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np

SIMILAR = 0.7
MIN_EVENTS = 100
"""Events of a pool below which it has no calendar of its own worth fitting."""


@dataclass(frozen=True)
class Pools:
    department: dict[str, str]
    """Task -> its pool's department name."""
    members: dict[str, list[str]]
    """Department -> its resources, the busiest first."""
    events: dict[str, int]
    """Department -> the events of its resources."""


def resource_pools(done: Counter[tuple[str, str]]) -> Pools | None:
    """The pools of a log from its (resource, task) event counts (resource "" for none),
    or None where fewer than two pools do ``MIN_EVENTS`` events or more."""
    totals: Counter[str] = Counter()
    for (r, _), n in done.items():
        totals[r] += n
    resources = sorted((r for r in totals if r), key=lambda r: -totals[r])
    tasks = sorted({t for _, t in done})
    if len(resources) < 2:
        return None
    profiles = np.array([[done[(r, t)] for t in tasks] for r in resources], dtype=float)
    profiles /= np.linalg.norm(profiles, axis=1, keepdims=True)
    pool_of = _components(profiles @ profiles.T >= SIMILAR)
    by_pool: dict[int, Counter[str]] = defaultdict(Counter)
    for i, r in enumerate(resources):
        for t in tasks:
            by_pool[pool_of[i]][t] += done[(r, t)]
    sizes = {p: sum(c.values()) for p, c in by_pool.items()}
    kept = [p for p in sorted(sizes, key=lambda p: -sizes[p]) if sizes[p] >= MIN_EVENTS]
    if not kept:
        return None
    owner = {t: max(kept, key=lambda p, t=t: (by_pool[p][t], sizes[p])) for t in tasks}
    used = [p for p in kept if p in owner.values()]
    if len(used) < 2:
        return None
    names = {p: f"pool_{n}" for n, p in enumerate(used, start=1)}
    department = {t: names[p] for t, p in owner.items()}
    members: dict[str, list[str]] = defaultdict(list)
    events: Counter[str] = Counter()
    for i, r in enumerate(resources):
        name = names.get(pool_of[i])
        if name is None:  # a small pool: with the department of its busiest task
            busiest = max(tasks, key=lambda t, r=r: done[(r, t)])
            name = department[busiest]
        members[name].append(r)
        events[name] += totals[r]
    return Pools(department, dict(members), dict(events))


def _components(linked: np.ndarray) -> list[int]:
    """Each node's connected component (the index of its first member)."""
    component = [-1] * len(linked)
    for start in range(len(linked)):
        if component[start] >= 0:
            continue
        component[start], stack = start, [start]
        while stack:
            node = stack.pop()
            for other in np.flatnonzero(linked[node]).tolist():
                if component[other] < 0:
                    component[other] = start
                    stack.append(other)
    return component
