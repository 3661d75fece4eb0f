"""A department: applicants queue at its windows (before), or the platform routes items
to its back office (after); it decides each item in working time and says so.

A plain class: a request in, the messages to send out (``Send``), each at the simulated
minute it happens.  ``services.faust_adapter`` runs it as a Faust agent on Kafka; the broker-less
loop (``sim.local``) on SimPy's clock.  A request handled once is not handled again
by this instance; consumers of decisions apply each (case, item) once, so a replay after
a crash has no second effect.
"""

from __future__ import annotations

from collections.abc import Callable

from onething.scenarios.model import Scenario
from onething.services.effects import Refused, Send
from onething.services.office import DrawsFor, Offices
from onething.topics.names import DECISIONS
from onething.topics.schemas import Clock, Decision, ItemRequest


class Department:
    def __init__(
        self,
        scenario: Scenario,
        department: str,
        now_of: Callable[[Clock], float] = Clock.now,
        draws_for: DrawsFor | None = None,
    ):
        """``now_of`` reads a request's clock (scaled real time, or SimPy's)."""
        if department not in scenario.departments:
            known = ", ".join(scenario.departments)
            raise ValueError(f"{scenario.name} has no department {department!r} (known: {known})")
        self.name = department
        self.now_of = now_of
        self.offices = Offices(scenario, department, draws_for)
        self.items = {k for k, item in scenario.items.items() if item.department == department}
        self.handled: set[tuple] = set()
        self.repeated = 0

    def problem(self, request: ItemRequest) -> str | None:
        if request.department != self.name:
            return f"addressed to {request.department!r}, this is {self.name!r}"
        strangers = [
            k for k in [*request.file, *request.collect, *request.held] if k not in self.items
        ]
        if strangers:
            return f"items not handled by {self.name}: {', '.join(strangers)}"
        if not request.file and not request.collect:
            return "nothing to file or collect"
        return None

    def on_request(self, request: ItemRequest) -> list[Send]:
        """Serve at a window (then the filing goes to the back office, once nothing of it
        is sent back), or take a routed item into the back office once its paper is here
        (``not_before``)."""
        if reason := self.problem(request):
            raise Refused(reason)
        key = (
            request.case_id,
            request.attempt,
            tuple(request.file),
            tuple(request.collect),
            request.at_window,
        )
        if key in self.handled:
            self.repeated += 1
            return []
        self.handled.add(key)
        clock = request.clock
        now = self.now_of(clock) if request.sent_at is None else request.sent_at
        office = self.offices.of(clock)
        sends: list[Send] = []
        sent_back: list[str] = []
        start = now
        if request.at_window:
            served = office.window(
                request.case_id,
                request.file,
                request.collect,
                request.attempt,
                now,
                clock,
                request.hops,
            )
            sent_back = served.sent_back
            sends.append(Send(DECISIONS, served, at=served.served_at, clock=clock))
            start = served.served_at
        elif request.not_before is not None:
            start = max(now, request.not_before)
        if sent_back:
            return sends  # the filing waits for what is missing (the re-filing holds the rest)
        filing = {*request.held, *request.file}
        opened = start if request.opened_at is None else request.opened_at
        for item in (k for k in office.process.order if k in filing):
            *earlier, decided = office.decide(
                request.case_id, item, start, opened, clock.infra_only
            )
            decision = Decision(
                case_id=request.case_id,
                item=item,
                department=self.name,
                started_at=start,
                decided_at=decided,
                earlier_rounds=earlier,
                routed=not request.at_window,
                hops=request.hops,
            )
            sends.append(Send(DECISIONS, decision, at=decided, clock=clock))
        return sends
