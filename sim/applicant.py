"""What one applicant does, as SimPy processes that read like the story they model.

Siloed: the applicant is the integrator: for each visit of the journey, wait until the
results it needs are in hand, travel, queue at the window, hand over the materials, and
start the department's back office.  Integrated: file once at the single window; the
platform routes the items to the back offices as the dependency DAG allows.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from scenarios.journey import Visit
from scenarios.levers import SINGLE_WINDOW

if TYPE_CHECKING:
    from sim.engine import Case, Replication

Proc = Generator[Any, Any, Any]


def applicant(run: Replication, case: Case) -> Proc:
    if run.process.integrated:
        yield from _integrated(run, case)
    else:
        yield from _siloed(run, case)
    pending = [e for e in case.in_hand.values() if not e.triggered]
    if pending:
        yield run.env.all_of(pending)
    run.finish(case)


def _siloed(run: Replication, case: Case) -> Proc:
    env = run.env
    for visit in run.journey:
        needed = [(case.decided if k in visit.collect else case.in_hand)[k] for k in visit.awaits]
        pending = [e for e in needed if not e.triggered]
        if pending:
            yield env.all_of(pending)
        yield from _file_and_collect(run, case, visit, visit.place)
        for key in visit.file:
            env.process(back_office(run, case, key))
        on_the_spot = [case.in_hand[k] for k in visit.file if run.delivery[k] == "on_the_spot"]
        if on_the_spot:
            started = env.now
            yield env.all_of(on_the_spot)
            run.log(case, "wait for result on the spot", visit.place, started, env.now)


def _integrated(run: Replication, case: Case) -> Proc:
    env = run.env
    filing, *collecting = run.journey
    yield from _file_and_collect(run, case, filing, SINGLE_WINDOW)
    env.process(platform(run, case))
    for visit in collecting:
        yield env.all_of([case.decided[k] for k in visit.awaits])
        yield from _file_and_collect(run, case, visit, SINGLE_WINDOW)


def _file_and_collect(run: Replication, case: Case, visit: Visit, place: str) -> Proc:
    """Travel if the journey says so, queue, hand over; re-file whatever is sent back."""
    env = run.env
    if visit.trip:
        yield from _travel(run, case, place)
    pending, collect = list(visit.file), visit.collect
    while True:
        if visit.online:
            started = env.now
            yield env.timeout(run.handling(pending))
            run.log(case, "file online", place, started, env.now, files=pending)
        else:
            minutes = run.handling(pending) + (run.pickup_handling() if collect else 0.0)
            started = env.now
            waited = yield from run.desks[place].serve(minutes)
            case.wait += waited
            run.log(case, "queue", place, started, started + waited)
            activity = "hand over materials" if pending else "collect results"
            run.log(case, activity, place, env.now - minutes, env.now, "window", pending, collect)
        for key in collect:
            case.in_hand[key].succeed()
        collect = ()
        accepted = [k for k in pending if run.rng.random() >= run.rework[k]]
        for key in accepted:
            case.filed[key] = env.now
        pending = [k for k in pending if k not in accepted]
        if not pending:
            return
        started = env.now
        yield env.timeout(run.calendar.add_working(env.now, run.rework_delay()) - env.now)
        run.log(
            case,
            "sent back (补正): gather missing materials",
            place,
            started,
            env.now,
            files=pending,
        )
        if not visit.online:
            yield from _travel(run, case, place)


def _travel(run: Replication, case: Case, place: str) -> Proc:
    started = run.env.now
    yield run.env.timeout(run.travel())
    case.trips += 1
    run.log(case, "travel", place, started, run.env.now)


def back_office(run: Replication, case: Case, key: str) -> Proc:
    """Process one item in working time, then hand the result over as the levers say."""
    env = run.env
    started = env.now
    yield env.timeout(run.calendar.add_working(env.now, run.processing[key]()) - env.now)
    department = run.process.item(key).department
    run.log(case, f"decide {key}", department, started, env.now, "back office")
    case.decided[key].succeed()
    mode = run.delivery[key]
    if mode in ("electronic", "on_the_spot"):
        case.in_hand[key].succeed()
    elif mode == "mail":
        yield from _mail(run, case, [key])


def _mail(run: Replication, case: Case, keys: list[str]) -> Proc:
    env = run.env
    started = env.now
    yield env.timeout(run.calendar.add_working(env.now, run.mail()) - env.now)
    run.log(case, "results arrive by mail", "post", started, env.now, collects=keys)
    for key in keys:
        case.in_hand[key].succeed()


def platform(run: Replication, case: Case) -> Proc:
    """The integrated platform: fan out as the DAG allows; each result goes out when
    decided (paper results wait for the one pickup at the window)."""
    env = run.env
    if run.process.parallel:
        yield env.all_of([env.process(_routed(run, case, key)) for key in run.process.order])
    else:
        for key in run.process.order:
            yield from _routed(run, case, key)


def _routed(run: Replication, case: Case, key: str) -> Proc:
    env = run.env
    requires = run.process.item(key).requires
    pending = [case.decided[d] for d in requires if not case.decided[d].triggered]
    if pending:
        yield env.all_of(pending)
    if requires and not run.process.has("data_sharing"):
        started = env.now
        yield env.timeout(run.calendar.add_working(env.now, run.paper_transfer()) - env.now)
        run.log(case, f"paper transfer for {key}", SINGLE_WINDOW, started, env.now)
    yield from back_office(run, case, key)
