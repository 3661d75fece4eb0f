"""Optional items (选办), alternatives and repeats: what a bundle may say of them, which
items an applicant takes, and the counts for the full bundle and over applicants."""

from __future__ import annotations

import random
from typing import Any

import pytest

from onething.scenarios.calendar import WorkingCalendar
from onething.scenarios.counts import counts, mean_counts
from onething.scenarios.errors import FileError
from onething.scenarios.journey import Choices, journey, taking
from onething.scenarios.levers import Process
from onething.scenarios.loader import catalog_names, load_scenario, with_changes
from onething.scenarios.mechanics import Calendars, Mechanics, StreamDraws
from onething.scenarios.model import MAX_ROUNDS, Repeat
from onething.sim.engine import run_replications
from onething.sim.measures import measures
from tests.scenarios.test_errors import assert_keyed

OUTDOOR = {
    "outdoor": [
        {"items": ["signboard"], "share": 0.5},
        {"items": ["fire_check"], "share": 0.3},
        {"items": [], "share": 0.2},
    ]
}


def _restaurant(**changes: Any) -> Any:
    return with_changes(load_scenario("restaurant"), changes)


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        (
            {"alternatives": {"x": [{"items": ["signboard"], "share": 0.5}]}},
            "alternatives.x",
            "at least 2",
        ),
        (
            {"alternatives": {"x": [{"items": ["signboard"], "share": 0.5}, {"share": 0.4}]}},
            "alternatives.x",
            "add up to 0.9",
        ),
        (
            {"alternatives": {"x": [{"items": ["nope"], "share": 0.5}, {"share": 0.5}]}},
            "alternatives.x.0.items.0",
            "unknown item 'nope'",
        ),
        (
            {
                "alternatives": {
                    "x": [{"items": ["signboard"], "share": 0.5}, {"share": 0.5}],
                    "y": [{"items": ["signboard"], "share": 0.5}, {"share": 0.5}],
                }
            },
            "alternatives.y.0.items.0",
            "already in alternatives.x",
        ),
        (
            {
                "alternatives": {
                    "x": [{"items": ["signboard", "signboard"], "share": 0.5}, {"share": 0.5}]
                }
            },
            "alternatives.x.0.items.1",
            "listed twice in this option",
        ),
        (
            {
                "items.signboard.take_up": 0.3,
                "alternatives": {"x": [{"items": ["signboard"], "share": 0.5}, {"share": 0.5}]},
            },
            "alternatives.x.0.items.0",
            "its own take_up",
        ),
        ({"items.signboard.take_up": 0}, "items.signboard.take_up", "greater than 0"),
        ({"items.signboard.repeat": {}}, "items.signboard.repeat", "exactly one"),
        (
            {"items.signboard.repeat": {"redo": 0.2, "rounds": [1, 1]}},
            "items.signboard.repeat",
            "exactly one",
        ),
        ({"items.signboard.repeat": {"rounds": [0, 0]}}, "items.signboard.repeat", "add up to 0"),
        (
            {"items.signboard.waiting_period": {"dist": "fixed", "value": -3}},
            "items.signboard.waiting_period.value",
            "greater than or equal to 0",
        ),
        (
            {"items.signboard.waiting_filed_within": {"dist": "fixed", "value": 3}},
            "items.signboard",
            "without a waiting_period",
        ),
        (
            {
                "items.signboard.waiting_period": {"dist": "fixed", "value": 3},
                "items.signboard.waiting_filed_within": {
                    "dist": "fixed",
                    "value": 3,
                    "unit": "calendar_days",
                },
            },
            "items.signboard",
            "another clock than waiting_period",
        ),
        (
            {
                "items.signboard.waiting_period": {"dist": "fixed", "value": 3},
                "items.signboard.waiting_filed_within": {"dist": "exponential", "mean": 3},
            },
            "items.signboard.waiting_filed_within.dist",
            "'fixed'",
        ),
        (
            {
                "items.fire_check.processing": {
                    "dist": "fixed",
                    "value": 3,
                    "unit": "calendar_days",
                },
                "items.fire_check.processing_when_closed": {"dist": "fixed", "value": 3},
            },
            "items.fire_check",
            "a department that never closes",
        ),
        (
            {
                "items.signboard.processing_when_closed": {
                    "dist": "fixed",
                    "value": 3,
                    "unit": "calendar_days",
                },
            },
            "items.signboard.processing_when_closed",
            "count around the clock",
        ),
        (
            {"items.signboard.runs": {"at": ["09:15", "02:00"]}},
            "items.signboard.runs.at",
            "not after the one before it",
        ),
        ({"items.signboard.runs": {"at": ["24:00"]}}, "items.signboard.runs.at", "24:00"),
        (
            {"items.signboard.runs": {"at": ["09:15"], "share": 0}},
            "items.signboard.runs.share",
            "greater than 0",
        ),
        (
            {"items.signboard.handling": {"dist": "fixed", "value": 1, "unit": "calendar_days"}},
            "items.signboard.handling",
            "count around the clock",
        ),
        (
            {"applicants.mail": {"dist": "fixed", "value": 3, "unit": "calendar_days"}},
            "applicants.mail",
            "only an item's processing and waiting period",
        ),
    ],
)
def test_a_bad_choice_is_one_line_at_its_field_in_both_languages(changes, field, reason):
    with pytest.raises(FileError) as caught:
        _restaurant(**changes)
    text = str(caught.value)
    assert f"{field}:" in text and reason in text, text
    assert_keyed(caught.value.problems)


def _signboard(**changes: object) -> tuple[Mechanics, WorkingCalendar, float]:
    """The mechanics of the restaurant bundle before integration with the signboard's
    ``changes``, the signboard's calendar and a case opened when it first opens."""
    scenario = _restaurant(**{f"items.signboard.{k}": v for k, v in changes.items()})
    process = Process.of(scenario, "before")
    calendars = Calendars(scenario)
    mechanics = Mechanics(process, calendars, StreamDraws(process, random.Random(1), calendars))
    calendar = calendars.items["signboard"]
    return mechanics, calendar, calendar.next_open(0.0)


TWENTY_DAYS = {"dist": "fixed", "value": 20, "unit": "working_days"}


def test_an_item_is_decided_no_earlier_than_its_waiting_period_after_the_case_opened():
    mechanics, calendar, opened = _signboard(waiting_period=TWENTY_DAYS)
    per_day = calendar.minutes_per_day
    period_over = calendar.add_working(opened, 20 * per_day)
    assert mechanics.decide("a", "signboard", opened, opened) == (period_over,)  # 7-13 days
    filed_late = calendar.add_working(opened, 15 * per_day)
    (decided,) = mechanics.decide("b", "signboard", filed_late, opened)
    assert decided >= calendar.add_working(filed_late, 7 * per_day) > period_over
    assert mechanics.decide("c", "fire_check", opened, opened)[0] < period_over  # no period


def test_a_waiting_period_holds_only_for_a_filing_within_its_cutoff():
    """A period of 20 working days for filings within 5 of the opening: one filed on
    the fourth waits for it, one filed on the sixth is decided after its back office
    (7 to 13 days), before the period would have ended."""
    mechanics, calendar, opened = _signboard(
        waiting_period=TWENTY_DAYS,
        waiting_filed_within={"dist": "fixed", "value": 5, "unit": "working_days"},
    )
    per_day = calendar.minutes_per_day
    period_over = calendar.add_working(opened, 20 * per_day)
    within = calendar.add_working(opened, 4 * per_day)
    assert mechanics.decide("a", "signboard", within, opened) == (period_over,)
    after = calendar.add_working(opened, 6 * per_day)
    (decided,) = mechanics.decide("b", "signboard", after, opened)
    assert calendar.add_working(after, 7 * per_day) <= decided < period_over


def test_a_filing_while_closed_takes_its_own_time_unless_a_lever_changes_the_processing():
    """The signboard's office decides in two working hours a filing made while open and
    in six one made at night (the night's backlog, taken in turn after the opening)."""
    two_hours = {"dist": "fixed", "value": 120}
    mechanics, calendar, opened = _signboard(
        processing=two_hours, processing_when_closed={"dist": "fixed", "value": 360}
    )
    assert mechanics.decide("a", "signboard", opened, opened) == (opened + 120,)
    night = opened - 10 * 60  # the evening before
    assert calendar.next_open(night) == opened
    assert mechanics.decide("b", "signboard", night, night) == (calendar.add_working(opened, 360),)
    sharing = _restaurant(
        **{
            "items.signboard.processing": two_hours,
            "items.signboard.processing_with_data_sharing": {"dist": "fixed", "value": 60},
            "items.signboard.processing_when_closed": {"dist": "fixed", "value": 360},
        }
    )
    process = Process.of(sharing, "after")
    calendars = Calendars(sharing)
    shared = Mechanics(process, calendars, StreamDraws(process, random.Random(1), calendars))
    assert "data_sharing" in process.levers
    assert shared.decide("c", "signboard", night, night) == (opened + 60,)  # the lever's


def test_a_job_decides_its_share_of_the_cases_at_its_next_run():
    """A job run at 02:00 and 09:15 every day decides every case: one whose back office
    is done at 10:00 waits for 02:00 the next night, a weekend included."""
    day = 24 * 60
    mechanics, calendar, opened = _signboard(
        processing={"dist": "fixed", "value": 60}, runs={"at": ["02:00", "09:15"]}
    )
    done = calendar.add_working(opened, 60)
    (decided,) = mechanics.decide("a", "signboard", opened, opened)
    next_night = (done // day + 1) * day + 120
    assert decided == next_night
    friday = next(
        t for t in (opened + d * day for d in range(7)) if calendar.timestamp(t).weekday() == 4
    )
    evening = friday + 6 * 60  # 15:00, done at 16:00
    (decided,) = mechanics.decide("b", "signboard", evening, evening)
    assert calendar.timestamp(decided).strftime("%a %H:%M") == "Sat 02:00"


def test_rounds_stop_at_their_deadline():
    """Calls of two working days each, ten of them, with a deadline of 7 days around the
    clock: the round under way then ends at it and no other follows; three rounds end
    within a later deadline, untouched."""
    day = 24 * 60
    deadline = {"dist": "fixed", "value": 7, "unit": "calendar_days"}
    two_days = {"dist": "fixed", "value": 2, "unit": "working_days"}
    mechanics, calendar, opened = _signboard(
        processing=two_days, repeat={"rounds": [0] * 9 + [1], "within": deadline}
    )
    rounds = mechanics.decide("a", "signboard", opened, opened)
    assert rounds[-1] == opened + 7 * day
    assert all(end < opened + 7 * day for end in rounds[:-1])
    assert len(rounds) < 10
    later = {**deadline, "value": 9}
    mechanics, calendar, opened = _signboard(
        processing=two_days, repeat={"rounds": [0, 0, 1], "within": later}
    )
    rounds = mechanics.decide("b", "signboard", opened, opened)
    assert len(rounds) == 3 and rounds[-1] < opened + 9 * day
    assert rounds[-1] == calendar.add_working(opened, 6 * calendar.minutes_per_day)


def test_an_item_is_decided_no_later_than_its_latest_time_after_the_case_opened():
    """A signboard office taking 7 to 13 working days, closed by a timer 5 days after the
    case opened: a filing at the opening is decided then, one filed after the timer at
    its filing, one decided within it untouched."""
    day = 24 * 60
    mechanics, calendar, opened = _signboard(
        decided_within={"dist": "fixed", "value": 5, "unit": "calendar_days"}
    )
    assert mechanics.decide("a", "signboard", opened, opened) == (opened + 5 * day,)
    late = opened + 6 * day
    assert mechanics.decide("b", "signboard", late, opened) == (late,)
    mechanics, calendar, opened = _signboard(
        processing={"dist": "fixed", "value": 60},
        decided_within={"dist": "fixed", "value": 5, "unit": "calendar_days"},
    )
    assert mechanics.decide("c", "signboard", opened, opened) == (opened + 60,)


def test_calendar_days_count_around_the_clock_and_working_days_in_opening_hours():
    """A ticket closed by a timer 15 days after it reached the back office, a notice of
    seven natural days after the case opened: nights, weekends and holidays count."""
    day = 24 * 60
    scenario = _restaurant(
        **{
            "items.signboard.processing": {"dist": "fixed", "value": 15, "unit": "calendar_days"},
            "items.signboard.waiting_period": {
                "dist": "fixed",
                "value": 30,
                "unit": "calendar_days",
            },
            "items.fire_check.processing": {"dist": "fixed", "value": 15, "unit": "working_days"},
        }
    )
    process = Process.of(scenario, "before")
    calendars = Calendars(scenario)
    mechanics = Mechanics(process, calendars, StreamDraws(process, random.Random(1), calendars))
    calendar = calendars.items["signboard"]
    opened = calendar.next_open(0.0)
    friday = next(
        t for t in (opened + d * day for d in range(14)) if calendar.timestamp(t).weekday() == 4
    )
    assert mechanics.decide("a", "signboard", friday, friday) == (friday + 30 * day,)  # period
    late = friday + 20 * day
    assert mechanics.decide("b", "signboard", late, friday) == (late + 15 * day,)  # processing
    working = mechanics.decide("c", "fire_check", friday, friday)[0]
    assert working == calendar.add_working(friday, 15 * calendar.minutes_per_day)
    assert working > friday + 20 * day  # three weekends and the nights in between


def test_rounds_follow_their_distribution():
    weights = Repeat(rounds=[0.5, 0.3, 0.2])
    assert [weights.count(u) for u in (0.0, 0.49, 0.5, 0.79, 0.8, 0.999)] == [1, 1, 2, 2, 3, 3]
    assert weights.mean == pytest.approx(1.7)
    redo = Repeat(redo=0.4)
    draws = [redo.count(i / 10_000) for i in range(10_000)]
    assert sum(draws) / len(draws) == pytest.approx(redo.mean, rel=0.01)
    assert redo.mean == pytest.approx(1 / 0.6)
    assert Repeat(redo=0.95).count(1 - 1e-9) == MAX_ROUNDS


def test_an_applicant_takes_required_items_and_one_option_of_each_alternative():
    process = Process.of(
        _restaurant(**{"items.health_certificates.take_up": 0.6}, alternatives=OUTDOOR)
    )
    choices = Choices(process)
    assert choices
    never, always = (lambda _key: 0.99), (lambda _key: 0.0)
    assert choices.taken(never, never) == ("licence_verification", "food_permit")
    assert choices.taken(always, always) == (
        "health_certificates",
        "licence_verification",
        "food_permit",
        "signboard",
    )
    assert "fire_check" in choices.taken(never, lambda _key: 0.6)
    outcomes = list(choices.outcomes())
    assert sum(p for p, _ in outcomes) == pytest.approx(1.0)
    assert len(outcomes) == 2 * 3


VARIANTS = {
    "variants": [
        {"items": ["signboard", "fire_check"], "share": 0.5},
        {"items": ["fire_check"], "share": 0.3},
        {"items": [], "share": 0.2},
    ]
}
"""Options sharing an item: the fire check with or without the signboard, or neither."""


def test_options_may_share_an_item_and_an_applicant_takes_one_variant_whole():
    process = Process.of(_restaurant(alternatives=VARIANTS), "before")
    choices = Choices(process)
    required = ("health_certificates", "licence_verification", "food_permit")
    assert choices.taken(lambda _: 0.99, lambda _: 0.1) == (*required, "signboard", "fire_check")
    assert choices.taken(lambda _: 0.99, lambda _: 0.6) == (*required, "fire_check")
    assert choices.taken(lambda _: 0.99, lambda _: 0.9) == required
    outcomes = dict((taken, p) for p, taken in choices.outcomes())
    assert outcomes[(*required, "fire_check")] == pytest.approx(0.3)
    # never the signboard without the fire check, which take-ups of their own would give
    assert not any("signboard" in t and "fire_check" not in t for t in outcomes)
    full, mean = counts(process), mean_counts(process)
    assert mean["steps"] < full["steps"]


def test_an_item_that_depends_on_an_optional_item_not_taken_is_not_blocked():
    process = Process.of(_restaurant(**{"items.health_certificates.take_up": 0.6}), "before")
    without = taking(process, ("licence_verification", "food_permit", "signboard", "fire_check"))
    assert without.item("food_permit").requires == ["licence_verification"]
    assert all("health_certificates" not in v.awaits for v in journey(without))


def test_an_item_not_taken_passes_on_what_it_waited_for():
    """Food permit <- health certificates <- licence check, the certificates optional:
    without them the permit still waits for the licence check."""
    scenario = _restaurant(
        **{
            "items.health_certificates.take_up": 0.6,
            "items.health_certificates.requires": ["licence_verification"],
            "items.food_permit.requires": ["health_certificates"],
        }
    )
    process = Process.of(scenario, "after")
    without = taking(process, ("licence_verification", "food_permit", "signboard", "fire_check"))
    assert without.item("food_permit").requires == ["licence_verification"]


@pytest.mark.parametrize("bundle", catalog_names())
def test_a_catalog_bundle_without_choices_has_its_counts_as_the_mean(bundle):
    for mode in ("before", "after"):
        process = Process.of(load_scenario(bundle), mode)
        assert not Choices(process)
        assert mean_counts(process) == {
            k: v if v is None else float(v) for k, v in counts(process).items()
        }


def test_counts_are_given_for_the_full_bundle_and_as_the_mean_over_applicants():
    scenario = _restaurant(**{"items.health_certificates.take_up": 0.6}, alternatives=OUTDOOR)
    process = Process.of(scenario, "before")
    full, mean = counts(process), mean_counts(process)
    assert full == counts(Process.of(load_scenario("restaurant"), "before"))
    for name in ("steps", "materials", "trips", "form_fields"):
        assert mean[name] < full[name]
    expected_steps = sum(
        p * counts(taking(process, t))["steps"] for p, t in Choices(process).outcomes()
    )
    assert mean["steps"] == pytest.approx(expected_steps)


def test_a_run_reports_the_mean_counts_over_applicants_beside_the_full_bundles():
    process = Process.of(_restaurant(alternatives=OUTDOOR), "before")
    m = measures(process, run_replications(process, 1, horizon_days=5, warmup_days=0, jobs=1))
    assert m["trips"] == counts(process)["trips"]
    assert m["counts_per_applicant"] == mean_counts(process)
    plain = Process.of(load_scenario("restaurant"), "before")
    assert "counts_per_applicant" not in measures(
        plain, run_replications(plain, 1, horizon_days=5, warmup_days=0, jobs=1)
    )
