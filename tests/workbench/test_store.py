"""The run store and the job queue under strain: a database another program holds locked
(the run is kept beside it, the job still ends), a corrupt one (set aside, a fresh one
begun), and more jobs than the cap (the rest wait, in order)."""

from __future__ import annotations

import json
import sqlite3
import time
from contextlib import closing

import pytest

from onething.workbench.jobs import MAX_WAITING, Jobs, QueueFull
from onething.workbench.store import Store, StoreError

TINY = {"bundle": "newborn", "replications": 1, "horizon_days": 6, "warmup_days": 1, "seed": 3}


def locked(path):
    """A connection holding the database's write lock until closed."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    return closing(db)


def test_a_locked_store_keeps_the_run_in_a_file_beside_it_and_says_where(tmp_path):
    store = Store(tmp_path / "runs.sqlite", timeout=0.2)
    with locked(store.path):
        with pytest.raises(StoreError) as caught:
            store.add("whatif", "newborn", "done", {"seed": 1}, {"cases": 5})
        with pytest.raises(StoreError, match="locked by another program"):
            store.list()
    [kept] = tmp_path.glob("runs-unsaved-*.json")
    assert str(kept) in str(caught.value) and "locked by another program" in str(caught.value)
    said = caught.value.in_language("zh")
    assert said.endswith(f"被其他程序锁定（已等待 0.2 秒）；本次运行另存于 {kept}")
    assert json.loads(kept.read_text())["result"] == {"cases": 5}
    assert store.add("whatif", "newborn", "done", {}, {}) == 1  # free again: kept as usual


def test_a_corrupt_store_is_set_aside_with_a_message_and_a_fresh_one_begun(tmp_path, capsys):
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"not a database" * 100)
    store = Store(path)
    [aside] = tmp_path.glob("runs.sqlite.corrupt-*")
    assert aside.read_bytes() == b"not a database" * 100
    err = capsys.readouterr().err
    assert "not a readable database" in err and str(aside) in err
    assert store.list() == [] and store.add("whatif", "newborn", "done", {}, {}) == 1


def test_a_store_locked_at_start_is_said_and_not_set_aside(tmp_path, capsys):
    Store(tmp_path / "runs.sqlite")
    with locked(tmp_path / "runs.sqlite"):
        Store(tmp_path / "runs.sqlite", timeout=0.1)
    assert "locked by another program" in capsys.readouterr().err
    assert not list(tmp_path.glob("*.corrupt-*"))


def wait(condition, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_jobs_beyond_the_cap_wait_and_a_locked_store_does_not_leave_one_running(tmp_path):
    store = Store(tmp_path / "runs.sqlite", timeout=0.2)
    jobs = Jobs(store, workers=1)
    with locked(store.path):
        first, second = jobs.start("whatif", "newborn", TINY), jobs.start("whatif", "newborn", TINY)
        assert (first.status, second.status) == ("running", "queued")
        assert second.events == [{"type": "queued", "ahead": 0, "running": 1}]
        wait(lambda: second.finished)
    for job in (first, second):
        assert job.status == "done" and job.run_id is None
        assert "the run is kept in" in job.events[-1]["message"]
    assert len(list(tmp_path.glob("runs-unsaved-*.json"))) == 2


def test_a_flood_of_jobs_is_refused_past_the_waiting_limit(tmp_path):
    jobs = Jobs(Store(tmp_path / "runs.sqlite"), workers=0)
    for _ in range(MAX_WAITING):
        jobs.start("whatif", "newborn", TINY)
    with pytest.raises(QueueFull):
        jobs.start("whatif", "newborn", TINY)
    assert jobs.cancel(next(iter(jobs.jobs))) and jobs.start("whatif", "newborn", TINY)
