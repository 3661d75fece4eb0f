"""A department: applicants queue at its windows (before), or the platform routes items
to its back office (after); it decides each item in working time and says so.

One Faust app per department.  Window service and back office run as tasks, so the
agent keeps reading while windows are busy; an event is acknowledged (and its offset may
be committed) only when its work is done, so a crash replays unfinished work rather than
losing it.  A request handled once is not handled again by this process; consumers of
decisions apply each (case, item) once, so a replay after a crash has no second effect.
"""

from __future__ import annotations

import asyncio
from typing import Any

import faust

from onething.scenarios.model import Scenario
from onething.services.app import Offices, Service, make_app, raw_topic
from onething.topics.names import DECISIONS, requests_topic
from onething.topics.schemas import Decision, ItemRequest


def department_app(scenario: Scenario, department: str, bootstrap: str) -> faust.App:
    if department not in scenario.departments:
        known = ", ".join(scenario.departments)
        raise ValueError(f"{scenario.name} has no department {department!r} (known: {known})")
    app = make_app(f"onething-{scenario.name}-{department}", bootstrap)
    service = Service(f"department {department}", app)
    requests = raw_topic(app, requests_topic(department))
    decisions = raw_topic(app, DECISIONS)
    offices = Offices(scenario, department)
    here = {k for k, item in scenario.items.items() if item.department == department}
    handled: set[tuple] = set()

    def problem(request: ItemRequest) -> str | None:
        if request.department != department:
            return f"addressed to {request.department!r}, this is {department!r}"
        strangers = [k for k in [*request.file, *request.collect] if k not in here]
        if strangers:
            return f"items not handled by {department}: {', '.join(strangers)}"
        if not request.file and not request.collect:
            return "nothing to file or collect"
        return None

    @app.agent(requests)
    async def take(stream: Any) -> None:
        async for event in stream.noack().events():
            request = await service.receive(event, (ItemRequest,), f"to {department}")
            if request is not None and (reason := problem(request)):
                await service.dead_letter(event, reason)
                request = None
            if request is None:
                event.ack()
                continue
            key = (
                request.case_id,
                request.attempt,
                tuple(request.file),
                tuple(request.collect),
                request.at_window,
            )
            if key in handled:
                event.ack()
                continue
            handled.add(key)
            asyncio.ensure_future(handle(event, request))

    async def handle(event: Any, request: ItemRequest) -> None:
        try:
            office = offices.of(request.clock.levers)
            clock = request.clock
            sent_back: list[str] = []
            if request.at_window:
                served = await office.window(
                    clock,
                    department,
                    request.case_id,
                    request.file,
                    request.collect,
                    request.attempt,
                    request.hops,
                )
                sent_back = served.sent_back
                await service.send(decisions, served)
            accepted = [k for k in request.file if k not in sent_back]
            await asyncio.gather(*(decide(request, office, k) for k in accepted))
        except Exception:  # a bug must not stop the department: say so, keep serving
            service.log_failure(request)
        finally:
            event.ack()

    async def decide(request: ItemRequest, office: Any, item: str) -> None:
        clock = request.clock
        if request.not_before is not None and request.not_before > clock.now():
            await office.sleep_minutes(clock, request.not_before - clock.now())
        started = clock.now()
        decided = await office.back_office(clock, item, started)
        await service.send(
            decisions,
            Decision(
                case_id=request.case_id,
                item=item,
                department=department,
                started_at=started,
                decided_at=decided,
                routed=not request.at_window,
                hops=request.hops,
            ),
        )

    return app
