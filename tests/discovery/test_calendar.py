"""The working calendar a log shows: an empty weekday is a holiday only where events
were expected, not where the last cases drain away or an office is quiet."""

from __future__ import annotations

import datetime as dt

from onething.discovery.calendar import fit_calendars, observe
from onething.discovery.logs import EPOCH, Event
from onething.discovery.vocabulary import MAIL

MONDAY = dt.date(2026, 3, 2)


def _events(per_day: dict[dt.date, int]) -> list[Event]:
    events = []
    for date, count in per_day.items():
        base = (dt.datetime.combine(date, dt.time(9)) - EPOCH).total_seconds() / 60
        for k in range(count):
            start = base + 20 * (k % 20)
            events.append(Event(f"{date}-{k}", "Review", "tax", start, start + 15, "", ""))
    return events


def _weekdays(first: dt.date, weeks: int) -> list[dt.date]:
    days = (first + dt.timedelta(days=d) for d in range(7 * weeks))
    return [d for d in days if d.weekday() < 5]


def test_an_empty_weekday_among_busy_ones_is_a_holiday_an_empty_one_in_the_tail_is_not():
    busy = dict.fromkeys(_weekdays(MONDAY, 4), 30)
    holiday = dt.date(2026, 3, 18)
    del busy[holiday]
    tail = _weekdays(MONDAY + dt.timedelta(weeks=4), 1)  # the last cases drain away
    drain = {tail[0]: 3, tail[2]: 1, tail[4]: 1}  # nothing on Tuesday and Thursday
    calendars = fit_calendars(*observe(_events(busy | drain)))
    assert calendars.bundle.extra_holidays == [holiday]
    assert calendars.bundle.weekdays == ["mon", "tue", "wed", "thu", "fri"]


def test_a_quiet_office_has_empty_days_and_no_holidays():
    quiet = {d: 2 for i, d in enumerate(_weekdays(MONDAY, 8)) if i % 3}  # two a day, gaps
    calendars = fit_calendars(*observe(_events(quiet)))
    assert calendars.bundle.extra_holidays == []


def test_a_make_up_saturday_seen_only_in_a_mail_arriving_after_the_last_decision_is_worked():
    busy = dict.fromkeys(_weekdays(MONDAY, 4), 30)
    friday = max(busy)
    saturday = friday + dt.timedelta(days=1)
    sent = (dt.datetime.combine(friday, dt.time(16)) - EPOCH).total_seconds() / 60
    mail = Event("last", MAIL, "post", sent, sent + 20 * 60, "", "results: permit")
    calendars = fit_calendars(*observe([*_events(busy), mail]))
    assert calendars.bundle.extra_workdays == [saturday]


def test_a_pool_open_on_saturday_mornings_keeps_them_as_its_saturday_hours():
    events = []
    for date in (MONDAY + dt.timedelta(days=d) for d in range(7 * 10)):
        if date.weekday() == 6:
            continue
        close = 12 if date.weekday() == 5 else 17
        base = (dt.datetime.combine(date, dt.time(9)) - EPOCH).total_seconds() / 60
        for k in range((close - 9) * 12):
            start = base + 5 * k
            events.append(Event(f"{date}-{k}", "Review", "tax", start, start + 4, "", ""))
    own = fit_calendars(*observe(events), pools=True).departments["tax"]
    assert own.weekdays == ["mon", "tue", "wed", "thu", "fri", "sat"]
    assert own.hours == [("09:00", "17:00")]
    assert own.weekday_hours == {"sat": [("09:00", "12:00")]}


def test_a_pool_half_staffed_over_lunch_works_at_half_pace_then():
    events = []
    for date in (MONDAY + dt.timedelta(days=d) for d in range(7 * 4)):
        if date.weekday() >= 5:
            continue
        base = (dt.datetime.combine(date, dt.time(9)) - EPOCH).total_seconds() / 60
        for k in range(8 * 12):
            if 48 <= k < 60 and k % 2:  # 13:00-14:00: every other task
                continue
            start = base + 5 * k
            events.append(Event(f"{date}-{k}", "Review", "tax", start, start + 4, "", ""))
    own = fit_calendars(*observe(events), pools=True).departments["tax"]
    assert own.hours == [("09:00", "17:00")]
    assert own.hour_rates == {13: 0.5}
