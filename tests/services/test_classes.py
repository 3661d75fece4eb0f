"""The services as plain classes, driven by hand: no broker, no Faust, a fixed clock."""

from __future__ import annotations

import pytest

from onething.scenarios.levers import SINGLE_WINDOW, Process
from onething.scenarios.loader import load_scenario
from onething.services.department import Department
from onething.services.effects import Refused
from onething.services.platform import Platform
from onething.services.shared_data import SharedData
from onething.sim.harness import LiveSettings
from onething.sim.local import run_local
from onething.topics.names import COMPLETIONS, DATA_REQUESTS, DECISIONS, requests_topic
from onething.topics.schemas import Application, Clock, DataRequest, Decision, ItemRequest, Served

NEWBORN = load_scenario("newborn")
AFTER = sorted(NEWBORN.after)


def _clock(levers=AFTER, infra_only=False) -> Clock:
    return Clock(origin=0.0, minutes_per_second=1.0, infra_only=infra_only, levers=levers)


def _platform(now: float = 600.0) -> Platform:
    return Platform(NEWBORN, {}, plain_clock=_clock, now_of=lambda _clock: now)


def _open_case(platform: Platform, case_id: str = "c1") -> list:
    """File the bundle and read the window's ``served`` back, as the platform does."""
    (served,) = platform.on_application(
        Application(case_id=case_id, bundle="newborn", clock=_clock(infra_only=True))
    )
    assert served.topic == DECISIONS and isinstance(served.message, Served)
    return platform.on_decisions(served.message.model_copy(update={"sent_back": []}))


def _decision(item: str, case_id: str = "c1", at: float = 700.0) -> Decision:
    department = NEWBORN.items[item].department
    return Decision(
        case_id=case_id,
        item=item,
        department=department,
        started_at=at,
        decided_at=at,
        routed=True,
    )


def test_the_platform_routes_what_is_ready_one_request_per_department():
    routes = _open_case(_platform())
    assert routes and all(
        r.topic == DATA_REQUESTS or r.topic.startswith("onething.requests.") for r in routes
    )
    departments = [r.message.department for r in routes]
    assert len(departments) == len(set(departments))
    first_level = set(Process.of(NEWBORN, "after").levels[0])
    assert {
        k for r in routes for k in (r.message.items if r.topic == DATA_REQUESTS else r.message.file)
    } == first_level


def test_a_decision_delivered_twice_is_applied_once():
    platform = _platform()
    _open_case(platform)
    first_item = Process.of(NEWBORN, "after").levels[0][0]
    platform.on_decisions(_decision(first_item))
    applied = platform.cases["c1"]["applied"]
    again = platform.on_decisions(_decision(first_item))
    assert platform.cases["c1"]["applied"] == applied == 1
    assert platform.repeated == 1
    # what the first delivery caused and is not decided yet is sent again, nothing new
    assert all(r.topic != COMPLETIONS for r in again)


def test_every_item_decided_once_completes_the_case_once_whatever_is_repeated():
    platform = _platform()
    pending = [k for r in _open_case(platform) for k in _items(r)]
    decided: list[str] = []
    completions = []
    while pending:
        item = pending.pop(0)
        decided.append(item)
        sends = platform.on_decisions(_decision(item)) + platform.on_decisions(_decision(item))
        completions += [s for s in sends if s.topic == COMPLETIONS]
        routed = [k for s in sends if s.topic != COMPLETIONS for k in _items(s)]
        pending += [k for k in dict.fromkeys(routed) if k not in decided and k not in pending]
    assert sorted(decided) == sorted(NEWBORN.items)
    outcomes = {c.message.model_dump_json(exclude={"hops"}) for c in completions}
    assert len(outcomes) == 1 and completions[0].message.decisions_applied == len(NEWBORN.items)


def _items(send) -> list[str]:
    return send.message.items if send.topic == DATA_REQUESTS else send.message.file


def test_the_platform_refuses_what_it_cannot_place():
    platform = _platform()
    with pytest.raises(Refused, match="bundle 'restaurant'"):
        platform.on_application(Application(case_id="x", bundle="restaurant"))
    with pytest.raises(Refused, match="unknown items: nothing"):
        platform.on_application(Application(case_id="x", bundle="newborn", file=["nothing"]))
    with pytest.raises(Refused, match="unknown case 'ghost'"):
        platform.on_decisions(_decision("birth_certificate", case_id="ghost"))
    stranger = Served(case_id="ghost", place=SINGLE_WINDOW, file=["not_ours"], served_at=1.0)
    assert platform.on_decisions(stranger) == []  # another bundle's window: not its business
    _open_case(platform)
    wrong = _decision("birth_certificate").model_copy(update={"department": "hrss"})
    with pytest.raises(Refused, match="decided by hospital, not hrss"):
        platform.on_decisions(wrong)


def test_the_shared_data_hands_the_items_on_or_refuses_a_certificate_not_held():
    shared = SharedData(NEWBORN)
    request = DataRequest(
        case_id="c1",
        department="public_security",
        items=["household_registration"],
        materials=["birth_medical_certificate"],
        clock=_clock(),
    )
    with pytest.raises(Refused, match="not held for this case: birth_medical_certificate"):
        shared.on_request(request)
    held = request.model_copy(update={"issued": ["birth_medical_certificate"]})
    (forward,) = shared.on_request(held)
    assert forward.topic == requests_topic("public_security")
    assert forward.message.file == ["household_registration"] and not forward.message.at_window


def test_a_department_takes_a_filing_whole_once_nothing_is_sent_back():
    department = Department(NEWBORN, "hospital", now_of=lambda _clock: 600.0)
    items = [k for k, i in NEWBORN.items.items() if i.department == "hospital"]
    request = ItemRequest(case_id="c1", department="hospital", file=items, clock=_clock(levers=[]))
    sends = department.on_request(request)
    served = sends[0].message
    decisions = [s.message for s in sends[1:]]
    if served.sent_back:
        assert decisions == []
        refile = request.model_copy(
            update={
                "file": served.sent_back,
                "attempt": 1,
                "held": [k for k in items if k not in served.sent_back],
            }
        )
        decisions = []
        while not decisions:
            sends = department.on_request(refile)
            decisions = [s.message for s in sends[1:]]
            refile = refile.model_copy(update={"attempt": refile.attempt + 1})
    assert sorted(d.item for d in decisions) == sorted(items)
    assert department.on_request(request) == []  # the same request again: no second effect


def test_an_after_mode_case_costs_few_records():
    """Records Kafka carries per after-mode newborn case (sends and table changelog
    writes) and the events services read: issue targets 28 and 22."""
    run = run_local(Process.of(NEWBORN, "after"), LiveSettings(bootstrap="", duration_days=3))
    assert run.refused == [] and run.result.reconcile().problems() == []
    per_case = run.per_case()
    assert per_case["produced"] <= 28, per_case
    assert per_case["consumed_by_services"] <= 22, per_case


def test_a_later_run_on_the_same_services_finds_the_windows_free():
    """The window queue is kept per run (its clock): a second run's first applicant does
    not queue behind the first run's applicants, whose times are another clock's."""
    department = Department(NEWBORN, "hospital", now_of=lambda _clock: 600.0)
    items = [k for k, i in NEWBORN.items.items() if i.department == "hospital"]

    def served(clock: Clock, case_id: str) -> Served:
        request = ItemRequest(case_id=case_id, department="hospital", file=items, clock=clock)
        return department.on_request(request)[0].message

    first_run = _clock(levers=[])
    queued = [served(first_run, f"a{n}").queue_minutes for n in range(12)]
    assert queued[-1] > 0  # the first run's windows are busy: later applicants queue
    second_run = first_run.model_copy(update={"origin": first_run.origin + 3600})
    assert served(second_run, "b0").queue_minutes == 0


def _routed(case_id: str, item: str, sent_at: float | None, seed: int | None) -> ItemRequest:
    department = NEWBORN.items[item].department
    clock = _clock().model_copy(update={"seed": seed})
    return ItemRequest(
        case_id=case_id,
        department=department,
        file=[item],
        at_window=False,
        clock=clock,
        sent_at=sent_at,
    )


def test_a_department_works_from_the_minute_a_request_was_sent_not_when_it_arrived():
    """A hop's real time, read on the clock, would be simulated minutes added to the
    story (at 500 minutes a second, 40 ms is 20 minutes): the request's own minute is
    the department's now."""
    item = next(k for k, i in NEWBORN.items.items() if i.department == "hospital")
    decided = []
    for arrived in (800.0, 5000.0):
        department = Department(NEWBORN, "hospital", now_of=lambda _clock, t=arrived: t)
        (send,) = department.on_request(_routed("run-3", item, sent_at=800.0, seed=11))
        assert send.message.started_at == 800.0
        decided.append(send.message.decided_at)
    assert decided[0] == decided[1]


def test_the_platform_routes_from_the_minute_a_decision_was_made():
    platform = _platform(now=10**6)  # the clock reads far later than anything happened
    routes = _open_case(platform)
    first = _items(routes[0])[0]
    sends = platform.on_decisions(_decision(first, at=700.0))
    routed = [s.message for s in sends if s.topic != COMPLETIONS]
    assert routed and all(m.sent_at == 700.0 for m in routed)


def test_a_runs_seed_gives_each_applicant_the_same_draws_whatever_order_they_come_in():
    """The services draw per applicant from the run's seed (carried by the clock), so a
    live run's draws do not depend on the order events reach a service."""
    item = next(k for k, i in NEWBORN.items.items() if i.department == "hospital")
    cases = [f"run-{n}" for n in range(6)]

    def decided(order: list[str], seed: int) -> dict[str, float]:
        department = Department(NEWBORN, "hospital")
        return {
            case: department.on_request(_routed(case, item, 600.0, seed))[0].message.decided_at
            for case in order
        }

    forward = decided(cases, seed=5)
    assert decided(cases[::-1], seed=5) == forward
    assert decided(cases, seed=6) != forward
    # the run's id is not part of the applicant's name: another run, same seed, same draws
    assert decided([c.replace("run", "other") for c in cases], 5) == {
        c.replace("run", "other"): t for c, t in forward.items()
    }
