"""The shared-data (e-certificate) service: what departments issue becomes data that the
platform fetches instead of asking the applicant for it.

It keeps, per case, the certificates issued so far (from the decisions topic) in a Faust
table, and answers the platform's data requests; a request for a certificate not issued
yet waits in the table until the certificate arrives.  Materials held in government
databases (``shared: true``) are always available.
"""

from __future__ import annotations

from typing import Any

import faust

from onething.scenarios.model import Scenario
from onething.services.app import Service, make_app, raw_topic
from onething.topics.names import DATA_REPLIES, DATA_REQUESTS, DECISIONS
from onething.topics.schemas import DataReply, DataRequest, Decision, Served


def shared_data_app(scenario: Scenario, bootstrap: str) -> faust.App:
    app = make_app(f"onething-{scenario.name}-shared-data", bootstrap)
    service = Service("shared data", app)
    replies = raw_topic(app, DATA_REPLIES)
    issued = app.Table(f"onething-{scenario.name}-certificates", default=list)
    waiting = app.Table(f"onething-{scenario.name}-data-waiting", default=list)
    answered = app.Table(f"onething-{scenario.name}-data-answered", default=list)
    produces = {k: i.result.produces for k, i in scenario.items.items() if i.result.produces}
    always = {m for m, material in scenario.materials.items() if material.shared}

    def missing(materials: list[str], certificates: list[str]) -> list[str]:
        return [m for m in materials if m not in always and m not in certificates]

    async def answer(*requests: DataRequest) -> None:
        for request in requests:
            reply = DataReply(
                case_id=request.case_id,
                item=request.item,
                found=request.materials,
                hops=request.hops,
            )
            await service.send(replies, reply)

    async def on_decision(event: Any) -> None:
        message = await service.receive(event, (Decision, Served), "to shared data")
        if not isinstance(message, Decision) or message.item not in produces:
            return
        case_id = message.case_id
        certificate = produces[message.item]
        if certificate in issued[case_id]:
            # seen again (a replay after a crash, a re-emission): the tables may say
            # what its replies never told the broker, so tell them again; a department
            # ignores a request it already has, the platform a decision it applied
            await answer(*map(DataRequest.model_validate, answered[case_id]))
            return
        now_issued = [*issued[case_id], certificate]
        now_answered, still_waiting = [], []
        for pending in waiting[case_id]:
            lacking = missing(pending["materials"], now_issued)
            (still_waiting if lacking else now_answered).append(pending)
        await answer(*map(DataRequest.model_validate, now_answered))
        # waiting before issued: a crash between the writes replays into the same answer
        if now_answered:
            answered[case_id] = [*answered[case_id], *now_answered]
            waiting[case_id] = still_waiting
        issued[case_id] = now_issued

    async def on_request(event: Any) -> None:
        request = await service.receive(event, (DataRequest,), "to shared data")
        if request is None:
            return
        unknown = [m for m in request.materials if m not in scenario.materials]
        if request.item not in scenario.items:
            await service.dead_letter(event, f"unknown item {request.item!r}")
        elif unknown:
            await service.dead_letter(event, f"unknown materials: {', '.join(unknown)}")
        elif missing(request.materials, issued[request.case_id]):
            waiting[request.case_id] = [*waiting[request.case_id], request.model_dump()]
        else:
            await answer(request)

    @app.agent(raw_topic(app, DECISIONS, DATA_REQUESTS))
    async def serve(stream: Any) -> None:
        """One agent for both topics: a request is never parked while a certificate
        for the same case is being issued."""
        async for event in stream.events():
            if event.message.topic == DECISIONS:
                await on_decision(event)
            else:
                await on_request(event)

    return app
