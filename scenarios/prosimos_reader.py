"""Prosimos simulation parameters read back when a BPMN is imported with them
(``bpmn``): durations, arrivals and window counts in the model's terms.  Writing
them beside an exported BPMN is ``prosimos``."""

from __future__ import annotations

import math
from typing import Any

from onething.scenarios.calendar import DAY
from onething.scenarios.model import AROUND_THE_CLOCK, KINDS, CalendarSpec


def from_prosimos(entry: dict[str, Any], notes: list[str], where: str) -> dict[str, Any]:
    """A Prosimos duration (seconds) as one of the model's distributions (minutes)."""
    name = entry.get("distribution_name")
    values = [float(p.get("value", 0)) / 60 for p in entry.get("distribution_params", [])]
    if name == "fix" and values:
        return {"dist": "fixed", "value": max(0.0, values[0])}
    if name == "expon" and values and values[0] > 0:
        return {"dist": "exponential", "mean": values[0]}
    if name in ("lognorm", "gamma") and len(values) >= 2 and values[0] > 0:
        sd = math.sqrt(max(values[1] * 60, 0.0)) / 60  # the variance was in seconds²
        if name == "gamma":
            notes.append(f"{where}: gamma read as a lognormal of the same mean and variance")
        return {"dist": "lognormal", "mean": values[0], "sd": max(sd, 1e-6)}
    if name == "norm" and len(values) >= 2 and values[0] > 0:
        notes.append(f"{where}: normal read as a lognormal of the same mean and sd")
        return {"dist": "lognormal", "mean": values[0], "sd": max(values[1], 1e-6)}
    if name == "uniform" and len(values) >= 2 and values[1] > values[0]:
        notes.append(f"{where}: uniform read as a triangular over the same range")
        low, high = values[0], values[1]
        return {"dist": "triangular", "low": low, "mode": (low + high) / 2, "high": high}
    notes.append(f"{where}: distribution {name!r} not read; duration left at 0")
    return {"dist": "fixed", "value": 0.0}


def durations_from_params(params: dict[str, Any], nodes: dict[str, dict]) -> dict[str, dict]:
    """Task id -> duration; for a diagram of ours, window time is split over the items
    filed (``window:<decision task>``).  A decision whose resource works round the clock
    counts calendar days (``AROUND_THE_CLOCK``), as ``prosimos`` writes it."""
    notes: list[str] = params.setdefault("_notes", [])
    out: dict[str, dict] = {}
    decision = {n.get("item"): i for i, n in nodes.items() if n.get("role") == "decide"}
    always = _round_the_clock_resources(params)
    for entry in params.get("task_resource_distribution", []):
        task = entry.get("task_id")
        resources = entry.get("resources") or []
        if task not in nodes or not resources:
            continue
        dist = from_prosimos(resources[0], notes, f"task {task}")
        node = nodes[task]
        if node.get("role") == "window" and node.get("files"):
            files = [f for f in node["files"].split(",") if f in decision]
            for f in files:
                out[f"window:{decision[f]}"] = _share(dist, len(files))
        elif node.get("role") == "decide" and resources[0].get("resource_id") in always:
            out[task] = _in_calendar_days(dist)
        elif not node.get("role") or node.get("role") == "decide":
            out[task] = dist
    return out


def _round_the_clock_resources(params: dict[str, Any]) -> set[str]:
    """Resources whose calendar is open every day from 00:00 to 23:59:59."""
    whole_week = {
        c.get("id")
        for c in params.get("resource_calendars", [])
        if any(
            (p.get("from"), p.get("to"), p.get("beginTime"), p.get("endTime"))
            == ("MONDAY", "SUNDAY", "00:00:00", "23:59:59")
            for p in c.get("time_periods", [])
        )
    }
    return {
        r.get("id")
        for profile in params.get("resource_profiles", [])
        for r in profile.get("resource_list", [])
        if r.get("calendar") in whole_week
    }


def _in_calendar_days(dist: dict[str, Any]) -> dict[str, Any]:
    """A duration read in minutes, said in calendar days."""
    times = ("value", "mean", "sd", "low", "mode", "high")
    days = {k: (v / DAY if k in times else v) for k, v in dist.items()}
    return {**days, "unit": AROUND_THE_CLOCK}


def _share(dist: dict[str, Any], n: int) -> dict[str, Any]:
    """One of ``n`` items' part of a window's time: a fixed time split evenly, a varying
    one as a lognormal of the part's mean."""
    if n == 1:
        return dist
    model = KINDS[dist["dist"]].model_construct(**dist)  # as read, not checked again
    mean = model.mean_value / n
    if not model.variance:
        return {**dist, "value": mean}
    return {"dist": "lognormal", "mean": mean, "sd": max(mean / 3, 1e-6)}


def apply_params(
    scenario: dict[str, Any],
    params: dict[str, Any],
    nodes: dict[str, dict],
    departments: dict[str, str],
    unmapped: list[str],
) -> None:
    """Arrivals and window counts from the parameters, where they say."""
    unmapped += params.pop("_notes", [])
    arrival = params.get("arrival_time_distribution")
    if arrival:
        dist = from_prosimos(arrival, unmapped, "arrivals")
        mean = dist.get("mean") or dist.get("value") or 0
        per_day = CalendarSpec().minutes_per_day
        if mean > 0:
            scenario["applicants"]["arrivals"]["per_working_day"] = round(per_day / mean, 4)
            scenario["placeholders"].pop("applicants.arrivals.per_working_day", None)
    amounts: dict[str, int] = {}
    for profile in params.get("resource_profiles", []):
        for r in profile.get("resource_list", []):
            for task in r.get("assignedTasks", []):
                lane = nodes.get(task, {}).get("lane")
                role = nodes.get(task, {}).get("role")
                if lane in departments and role in (None, "", "window"):
                    amounts[departments[lane]] = int(r.get("amount", 1))
    for dept, n in amounts.items():
        if dept in scenario["departments"]:
            scenario["departments"][dept]["windows"] = max(1, n)
