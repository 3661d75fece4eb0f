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

from onething.scenarios.journey import Visit
from onething.scenarios.levers import SINGLE_WINDOW

if TYPE_CHECKING:
    from onething.sim.engine import Case, Replication

Proc = Generator[Any, Any, Any]
NOT_YET = float("inf")  # a paper result waiting to be collected


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
            if run.delivery[key] == "on_the_spot":
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

    Queueing is written out here rather than in a sub-generator: every level of
    ``yield from`` costs on each of the few dozen events of every case.
    """
    env = run.env
    trip = visit.trip
    pending, collect = list(visit.file), visit.collect
    while True:
        if trip:
            started = env.now
            yield env.timeout(run.travel())
            case.trips += 1
            if run.tracing:
                run.log(case, "travel", place, started, env.now)
        if visit.online:
            started = env.now
            yield env.timeout(run.handling(pending))
            if run.tracing:
                run.log(case, "file online", place, started, env.now, files=pending)
        else:
            minutes = run.handling(pending) + (run.pickup_handling() if collect else 0.0)
            desk = run.desks[place]
            calendar = desk.calendar
            now = env.now
            opens = calendar.next_open(now)
            if opens > now:
                yield env.timeout(opens - now)
                now = opens
            started = now
            with desk.resource.request() as request:
                yield request
                now = env.now
                waited = now - started
                if waited and (opens := calendar.next_open(now)) > now:
                    # the office closed while this applicant queued
                    yield env.timeout(opens - now)
                    waited = calendar.working_between(started, opens)
                desk.record(started, waited, minutes)
                yield env.timeout(minutes)
            case.wait += waited
            if run.tracing:
                run.log(case, "queue", place, started, started + waited)
                activity = "hand over materials" if pending else "collect results"
                now = env.now
                run.log(case, activity, place, now - minutes, now, "window", pending, collect)
        for key in collect:
            case.in_hand[key] = env.now
        collect = ()
        rework = run.rework
        pending = [k for k in pending if rework[k] and run.rng.random() < rework[k]]
        if not pending:
            return
        started = env.now
        yield env.timeout(run.calendar.add_working(started, run.rework_delay()) - started)
        if run.tracing:
            gather = "sent back (补正): gather missing materials"
            run.log(case, gather, place, started, env.now, files=pending)
        trip = not visit.online


def _back_office(run: Replication, case: Case, key: str, start: float) -> None:
    """Decide one item in working time from ``start``; hand the result over as the levers
    say (electronic and on-the-spot at once, mail after the post, paper when collected)."""
    calendar = run.item_calendar[key]
    decided = calendar.add_working(start, run.processing[key]())
    case.decided[key] = decided
    if run.tracing:
        run.log(
            case, f"decide {key}", run.process.item(key).department, start, decided, "back office"
        )
    mode = run.delivery[key]
    if mode == "mail":
        arrives = calendar.add_working(decided, run.mail())
        case.in_hand[key] = arrives
        if run.tracing:
            run.log(case, "result arrives by mail", "post", decided, arrives, collects=[key])
    else:
        case.in_hand[key] = NOT_YET if mode == "pickup" else decided


def _platform(run: Replication, case: Case, filed: float) -> None:
    """The integrated platform: each item starts when the items it needs are decided (at
    once with parallel approval, else one after another), after a paper transfer when
    departments do not share data."""
    previous = filed
    for key in run.process.order:
        requires = run.process.item(key).requires
        start = max((case.decided[d] for d in requires), default=filed)
        if not run.process.parallel:
            start = max(start, previous)
        if requires and not run.process.has("data_sharing"):
            moved = run.calendar.add_working(start, run.paper_transfer())
            if run.tracing:
                run.log(case, f"paper transfer for {key}", SINGLE_WINDOW, start, moved)
            start = moved
        _back_office(run, case, key, start)
        previous = case.decided[key]
