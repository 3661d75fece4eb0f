"""An experiment on two `onething worker` processes through the embedded broker gives the
very numbers of a local run; a duplicated job has no second effect; with no worker the
run fails naming the missing jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from onething.experiments.distributed import (
    JobMessage,
    RemoteError,
    handle,
    job_messages,
    run_remote,
)
from onething.experiments.runner import plan, run
from onething.experiments.spec_file import load_spec
from onething.live import READY
from onething.services.broker import create_topics
from onething.services.kafka_broker import embedded_broker
from onething.topics.names import JOB_PARTITIONS, JOB_RESULTS, JOBS
from tests.experiments.conftest import QUICK, write

SPEC = {
    "name": "remote",
    "kind": "variants",
    "bundle": "newborn",
    **QUICK,
    "variants": [
        {"name": "before"},
        {"name": "sharing", "levers": ["data_sharing"]},
        {"name": "busy", "levers": ["single_window"], "overrides": {"arrivals_per_day": 30}},
        {
            "name": "slow",
            "overrides": {"rework_scale": 2, "travel_scale": 0.5, "windows": {"hospital": 3}},
        },
    ],
}


class Workers:
    """`python -m onething.cli worker` subprocesses, each logging to its own file."""

    def __init__(self, bootstrap: str, count: int, folder: Path):
        self.logs = [folder / f"worker-{i}.log" for i in range(count)]
        self.popens = [
            subprocess.Popen(
                [sys.executable, "-m", "onething.cli", "worker", "--bootstrap", bootstrap],
                stdout=subprocess.PIPE,
                stderr=log.open("w"),
                text=True,
                start_new_session=True,
            )
            for log in self.logs
        ]

    def wait_ready(self, timeout: float = 40.0) -> None:
        ready = [threading.Event() for _ in self.popens]

        def watch(popen: subprocess.Popen, event: threading.Event) -> None:
            assert popen.stdout is not None
            for line in popen.stdout:
                if line.rstrip().endswith(READY):
                    event.set()

        for popen, event in zip(self.popens, ready, strict=True):
            threading.Thread(target=watch, args=(popen, event), daemon=True).start()
        deadline = time.monotonic() + timeout
        while not all(e.is_set() for e in ready):
            dead = [p for p in self.popens if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = "\n".join(log.read_text()[-2000:] for log in self.logs)
                pytest.fail(f"workers not ready ({'exited' if dead else 'timeout'}):\n{logs}")
            time.sleep(0.1)

    def stop(self, grace: float = 10.0) -> None:
        for popen in self.popens:
            if popen.poll() is None:
                os.killpg(popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for popen in self.popens:
            try:
                popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait()

    def jobs_done(self) -> list[int]:
        return [log.read_text().count(" done in ") for log in self.logs]


def test_a_job_is_plain_json_and_a_worker_answers_with_the_cache_row(tmp_path: Path) -> None:
    experiment = load_spec(write(tmp_path, SPEC))
    work = plan(experiment)
    message = job_messages(experiment, work.variants, work.jobs[:1], "run-1")[0]
    payload = message.model_dump_json().encode()
    assert JobMessage.model_validate_json(payload) == message
    result = handle(payload)
    assert result is not None and result.error is None and result.key == work.jobs[0].key
    tampered = message.model_copy(update={"scenario_digest": "0" * 64})
    failed = handle(tampered.model_dump_json().encode())
    assert failed is not None and "differs on this worker" in (failed.error or "")
    assert handle(b"not json") is None


def test_two_workers_give_the_local_results(tmp_path: Path) -> None:
    spec = write(tmp_path, SPEC)
    local = run(plan(load_spec(spec)), tmp_path / "local", jobs=1)
    broker = embedded_broker().start()
    workers = None
    try:
        create_topics(broker.bootstrap, {JOBS: JOB_PARTITIONS, JOB_RESULTS: JOB_PARTITIONS})
        workers = Workers(broker.bootstrap, 2, tmp_path)
        workers.wait_ready()
        remote = run(plan(load_spec(spec)), tmp_path / "remote", bootstrap=broker.bootstrap)
        assert remote.computed == len(local.plan.jobs) == 8
        pd.testing.assert_frame_equal(remote.results, local.results)
        pd.testing.assert_frame_equal(remote.summary, local.summary)
        assert (tmp_path / "remote" / "results.csv").read_text() == (
            tmp_path / "local" / "results.csv"
        ).read_text()

        # at-least-once: the same job sent twice comes back once
        experiment = load_spec(spec)
        work = plan(experiment)
        twice = work.jobs[:3] + work.jobs  # the duplicates first: they are run too
        got = list(run_remote(experiment, work.variants, twice, broker.bootstrap))
        assert sorted(k for k, _ in got) == sorted(j.key for j in work.jobs)

        deadline = time.monotonic() + 10  # a duplicate may finish after the run returned
        while sum(workers.jobs_done()) < 2 * 8 + 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        done = workers.jobs_done()
        assert sum(done) >= 2 * 8 + 3 and all(n > 0 for n in done), done
        workers.stop()

        with pytest.raises(RemoteError, match=r"8 of 8 jobs missing.*onething worker"):
            list(run_remote(experiment, work.variants, work.jobs, broker.bootstrap, 2.0))
    finally:
        if workers is not None:
            workers.stop()
        broker.stop()
