"""One story, two engines: the live services tell, case by case and event by event, the
DES's story.

The DES runs one replication while its draws are recorded per case; then the plain
services (every department, the platform, the shared data) and the live applicant run
with no broker and no transport delay (``sim.local``) on the same arrivals, replaying
the same draws.  Both write the same structured records (event rows through a
``Recorder``, per-case counters), and these must agree: every event of every case
(activity, place, start, end, what was handed over), each case's arrival, end, waits,
trips and rounds of 补正, and each place's utilisation.  Run on every catalog bundle
(before, after, each lever alone) and on a bundle built to exercise a department's own
calendar, holidays and make-up days (调休) with and without online intake, and on a bundle
with an optional item (选办) another depends on, an alternative, items that repeat (one
until a deadline), one
with a waiting period, one decided at the latest some days after the opening and one
whose back office counts calendar days.  A
mechanic changed in one engine only fails here: the last tests change each in one engine
and expect a difference.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

import pytest

from onething.scenarios.calendar import DAY
from onething.scenarios.levers import LEVERS, REGISTERED, EffectiveDelivery, Lever, Process
from onething.scenarios.loader import catalog_names, load_scenario
from onething.scenarios.mechanics import Calendars, Mechanics, utilisation
from onething.scenarios.model import CalendarSpec, Item, Scenario
from onething.scenarios.story import GATHER, PAPER_TRANSFER
from onething.sim.engine import Replication
from onething.sim.harness import LiveSettings
from onething.sim.local import run_local
from tests.builders import choices_bundle

PURPOSES = (
    "handling",
    "pickup",
    "rework",
    "processing",
    "mail",
    "paper_transfer",
    "travel",
    "rework_delay",
    "take_up",
    "alternative",
    "rounds",
    "waiting_period",
    "processing_when_closed",
    "run",
)
HORIZON_DAYS = 6
TOLERANCE_MINUTES = 1e-6


def _number(case: Any) -> int:
    """The same case in both engines: the DES numbers cases 1, 2, ... in arrival order,
    the live engine names them RUN-0, RUN-1, ... (the applicant's story draws with the
    case, the services with its name)."""
    if isinstance(case, int) or hasattr(case, "id"):
        return case if isinstance(case, int) else case.id
    name = getattr(case, "case_id", case)
    return int(str(name).rsplit("-", 1)[1]) + 1


class Recording:
    """The DES's own draws, remembered per case, item and purpose in order."""

    def __init__(self, draws: Any):
        self.draws = draws
        self.seen: dict[tuple, list[float]] = defaultdict(list)

    def __getattr__(self, purpose: str) -> Any:
        if purpose not in PURPOSES:
            raise AttributeError(purpose)
        draw = getattr(self.draws, purpose)

        def record(case: Any, item: str | None = None) -> float:
            value = draw(case, item) if item is not None else draw(case)
            self.seen[purpose, _number(case), item].append(value)
            return value

        return record


class Replay:
    """Hands the recorded draws out again by case, item, purpose and occurrence; a draw
    the DES never made (the services drawing more) is a drift, noted in ``overdrawn``
    and answered with half a minute."""

    def __init__(self, seen: dict[tuple, list[float]]):
        self.seen = seen
        self.used: dict[tuple, int] = defaultdict(int)
        self.overdrawn: list[str] = []

    def __getattr__(self, purpose: str) -> Any:
        if purpose not in PURPOSES:
            raise AttributeError(purpose)

        def replay(case: Any, item: str | None = None) -> float:
            key = (purpose, _number(case), item)
            n = self.used[key]
            self.used[key] += 1
            values = self.seen.get(key, [])
            if n >= len(values):
                drawn = f"the services drew {key} {n + 1} times, the DES {len(values)}"
                self.overdrawn.append(drawn)
                return 0.5
            return values[n]

        return replay


class Rows:
    """A ``Recorder`` keeping every event row, per case number."""

    def __init__(self) -> None:
        self.events: dict[int, list[tuple]] = defaultdict(list)
        self.cases: dict[int, tuple] = {}

    def wants(self, case_id: object) -> bool:
        return True

    def event(self, row: tuple) -> None:
        self.events[_number(row[1])].append(row[2:])

    def case(self, row: tuple) -> None:
        self.cases[row[1]] = row


def _close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= TOLERANCE_MINUTES


def _events(rows: list[tuple]) -> list[tuple]:
    """A case's events in a canonical order; the platform's paper transfers are the
    DES's own rows (the live decision's start shows the transfer)."""
    kept = [r for r in rows if not r[0].startswith(PAPER_TRANSFER)]
    return sorted(kept, key=lambda r: (round(r[2], 6), round(r[3], 6), r[0], r[1]))


def drift(process: Process, seed: int = 7) -> list[str]:
    """Where the live engine's records differ from the DES's (empty: none)."""
    des_rows = Rows()
    run = Replication(process, seed, horizon_days=HORIZON_DAYS, warmup_days=0, recorder=des_rows)
    recording = Recording(run.mechanics.draws)
    run.mechanics.draws = recording
    des = run.run()
    assert des.unfinished == 0
    arrivals = [des_rows.cases[k][2] for k in sorted(des_rows.cases)]
    assert arrivals, "the DES saw no applicant: the test would prove nothing"
    replay = Replay(recording.seen)

    def draws_for(_process: Process, _calendars: Calendars) -> Replay:
        return replay

    live_rows = Rows()
    local = run_local(
        process,
        LiveSettings(bootstrap="", arrivals=arrivals),
        draws=replay,
        draws_for=draws_for,
        recorder=live_rows,
        measured_until=HORIZON_DAYS * DAY,
    )
    found = [f"refused: {reason}" for _, reason in local.refused] + replay.overdrawn
    cases = local.result.cases
    if len(cases) != len(arrivals):
        return [*found, f"{len(cases)} cases live, {len(arrivals)} in the DES"]
    for number, case in enumerate(cases, start=1):
        _, _, arrival, done, _, _, wait, trips, _ = des_rows.cases[number]
        des_events = des_rows.events[number]
        live = {
            "arrival": case.arrival,
            "done": case.done,
            "wait": case.wait,
            "trips": case.trips,
            "rework_rounds": case.rework_rounds,
        }
        theirs = {
            "arrival": arrival,
            "done": done,
            "wait": wait,
            "trips": trips,
            "rework_rounds": sum(r[0] == GATHER for r in des_events),
        }
        for measure, value in theirs.items():
            if live[measure] is None or not _close(live[measure], value):
                found.append(f"case {number}: {measure} {live[measure]} live, {value} in the DES")
        ours, theirs_events = _events(live_rows.events[number]), _events(des_events)
        if len(ours) != len(theirs_events):
            found.append(f"case {number}: {len(ours)} events live, {len(theirs_events)} in the DES")
        for mine, other in zip(ours, theirs_events, strict=False):
            same = mine[0:2] == other[0:2] and mine[4:] == other[4:]
            if not (same and _close(mine[2], other[2]) and _close(mine[3], other[3])):
                found.append(f"case {number}: event {mine} live, {other} in the DES")
                break
    open_minutes = local.result.open_minutes
    for place, windows in ((p, process.windows(p)) for p in process.places):
        busy = local.result.busy_minutes.get(place, 0.0)
        live_use = utilisation(busy, windows, open_minutes)
        if not _close(live_use, des.utilisation[place]):
            found.append(
                f"{place}: utilisation {live_use} live, {des.utilisation[place]} in the DES"
            )
    return found


def _variants() -> list[tuple[str, str, tuple[str, ...] | None]]:
    """Before, after and each lever alone."""
    variants = []
    for bundle in catalog_names():
        variants += [(bundle, "before", None), (bundle, "after", None)]
        variants += [(bundle, lever, (lever,)) for lever in LEVERS]
    return variants


@pytest.mark.parametrize(("bundle", "label", "levers"), _variants())
def test_the_live_engine_tells_each_case_as_the_des_does(bundle, label, levers):
    mode = "before" if label == "before" else "after"
    process = Process.of(load_scenario(bundle), mode, levers)
    assert drift(process) == []


def _mailed(item: Item, mode: EffectiveDelivery) -> EffectiveDelivery:
    return "mail" if mode == "pickup" else mode


def _one_more(scenario: Scenario, place: str, windows: int) -> int:
    return windows + 1


EXPRESS = Lever(
    name="express",
    description="results mailed, offices share data, one more window everywhere",
    label="express",
    shares_data=True,
    delivery=_mailed,
    windows=_one_more,
)


@pytest.mark.parametrize("bundle", ["newborn", "restaurant"])
def test_a_lever_added_as_a_module_runs_alike_in_both_engines(monkeypatch, bundle):
    """Adding a lever touches its module only: both engines take it as they are."""
    monkeypatch.setitem(REGISTERED, EXPRESS.name, EXPRESS)
    process = Process.of(load_scenario(bundle), levers=["single_window", EXPRESS.name])
    assert process.windows("single_window") == process.scenario.levers.single_window.windows + 1
    assert drift(process) == []


def _calendars_bundle() -> Scenario:
    """After-death services over the Spring Festival of 2026: arrivals from Tuesday 10
    February, a make-up working Saturday (14th, 调休), the holiday from the 15th; the
    funeral home opens every day, long hours (Sunday mornings only; at half pace over
    lunch), holidays included."""
    scenario = load_scenario("after_death")
    own = CalendarSpec(
        hours=[("07:00", "19:00")],
        weekdays=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        weekday_hours={"sun": [("08:00", "12:00")]},
        hour_rates={12: 0.5, 18: 0.25},
        holidays="none",
    )
    departments = dict(scenario.departments)
    departments["funeral_home"] = departments["funeral_home"].model_copy(update={"calendar": own})
    run = scenario.run.model_copy(update={"start_date": dt.date(2026, 2, 10)})
    return scenario.model_copy(update={"departments": departments, "run": run})


CALENDAR_VARIANTS = [("before", None), ("after", None), ("after", ("online_intake",))]


@pytest.mark.parametrize(("mode", "levers"), CALENDAR_VARIANTS)
def test_department_calendars_holidays_and_make_up_days_tell_the_same_story(mode, levers):
    process = Process.of(_calendars_bundle(), mode, levers)
    assert drift(process) == []


def test_the_choices_bundle_has_variants_and_rounds():
    """The bundle below proves something: its cases take different items, and rounds."""
    rows = Rows()
    Replication(Process.of(choices_bundle()), 7, horizon_days=HORIZON_DAYS, recorder=rows).run()
    decided = [
        tuple(r[0] for r in events if r[0].startswith("decide ")) for events in rows.events.values()
    ]
    assert len({frozenset(d) for d in decided}) >= 4
    assert any(d.count("decide food_permit") > 1 for d in decided)
    outdoor = {frozenset(d) & {"decide signboard", "decide fire_check"} for d in decided}
    assert len(outdoor) == 4  # one, the other, both (options sharing items) or neither


CHOICES_VARIANTS = [("before", None), ("after", None), *(("after", (lever,)) for lever in LEVERS)]


@pytest.mark.parametrize(("mode", "levers"), CHOICES_VARIANTS)
def test_optional_items_alternatives_and_repeats_tell_the_same_story(mode, levers):
    process = Process.of(choices_bundle(), mode, levers)
    assert drift(process) == []


# --- each mechanic changed in one engine only is seen ---------------------------------


class _ScenarioHours:
    """A department's windows on the bundle's calendar instead of its own."""

    def __new__(cls, scenario: Scenario, days: int = 400) -> Calendars:
        calendars = Calendars(scenario, days)
        calendars.place = lambda place: calendars.scenario  # type: ignore[method-assign]
        return calendars


class _PlainDelay:
    """Working-time arithmetic replaced by clock arithmetic (the rework delay off the
    calendar); everything else read from the real calendar."""

    def __init__(self, calendar: Any):
        self.calendar = calendar

    def add_working(self, start: float, minutes: float) -> float:
        return start + minutes

    def __getattr__(self, name: str) -> Any:
        return getattr(self.calendar, name)


def _rework_delay_off_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    import onething.sim.harness as harness

    class Live(Calendars):
        def __init__(self, scenario: Scenario, days: int = 400):
            super().__init__(scenario, days)
            self.scenario = _PlainDelay(self.scenario)  # type: ignore[assignment]

    monkeypatch.setattr(harness, "Calendars", Live)


def _department_on_bundle_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    import onething.services.office as office

    monkeypatch.setattr(office, "Calendars", _ScenarioHours)


def _desk_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import onething.services.office as office

    class Slower(Mechanics):
        def desk_minutes(self, case: object, files: Any, collect: bool) -> float:
            return super().desk_minutes(case, files, collect) * 1.1

    monkeypatch.setattr(office, "Mechanics", Slower)


def _waiting_period_from_filing(monkeypatch: pytest.MonkeyPatch) -> None:
    import onething.services.office as office

    class FromFiling(Mechanics):
        def decide(self, case: object, item: str, start: float, opened: float) -> tuple:
            return super().decide(case, item, start, start)

    monkeypatch.setattr(office, "Mechanics", FromFiling)


def _in_services(monkeypatch: pytest.MonkeyPatch, change: Any) -> None:
    """The services' mechanics with ``change`` applied to each once built."""
    import onething.services.office as office

    class Changed(Mechanics):
        def __init__(self, process: Process, calendars: Calendars, draws: Any):
            super().__init__(process, calendars, draws)
            change(self)

    monkeypatch.setattr(office, "Mechanics", Changed)


def _period_for_every_filing(monkeypatch: pytest.MonkeyPatch) -> None:
    def every_filing(m: Any) -> None:
        m._periods = {k: p._replace(within=None) for k, p in m._periods.items()}

    _in_services(monkeypatch, every_filing)


def _closed_filings_as_open(monkeypatch: pytest.MonkeyPatch) -> None:
    _in_services(monkeypatch, lambda m: setattr(m, "_closed_on", {}))


def _runs_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_runs(m: Any) -> None:
        m._runs = {k: r._replace(share=0.0) for k, r in m._runs.items()}

    _in_services(monkeypatch, no_runs)


def _deadline_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    _in_services(monkeypatch, lambda m: setattr(m, "_deadlines", {}))


def _latest_decision_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    _in_services(monkeypatch, lambda m: setattr(m, "_decided_within", {}))


def _calendar_days_in_working_time(monkeypatch: pytest.MonkeyPatch) -> None:
    import onething.services.office as office

    class InWorkingTime(Mechanics):
        def __init__(self, process: Process, calendars: Calendars, draws: Any):
            super().__init__(process, calendars, draws)
            self._after_processing = {k: calendars.items[k].add_working for k in process.order}

    monkeypatch.setattr(office, "Mechanics", InWorkingTime)


def _utilisation_counting(monkeypatch: pytest.MonkeyPatch) -> None:
    import onething.sim.harness as harness

    monkeypatch.setattr(harness, "measured", lambda queued, since, until: since <= queued)


MUTATIONS: dict[str, Any] = {
    "a department's windows on the bundle's calendar (services)": _department_on_bundle_calendar,
    "the rework delay off the calendar (live applicant)": _rework_delay_off_calendar,
    "desk time 10 % longer (services)": _desk_time,
    "utilisation counts work queued after the measured period (live applicant)": (
        _utilisation_counting
    ),
}
CHOICES_MUTATIONS: dict[str, Any] = {
    "the waiting period counted from the filing, not the opening (services)": (
        _waiting_period_from_filing
    ),
    "calendar days counted in working time (services)": _calendar_days_in_working_time,
    "the job's runs left out (services)": _runs_left_out,
    "the rounds' deadline left out (services)": _deadline_left_out,
    "the latest decision left out (services)": _latest_decision_left_out,
}


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_a_mechanic_changed_in_one_engine_only_is_seen(mutation, monkeypatch):
    process = Process.of(_calendars_bundle(), "before")
    MUTATIONS[mutation](monkeypatch)
    assert drift(process) != []


@pytest.mark.parametrize("mutation", CHOICES_MUTATIONS)
@pytest.mark.parametrize("mode", ["before", "after"])
def test_a_choice_mechanic_changed_in_one_engine_only_is_seen(mutation, mode, monkeypatch):
    process = Process.of(choices_bundle(), mode)
    CHOICES_MUTATIONS[mutation](monkeypatch)
    assert drift(process) != []


def test_a_waiting_periods_cutoff_changed_in_one_engine_only_is_seen(monkeypatch):
    """After integration the signboard is filed at the opening or a day or two later,
    so some filings fall past its cutoff; before, it is filed weeks later, when its
    period is over whatever the cutoff."""
    process = Process.of(choices_bundle(), "after")
    _period_for_every_filing(monkeypatch)
    assert drift(process) != []


@pytest.mark.parametrize("mode", ["before", "after"])
def test_a_filing_while_closed_taken_as_one_while_open_in_one_engine_only_is_seen(
    mode, monkeypatch
):
    """The health office opens at 10:00 and closes for lunch: some filings of health
    certificates reach it closed.  A live engine taking them as open asks for a draw the
    DES never made."""
    process = Process.of(choices_bundle(), mode)
    _closed_filings_as_open(monkeypatch)
    found = drift(process)
    assert any(re.match(r"the services drew .'processing', .* the DES 0", d) for d in found)
