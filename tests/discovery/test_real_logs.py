"""Real logs as they come: pm4py's column names, lifecycle start/complete pairs,
complete-only events, optional items, loops, weekend work and dates without times.
Discovery reads them raw, writes a scenario that loads (the behaviour most cases show)
and says what it inferred with its support."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from onething.cli import main
from onething.discovery.logs import read_log
from onething.discovery.writer import MIN_SUPPORT_CASES, discover
from onething.scenarios.loader import load_scenario
from onething.scenarios.model import Scenario

MONDAY = dt.datetime(2026, 3, 2, 9)
PM4PY = ["case:concept:name", "concept:name", "time:timestamp", "org:resource"]


def _stamp(t: dt.datetime) -> str:
    return t.isoformat(timespec="seconds")


def _workflow(cases: int = 160, seed: int = 1) -> list[tuple[str, str, dt.datetime, str]]:
    """Complete-only events of a claims office: Register, then Check (redone in a fifth of
    the cases), an optional Inspect (a fifth of the cases), then Pay; one case a working
    day every 40 minutes, each task by one of two clerks."""
    rng = random.Random(seed)
    events = []
    for n in range(cases):
        day = MONDAY + dt.timedelta(days=7 * (n // 60) + (n % 60) // 12)
        t = day + dt.timedelta(minutes=40 * (n % 12))
        tasks = ["Register", "Check"]
        if rng.random() < 0.2:
            tasks.append("Check")  # redone
        if rng.random() < 0.2:
            tasks.append("Inspect")
        tasks.append("Pay")
        for task in tasks:
            t += dt.timedelta(minutes=rng.uniform(5, 30))
            events.append((f"c{n}", task, t, rng.choice(["ann", "bob"])))
    return events


def _pm4py_csv(path: Path, events, extra: dict[str, list[str]] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*PM4PY, *(extra or {})])
        for k, (case, activity, t, resource) in enumerate(events):
            writer.writerow(
                [case, activity, _stamp(t), resource, *(v[k] for v in (extra or {}).values())]
            )
    return path


def _xes(path: Path, traces: dict[str, list[tuple[str, str, dt.datetime, str]]]) -> Path:
    body = []
    for case, events in traces.items():
        body.append(f'<trace><string key="concept:name" value="{case}"/>')
        for activity, transition, t, resource in events:
            body.append(
                f'<event><string key="concept:name" value="{activity}"/>'
                f'<string key="lifecycle:transition" value="{transition}"/>'
                f'<string key="org:resource" value="{resource}"/>'
                f'<date key="time:timestamp" value="{_stamp(t)}"/></event>'
            )
        body.append("</trace>")
    path.write_text(f"<log>{''.join(body)}</log>", encoding="utf-8")
    return path


def discovered(log: Path) -> tuple[Scenario, str, Path]:
    """``onething discover`` on ``log``: the scenario it wrote, its report page, its file."""
    out, report = log.with_suffix(".yaml"), log.with_name("fit.html")
    assert main(["discover", str(log), "--out", str(out), "--report", str(report)]) == 0
    return load_scenario(out), report.read_text(encoding="utf-8"), out


def simulated_decisions(scenario: Scenario, path: Path, *options: str) -> list[list[str]]:
    """The items decided in each case of one replication of ``onething simulate``, by
    name, in the order of the rows."""
    events = path.with_name("sim.csv")
    assert (
        main(["simulate", str(path), "--events", str(events), "--replications", "1", *options]) == 0
    )
    names = {f"decide {key}": item.name for key, item in scenario.items.items()}
    cases: dict[str, list[str]] = {}
    with events.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["activity"] in names:
                cases.setdefault(row["case_id"], []).append(names[row["activity"]])
    return list(cases.values())


def test_a_pm4py_csv_is_read_without_columns_and_its_lifecycle_rows_are_paired(tmp_path):
    t = MONDAY
    rows = [
        ("c1", "Check", t, "ann"),
        ("c1", "Check", t + dt.timedelta(minutes=5), "bob"),
        ("c1", "Check", t + dt.timedelta(minutes=20), "bob"),  # bob's, not ann's
        ("c1", "Check", t + dt.timedelta(minutes=30), "ann"),
        ("c1", "Pay", t + dt.timedelta(minutes=40), "ann"),  # complete only
        ("c1", "Pay", t + dt.timedelta(minutes=50), "ann"),  # started, never completed
    ]
    lifecycle = ["start", "start", "complete", "complete", "complete", "start"]
    log = _pm4py_csv(tmp_path / "log.csv", rows, {"lifecycle:transition": lifecycle})
    events, skipped = read_log(log)
    events = list(events)
    assert [(e.activity, e.resource, e.end - e.start, e.timed) for e in events] == [
        ("Check", "bob", 15.0, True),
        ("Check", "ann", 30.0, True),
        ("Pay", "ann", 0.0, False),
    ]
    assert skipped.counts == {"start never completed (left out)": 1}


def test_xes_pairs_start_and_complete_per_resource_and_reports_unmatched_starts(tmp_path):
    t = MONDAY
    log = _xes(
        tmp_path / "log.xes",
        {
            "c1": [
                ("Check", "schedule", t, "ann"),
                ("Check", "start", t, "ann"),
                ("Check", "start", t + dt.timedelta(minutes=10), "bob"),
                ("Check", "complete", t + dt.timedelta(minutes=20), "bob"),
                ("Check", "complete", t + dt.timedelta(minutes=25), "ann"),
                ("Pay", "start", t + dt.timedelta(minutes=30), "ann"),
            ],
            "c2": [("Pay", "complete", t, "ann")],
        },
    )
    events, skipped = read_log(log)
    assert [(e.case, e.resource, e.end - e.start, e.timed) for e in events] == [
        ("c1", "bob", 10.0, True),
        ("c1", "ann", 25.0, True),
        ("c2", "ann", 0.0, False),
    ]
    assert skipped.counts["start never completed (left out)"] == 1
    assert skipped.counts["lifecycle 'schedule' (only start and complete are read)"] == 1


def test_an_item_skipped_by_under_one_case_in_a_hundred_is_required(tmp_path):
    """Pay is left out of 2 of 400 claims, Inspect out of 4 in 5: Pay is required (its
    rare skips read as noise, as items that rare are left out), Inspect optional."""
    events = [e for e in _workflow(400) if not (e[1] == "Pay" and e[0] in ("c7", "c99"))]
    scenario, page, _ = discovered(_pm4py_csv(tmp_path / "claims.csv", events))
    by_name = {item.name: item for item in scenario.items.values()}
    assert by_name["Pay"].take_up == 1 and by_name["Inspect"].take_up < 0.3
    assert "Pay: in 398 of 400 cases (99.5%); written as required" in page


def test_optional_items_alternatives_and_loops_are_written_and_simulated(tmp_path):
    """Inspect (a fifth of the cases) is optional, Pay or Reject (a third) end a case,
    Check is redone in a fifth: the scenario says so, and its simulated log has them."""
    rng = random.Random(2)
    endings = {case: "Reject" if rng.random() < 0.3 else "Pay" for case, *_ in _workflow()}
    events = [
        (case, endings[case] if task == "Pay" else task, t, who)
        for case, task, t, who in _workflow()
    ]
    scenario, page, out = discovered(_pm4py_csv(tmp_path / "claims.csv", events))
    by_name = {item.name: item for item in scenario.items.values()}
    assert set(by_name) == {"Register", "Check", "Inspect", "Pay", "Reject"}
    assert by_name["Register"].take_up == 1 and by_name["Register"].repeat is None
    assert 0.1 < by_name["Inspect"].take_up < 0.3
    check = by_name["Check"]
    assert check.rework == 0  # a redo is no 补正: it is a repeat
    assert check.repeat is not None and 1.1 < check.repeat.mean < 1.3
    (options,) = scenario.alternatives.values()
    shares = {scenario.items[o.items[0]].name: o.share for o in options if o.items}
    assert set(shares) == {"Pay", "Reject"} and 0.2 < shares["Reject"] < 0.4
    assert "Inspect: in " in page and "written as optional" in page
    assert "Check: done more than once in" in page
    assert "Pay | Reject" in page or "Reject | Pay" in page
    assert "border-bottom: 2px solid #2f7d5b" in page  # the study reports' look
    cases = simulated_decisions(scenario, out)
    inspected = sum("Inspect" in d for d in cases)
    assert 0 < inspected < len(cases)
    assert any(d.count("Check") > 1 for d in cases)
    assert all(("Pay" in d) != ("Reject" in d) for d in cases)


def _loans(
    cases: int = 240, seed: int = 3, thinking: float = 0.0
) -> list[tuple[str, str, dt.datetime, str]]:
    """Complete-only events of a loans office: every application is submitted; a third
    is declined at once, the rest get an offer, which is sent, then accepted or declined
    (half each), the decline ``thinking`` minutes later.  The offer and its sending go
    together and the decline follows either the submission or the offer: take-ups of
    their own would mix them."""
    rng = random.Random(seed)
    events = []
    for n in range(cases):
        t = MONDAY + dt.timedelta(days=7 * (n // 60) + (n % 60) // 12, minutes=40 * (n % 12))
        if n % 3 == 0:
            tasks = ["Submit", "Decline"]
        else:
            tasks = ["Submit", "Offer", "Send", "Accept" if n % 3 == 1 else "Decline"]
        for task in tasks:
            t += dt.timedelta(minutes=rng.uniform(5, 30))
            if task == "Decline" and "Send" in tasks:
                t += dt.timedelta(minutes=thinking)
            events.append((f"l{n}", task, t, rng.choice(["ann", "bob"])))
    return events


def test_items_taken_together_are_written_as_variants_and_simulated_whole(tmp_path):
    scenario, page, out = discovered(_pm4py_csv(tmp_path / "loans.csv", _loans()))
    (options,) = scenario.alternatives.values()
    variants = {frozenset(scenario.items[k].name for k in o.items): o.share for o in options}
    together = [{"Decline"}, {"Offer", "Send", "Accept"}, {"Offer", "Send", "Decline"}]
    assert variants == pytest.approx({frozenset(v): 1 / 3 for v in together}, abs=0.01)
    assert all(item.take_up == 1 for item in scenario.items.values())
    assert "written instead as one alternative of the 3 most frequent sets" in page
    cases = simulated_decisions(scenario, out, "--count", "300")
    assert {frozenset(d) for d in cases} == {frozenset({"Submit", *v}) for v in together}


def test_an_item_whose_time_differs_between_variants_is_written_once_per_variant(tmp_path):
    # a loan declined after an offer is declined 3 hours after it is sent, one declined
    # at once within half an hour of the submission
    scenario, page, out = discovered(_pm4py_csv(tmp_path / "l.csv", _loans(600, thinking=180)))
    (options,) = scenario.alternatives.values()
    declines = {
        frozenset(scenario.items[k].name for k in o.items): next(
            k for k in o.items if scenario.items[k].name == "Decline"
        )
        for o in options
        if any(scenario.items[k].name == "Decline" for k in o.items)
    }
    at_once, after_offer = (
        declines[frozenset({"Decline"})],
        declines[frozenset({"Offer", "Send", "Decline"})],
    )
    assert at_once != after_offer
    processing = {k: scenario.items[k].processing for k in (at_once, after_offer)}
    assert {p.unit for p in processing.values()} == {"minutes"}
    assert processing[at_once].mean_value < 30 < 120 < processing[after_offer].mean_value < 240
    assert "Decline: working hours from first filing to last decision differ" in page
    cases = simulated_decisions(scenario, out, "--count", "300")
    assert {frozenset(d) for d in cases} == {
        frozenset({"Submit", *v})
        for v in [{"Decline"}, {"Offer", "Send", "Accept"}, {"Offer", "Send", "Decline"}]
    }


def test_orders_seen_in_cycles_or_in_few_cases_never_become_dependencies(tmp_path):
    # A before B before C in most cases, C before A in the rest: never a cycle; and an
    # order shown by fewer than MIN_SUPPORT_CASES cases is no rule
    rng = random.Random(2)
    events = []
    for n in range(120):
        t = MONDAY + dt.timedelta(days=n // 12, minutes=40 * (n % 12))
        order = ["A", "B", "C"] if n % 4 else ["C", "A", "B"]
        if n < MIN_SUPPORT_CASES - 1:
            order.append("D")  # seen last in a handful of cases only
        for task in order:
            t += dt.timedelta(minutes=rng.uniform(5, 15))
            events.append((f"c{n}", task, t, "ann"))
    log = _pm4py_csv(tmp_path / "loop.csv", events)
    found = discover(log)
    items = found.scenario["items"]
    requires = {i["name"]: i["requires"] for i in items.values()}
    assert requires["B"] == ["a"] and requires["A"] == [] and requires["C"] == []
    assert requires["D"] == []  # written as optional, waiting for nothing
    assert any("waits for A" in line for line in found.inferred["dependencies"])


def test_a_complete_only_start_is_when_its_resource_was_free(tmp_path):
    # bob finishes c1's Check at 9:50, then c2's at 10:00: c2's Check was worked for
    # 10 minutes, though c2 was registered at 9:05 (other cases keep the office open
    # from 9 to 17 every day)
    t = MONDAY
    events = [
        (f"x{d}-{k}", "Register", t + dt.timedelta(days=d, minutes=30 * k), "cat")
        for d in range(10)
        for k in range(16)
    ]
    events += [
        ("c1", "Register", t, "ann"),
        ("c2", "Register", t + dt.timedelta(minutes=5), "ann"),
        ("c1", "Check", t + dt.timedelta(minutes=50), "bob"),
        ("c2", "Check", t + dt.timedelta(minutes=60), "bob"),
    ]
    found = discover(_pm4py_csv(tmp_path / "two.csv", events))
    work = " ".join(found.inferred["work"])
    assert "Check: 2 of 2 starts estimated from resource availability; work 30" in work
    assert "52 from filing to decision" in work  # (50 + 55) / 2: waiting stays in


def test_rare_night_work_does_not_open_the_night_and_common_weekend_work_is_a_workday(
    tmp_path,
):
    events = []
    for day in range(56):
        date = MONDAY + dt.timedelta(days=day)
        per_day = 10
        if date.weekday() >= 5 and day % 21 >= 7:  # one weekend in three worked, fully
            per_day = 0
        for k in range(per_day):
            events.append((f"{day}-{k}", "Check", date + dt.timedelta(minutes=30 * k), "ann"))
    night = MONDAY + dt.timedelta(days=3, hours=18)  # 03:00
    events.append(("night", "Check", night, "ann"))
    found = discover(_pm4py_csv(tmp_path / "weekend.csv", events))
    calendar = found.scenario["calendar"]
    assert calendar["hours"] == [["09:00", "13:45"]]
    assert calendar["weekdays"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def test_arrivals_that_drift_week_by_week_keep_every_weeks_rate(tmp_path):
    """Cases a working day rising from 4 to 40 over 16 weeks: most weeks stand out from
    the median week, so the rate drifts rather than peaks, and every week is written
    with its own rate; a log with one surge week keeps it as its one season
    (``test_round_trip``)."""
    events = []
    for week in range(16):
        for day in range(5):
            date = MONDAY + dt.timedelta(weeks=week, days=day)
            for k in range(4 + 36 * week // 15):
                case = f"{week}-{day}-{k}"
                t = date + dt.timedelta(minutes=7 * k)
                events.append((case, "Register", t, "ann"))
                events.append((case, "Pay", t + dt.timedelta(minutes=5), "bob"))
    found = discover(_pm4py_csv(tmp_path / "rising.csv", events))
    arrivals = found.scenario["applicants"]["arrivals"]
    weeks = arrivals["date_profile"]
    assert len(weeks) == 16 and weeks[0]["start"] == "2026-03-02"
    rates = [week["weight"] * arrivals["per_working_day"] for week in weeks]
    assert rates[0] == pytest.approx(4, rel=0.02) and rates[-1] == pytest.approx(40, rel=0.02)
    assert any("the rate drifts" in line for line in found.inferred["arrivals"])


def _overnight(days: int = 40, seed: int = 8) -> list[tuple[str, str, dt.datetime, str]]:
    """Applications submitted around the clock (a system), checked by clerks on weekdays
    9 to 17: one filed in office hours within 10 minutes, the night's in turn from the
    opening, a quarter of an hour each."""
    rng = random.Random(seed)
    events = []
    for day in range(days):
        date = MONDAY.replace(hour=0) + dt.timedelta(days=day)
        if date.weekday() >= 5:
            continue
        backlog = date + dt.timedelta(hours=9)
        for k in range(24):
            submitted = date + dt.timedelta(hours=k - 7 if k < 7 else k, minutes=rng.uniform(0, 50))
            if 9 <= submitted.hour < 16:
                checked = submitted + dt.timedelta(minutes=rng.uniform(1, 10))
            else:  # the evening before or the early morning: the backlog at 9:00
                backlog += dt.timedelta(minutes=15)
                checked = backlog
            events.append((f"{day}-{k}", "Submit", submitted, "system"))
            events.append((f"{day}-{k}", "Check", checked, f"clerk{k % 3}"))
    return sorted(events, key=lambda e: e[2])


def test_a_filing_made_while_the_office_is_closed_takes_the_backlog_time(tmp_path):
    scenario, page, out = discovered(_pm4py_csv(tmp_path / "overnight.csv", _overnight()))
    check = next(item for item in scenario.items.values() if item.name == "Check")
    assert check.processing_when_closed is not None
    assert check.processing.mean_value < 10 <= check.processing_when_closed.mean_value
    assert "written with a processing of their own" in page
    events = out.with_name("sim.csv")
    assert main(["simulate", str(out), "--events", str(events), "--replications", "1"]) == 0
    key = next(k for k, item in scenario.items.items() if item.name == "Check")
    with events.open(encoding="utf-8") as handle:
        hours = [
            int(r["end"][11:13]) for r in csv.DictReader(handle) if r["activity"] == f"decide {key}"
        ]
    # the night's backlog is taken in turn: not all at the opening hour
    assert 0 < sum(h == 9 for h in hours) < sum(h in (10, 11) for h in hours)


def test_a_workflow_logs_cases_arrive_at_night_as_they_did(tmp_path):
    """One application in twenty is submitted between 1 and 3 at night, then eight tasks
    by day: a twentieth of the arrivals, but under 1 % of all events, which alone would
    not open the night.  The applicants still arrive at night."""
    rng = random.Random(9)
    events = []
    for day in range(40):
        date = MONDAY.replace(hour=0) + dt.timedelta(days=day)
        if date.weekday() >= 5:
            continue
        for k in range(20):
            night = k == 0
            submitted = date + dt.timedelta(hours=rng.uniform(1, 3) if night else 9 + k / 3)
            events.append((f"{day}-{k}", "Submit", submitted, "system"))
            work = max(submitted, date + dt.timedelta(hours=9)) + dt.timedelta(minutes=k)
            for step in range(8):
                events.append((f"{day}-{k}", f"Task {step}", work, f"clerk{step % 2}"))
                work += dt.timedelta(minutes=rng.uniform(5, 20))
    found = discover(_pm4py_csv(tmp_path / "night.csv", events))
    hourly = found.scenario["applicants"]["arrivals"]["hourly_profile"]
    assert {1, 2} <= set(hourly)


def _weekday_openings(
    cases: int, per_day: int, rng: random.Random
) -> Iterator[tuple[int, dt.datetime]]:
    """Case numbers and openings, ``per_day`` a day from ``MONDAY`` at random times of
    its first seven hours, those falling on a weekend left out."""
    for n in range(cases):
        opened = MONDAY + dt.timedelta(days=n // per_day, minutes=rng.uniform(0, 420))
        if opened.weekday() < 5:
            yield n, opened


def test_a_job_deciding_cases_at_a_set_time_is_read_as_its_runs(tmp_path):
    """Applications a clerk checks by day; two in five are cancelled by the system at
    09:15, weekends included, once a week has passed, the others by a clerk within the
    hour.  The job's cancellations are an item of their own, named as the task: the
    cases it closes keep their week, the clerk's their hour."""
    rng = random.Random(10)
    events = []
    for n, opened in _weekday_openings(600, 15, rng):
        events.append((f"c{n}", "Check", opened, "clerk"))
        if rng.random() < 0.4:
            due = opened + dt.timedelta(days=7, hours=rng.uniform(0, 24))
            day = due.replace(hour=9, minute=15, second=0, microsecond=0)
            cancelled = day if day >= due else day + dt.timedelta(days=1)
            events.append((f"c{n}", "Cancel", cancelled + dt.timedelta(seconds=20), "system"))
        else:
            events.append((f"c{n}", "Cancel", opened + dt.timedelta(minutes=30), "clerk"))
    scenario, page, out = discovered(_pm4py_csv(tmp_path / "cancel.csv", events))
    by_job = [k for k, item in scenario.items.items() if item.name == "Cancel" and item.runs]
    by_hand = [k for k, item in scenario.items.items() if item.name == "Cancel" and not item.runs]
    assert len(by_job) == len(by_hand) == 1
    runs = scenario.items[by_job[0]].runs
    assert runs is not None and runs.at == ["09:15"] and runs.share == 1.0
    (options,) = scenario.alternatives.values()
    share = {tuple(o.items): o.share for o in options}
    assert share[(by_job[0],)] == pytest.approx(0.4, abs=0.06)
    assert "a job decides" in page and "by its job" in page
    days = _simulated_days(out, *by_job, *by_hand)
    jobs, hands = days[by_job[0]], days[by_hand[0]]
    assert 0.3 < len(jobs) / (len(jobs) + len(hands)) < 0.5
    assert min(jobs) > 4 and max(hands) < 1  # not a mixture of the two timings
    with out.with_name(f"{out.stem}-simulated.csv").open(encoding="utf-8") as handle:
        rows = csv.DictReader(handle)
        ends = [r["end"][11:16] for r in rows if r["activity"] == f"decide {by_job[0]}"]
    assert set(ends) == {"09:15"}


def test_calls_cut_short_by_a_timeout_are_read_as_a_deadline_on_their_rounds(tmp_path):
    """An office calls each applicant every half to one and a half days to complete the
    file: a quarter never answer and are cancelled by the
    system at 09:15 once ten days have passed, which closes the call under way; the
    others answer after two to eight calls, and two in five of them withdraw (a clerk
    cancels).  The calls get a deadline of about ten days, and the job's simulated
    cancellations come at most 11 days after the opening, never after a long run of calls
    (the rounds are drawn for all cases alike: a timeout may draw few)."""
    rng = random.Random(12)
    events = []
    for n, opened in _weekday_openings(600, 30, rng):
        events.append((f"c{n}", "Register", opened, "clerk"))
        due = opened + dt.timedelta(days=10)
        cancel = due.replace(hour=9, minute=15, second=20, microsecond=0)
        cancel += dt.timedelta(days=cancel < due)
        answers = rng.random() < 0.75
        t, calls = opened, (rng.randint(2, 8) if answers else 99)
        for _ in range(calls):
            t += dt.timedelta(days=rng.uniform(0.5, 1.5))
            t = t.replace(hour=rng.randint(9, 15), minute=rng.randint(0, 59))
            if not answers and t >= cancel:
                break
            events.append((f"c{n}", "Call", t, "caller"))
        if not answers:
            events.append((f"c{n}", "Call", cancel - dt.timedelta(seconds=10), "caller"))
            events.append((f"c{n}", "Cancel", cancel, "system"))
        elif rng.random() < 0.4:
            events.append((f"c{n}", "Cancel", t + dt.timedelta(minutes=70), "clerk"))
        else:
            events.append((f"c{n}", "Approve", t + dt.timedelta(minutes=70), "clerk"))
    scenario, page, out = discovered(_pm4py_csv(tmp_path / "calls.csv", events))
    calls = [item for item in scenario.items.values() if item.name == "Call"]
    assert calls and all(item.repeat and item.repeat.within for item in calls)
    (within,) = {item.repeat.within for item in calls if item.repeat}
    assert within is not None and within.unit == "calendar_days"
    assert 9.5 <= within.value <= 10.5
    assert "rounds stop at a deadline" in page
    (job,) = [k for k, item in scenario.items.items() if item.name == "Cancel" and item.runs]
    cut = _simulated_days(out, job)[job]
    assert len(cut) > 50 and max(cut) < 11.6
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    for key, item in data["items"].items():
        if item["name"] == "Call":
            del item["repeat"]["within"], data["assumptions"][f"items.{key}.repeat.within"]
    uncut = out.with_name("uncut.yaml")
    uncut.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert max(_simulated_days(uncut, job)[job]) > 13  # the calls drawn for a timeout run on


def test_a_timer_closing_what_is_still_open_is_read_as_the_latest_decision(tmp_path):
    """Tickets worked on for one to twenty days and closed ten days after the work, but
    by a timer 25 days after they opened at the latest: the closing gets that latest
    time, and the work before it too, and no simulated ticket is closed after it, where
    without it some would be."""
    rng = random.Random(13)
    events = []
    for n, opened in _weekday_openings(600, 10, rng):
        worked = opened + dt.timedelta(days=rng.uniform(1, 20))
        closed = min(worked + dt.timedelta(days=10), opened + dt.timedelta(days=25))
        events.append((f"c{n}", "Open", opened, "desk"))
        events.append((f"c{n}", "Work", worked, "desk"))
        events.append((f"c{n}", "Close", closed, "timer"))
    scenario, page, out = discovered(_pm4py_csv(tmp_path / "tickets.csv", events))
    (close,) = [k for k, item in scenario.items.items() if item.name == "Close"]
    latest = scenario.items[close].decided_within
    assert latest is not None and latest.unit == "calendar_days"
    assert 24.9 <= latest.value <= 25.1
    assert "a timer decides it then at the latest" in page
    (work,) = [item for item in scenario.items.values() if item.name == "Work"]
    assert work.decided_within == latest  # decided before the closing, so within it too
    assert max(_simulated_days(out, close)[close]) <= 25.01
    data = yaml.safe_load(out.read_text(encoding="utf-8"))
    for key, item in data["items"].items():
        if item.pop("decided_within", None):
            del data["assumptions"][f"items.{key}.decided_within"]
    free = out.with_name("free.yaml")
    free.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert max(_simulated_days(free, close)[close]) > 26


def _simulated_days(scenario: Path, *items: str) -> dict[str, list[float]]:
    """One replication of ``scenario``: per item, the days from opening to its decision
    in each case deciding it."""
    sim = scenario.with_name(f"{scenario.stem}-simulated.csv")
    assert main(["simulate", str(scenario), "--events", str(sim), "--replications", "1"]) == 0
    opened, decided = {}, []
    with sim.open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            start, end = (dt.datetime.fromisoformat(r[c]) for c in ("start", "end"))
            opened[r["case_id"]] = min(start, opened.get(r["case_id"], start))
            decided.append((r["activity"].removeprefix("decide "), r["case_id"], end))
    days: dict[str, list[float]] = {item: [] for item in items}
    for item, case, end in decided:
        if item in days:
            days[item].append((end - opened[case]).total_seconds() / 86400)
    return days


def test_a_repeated_tasks_rounds_each_count_once_in_its_time_per_round(tmp_path):
    """Half the cases check once in five hours, half five times an hour each: five hours
    a case either way.  Per case, the time per round would average three hours (five,
    and one), and three rounds on average times three hours is nine; per round, five in
    six rounds take an hour, 100 minutes on average, and the case's five hours come
    back."""
    rng = random.Random(11)
    events = []
    for n in range(200):
        start = rng.uniform(0, 120)
        day = MONDAY + dt.timedelta(days=7 * (n // 10) + (n % 10) // 2, minutes=start)
        checks = [300] if n % 2 else [60, 120, 180, 240, 300]
        events.append((f"c{n}", "Register", day, "ann"))
        for minutes in checks:
            events.append((f"c{n}", "Check", day + dt.timedelta(minutes=minutes), "bob"))
    scenario, _, _ = discovered(_pm4py_csv(tmp_path / "rounds.csv", events))
    check = next(item for item in scenario.items.values() if item.name == "Check")
    assert check.repeat is not None and check.repeat.mean == pytest.approx(3)
    hours = [v for v in check.processing.values if v < 100]  # the rounds of an hour, paced
    assert len(hours) / len(check.processing.values) == pytest.approx(5 / 6, abs=0.05)  # not 1/2


def _tickets(cases: int = 200) -> list[tuple[str, str, dt.datetime, str]]:
    """A helpdesk: every ticket is assigned and taken in charge; two in five then wait
    for the customer and are taken in charge again before they are resolved."""
    rng = random.Random(5)
    events = []
    for n in range(cases):
        t = MONDAY + dt.timedelta(days=7 * (n // 50) + (n % 50) // 10, minutes=30 * (n % 10))
        tasks = [("Assign", 0), ("Take", 10)]
        tasks += (
            [("Wait", 60), ("Take", 180), ("Resolve", 240)] if n % 5 < 2 else [("Resolve", 120)]
        )
        for task, minutes in tasks:
            at = t + dt.timedelta(minutes=minutes + rng.uniform(0, 5))
            events.append((f"t{n}", task, at, rng.choice(["ann", "bob"])))
    return events


def test_a_task_returned_to_after_other_work_has_its_later_rounds_as_an_item(tmp_path):
    """Taken in charge again after the wait: not a repeat beside which the wait runs,
    but an item of its own that waits for the wait, named as the task."""
    scenario, page, out = discovered(_pm4py_csv(tmp_path / "tickets.csv", _tickets()))
    takes = {k: i for k, i in scenario.items.items() if i.name == "Take"}
    assert set(takes) == {"take", "take_again"}
    wait = next(k for k, i in scenario.items.items() if i.name == "Wait")
    assert wait in takes["take_again"].requires and "take" in scenario.items[wait].requires
    assert takes["take"].repeat is None and takes["take_again"].repeat is None
    assert "Take: returned to after other work in 80 of the 80 cases" in page
    waited = [d for d in simulated_decisions(scenario, out) if "Wait" in d]
    assert waited and all(d[:4] == ["Assign", "Take", "Wait", "Take"] for d in waited)


def test_a_log_too_long_to_keep_is_read_again_and_gives_the_same_scenario(tmp_path, monkeypatch):
    import onething.discovery.writer as writer

    log = _pm4py_csv(tmp_path / "tickets.csv", _tickets())
    _, _, kept = discovered(log)
    monkeypatch.setattr(writer, "KEEP_EVENTS", 10)
    again = tmp_path / "again"
    again.mkdir()
    _, _, read = discovered(_pm4py_csv(again / "tickets.csv", _tickets()))
    assert read.read_text(encoding="utf-8") == kept.read_text(encoding="utf-8")


def test_dates_without_times_are_whole_working_days(tmp_path):
    events = []
    for n in range(60):
        date = MONDAY.replace(hour=0) + dt.timedelta(days=n % 20)
        events.append((f"c{n}", "Register", date, "ann"))
        events.append((f"c{n}", "Pay", date + dt.timedelta(days=2), "ann"))
    out = tmp_path / "days.yaml"
    assert (
        main(["discover", str(_pm4py_csv(tmp_path / "days.csv", events)), "--out", str(out)]) == 0
    )
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert written["calendar"]["hours"] == [["00:00", "24:00"]]
    assert "hourly_profile" not in written["applicants"]["arrivals"]
    load_scenario(out)


@pytest.mark.parametrize("flag", [[], ["--generic"]])
def test_a_workflow_log_invents_no_visit_and_says_how_it_maps(tmp_path, flag, capsys):
    log = _pm4py_csv(tmp_path / "claims.csv", _workflow(60))
    out = tmp_path / "claims.yaml"
    assert main(["discover", str(log), "--out", str(out), *flag]) == 0
    said = capsys.readouterr().out
    assert "intake: a workflow log" in said
    assert "the log shows no reform" in said


def test_an_event_logged_as_a_task_closes_is_read_as_its_outcome(tmp_path):
    """A loan's approval logged seconds before its validation round closes (BPIC 2012)
    waits for the validation; it is not work running beside it."""
    rng = random.Random(3)
    traces = {}
    for n in range(60):
        t = MONDAY + dt.timedelta(days=n // 6, minutes=50 * (n % 6))
        begin = t + dt.timedelta(minutes=rng.uniform(5, 20))
        close = begin + dt.timedelta(minutes=rng.uniform(20, 60))
        traces[f"c{n}"] = [
            ("Submit", "complete", t, "system"),
            ("Validate", "start", begin, "ann"),
            ("Approve", "complete", close - dt.timedelta(seconds=8), "ann"),
            ("Validate", "complete", close, "ann"),
        ]
    scenario, report, _ = discovered(_xes(tmp_path / "loans.xes", traces))
    assert scenario.items["approve"].requires == ["validate"]
    assert "Approve waits for Validate" in report
    assert "Approve: 60 of its events logged 1 min or less before a round" in report
