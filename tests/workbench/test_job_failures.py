"""A job that fails while it runs (an overload, a calendar too short, a broker that will
not start) says why in the page's language: on the progress events, on the run's page
and in the store, with the figures of the core's error."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time

import pytest

from onething.scenarios.calendar import TooFarAhead
from onething.scenarios.errors import Sentence
from onething.scenarios.official_calendar import LAST_DAY, BeyondOfficialCalendar
from onething.services.broker import BrokerUnavailable, free_port, wait_for_broker
from onething.sim.harness import LiveError
from onething.workbench.labels import failure
from tests.workbench.conftest import InProcess
from tests.workbench.test_chinese_errors import CJK, assert_chinese


def finished_events(app: InProcess, job: str, timeout: float = 120.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        events = app.client.get(f"/api/jobs/{job}/events").text
        said = [
            {"type": line.split(": ", 1)[1]}
            for line in events.splitlines()
            if line.startswith("event: ")
        ]
        data = [json.loads(line[6:]) for line in events.splitlines() if line.startswith("data: ")]
        for kind, payload in zip(said, data, strict=True):
            kind.update(payload)
        if said and said[-1]["type"] in ("done", "error", "cancelled"):
            return said
        time.sleep(0.5)
    raise AssertionError(f"job {job} did not finish in {timeout:.0f} s")


def test_an_overloaded_what_if_says_so_in_chinese_on_its_events_and_its_page(working_app):
    started = working_app.post(
        "/api/whatif?lang=zh",
        {"bundle": "newborn", "arrivals_per_day": 3000, "replications": 1, "horizon_days": 400},
    )
    assert started.status_code == 200, started.text
    last = finished_events(working_app, started.json()["job"])[-1]
    assert last["type"] == "error", last
    zh, en = last["messages"]["zh"], last["messages"]["en"]
    assert en == last["message"] and en.startswith("newborn (before) is overloaded")
    assert "超负荷" in zh and "每工作日到达人数" in zh and "新生儿出生" in zh, zh
    assert_chinese(zh)
    assert shown_problem(working_app, last["run_id"], "zh") == zh
    assert shown_problem(working_app, last["run_id"], "en") == en


def shown_problem(app: InProcess, run_id: int, lang: str) -> str:
    """What the run's page shows as why it failed."""
    page = app.client.get(f"/runs/{run_id}?lang={lang}").text
    return html.unescape(re.search(r'<pre class="problem">(.*?)</pre>', page, re.S).group(1))


def test_each_failure_of_the_core_has_its_chinese_words():
    beyond = failure(BeyondOfficialCalendar(LAST_DAY + dt.timedelta(days=3)))
    assert beyond["en"].startswith("the official working calendar")
    assert str(LAST_DAY.year + 1) in beyond["zh"]
    far = failure(TooFarAhead(dt.date(2040, 1, 1)))
    assert "2040-01-01" in far["zh"] and "more than" in far["en"]
    for said in (beyond, far):
        assert_chinese(said["zh"])
    with pytest.raises(BrokerUnavailable) as no_broker:
        wait_for_broker(f"127.0.0.1:{free_port()}", timeout=0.2)
    broker = failure(no_broker.value)
    assert broker["en"] == str(no_broker.value)
    exited = failure(LiveError(Sentence("service_exited", name="platform", log="/tmp/x.log")))
    assert exited["en"] == "service platform exited; its log: /tmp/x.log"
    for said in (broker, exited):
        assert_chinese(said["zh"])
    unkeyed = failure(LiveError("chaos failed: boom"))
    assert unkeyed["zh"].startswith("实时运行中止")
    other = failure(KeyError("boom"))
    assert CJK.search(other["zh"]) and "boom" in other["en"]
