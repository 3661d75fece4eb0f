"""Resource pools from ``org:resource`` (``discovery.pools``): a log that names no
department gets one per pool of resources doing the same tasks, each with its hours."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter

from onething.cli import main
from onething.discovery.pools import MIN_EVENTS, resource_pools
from onething.discovery.writer import discover
from onething.scenarios.loader import load_scenario
from tests.discovery.test_real_logs import MONDAY, _pm4py_csv


def test_resources_doing_the_same_tasks_are_one_pool_and_each_task_goes_to_its_pool():
    done = Counter({("sys", "Submit"): 1000, ("sys", "Notify"): 1000, ("", "Notify"): 50})
    for clerk, n in (("ann", 400), ("bob", 300), ("cy", 200)):
        done[(clerk, "Review")] += n
        done[(clerk, "Decide")] += n // 2
    done[("ann", "Notify")] += 5  # a stray event does not move a task
    pools = resource_pools(done)
    assert pools is not None
    assert pools.department == {
        "Submit": "pool_1",
        "Notify": "pool_1",
        "Review": "pool_2",
        "Decide": "pool_2",
    }
    assert pools.members == {"pool_1": ["sys"], "pool_2": ["ann", "bob", "cy"]}
    assert pools.events == {"pool_1": 2000, "pool_2": 1355}


def test_one_kind_of_resource_or_tiny_pools_make_no_departments():
    alike = Counter({(r, t): 100 for r in ("ann", "bob", "cy") for t in ("Review", "Decide")})
    assert resource_pools(alike) is None
    tiny = Counter({("ann", "Review"): 500, ("bob", "Decide"): MIN_EVENTS - 1})
    assert resource_pools(tiny) is None
    assert resource_pools(Counter({("", "Review"): 500})) is None


def _loans(cases: int = 300, seed: int = 7) -> list[tuple[str, str, dt.datetime, str]]:
    """Applications submitted online at any hour of any day (the system), reviewed by one
    of two clerks at the next opening (Monday to Friday, 9 to 17) and notified by the
    system at once."""
    rng = random.Random(seed)
    events = []
    for n in range(cases):
        submitted = MONDAY + dt.timedelta(hours=rng.uniform(0, 24 * 42))
        review = submitted + dt.timedelta(minutes=rng.uniform(20, 90))
        while review.weekday() >= 5 or not 9 <= review.hour < 17:
            review = (review + dt.timedelta(hours=1)).replace(minute=rng.randint(0, 59))
        notified = review + dt.timedelta(seconds=rng.uniform(5, 60))
        events += [
            (f"a{n}", "Submit", submitted, "system"),
            (f"a{n}", "Review", review, rng.choice(["ann", "bob"])),
            (f"a{n}", "Notify", notified, "system"),
        ]
    return events


def test_a_log_without_departments_gets_its_pools_with_their_own_hours(tmp_path):
    sunday = MONDAY + dt.timedelta(days=20, hours=2)  # 11:00
    overtime = [(f"late{n}", "Review", sunday + dt.timedelta(minutes=9 * n), "ann") for n in (1, 2)]
    log = _pm4py_csv(tmp_path / "loans.csv", _loans(900) + overtime)
    found = discover(log)
    items, departments = found.scenario["items"], found.scenario["departments"]
    assert {items[k]["department"] for k in ("submit", "notify")} == {"pool_1"}
    assert items["review"]["department"] == "pool_2"
    clerks = departments["pool_2"]["calendar"]
    assert clerks["weekdays"] == ["mon", "tue", "wed", "thu", "fri"]
    assert clerks["hours"][0][0] >= "09:00" and clerks["hours"][-1][1] <= "17:15"
    # neither the system's weekend events nor a clerk's two on a Sunday make it a workday
    assert clerks["extra_workdays"] == []
    system = departments["pool_1"].get("calendar") or found.scenario["calendar"]
    assert "sun" in system["weekdays"]
    said = " ".join(found.inferred["departments"])
    assert "pool_2: a resource pool of 2 resources (ann, bob" in said
    out = tmp_path / "loans.yaml"
    assert main(["discover", str(log), "--out", str(out)]) == 0
    load_scenario(out)
    assert main(["simulate", str(out), "--replications", "1"]) == 0
