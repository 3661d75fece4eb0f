"""Bad events into every input topic while good traffic flows: every bad one is
dead-lettered with its reason and origin, every good case still completes, no service
stops.  Against the real embedded broker and the real service processes."""

from __future__ import annotations

import json
import threading
import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from onething.live import live_system, measures_of
from scenarios.levers import Process
from scenarios.loader import load_scenario
from sim.harness import Harness, LiveSettings
from topics.names import (
    APPLICATIONS,
    DATA_REPLIES,
    DATA_REQUESTS,
    DEAD_LETTERS,
    DECISIONS,
    FETCH_WAIT_MS,
    requests_topic,
)
from topics.schemas import MAX_BYTES

BAD_EVENTS = 1_000


def _bad(marker: str) -> st.SearchStrategy[bytes]:
    """Events no service may accept, each carrying ``marker`` in its first bytes."""
    name = st.text(min_size=1, max_size=8)
    kinds = st.sampled_from(
        ["application", "request", "served", "decision", "data_request", "data_reply"]
    )
    objects = st.one_of(
        # unknown schema version
        st.builds(
            lambda k, v: {"marker": marker, "type": k, "v": v, "case_id": marker},
            kinds,
            st.integers(2, 99),
        ),
        # a required field missing (case_id)
        st.builds(lambda k: {"marker": marker, "type": k, "v": 1}, kinds),
        # wrong-typed fields
        st.builds(
            lambda k, bad: {"marker": marker, "type": k, "v": 1, "case_id": bad},
            kinds,
            st.one_of(st.integers(), st.lists(name, max_size=2), st.none()),
        ),
        # an unknown event type
        st.builds(lambda t: {"marker": marker, "type": f"x-{t}", "v": 1, "case_id": marker}, name),
    )
    return st.one_of(
        objects.map(lambda o: json.dumps(o).encode()),
        st.binary(max_size=40).map(lambda b: marker.encode() + b"\xff{" + b),  # not JSON
        st.just(json.dumps([marker, 1]).encode()),  # JSON, not an object
        st.just(json.dumps({"marker": marker, "pad": "x" * MAX_BYTES}).encode()),  # oversized
    )


@st.composite
def bad_events(draw: st.DrawFn, n: int) -> list[bytes]:
    return [draw(_bad(f"bad-{i:04d}")) for i in range(n)]


@pytest.fixture(scope="module")
def newborn():
    return load_scenario("newborn")


@pytest.fixture(scope="module")
def bootstrap(newborn):
    with live_system("newborn", newborn, ["after"], None, 2000.0, False) as system:
        yield system.bootstrap


def _dead_letters(bootstrap: str, wanted: set[str], timeout: float) -> dict[str, list[dict]]:
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        fetch_max_wait_ms=FETCH_WAIT_MS,
        enable_auto_commit=False,
    )
    partitions = [
        TopicPartition(DEAD_LETTERS, p) for p in consumer.partitions_for_topic(DEAD_LETTERS)
    ]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    found: dict[str, list[dict]] = {}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not wanted <= set(found):
            for records in consumer.poll(timeout_ms=200).values():
                for record in records:
                    letter = json.loads(record.value)
                    marker = record.key.decode() if record.key else ""
                    found.setdefault(marker, []).append(letter)
    finally:
        consumer.close()
    return found


@settings(
    max_examples=1, phases=[Phase.generate], deadline=None, suppress_health_check=list(HealthCheck)
)
@given(events=bad_events(BAD_EVENTS))
def test_bad_events_are_dead_lettered_while_good_cases_complete(bootstrap, newborn, events):
    topics = [
        APPLICATIONS,
        DECISIONS,
        DATA_REQUESTS,
        DATA_REPLIES,
        *(requests_topic(d) for d in newborn.departments),
    ]
    sent_to = {f"bad-{i:04d}": topics[i % len(topics)] for i in range(len(events))}

    def spray() -> None:
        producer = KafkaProducer(bootstrap_servers=bootstrap, max_request_size=4 * MAX_BYTES)
        for i, raw in enumerate(events):
            marker = f"bad-{i:04d}"
            producer.send(sent_to[marker], key=marker.encode(), value=raw)
            time.sleep(0.002)
        producer.flush()
        producer.close()

    sprayer = threading.Thread(target=spray)
    sprayer.start()
    settings_ = LiveSettings(bootstrap=bootstrap, speedup=3000, duration_days=2, seed=5)
    good = Harness(Process.of(newborn, "after"), settings_).run()
    sprayer.join()

    m = measures_of(good)
    assert good.cases and m["unfinished"] == 0  # every good case completed

    letters = _dead_letters(bootstrap, set(sent_to), timeout=120)
    missing = sorted(set(sent_to) - set(letters))
    assert not missing, f"{len(missing)} bad events not dead-lettered, e.g. {missing[:5]}"
    for marker, found in letters.items():
        if marker not in sent_to:
            continue
        assert all(letter["source_topic"] == sent_to[marker] for letter in found), found
        assert all(letter["reason"] and letter["offset"] >= 0 for letter in found), found
