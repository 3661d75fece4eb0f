"""The integrated platform (一窗受理): one window takes the whole application, then the
platform routes each item to its department as the dependency DAG allows, joins the
decisions and emits one completion per case.

A plain class: events in, messages out (``Send``), the cases in a mapping the caller
owns (a Faust table on Kafka, a dict on SimPy's clock).  Routing follows the core
(``Mechanics.ready_items``, ``paper_arrives``), one request per department for what is
ready at once; items that fetch materials go through the shared data, which hands them
on.  The platform reads its own window's ``served`` events back from the decisions
topic, so intake, routing and completion are one ordered story per case.  Each (case,
item) decision is applied once, however often it is delivered, and an event seen again
makes the platform send again what it caused (after a crash the table can hold what an
event did while its sends never reached the broker; consumers ignore what they have).
Events about this bundle's items that the platform cannot place (an unknown case, item
or department) are refused.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import Any

from onething.scenarios.levers import SINGLE_WINDOW
from onething.scenarios.model import Scenario
from onething.services.effects import Refused, Send
from onething.services.office import DrawsFor, Office, Offices
from onething.topics.names import COMPLETIONS, DATA_REQUESTS, DECISIONS, requests_topic
from onething.topics.schemas import (
    Application,
    Clock,
    Completion,
    DataRequest,
    Decision,
    ItemRequest,
    Served,
)

COMPLETED = "(completion)"
"""Among the effects an event caused: the case's completion."""


class Platform:
    def __init__(
        self,
        scenario: Scenario,
        cases: MutableMapping[str, dict[str, Any]],
        plain_clock: Callable[[], Clock],
        now_of: Callable[[Clock], float] = Clock.now,
        draws_for: DrawsFor | None = None,
    ):
        """``plain_clock`` gives the clock of an application filed by a plain Kafka
        client (which sends none); ``now_of`` reads a clock (real or simulated)."""
        self.scenario = scenario
        self.cases = cases
        self.plain_clock = plain_clock
        self.now_of = now_of
        self.window = Offices(scenario, SINGLE_WINDOW, draws_for)
        self.items = list(scenario.items)
        self.serving: set[tuple] = set()
        self.repeated = 0

    # --- the window ---------------------------------------------------------------

    def on_application(self, application: Application) -> list[Send]:
        """File the bundle (or re-file what was sent back, or collect) at the window."""
        if application.bundle != self.scenario.name:
            raise Refused(
                f"bundle {application.bundle!r}: this platform serves {self.scenario.name!r}"
            )
        named = [*(application.file or []), *application.collect]
        if unknown := [k for k in named if k not in self.items]:
            raise Refused(f"unknown items: {', '.join(unknown)}")
        case_id = application.case_id
        key = (
            case_id,
            application.attempt,
            tuple(application.file or ()),
            tuple(application.collect),
        )
        if key in self.serving:
            self.repeated += 1
            return []
        self.serving.add(key)
        known = self.cases.get(case_id)  # a Faust table answers {} for a missing case
        clock = application.clock or (self.clock_of(known) if known else self.plain_clock())
        office = self.window.of(clock)
        file = list(office.process.order) if application.file is None else application.file
        now = self.now_of(clock) if application.sent_at is None else application.sent_at
        served = office.window(
            case_id,
            file,
            application.collect,
            application.attempt,
            now,
            clock,
            application.hops,
            # a plain Kafka client has no applicant to answer a 补正: take it as complete
            can_be_sent_back=application.clock is not None,
            opened_at=now if application.opened_at is None else application.opened_at,
        )
        return [Send(DECISIONS, served, at=served.served_at, clock=clock)]

    # --- joining -----------------------------------------------------------------------

    def problem(self, message: Served | Decision) -> str | None:
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
        strangers = [k for k in named if k not in self.items]
        if message.case_id not in self.cases:
            if len(strangers) == len(named):
                return None  # another bundle's, or a department's own window
            opens_case = isinstance(message, Served) and message.clock is not None
            if not opens_case:
                return f"unknown case {message.case_id!r}"
        if strangers:
            return f"unknown items: {', '.join(strangers)}"
        if isinstance(message, Decision):
            department = self.scenario.items[message.item].department
            if message.department != department:
                return f"{message.item} is decided by {department}, not {message.department}"
        return None

    def on_decisions(self, message: Served | Decision) -> list[Send]:
        """A window's ``served`` or a department's decision: accept, route, complete."""
        if reason := self.problem(message):
            raise Refused(reason)
        if message.case_id in self.cases:
            case = self.cases[message.case_id]
        elif isinstance(message, Served) and message.clock is not None:
            case = self._new_case(message)  # written with what it causes, once
        else:
            return []
        if isinstance(message, Served):
            if message.place != SINGLE_WINDOW or not message.file:
                return []
            cause, at = f"window-{message.attempt}", message.served_at
            fresh = [
                k for k in message.file if k not in message.sent_back and k not in case["accepted"]
            ]
            if not fresh:
                return self._resend(message.case_id, case, cause, at)
            if message.attempt == 0:  # the first filing names every item the case takes
                case["taken"] = message.file
            case["accepted"] = case["accepted"] + fresh
        elif message.item in case["decided"]:
            return self._resend(message.case_id, case, message.item, message.decided_at)
        else:
            cause, at = message.item, message.decided_at
            case["decided"] = {**case["decided"], message.item: message.decided_at}
            case["applied"] += 1
        case["hops"] = message.hops
        return self._advance(message.case_id, case, cause, at)

    # --- what an event causes ------------------------------------------------------

    @staticmethod
    def _new_case(served: Served) -> dict[str, Any]:
        """A case starts when the platform reads its window's first ``served`` back."""
        assert served.clock is not None
        return {
            "clock": served.clock.model_dump(),
            "taken": [],
            "accepted": [],
            "decided": {},
            "dispatched": [],
            "completed": None,
            "applied": 0,
            "caused": {},
            "hops": served.hops,
            "opened": served.opened_at,
        }

    @staticmethod
    def clock_of(case: dict[str, Any]) -> Clock:
        return Clock.model_validate(case["clock"])

    def _office(self, case: dict[str, Any]) -> Office:
        return self.window.of(self.clock_of(case))

    def _advance(self, case_id: str, case: dict[str, Any], cause: str, at: float) -> list[Send]:
        """Route what is ready at simulated minute ``at`` (when the event happened);
        complete the case when every item is decided.  What an event caused is recorded
        with the case, which is written once per event (each write is a changelog
        message)."""
        caused: list[str] = []
        taken = case["taken"]
        if len(case["accepted"]) == len(taken):
            if len(case["decided"]) == len(taken):
                if not case["completed"]:
                    case["completed"] = self._completion(case_id, case).model_dump(mode="json")
                    caused = [COMPLETED]
            else:
                mechanics = self._office(case).mechanics
                caused = mechanics.ready_items(case["decided"], case["dispatched"], taken)
                case["dispatched"] = case["dispatched"] + caused
        case["caused"] = {**case["caused"], cause: caused}
        self.cases[case_id] = case
        return self._effects(case_id, case, caused, at)

    def _resend(self, case_id: str, case: dict[str, Any], cause: str, at: float) -> list[Send]:
        """An event seen again (a replay after a crash, a department's re-emission):
        send again what it caused and is not done yet."""
        self.repeated += 1
        pending = [k for k in case["caused"].get(cause, []) if k not in case["decided"]]
        return self._effects(case_id, case, pending, at)

    def _effects(
        self, case_id: str, case: dict[str, Any], caused: list[str], at: float
    ) -> list[Send]:
        clock = self.clock_of(case)
        sends = []
        if COMPLETED in caused:
            sends.append(Send(COMPLETIONS, Completion.model_validate(case["completed"])))
        items = [k for k in caused if k != COMPLETED]
        if items:
            sends += self._route(case_id, case, items, clock, at)
        return sends

    def _completion(self, case_id: str, case: dict[str, Any]) -> Completion:
        """The case's one outcome: the same however often it is announced, so a second
        announcement is told from a second completion by its content."""
        return Completion(
            case_id=case_id,
            decided_at=case["decided"],
            completed_at=max(case["decided"].values()),
            decisions_applied=case["applied"],
            hops=case["hops"],
        )

    def _route(
        self, case_id: str, case: dict[str, Any], items: list[str], clock: Clock, at: float
    ) -> list[Send]:
        """Where ready items go, one request per department: through the shared data
        when they fetch materials (it hands them on), else straight to the department;
        an item waiting for paper from another office goes alone, with its arrival."""
        office = self.window.of(clock)
        process, hops = office.mechanics.taking(case["taken"]), case["hops"]
        issued = [
            certificate for k in case["decided"] if (certificate := process.item(k).result.produces)
        ]
        by_department: dict[str, list[str]] = {}
        sends = []
        for key in items:
            moved = None
            if not clock.infra_only:
                moved = office.mechanics.paper_arrives(case_id, key, at)
            if moved is None:
                by_department.setdefault(process.item(key).department, []).append(key)
            else:
                sends.append(self._to_department(case_id, case, [key], clock, at, moved))
        for department, group in by_department.items():
            fetched = [m for k in group for m in process.fetched(k)]
            if fetched:
                request = DataRequest(
                    case_id=case_id,
                    department=department,
                    items=group,
                    materials=list(dict.fromkeys(fetched)),
                    issued=issued,
                    opened_at=case["opened"],
                    clock=clock,
                    hops=hops,
                    sent_at=at,
                )
                sends.append(Send(DATA_REQUESTS, request))
            else:
                sends.append(self._to_department(case_id, case, group, clock, at))
        return sends

    def _to_department(
        self,
        case_id: str,
        case: dict[str, Any],
        items: list[str],
        clock: Clock,
        at: float,
        not_before: float | None = None,
    ) -> Send:
        department = self.scenario.items[items[0]].department
        request = ItemRequest(
            case_id=case_id,
            department=department,
            file=items,
            at_window=False,
            not_before=not_before,
            opened_at=case["opened"],
            clock=clock,
            hops=case["hops"],
            sent_at=at,
        )
        return Send(requests_topic(department), request)
