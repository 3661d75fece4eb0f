"""The integrated platform (一窗受理): one window takes the whole application, then the
platform routes each item to its department as the dependency DAG allows, joins the
decisions in a Faust table and emits one completion per case.

State changes happen only in agents (a Faust table is changed from the stream that owns
the key's partition); the slow window runs as a task that only sends events, and a
paper transfer between offices is a ``not_before`` the department waits for, so no
promise lives only in this process's memory.  Unknown cases in events only the platform
could have caused (its window's ``served``, routed decisions, data replies) are
dead-lettered.  The platform reads its own window's ``served`` events back from the
decisions topic, so intake, routing and completion are one ordered story per case.
Each (case, item) decision is applied once, however often it is delivered.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import faust

from scenarios.levers import SINGLE_WINDOW
from scenarios.model import Scenario
from services.app import Offices, Service, make_app, raw_topic
from sim.distributions import sampler
from topics.names import (
    APPLICATIONS,
    COMPLETIONS,
    DATA_REPLIES,
    DATA_REQUESTS,
    DECISIONS,
    requests_topic,
)
from topics.schemas import (
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
                    "completed": False,
                    "applied": 0,
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

    def owned(message: Served | Decision) -> bool:
        """Events only this platform's cases have (the decisions topic also carries
        departments' own windows in before mode, which are none of its business)."""
        if isinstance(message, Served):
            return message.place == SINGLE_WINDOW
        return message.routed

    @app.agent(decisions)
    async def join(stream: Any) -> None:
        async for event in stream.events():
            message = await service.receive(event, (Served, Decision), "to platform")
            if message is None:
                continue
            if message.case_id not in cases:
                if owned(message):
                    await service.dead_letter(event, f"unknown case {message.case_id!r}")
                continue
            case = cases[message.case_id]
            if isinstance(message, Served):
                if message.place != SINGLE_WINDOW or not message.file:
                    continue
                fresh = [
                    k
                    for k in message.file
                    if k not in message.sent_back and k not in case["accepted"]
                ]
                if not fresh:
                    continue
                case["accepted"] = case["accepted"] + fresh
                case["hops"] = message.hops
            elif message.item in case["decided"]:
                continue  # a redelivered decision: applied once already
            else:
                case["decided"] = {**case["decided"], message.item: message.decided_at}
                case["applied"] = case.get("applied", 0) + 1
                case["hops"] = message.hops
            await advance(message.case_id, case)

    async def advance(case_id: str, case: dict[str, Any]) -> None:
        """Route what is ready; complete the case when every item is decided.

        What this sends is on the broker before the case records it (``deliver``), and
        the case is written once per event: each write is a changelog message."""
        clock = clock_of(case)
        office = window.of(clock.levers)
        process = office.process
        sends: list[tuple[Any, Any]] = []
        if len(case["accepted"]) == len(items):
            if len(case["decided"]) == len(items):
                if not case["completed"]:
                    case["completed"] = True
                    completion = Completion(
                        case_id=case_id,
                        decided_at=case["decided"],
                        completed_at=clock.now(),
                        decisions_applied=case.get("applied", 0),
                        hops=case["hops"],
                    )
                    sends.append((completions, completion))
            else:
                ready = _ready(process, case)
                case["dispatched"] = case["dispatched"] + ready
                sends += [route(case_id, key, clock, case["hops"], office) for key in ready]
        await service.deliver(sends)
        cases[case_id] = case

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
            if reply.case_id not in cases:
                await service.dead_letter(event, f"unknown case {reply.case_id!r}")
                continue
            clock = clock_of(cases[reply.case_id])
            await service.send(*to_department_request(reply.case_id, reply.item, clock, reply.hops))

    return app


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
