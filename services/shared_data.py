"""The shared-data (e-certificate) service: what departments issue becomes data that the
platform fetches instead of asking the applicant for it.

A plain class with no state: the platform routes items whose materials are fetched
here, naming the certificates the case holds (it has joined their decisions); the
shared data checks every material against those and the government databases
(``shared: true`` materials) and hands the request on to the department with the data
attached.  One hop, not a reply to the platform and a second request; and no copy of
every decision, which it would read only to learn the few that issue certificates.
"""

from __future__ import annotations

from onething.scenarios.model import Scenario
from onething.services.effects import Refused, Send
from onething.topics.names import requests_topic
from onething.topics.schemas import DataRequest, ItemRequest


class SharedData:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.certificates = {
            i.result.produces: k for k, i in scenario.items.items() if i.result.produces
        }
        self.always = {m for m, material in scenario.materials.items() if material.shared}

    def on_request(self, request: DataRequest) -> list[Send]:
        """Supply the materials and pass the items on to their department."""
        scenario = self.scenario
        if unknown := [k for k in request.items if k not in scenario.items]:
            raise Refused(f"unknown items: {', '.join(unknown)}")
        if unknown := [m for m in request.materials if m not in scenario.materials]:
            raise Refused(f"unknown materials: {', '.join(unknown)}")
        if request.department not in scenario.departments:
            raise Refused(f"unknown department {request.department!r}")
        if strangers := [
            k for k in request.items if scenario.items[k].department != request.department
        ]:
            raise Refused(f"items not handled by {request.department}: {', '.join(strangers)}")
        missing = [m for m in request.materials if m not in self.always | set(request.issued)]
        if missing:
            raise Refused(f"not held for this case: {', '.join(missing)}")
        forward = ItemRequest(
            case_id=request.case_id,
            department=request.department,
            file=request.items,
            at_window=False,
            opened_at=request.opened_at,
            clock=request.clock,
            hops=request.hops,
            sent_at=request.sent_at,
        )
        return [Send(requests_topic(request.department), forward)]
