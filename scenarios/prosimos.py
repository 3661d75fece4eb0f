"""Prosimos simulation parameters beside an exported BPMN (read back on import by
``prosimos_reader``).

Prosimos (PyPI ``prosimos``) simulates a BPMN model from a JSON file of arrivals,
calendars, resource pools, task durations (seconds) and gateway probabilities.  Windows
become pools of as many resources as windows, on the department's calendar; a back
office a pool large enough never to queue (onething's back offices have as many clerks as
files); the applicant a round-the-clock pool for travel.  Prosimos reads fixed,
exponential, normal, uniform, lognormal and gamma durations: a triangular or empirical
one is written as a lognormal of the same mean and variance.
"""

from __future__ import annotations

import math
from typing import Any

from onething.scenarios.bpmn import APPLICANT, Graph
from onething.scenarios.counts import form_factor
from onething.scenarios.levers import SINGLE_WINDOW, Process
from onething.scenarios.model import AROUND_THE_CLOCK, CalendarSpec, Distribution, unit_minutes

DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
SHORT = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CROWD = 500
"""Resources in a pool that must never queue (applicants travelling, the post)."""


def moments(dist: Distribution, minutes_per_day: float) -> tuple[float, float]:
    """Mean and variance in minutes."""
    s = unit_minutes(dist.unit, minutes_per_day)
    return dist.mean_value * s, dist.variance * s * s


def _duration(mean: float, var: float, exponential: bool = False) -> dict[str, Any]:
    """Minutes in, a Prosimos distribution in seconds out."""
    m, v = mean * 60, var * 3600
    if v <= 1e-9 or m <= 0:
        return {"distribution_name": "fix", "distribution_params": [{"value": max(m, 0.0)}]}
    top = m + 20 * math.sqrt(v)
    if exponential:
        return {
            "distribution_name": "expon",
            "distribution_params": [{"value": m}, {"value": 0}, {"value": top}],
        }
    return {
        "distribution_name": "lognorm",
        "distribution_params": [{"value": m}, {"value": v}, {"value": 0}, {"value": top}],
    }


def _calendar(cid: str, spec: CalendarSpec | None) -> dict[str, Any]:
    if spec is None:  # round the clock
        periods = [
            {"from": "MONDAY", "to": "SUNDAY", "beginTime": "00:00:00", "endTime": "23:59:59"}
        ]
    else:
        periods = [
            {"from": DAYS[SHORT.index(d)], "to": DAYS[SHORT.index(d)],
             "beginTime": f"{a}:00", "endTime": f"{b}:00" if b != "24:00" else "23:59:59"}
            for d in spec.weekdays
            for a, b in spec.weekday_hours.get(d, spec.hours)
        ]  # fmt: skip
    return {"id": cid, "name": cid, "time_periods": periods}


def parameters(process: Process, graph: Graph) -> tuple[dict[str, Any], list[str]]:
    """The Prosimos JSON for a diagram written by ``bpmn.export``, and what does not map."""
    s = process.scenario
    per_day = s.calendar.minutes_per_day
    notes: list[str] = []
    calendars = {"bundle": s.calendar, "always": None}
    for key, dep in s.departments.items():
        calendars[f"dept_{key}"] = dep.calendar or s.calendar
    rate = s.applicants.arrivals.per_working_day or 0.0
    pools: dict[str, dict[str, Any]] = {}

    def pool(pid: str, name: str, amount: int, calendar: str) -> str:
        pools.setdefault(
            pid,
            {"id": pid, "name": name, "amount": amount, "calendar": calendar, "tasks": []},
        )
        return pid

    office_days: dict[str, float] = {}
    """Working days of back-office work a case brings each department: three times the
    files open at once at that rate is a pool that never queues."""
    for key in process.order:
        dept = s.items[key].department
        minutes = calendars[f"dept_{dept}"].minutes_per_day
        days = moments(process.processing(key), minutes)[0] / minutes
        office_days[dept] = office_days.get(dept, 0.0) + days
    shorter = form_factor(process)
    """Window time left after the levers shorten the form (``Mechanics.desk_minutes``)."""
    tasks = []
    for node in graph.nodes:
        if node.kind != "task":
            continue
        role = node.role
        if role == "window":
            place = node.lane
            calendar = "bundle" if place in (SINGLE_WINDOW, APPLICANT) else f"dept_{place}"
            if place == APPLICANT:  # online filing: no window, no queue
                rid = pool("applicant", "Applicants", CROWD, "always")
            else:
                rid = pool(f"window_{place}", f"Windows {place}", process.windows(place), calendar)
            mean = var = 0.0
            for key in node.items:
                m, v = moments(s.items[key].handling, per_day)
                mean, var = mean + m, var + v
            mean, var = mean * shorter, var * shorter * shorter
            if node.collects:
                m, v = moments(s.applicants.pickup_handling, per_day)
                mean, var = mean + m, var + v
            dist = _duration(mean, var)
        elif role == "decide":
            item = s.items[node.item]
            dept = item.department
            minutes = calendars[f"dept_{dept}"].minutes_per_day
            processing = process.processing(node.item)
            m, v = moments(processing, minutes)
            amount = min(2000, max(20, math.ceil(rate * (office_days[dept] + 2) * 3)))
            if processing.unit == AROUND_THE_CLOCK:  # counted whether or not the office is open
                rid = pool(f"back_office_{dept}_always", f"Back office {dept}", amount, "always")
            else:
                rid = pool(f"back_office_{dept}", f"Back office {dept}", amount, f"dept_{dept}")
            dist = _duration(m, v, processing.MEMORYLESS)
        elif role == "travel":
            rid = pool("applicant", "Applicants", CROWD, "always")
            dist = _duration(*moments(s.applicants.travel, per_day))
        elif role == "gather":
            rid = pool("applicant_working", "Applicants (working time)", CROWD, "bundle")
            dist = _duration(*moments(s.applicants.rework_delay, per_day))
        elif role == "mail":
            rid = pool("post", "Post", CROWD, "bundle")
            dist = _duration(*moments(s.applicants.mail, per_day))
        else:  # paper transfer
            rid = pool("platform", "Platform", CROWD, "bundle")
            dist = _duration(*moments(s.levers.paper_transfer, per_day))
        pools[rid]["tasks"].append(node.id)
        tasks.append({"task_id": node.id, "resources": [{"resource_id": rid, **dist}]})
    gateways = []
    outgoing: dict[str, list[str]] = {}
    for flow_id, source, _, _ in graph.flows:
        outgoing.setdefault(source, []).append(flow_id)
    for node in graph.nodes:
        if node.kind not in ("exclusiveGateway", "inclusiveGateway"):
            continue
        chances = graph.probabilities.get(node.id) or {f: 1.0 for f in outgoing[node.id]}
        gateways.append(
            {
                "gateway_id": node.id,
                "probabilities": [{"path_id": f, "value": p} for f, p in chances.items()],
            }
        )
    inter_arrival = per_day / rate if rate else 1e9
    if s.applicants.arrivals.hourly_profile or s.applicants.arrivals.weekday_profile:
        notes.append("arrivals: a constant rate over opening hours (profiles not mapped)")
    if s.applicants.arrivals.date_profile:
        notes.append(
            "arrivals: seasons (date_profile) are not mapped: Prosimos gets the ordinary "
            "rate all year, onething the season's surge and the queues it builds"
        )
    if any(spec.hour_rates for spec in calendars.values() if spec is not None):
        notes.append("pace by hour (hour_rates): Prosimos works at full pace whenever open")
    if s.calendar.holidays == "official" or s.calendar.extra_holidays:
        notes.append("holidays: Prosimos calendars are weekly, holidays are worked")
    if s.calendar.holidays == "official" or s.calendar.extra_workdays:
        notes.append("make-up working days (调休): Prosimos calendars are weekly, they are off")
    params = {
        "resource_profiles": [
            {
                "id": f"pool_{p['id']}",
                "name": p["name"],
                "resource_list": [
                    {
                        "id": p["id"],
                        "name": p["name"],
                        "cost_per_hour": 0,
                        "amount": p["amount"],
                        "calendar": p["calendar"],
                        "assignedTasks": p["tasks"],
                    }
                ],
            }
            for p in pools.values()
        ],
        "arrival_time_distribution": _duration(inter_arrival, inter_arrival**2, True),
        "arrival_time_calendar": _calendar("arrivals", s.calendar)["time_periods"],
        "gateway_branching_probabilities": gateways,
        "task_resource_distribution": tasks,
        "resource_calendars": [_calendar(cid, spec) for cid, spec in calendars.items()],
    }
    return params, notes
