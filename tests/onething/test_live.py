"""Live mode against the real embedded broker (Apache Kafka; the tests marked ``tansu``
on the Tansu fallback): services as OS processes, the harness replaying applicants,
nothing mocked."""

from __future__ import annotations

import functools
import gc
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from onething.cli import main
from onething.live import (
    Fleet,
    agreement,
    des_on_same_arrivals,
    live_system,
    measures_of,
    run_directory,
)
from onething.scenarios.counts import counts
from onething.scenarios.levers import Process
from onething.scenarios.loader import load_scenario
from onething.services.broker import TansuBroker
from onething.services.faust_adapter import FAULT_ENV
from onething.sim.harness import Harness, LiveSettings
from onething.sim.measures import change
from onething.topics.connection import TANSU_ENV
from onething.topics.names import (
    COMPLETIONS,
    DATA_REQUESTS,
    DEAD_LETTERS,
    DECISIONS,
    FETCH_WAIT_MS,
    requests_topic,
)
from onething.topics.schemas import decode

FLEET_SPEEDUP = 2000.0  # for applications sent without a clock (plain Kafka clients)


@pytest.fixture(scope="module")
def newborn():
    return load_scenario("newborn")


@pytest.fixture(scope="module")
def bootstrap(newborn):
    with live_system("newborn", newborn, ["before", "after"], None, FLEET_SPEEDUP, False) as system:
        yield system.bootstrap


def _events(
    bootstrap: str,
    topics: list[str],
    until,
    timeout: float = 60.0,
    key: bytes | None = None,
    linger: float = 0.0,
) -> list:
    """Events on ``topics`` from the beginning (only those keyed ``key`` if given), until
    ``until(events)`` holds, then ``linger`` seconds more for anything that follows."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        fetch_max_wait_ms=FETCH_WAIT_MS,
        enable_auto_commit=False,
    )
    partitions = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    events: list = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if until(events):
                deadline = min(deadline, time.monotonic() + linger)
                until = lambda _: False  # noqa: E731 - from now on only linger
                if linger <= 0:
                    break
            for records in consumer.poll(timeout_ms=100).values():
                events += [(r.topic, r.value) for r in records if key is None or r.key == key]
    finally:
        consumer.close()
    return events


def _case_events(events: list, case_id: str) -> list:
    out = []
    for topic, value in events:
        try:
            message = decode(value)
        except ValueError:
            continue
        if message.case_id == case_id:
            out.append((topic, message))
    return out


def _produce(bootstrap: str, topic: str, key: bytes, value: bytes) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


def _live(newborn, bootstrap: str, mode: str, speedup: float, days: int):
    settings = LiveSettings(bootstrap=bootstrap, speedup=speedup, duration_days=days, seed=3)
    return Harness(Process.of(newborn, mode), settings).run()


def test_after_mode_completes_every_case_through_platform_and_departments(newborn, bootstrap):
    result = _live(newborn, bootstrap, "after", speedup=2000, days=2)
    assert result.cases and len(result.completed) == len(result.cases)
    m = measures_of(result)
    assert (m["steps"], m["materials"], m["trips"]) == (3, 2, 1)
    assert m["unfinished"] == 0
    # one trip to the single window, and one more for each re-filing after 补正 (offline)
    assert all(case.trips == 1 + case.rework_rounds for case in result.cases)
    infra = m["infra"]
    assert infra["hop_ms"]["p50"] > 0 and infra["cases_per_s"] > 0
    assert {"to platform", "to hospital", "to harness"} <= set(infra["hop_ms_by_hop"])
    assert infra["duplicates_ignored"] == 0
    # the run kept its cases out of the collector's full passes, and gives them back
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(("mode", "speedup"), [("before", 2000.0), ("after", 300.0)])
def test_live_end_to_end_time_agrees_with_the_des_on_the_same_arrivals(
    newborn, bootstrap, mode, speedup
):
    result = _live(newborn, bootstrap, mode, speedup=speedup, days=3)
    live = measures_of(result)
    assert live["unfinished"] == 0
    des = des_on_same_arrivals(newborn, mode, None, result.arrivals)
    live_mean, des_mean = live["time_working_days"]["mean"], des["time_working_days"]["mean"]
    assert abs(live_mean - des_mean) / des_mean < 0.10, (live_mean, des_mean)
    assert live["trips"] == counts(Process.of(newborn, mode))["trips"]


def test_a_plain_json_application_from_any_kafka_client_completes(bootstrap):
    case_id = f"plain-{uuid.uuid4().hex[:6]}"
    raw = json.dumps({"type": "application", "v": 1, "case_id": case_id, "bundle": "newborn"})
    _produce(bootstrap, "onething.applications", case_id.encode(), raw.encode())

    def completed(events):
        return any(m.type == "completion" for _, m in _case_events(events, case_id))

    events = _events(bootstrap, [COMPLETIONS, DECISIONS], completed, key=case_id.encode())
    events = _case_events(events, case_id)
    completion = [m for _, m in events if m.type == "completion"]
    assert len(completion) == 1
    assert set(completion[0].decided_at) == set(load_scenario("newborn").items)


def test_an_application_filed_with_librdkafka_completes(bootstrap):
    """The README's external-client example: confluent-kafka (librdkafka 2.x) files the
    application and reads the completion, partitions assigned by hand."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition

    case_id = f"rdkafka-{uuid.uuid4().hex[:6]}"
    producer = Producer({"bootstrap.servers": bootstrap})
    application = {"type": "application", "v": 1, "case_id": case_id, "bundle": "newborn"}
    producer.produce("onething.applications", key=case_id, value=json.dumps(application))
    assert producer.flush(10) == 0
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": "readme-example", "enable.auto.commit": False}
    )
    partitions = consumer.list_topics(COMPLETIONS, timeout=10).topics[COMPLETIONS].partitions
    consumer.assign([TopicPartition(COMPLETIONS, p, OFFSET_BEGINNING) for p in partitions])
    completion = None
    deadline = time.monotonic() + 60
    try:
        while completion is None and time.monotonic() < deadline:
            record = consumer.poll(0.5)
            if record is not None and not record.error() and record.key() == case_id.encode():
                completion = json.loads(record.value())
    finally:
        consumer.close()
    assert completion is not None, "no completion within 60 s"
    assert set(completion["decided_at"]) == set(load_scenario("newborn").items)


def test_a_redelivered_application_has_no_second_effect(bootstrap, newborn):
    case_id = f"twice-{uuid.uuid4().hex[:6]}"
    raw = json.dumps({"type": "application", "v": 1, "case_id": case_id, "bundle": "newborn"})
    for _ in range(2):
        _produce(bootstrap, "onething.applications", case_id.encode(), raw.encode())

    def settled(events):
        mine = _case_events(events, case_id)
        decided = {m.item for _, m in mine if m.type == "decision"}
        return decided == set(newborn.items) and any(m.type == "completion" for _, m in mine)

    # read this case's events until it is complete, then 3 s more for any second effect
    events = _events(bootstrap, [COMPLETIONS, DECISIONS], settled, key=case_id.encode(), linger=3)
    mine = _case_events(events, case_id)
    decisions = [m.item for _, m in mine if m.type == "decision"]
    assert sorted(decisions) == sorted(newborn.items)  # each item decided once
    assert sum(m.type == "completion" for _, m in mine) == 1
    assert sum(m.type == "served" for _, m in mine) == 1


def test_a_malformed_event_is_dead_lettered_and_the_department_keeps_serving(bootstrap):
    topic = requests_topic("hrss")
    marker = uuid.uuid4().hex
    _produce(bootstrap, topic, b"junk", f"{{not json {marker}".encode())

    def lettered(events):
        return any(marker in v.decode("utf-8", "replace") for t, v in events if t == DEAD_LETTERS)

    letters = [
        json.loads(v)
        for t, v in _events(bootstrap, [DEAD_LETTERS], lettered)
        if marker in v.decode("utf-8", "replace")
    ]
    assert len(letters) == 1
    letter = letters[0]
    assert letter["reason"].startswith("malformed JSON")
    assert (letter["source_topic"], letter["service"]) == (topic, "department hrss")
    assert letter["offset"] >= 0 and letter["partition"] >= 0
    # and it still serves: a plain application passes through hrss to completion
    test_a_plain_json_application_from_any_kafka_client_completes(bootstrap)


def test_live_command_runs_everything_itself_and_prints_the_compare_json(capsys):
    argv = [
        "live",
        "restaurant",
        "--mode",
        "after",
        "--duration",
        "2",
        "--speedup",
        "3000",
        "--json",
    ]
    assert main(argv) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["scenario"] == "restaurant"
    after = doc["after"]
    assert after["cases"] == after["arrived"] > 0 and after["materials"] == 17
    assert set(doc["infra"]["after"]) >= {"hop_ms", "cases_per_s", "max_lag"}
    assert set(doc["infra"]["after"]["hop_ms"]) == {"p50", "p95", "p99"}
    ledger = doc["reconciliation"]["after"]
    assert ledger["sent"] == ledger["completed"] == after["arrived"]
    assert ledger["problems"] == [] and ledger["missing"] == {} and ledger["completed_twice"] == 0


def _live_cli(bootstrap: str, *extra: str) -> list[str]:
    return [
        "live",
        "newborn",
        "--mode",
        "after",
        "--bootstrap",
        bootstrap,
        "--external-services",
        "--duration",
        "2",
        "--speedup",
        "2000",
        "--json",
        *extra,
    ]


def test_live_agreement_puts_the_des_on_the_same_arrivals_beside_the_live_run(bootstrap, capsys):
    assert main(_live_cli(bootstrap, "--agreement")) == 0
    doc = json.loads(capsys.readouterr().out)
    des, verdict = doc["des"]["after"], doc["agreement"]["after"]
    assert des["arrived"] == des["replications"] * doc["after"]["arrived"] > 0
    assert des["unfinished"] == 0
    if doc["infra"]["after"]["kept_up"]:
        assert verdict["live"] == doc["after"]["time_working_days"]["mean"]
        assert verdict["des"] == des["time_working_days"]["mean"]
        # the same run without a broker splits the difference into luck and transport
        assert verdict["transport_pct"] == change(verdict["without_broker"], verdict["live"])
        assert verdict["draws_pct"] == change(verdict["des"], verdict["without_broker"])
    else:  # a starved machine: the number would measure the machine
        assert "behind its schedule" in verdict["void"]


def test_infra_only_runs_the_pipeline_with_no_service_time(bootstrap, capsys):
    assert main(_live_cli(bootstrap, "--infra-only")) == 0
    doc = json.loads(capsys.readouterr().out)
    after = doc["after"]
    assert after["cases"] == after["arrived"] > 0
    # no desk time and no queue: the windows take nothing, whatever the machine's load
    assert after["wait_minutes"]["mean"] == 0 and after["utilisation"]["single_window"] == 0
    assert doc["reconciliation"]["after"]["problems"] == []


class _Stalling(Harness):
    """A harness whose process stalls once, halfway through the arrivals, where the next
    applicant is due within the hour (not after a night, which would absorb the stall)."""

    STALL_SECONDS = 1.5

    def _arrivals(self, times, cases):
        half = len(times) // 2
        stall_at = next(n for n in range(half, len(times)) if times[n] - times[n - 1] < 60)
        for n, step in enumerate(super()._arrivals(times, cases)):
            if n == stall_at:
                time.sleep(self.STALL_SECONDS)
            yield step


def test_the_keep_up_guard_fires_when_the_harness_falls_behind(newborn, bootstrap):
    settings = LiveSettings(bootstrap=bootstrap, speedup=2000, duration_days=2, seed=4)
    result = _Stalling(Process.of(newborn, "after"), settings).run()
    # lateness is read at the end of each quarter-second slice the harness runs, so up
    # to a quarter second of the stall is made up before it is read
    least = _Stalling.STALL_SECONDS - 0.25 - 0.05
    assert result.behind_schedule_s >= least
    assert not result.kept_up
    infra = measures_of(result)["infra"]
    assert infra["kept_up"] is False and infra["behind_schedule_s"] >= least
    des = des_on_same_arrivals(newborn, "after", None, result.arrivals)
    assert "behind its schedule" in agreement(result, measures_of(result), des)["void"]


def test_the_compact_topology_runs_every_service_in_one_worker(capsys):
    argv = ["live", "newborn", "--mode", "after", "--topology", "compact", "--duration", "2"]
    assert main([*argv, "--speedup", "2000", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    after, ledger = doc["after"], doc["reconciliation"]["after"]
    assert after["cases"] == after["arrived"] > 0 and after["trips"] == 1
    assert ledger["sent"] == ledger["completed"] and ledger["problems"] == []


def test_departments_run_as_replicas_sharing_their_partitions(capsys):
    """Before mode: each department's window visits ride one partition (its windows
    are one queue, served by one replica); the rest spread over the replicas."""
    argv = ["live", "newborn", "--mode", "before", "--replicas", "2", "--partitions", "2"]
    assert main([*argv, "--duration", "2", "--speedup", "2000", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    before, ledger = doc["before"], doc["reconciliation"]["before"]
    assert before["cases"] == before["arrived"] > 0
    assert ledger["sent"] == ledger["completed"] and ledger["problems"] == []


def test_a_lost_routed_request_fails_the_run_and_names_the_case(capsys, monkeypatch):
    """A test-only fault: the platform drops its second data request (only the platform
    sends them), so one case never completes; the run says which and where it stopped."""
    monkeypatch.setenv(FAULT_ENV, f"{DATA_REQUESTS}:2")
    argv = ["live", "newborn", "--mode", "after", "--duration", "2", "--speedup", "2000"]
    assert main([*argv, "--drain", "10", "--json"]) == 1
    ledger = json.loads(capsys.readouterr().out)["reconciliation"]["after"]
    assert len(ledger["missing"]) == 1 and ledger["completed"] == ledger["sent"] - 1
    ((case, where),) = ledger["missing"].items()
    assert "items decided, waiting for" in where
    assert any(case in problem for problem in ledger["problems"])


def test_no_broker_at_the_address_is_a_one_line_error_within_ten_seconds(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free: nothing listens once the socket closes
    started = time.monotonic()
    assert main(["live", "newborn", "--bootstrap", f"127.0.0.1:{port}"]) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"127.0.0.1:{port}" in err and "onething broker" in err


def test_a_new_catalog_bundle_runs_live_end_to_end_and_reconciles_clean(capsys):
    """Retirement, from the completed first batch: Bozhou's one trip, live."""
    argv = ["live", "retirement", "--mode", "after", "--duration", "2", "--speedup", "3000"]
    assert main([*argv, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    after = doc["after"]
    model = counts(Process.of(load_scenario("retirement"), "after"))
    assert (after["steps"], after["materials"], after["trips"]) == (
        model["steps"],
        model["materials"],
        model["trips"],
    )
    assert after["cases"] == after["arrived"] > 0 and after["unfinished"] == 0
    # the one trip, plus a re-filing trip for the applicants sent back (补正): about a third
    # of them at these rework rates, a share that varies from run to run (the services draw
    # unseeded), so the median may be 2; before, every applicant makes three trips or more
    assert 1 <= after["trips_observed"]["mean"] < 2
    ledger = doc["reconciliation"]["after"]
    assert ledger["sent"] == ledger["completed"] == after["arrived"]
    assert ledger["problems"] == [] and ledger["missing"] == {} and ledger["completed_twice"] == 0


def test_a_live_run_says_its_stages_and_leaves_nothing_behind(tmp_path):
    """stderr to a file (no terminal): a line per start-up stage and plain progress lines;
    every file of the run (broker log, service logs, Faust data) in one folder, removed at
    exit.  TMPDIR points at an empty folder, so anything left behind is seen."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    err = tmp_path / "stderr.txt"
    argv = [sys.executable, "-m", "onething.cli", "live", "newborn", "--mode", "after"]
    with err.open("w") as stderr:
        done = subprocess.run(
            [*argv, "--duration", "2", "--speedup", "2000", "--json"],
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, "TMPDIR": str(scratch)},
            timeout=300,
        )
    lines = err.read_text().splitlines()
    assert done.returncode == 0, lines[-20:]
    assert json.loads(done.stdout)["after"]["cases"] > 0
    assert list(scratch.iterdir()) == [], "the run left files behind"
    stages = [line.removeprefix("onething: live: ") for line in lines]
    assert any(s.startswith("broker at 127.0.0.1:") for s in stages)
    assert "services ready 6/6" in "\n".join(stages)
    assert "ready: applicants start arriving" in stages
    progress = [s for s in stages if s.startswith("after: ") and "applicants finished" in s]
    assert progress and progress[-1].startswith("after: ") and "/" in progress[-1]
    assert not any("\r" in line for line in lines)  # no bar redrawn in a log file


def test_the_run_folder_is_removed_unless_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    said = []
    with run_directory(False, said.append) as folder:
        (folder / "x.log").write_text("x")
    assert not folder.exists() and said == []
    with run_directory(True, said.append) as folder:
        (folder / "x.log").write_text("x")
    assert folder.is_dir() and folder.parent == tmp_path
    assert said == [f"kept the run's files in {folder}"]


@pytest.mark.tansu
def test_a_short_live_run_on_the_tansu_fallback_reconciles_clean(capsys):
    argv = ["live", "newborn", "--mode", "after", "--duration", "1", "--speedup", "3000"]
    assert main([*argv, "--json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    ledger = doc["reconciliation"]["after"]
    assert ledger["sent"] == ledger["completed"] > 0 and ledger["missing"] == {}
    assert doc["infra"]["after"]["broker"].startswith("Tansu")
    assert "figures are Tansu's, not Kafka's" in captured.err


@pytest.mark.tansu
def test_services_started_beside_tansu_apply_its_workarounds_and_beside_kafka_do_not(
    newborn, tmp_path
):
    fleet = functools.partial(Fleet, "newborn", newborn, speedup=2000.0, with_platform=True)
    with TansuBroker() as broker:
        assert fleet(broker.bootstrap, run_dir=tmp_path).env[TANSU_ENV] == "1"
    assert TANSU_ENV not in fleet(broker.bootstrap, run_dir=tmp_path).env
