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

from scenarios.model import Scenario
from services.app import Service, make_app, raw_topic
from topics.names import DATA_REPLIES, DATA_REQUESTS, DECISIONS
from topics.schemas import DataReply, DataRequest, Decision, Served


def shared_data_app(scenario: Scenario, bootstrap: str) -> faust.App:
    app = make_app(f"onething-{scenario.name}-shared-data", bootstrap)
    service = Service("shared data", app)
    decisions = raw_topic(app, DECISIONS)
    requests = raw_topic(app, DATA_REQUESTS)
    replies = raw_topic(app, DATA_REPLIES)
    issued = app.Table(f"onething-{scenario.name}-certificates", default=list)
    waiting = app.Table(f"onething-{scenario.name}-data-waiting", default=list)
    produces = {k: i.result.produces for k, i in scenario.items.items() if i.result.produces}
    always = {m for m, material in scenario.materials.items() if material.shared}

    def missing(case_id: str, materials: list[str]) -> list[str]:
        return [m for m in materials if m not in always and m not in issued[case_id]]

    async def answer(request: DataRequest) -> None:
        await service.send(
            replies,
            DataReply(
                case_id=request.case_id,
                item=request.item,
                found=request.materials,
                hops=request.hops,
            ),
        )

    @app.agent(decisions)
    async def certificates(stream: Any) -> None:
        async for event in stream.events():
            message = await service.receive(event, (Decision, Served), "to shared data")
            if not isinstance(message, Decision) or message.item not in produces:
                continue
            certificate = produces[message.item]
            if certificate in issued[message.case_id]:
                continue  # redelivered
            issued[message.case_id] = [*issued[message.case_id], certificate]
            still_waiting = []
            for pending in waiting[message.case_id]:
                request = DataRequest.model_validate(pending)
                if missing(request.case_id, request.materials):
                    still_waiting.append(pending)
                else:
                    await answer(request)
            waiting[message.case_id] = still_waiting

    @app.agent(requests)
    async def serve(stream: Any) -> None:
        async for event in stream.events():
            request = await service.receive(event, (DataRequest,), "to shared data")
            if request is None:
                continue
            unknown = [m for m in request.materials if m not in scenario.materials]
            if unknown:
                await service.dead_letter(event, f"unknown materials: {', '.join(unknown)}")
            elif missing(request.case_id, request.materials):
                waiting[request.case_id] = [*waiting[request.case_id], request.model_dump()]
            else:
                await answer(request)

    return app
