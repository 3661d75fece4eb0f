"""What one applicant does, as a SimPy process that reads like the story it models.

Siloed: the applicant is the integrator: for each visit of the journey, wait until the
results it needs are in hand, travel, queue at the window, hand over the materials.
Integrated: file once at the single window; the platform routes the items to the back
offices as the dependency DAG allows.

Back offices are delays in working time with no queue of their own (as many clerks as
files), so when an item is filed its decision time is known at once: it is computed, not
simulated, which keeps a case to a few dozen events.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from onething.scenarios.counts import item_steps
from onething.scenarios.journey import Visit
from onething.scenarios.levers import SINGLE_WINDOW

if TYPE_CHECKING:
    from onething.sim.engine import Case, Replication

Proc = Generator[Any, Any, Any]


def applicant(run: Replication, case: Case) -> Proc:
    """The process of one case; its generator is chosen once, to keep resumptions short."""
    return _integrated(run, case) if run.process.integrated else _siloed(run, case)


def _siloed(run: Replication, case: Case) -> Proc:
    env = run.env
    for visit in run.journey:
        ready = 0.0
        for key in visit.awaits:
            t = case.decided[key] if key in visit.collect else case.in_hand[key]
            if t > ready:
                ready = t
        if ready > env.now:
            yield env.timeout(ready - env.now)
        yield from _file_and_collect(run, case, visit, visit.place)
        on_the_spot = env.now
        for key in visit.file:
            _back_office(run, case, key, env.now)
            if run.mechanics.delivery[key] == "on_the_spot":
                on_the_spot = max(on_the_spot, case.in_hand[key])
        if on_the_spot > env.now:
            started = env.now
            yield env.timeout(on_the_spot - env.now)
            if run.tracing:
                run.log(case, "wait for the result on the spot", visit.place, started, env.now)
    yield from _finish(run, case)


def _integrated(run: Replication, case: Case) -> Proc:
    env = run.env
    filing, *collecting = run.journey
    yield from _file_and_collect(run, case, filing, SINGLE_WINDOW)
    _platform(run, case, env.now)
    for visit in collecting:
        ready = max(case.decided[k] for k in visit.awaits)
        if ready > env.now:
            yield env.timeout(ready - env.now)
        yield from _file_and_collect(run, case, visit, SINGLE_WINDOW)
    yield from _finish(run, case)


def _finish(run: Replication, case: Case) -> Proc:
    """The case ends when the last result is in the applicant's hands."""
    last = max(case.in_hand.values())
    if last > run.env.now:
        yield run.env.timeout(last - run.env.now)
    run.finish(case)


def _file_and_collect(run: Replication, case: Case, visit: Visit, place: str) -> Proc:
    """Travel if the journey says so, queue, hand over; re-file whatever is sent back.

    The window queue is the core's (``Windows``): the start of service is known when the
    applicant joins the queue, so queueing is one timeout.
    """
    env = run.env
    mechanics = run.mechanics
    draws = mechanics.draws
    trip = visit.trip
    pending, collect = list(visit.file), visit.collect
    while True:
        if trip:
            started = env.now
            yield env.timeout(draws.travel(case))
            case.trips += 1
            if run.tracing:
                run.log(case, "travel", place, started, env.now)
        if visit.online:
            started = env.now
            yield env.timeout(mechanics.desk_minutes(case, pending, False))
            if run.tracing:
                run.log(case, "file online", place, started, env.now, files=pending)
        else:
            minutes = mechanics.desk_minutes(case, pending, bool(collect))
            service = run.desks[place].serve(env.now, minutes)
            yield env.timeout(service.end - env.now)
            case.wait += service.waited
            if run.tracing:
                run.log(case, "queue", place, service.queued, service.start)
                activity = "hand over materials" if pending else "collect results"
                now = env.now
                run.log(case, activity, place, now - minutes, now, "window", pending, collect)
        for key in collect:
            case.in_hand[key] = env.now
        collect = ()
        pending = mechanics.sent_back(case, pending)
        if not pending:
            return
        case.rework_rounds += 1
        started = env.now
        delay = draws.rework_delay(case)
        yield env.timeout(run.calendar.add_working(started, delay) - started)
        if run.tracing:
            gather = "sent back (补正): gather missing materials"
            run.log(case, gather, place, started, env.now, files=pending)
        trip = not visit.online


def _back_office(run: Replication, case: Case, key: str, start: float) -> float:
    """Decide one item from ``start``; the result reaches the applicant as the levers
    say (the core's ``decide`` and ``in_hand_at``)."""
    mechanics = run.mechanics
    decided = mechanics.decide(case, key, start)
    case.decided[key] = decided
    if run.tracing:
        department = run.process.item(key).department
        steps = item_steps(run.process, key)  # the log shows them, as an approval system's
        run.log(case, f"decide {key}", department, start, decided, "back office", steps=steps)
    case.in_hand[key] = arrives = mechanics.in_hand_at(case, key, decided)
    if run.tracing and mechanics.delivery[key] == "mail":
        run.log(case, "result arrives by mail", "post", decided, arrives, collects=[key])
    return decided


def _platform(run: Replication, case: Case, filed: float) -> None:
    """The integrated platform routes the items as the core says (``route_platform``)."""

    def back_office(key: str, start: float) -> float:
        return _back_office(run, case, key, start)

    def transferred(key: str, start: float, moved: float) -> None:
        run.log(case, f"paper transfer for {key}", SINGLE_WINDOW, start, moved)

    run.mechanics.route_platform(case, filed, back_office, transferred if run.tracing else None)
