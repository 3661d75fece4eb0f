"""The integrated platform (一窗受理): one window takes the whole application, then the
platform routes each item to its department as the dependency DAG allows, joins the
decisions in a Faust table and emits one completion per case.

State changes happen only in agents (a Faust table is changed from the stream that owns
the key's partition); the slow window runs as a task that only sends events, and a
paper transfer between offices is a ``not_before`` the department waits for, so no
promise lives only in this process's memory.  Events about this bundle's items that the
platform cannot place (an unknown case, item or department) are dead-lettered.  The
platform reads its own window's ``served`` events back from the decisions topic, so
intake, routing and completion are one ordered story per case.  Each (case, item)
decision is applied once, however often it is delivered.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import faust

from onething.scenarios.levers import SINGLE_WINDOW
from onething.scenarios.model import Scenario
from onething.services.app import Offices, Service, make_app, raw_topic
from onething.sim.distributions import sampler
from onething.topics.names import (
    APPLICATIONS,
    COMPLETIONS,
    DATA_REPLIES,
    DATA_REQUESTS,
    DECISIONS,
    requests_topic,
)
from onething.topics.schemas import (
    Application,
    Clock,
    Completion,
    DataReply,
    DataRequest,
    Decision,
    ItemRequest,
    Served,
)


def platform_app(scenario: Scenario, bootstrap: str, default_clock: Clock) -> faust.App:
    app = make_app(f"onething-{scenario.name}-platform", bootstrap)
    service = Service("platform", app)
    applications = raw_topic(app, APPLICATIONS)
    decisions = raw_topic(app, DECISIONS)
    completions = raw_topic(app, COMPLETIONS)
    data_requests = raw_topic(app, DATA_REQUESTS)
    data_replies = raw_topic(app, DATA_REPLIES)
    to_department = {d: raw_topic(app, requests_topic(d)) for d in scenario.departments}
    window = Offices(scenario, SINGLE_WINDOW)
    cases = app.Table(f"onething-{scenario.name}-platform-cases", default=dict)
    items = list(scenario.items)
    serving: set[tuple] = set()

    def clock_of(case: dict[str, Any]) -> Clock:
        return Clock.model_validate(case["clock"])

    @app.agent(applications)
    async def intake(stream: Any) -> None:
        async for event in stream.noack().events():
            application = await service.receive(event, (Application,), "to platform")
            if application is not None and application.bundle != scenario.name:
                await service.dead_letter(
                    event, f"bundle {application.bundle!r}: this platform serves {scenario.name!r}"
                )
                application = None
            if application is None:
                event.ack()
                continue
            unknown = [
                k for k in [*(application.file or []), *application.collect] if k not in items
            ]
            if unknown:
                await service.dead_letter(event, f"unknown items: {', '.join(unknown)}")
                event.ack()
                continue
            case = cases[application.case_id]
            if not case:
                clock = application.clock or default_clock.model_copy(
                    update={"origin": time.time()}
                )
                case = {
                    "clock": clock.model_dump(),
                    "accepted": [],
                    "decided": {},
                    "dispatched": [],
                    "completed": None,
                    "applied": 0,
                    "caused": {},
                    "hops": application.hops,
                }
                cases[application.case_id] = case
            key = (
                application.case_id,
                application.attempt,
                tuple(application.file or ()),
                tuple(application.collect),
            )
            if key in serving:
                event.ack()
                continue
            serving.add(key)
            asyncio.ensure_future(serve_window(event, application, clock_of(case)))

    async def serve_window(event: Any, application: Application, clock: Clock) -> None:
        try:
            office = window.of(clock.levers)
            file = list(office.process.order) if application.file is None else application.file
            served = await office.window(
                clock,
                SINGLE_WINDOW,
                application.case_id,
                file,
                application.collect,
                application.attempt,
                application.hops,
                # a plain Kafka client has no applicant to answer a 补正: take it as complete
                can_be_sent_back=application.clock is not None,
            )
            await service.send(decisions, served)
        except Exception:
            service.log_failure(application)
        finally:
            event.ack()

    def problem(message: Served | Decision | DataReply) -> str | None:
        """Why the platform must refuse an event, or None to take (or ignore) it.

        The decisions topic also carries departments' own windows (before mode) and,
        on a shared cluster, other bundles' platforms: events of an unknown case naming
        none of this bundle's items are none of its business and are ignored."""
        if isinstance(message, Served):
            if message.place != SINGLE_WINDOW:
                return None
            named = [*message.file, *message.collect]
        elif isinstance(message, Decision) and not message.routed:
            return None
        else:
            named = [message.item]
        strangers = [k for k in named if k not in items]
        if message.case_id not in cases:
            ours = len(strangers) < len(named)
            return f"unknown case {message.case_id!r}" if ours else None
        if strangers:
            return f"unknown items: {', '.join(strangers)}"
        if isinstance(message, Decision):
            department = scenario.items[message.item].department
            if message.department != department:
                return f"{message.item} is decided by {department}, not {message.department}"
        return None

    @app.agent(decisions)
    async def join(stream: Any) -> None:
        async for event in stream.events():
            message = await service.receive(event, (Served, Decision), "to platform")
            if message is None:
                continue
            if reason := problem(message):
                await service.dead_letter(event, reason)
                continue
            if message.case_id not in cases:
                continue
            case = cases[message.case_id]
            if isinstance(message, Served):
                if message.place != SINGLE_WINDOW or not message.file:
                    continue
                cause = f"window-{message.attempt}"
                fresh = [
                    k
                    for k in message.file
                    if k not in message.sent_back and k not in case["accepted"]
                ]
                if not fresh:
                    await resend(message.case_id, case, cause)
                    continue
                case["accepted"] = case["accepted"] + fresh
            elif message.item in case["decided"]:
                await resend(message.case_id, case, message.item)
                continue
            else:
                cause = message.item
                case["decided"] = {**case["decided"], message.item: message.decided_at}
                case["applied"] += 1
            case["hops"] = message.hops
            await advance(message.case_id, case, cause)

    async def advance(case_id: str, case: dict[str, Any], cause: str) -> None:
        """Route what is ready; complete the case when every item is decided.  What an
        event caused is recorded with the case, which is written once per event (each
        write is a changelog message)."""
        clock = clock_of(case)
        office = window.of(clock.levers)
        process = office.process
        caused: list[str] = []
        if len(case["accepted"]) == len(items):
            if len(case["decided"]) == len(items):
                if not case["completed"]:
                    case["completed"] = completion(case_id, case).model_dump(mode="json")
                    caused = [COMPLETED]
            else:
                caused = _ready(process, case)
                case["dispatched"] = case["dispatched"] + caused
        case["caused"] = {**case["caused"], cause: caused}
        cases[case_id] = case
        await send_effects(case_id, case, caused)

    async def resend(case_id: str, case: dict[str, Any], cause: str) -> None:
        """An event seen again (a replay after a crash, a department's re-emission):
        send again what it caused and is not done yet.  After a crash the table may hold
        the case as this event left it while its sends never reached the broker;
        consumers ignore what they already have."""
        pending = [k for k in case["caused"].get(cause, []) if k not in case["decided"]]
        await send_effects(case_id, case, pending)

    async def send_effects(case_id: str, case: dict[str, Any], effects: list[str]) -> None:
        clock = clock_of(case)
        office = window.of(clock.levers)
        for key in effects:
            if key == COMPLETED:
                await service.send(completions, Completion.model_validate(case["completed"]))
            else:
                await service.send(*route(case_id, key, clock, case["hops"], office))

    def completion(case_id: str, case: dict[str, Any]) -> Completion:
        """The case's one outcome: the same however often it is announced, so a second
        announcement is told from a second completion by its content."""
        return Completion(
            case_id=case_id,
            decided_at=case["decided"],
            completed_at=max(case["decided"].values()),
            decisions_applied=case["applied"],
            hops=case["hops"],
        )

    def route(case_id: str, key: str, clock: Clock, hops: list, office: Any) -> tuple[Any, Any]:
        """Where an item goes next: the shared data for the materials it fetches, else
        its department (after the paper transfer between offices without data sharing)."""
        process = office.process
        if process.has("data_sharing") and (fetched := _fetched(process, key)):
            return data_requests, DataRequest(
                case_id=case_id, item=key, materials=fetched, hops=hops
            )
        not_before = None
        if process.item(key).requires and not process.has("data_sharing"):
            transfer = sampler(
                scenario.levers.paper_transfer, office.rng, office.calendar.minutes_per_day
            )
            not_before = office.calendar.add_working(clock.now(), transfer())
        return to_department_request(case_id, key, clock, hops, not_before)

    def to_department_request(
        case_id: str, key: str, clock: Clock, hops: list, not_before: float | None = None
    ) -> tuple[Any, Any]:
        department = scenario.items[key].department
        request = ItemRequest(
            case_id=case_id,
            department=department,
            file=[key],
            at_window=False,
            not_before=not_before,
            clock=clock,
            hops=hops,
        )
        return to_department[department], request

    @app.agent(data_replies)
    async def fetched(stream: Any) -> None:
        async for event in stream.events():
            reply = await service.receive(event, (DataReply,), "to platform")
            if reply is None:
                continue
            if reason := problem(reply):
                await service.dead_letter(event, reason)
                continue
            if reply.case_id not in cases:
                continue
            clock = clock_of(cases[reply.case_id])
            await service.send(*to_department_request(reply.case_id, reply.item, clock, reply.hops))

    return app


COMPLETED = "(completion)"
"""Among the effects an event caused: the case's completion."""


def _ready(process: Any, case: dict[str, Any]) -> list[str]:
    """Items to route now: every one whose requirements are decided (parallel), or the
    next in order once everything sent is decided."""
    pending = [k for k in process.order if k not in case["dispatched"]]
    if process.parallel:
        return [k for k in pending if all(d in case["decided"] for d in process.item(k).requires)]
    return pending[:1] if all(k in case["decided"] for k in case["dispatched"]) else []


def _fetched(process: Any, key: str) -> list[str]:
    """Materials of this item that data sharing fetches instead of asking for."""
    materials = process.scenario.materials
    return [m for m in process.item(key).materials if materials[m].shared or m in process.produced]
