"""Small scenarios whose answers queueing theory knows, and a bundle with choices."""

from __future__ import annotations

from typing import Any

from onething.scenarios.loader import load_scenario, with_changes
from onething.scenarios.model import Scenario

ALWAYS_OPEN = {
    "hours": [["00:00", "24:00"]],
    "weekdays": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
    "holidays": "none",
}


def queue_scenario(
    departments: dict[str, int],
    per_day: float,
    mean_service: float,
    horizon_days: int = 60,
    replications: int = 8,
) -> dict[str, Any]:
    """Departments in series, Poisson arrivals, exponential service, open around the
    clock, no travel and no back office: a Jackson network of M/M/c stations."""
    names = list(departments)
    return {
        "name": "queueing",
        "title": "queueing check",
        "calendar": ALWAYS_OPEN,
        "departments": {d: {"name": d, "windows": c} for d, c in departments.items()},
        "items": {
            f"item_{d}": {
                "name": d,
                "department": d,
                "requires": [f"item_{names[i - 1]}"] if i else [],
                "handling": {"dist": "exponential", "mean": mean_service},
                "processing": {"dist": "fixed", "value": 0},
                "promised": {"dist": "fixed", "value": 1, "unit": "working_days"},
            }
            for i, d in enumerate(names)
        },
        "applicants": {
            "arrivals": {"per_working_day": per_day},
            "travel": {"dist": "fixed", "value": 0},
        },
        "run": {"horizon_days": horizon_days, "warmup_days": 5, "replications": replications},
    }


def choices_bundle() -> Scenario:
    """The restaurant with health certificates optional (the food permit, which needs
    them, must not wait for them when not taken), the signboard and the fire check as
    an alternative whose options share them (one, the other, both or neither), the food
    permit redone with a chance, the licence
    check in one to three rounds, the signboard decided no earlier than a notice
    period after the case opened (often later than its back office would) where it was
    filed within a working day of the opening, the fire check's back office counted in
    calendar days, around the clock, in one or two rounds that stop at a deadline 12
    days after its filing, and the health office open 10:00 to 17:00 with a
    lunch break, a filing that reaches it closed taking its own time (decided five
    days after the case opened at the latest), and half the food
    permits decided by a job run at 02:00 and 14:30."""
    return with_changes(
        load_scenario("restaurant"),
        {
            "items.health_certificates.take_up": 0.6,
            "items.food_permit.repeat": {"redo": 0.4},
            "items.licence_verification.repeat": {"rounds": [0.5, 0.3, 0.2]},
            "items.signboard.waiting_period": {
                "dist": "triangular",
                "low": 9,
                "mode": 11,
                "high": 14,
                "unit": "working_days",
            },
            "items.signboard.waiting_filed_within": {
                "dist": "fixed",
                "value": 1,
                "unit": "working_days",
            },
            "items.fire_check.processing": {
                "dist": "triangular",
                "low": 3,
                "mode": 5,
                "high": 10,
                "unit": "calendar_days",
            },
            "items.fire_check.repeat": {
                "rounds": [0.5, 0.5],
                "within": {"dist": "fixed", "value": 12, "unit": "calendar_days"},
            },
            "items.fire_check.processing_with_data_sharing": {
                "dist": "triangular",
                "low": 4,
                "mode": 7,
                "high": 12,
                "unit": "calendar_days",
            },
            "departments.health.calendar": {"hours": [["10:00", "12:00"], ["13:30", "17:00"]]},
            "items.health_certificates.processing_when_closed": {
                "dist": "triangular",
                "low": 2,
                "mode": 4,
                "high": 6,
                "unit": "working_days",
            },
            "items.health_certificates.decided_within": {
                "dist": "fixed",
                "value": 5,
                "unit": "calendar_days",
            },
            "items.food_permit.runs": {"at": ["02:00", "14:30"], "share": 0.5},
            "alternatives": {
                "outdoor": [
                    {"items": ["signboard"], "share": 0.35},
                    {"items": ["fire_check"], "share": 0.3},
                    {"items": ["signboard", "fire_check"], "share": 0.15},
                    {"items": [], "share": 0.2},
                ]
            },
        },
    )
