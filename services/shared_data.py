"""The shared-data (e-certificate) service: what departments issue becomes data that the
platform fetches instead of asking the applicant for it.

A plain class over three mappings the caller owns (Faust tables on Kafka, dicts on
SimPy's clock): per case, the certificates issued so far (from the decisions), the data
requests waiting for a certificate, and those answered.  Materials held in government
databases (``shared: true``) are always available.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from onething.scenarios.model import Scenario
from onething.services.effects import Refused, Send
from onething.topics.names import DATA_REPLIES
from onething.topics.schemas import DataReply, DataRequest, Decision, Served


class SharedData:
    def __init__(
        self,
        scenario: Scenario,
        issued: MutableMapping[str, list[str]],
        waiting: MutableMapping[str, list[dict[str, Any]]],
        answered: MutableMapping[str, list[dict[str, Any]]],
    ):
        self.scenario = scenario
        self.issued, self.waiting, self.answered = issued, waiting, answered
        self.produces = {
            k: i.result.produces for k, i in scenario.items.items() if i.result.produces
        }
        self.always = {m for m, material in scenario.materials.items() if material.shared}
        self.repeated = 0

    def _missing(self, materials: list[str], certificates: list[str]) -> list[str]:
        return [m for m in materials if m not in self.always and m not in certificates]

    @staticmethod
    def _answer(*requests: dict[str, Any] | DataRequest) -> list[Send]:
        sends = []
        for pending in requests:
            request = DataRequest.model_validate(pending)
            reply = DataReply(
                case_id=request.case_id,
                item=request.item,
                found=request.materials,
                hops=request.hops,
            )
            sends.append(Send(DATA_REPLIES, reply))
        return sends

    def on_decision(self, message: Decision | Served) -> list[Send]:
        """A certificate issued: answer the requests that waited for it."""
        if not isinstance(message, Decision) or message.item not in self.produces:
            return []
        case_id = message.case_id
        issued = self.issued.get(case_id) or []
        certificate = self.produces[message.item]
        if certificate in issued:
            # seen again (a replay after a crash, a re-emission): the tables may say
            # what its replies never told the broker, so tell them again; a department
            # ignores a request it already has, the platform a decision it applied
            self.repeated += 1
            return self._answer(*(self.answered.get(case_id) or []))
        now_issued = [*issued, certificate]
        now_answered, still_waiting = [], []
        for pending in self.waiting.get(case_id) or []:
            lacking = self._missing(pending["materials"], now_issued)
            (still_waiting if lacking else now_answered).append(pending)
        # waiting before issued: a crash between the writes replays into the same answer
        if now_answered:
            self.answered[case_id] = [*(self.answered.get(case_id) or []), *now_answered]
            self.waiting[case_id] = still_waiting
        self.issued[case_id] = now_issued
        return self._answer(*now_answered)

    def on_request(self, request: DataRequest) -> list[Send]:
        """The platform asks for an item's materials: answer, or wait for a certificate."""
        unknown = [m for m in request.materials if m not in self.scenario.materials]
        if request.item not in self.scenario.items:
            raise Refused(f"unknown item {request.item!r}")
        if unknown:
            raise Refused(f"unknown materials: {', '.join(unknown)}")
        case_id = request.case_id
        if self._missing(request.materials, self.issued.get(case_id) or []):
            self.waiting[case_id] = [*(self.waiting.get(case_id) or []), request.model_dump()]
            return []
        return self._answer(request)
