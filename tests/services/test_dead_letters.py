"""Bad events into every input topic while good traffic flows: every bad one is
dead-lettered with its reason and origin, every good case still completes, no service
stops.  Among them the poison events of issue 19, which stopped the platform's agents
and lost a run.  Against the real embedded broker and the real service processes."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from confluent_kafka import Producer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from onething.live import live_system, measures_of
from onething.scenarios.levers import Process
from onething.scenarios.loader import load_scenario
from onething.sim.harness import Harness, LiveSettings
from onething.topics.names import (
    APPLICATIONS,
    COMPLETIONS,
    DATA_REQUESTS,
    DEAD_LETTERS,
    DECISIONS,
    FETCH_WAIT_MS,
    requests_topic,
)
from onething.topics.schemas import MAX_BYTES, SENT_NS
from tests.topics.poison import RawName, deep, good_event

BAD_EVENTS = 1_000


def _bad(marker: str) -> st.SearchStrategy[bytes]:
    """Events no service may accept, each carrying ``marker`` in its first bytes."""
    name = st.text(min_size=1, max_size=8)
    kinds = st.sampled_from(["application", "request", "served", "decision", "data_request"])
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


NEWBORN = load_scenario("newborn")
TOPICS = [
    APPLICATIONS,
    DECISIONS,
    DATA_REQUESTS,
    *(requests_topic(d) for d in NEWBORN.departments),
]
CLOCK = {"origin": time.time(), "minutes_per_second": 500.0}


def _wrong_for(marker: str, topic: str) -> st.SearchStrategy[bytes]:
    """Well-formed events that still cannot be taken where they are sent: an unknown
    case, bundle, item, material or department."""
    item = st.sampled_from(sorted(NEWBORN.items))
    stranger = st.text(alphabet="xyz", min_size=1, max_size=6).map(lambda t: f"no-{t}")
    base = {"v": 1, "case_id": marker}
    if topic == APPLICATIONS:
        options = st.one_of(
            stranger.map(lambda b: {**base, "type": "application", "bundle": b}),
            stranger.map(
                lambda k: {**base, "type": "application", "bundle": "newborn", "file": [k]}
            ),
        )
    elif topic == DECISIONS:  # for a case the platform never took
        options = st.one_of(
            item.map(
                lambda k: {
                    **base,
                    "type": "decision",
                    "item": k,
                    "department": NEWBORN.items[k].department,
                    "started_at": 0.0,
                    "decided_at": 1.0,
                    "routed": True,
                }
            ),
            item.map(
                lambda k: {
                    **base,
                    "type": "served",
                    "place": "single_window",
                    "file": [k],
                    "served_at": 1.0,
                }
            ),
        )
    elif topic == DATA_REQUESTS:
        request = {**base, "type": "data_request", "clock": CLOCK, "issued": []}
        options = st.one_of(
            stranger.map(  # a material nobody holds
                lambda m: {
                    **request,
                    "department": "hospital",
                    "items": ["birth_certificate"],
                    "materials": [m],
                }
            ),
            stranger.map(  # an unknown item
                lambda k: {
                    **request,
                    "department": "hospital",
                    "items": [k],
                    "materials": ["parents_id"],
                }
            ),
            item.map(  # a certificate the case does not hold yet
                lambda k: {
                    **request,
                    "department": NEWBORN.items[k].department,
                    "items": [k],
                    "materials": ["birth_medical_certificate"],
                }
            ),
        )
    else:
        here = topic.removeprefix("onething.requests.")
        options = st.one_of(
            stranger.map(  # addressed to another department
                lambda d: (
                    {**base, "type": "request", "department": d, "clock": CLOCK}
                    | {"file": [sorted(NEWBORN.items)[0]]}
                )
            ),
            stranger.map(  # an item this department does not handle
                lambda k: (
                    {**base, "type": "request", "department": here, "file": [k]} | {"clock": CLOCK}
                )
            ),
        )
    return options.map(lambda o: json.dumps(o).encode())  # the marker is the case and key


SEMANTIC_REASONS = (
    "unknown",
    "bundle ",
    "addressed to ",
    "items not handled",
    "is decided by",
    "not held",
)


@pytest.fixture(scope="module")
def newborn():
    return load_scenario("newborn")


@pytest.fixture(scope="module")
def bootstrap(newborn):
    with live_system("newborn", newborn, ["after"], None, 2000.0, False) as system:
        yield system.bootstrap


def _records(bootstrap: str, topic: str, wanted: set[str], timeout: float) -> dict[str, list[dict]]:
    """The records of ``topic``, parsed, by key, read until every key wanted is there."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        fetch_max_wait_ms=FETCH_WAIT_MS,
        enable_auto_commit=False,
    )
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    found: dict[str, list[dict]] = {}
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not wanted <= set(found):
            for records in consumer.poll(timeout_ms=200).values():
                for record in records:
                    marker = record.key.decode() if record.key else ""
                    found.setdefault(marker, []).append(json.loads(record.value))
    finally:
        consumer.close()
    return found


SENT: dict[str, tuple[str, bool]] = {}
"""Every bad event sent, by marker: the topic it went to, and whether it was
well-formed but wrong (rather than malformed)."""


class GoodTraffic:
    """An after-mode run of good applicants in the background while bad events fly."""

    def __init__(self, bootstrap: str, newborn: Any):
        self.producer = KafkaProducer(bootstrap_servers=bootstrap, max_request_size=4 * MAX_BYTES)
        settings_ = LiveSettings(bootstrap=bootstrap, speedup=3000, duration_days=2, seed=5)
        self._harness = Harness(Process.of(newborn, "after"), settings_)
        self._result: list[Any] = []
        self._runner = threading.Thread(target=lambda: self._result.append(self._harness.run()))
        self._runner.start()

    def finish(self) -> Any:
        self._runner.join()
        return self._result[0]

    def close(self) -> None:
        self._runner.join()
        self.producer.close()


@pytest.fixture(scope="module")
def good_traffic(bootstrap, newborn):
    traffic = GoodTraffic(bootstrap, newborn)
    yield traffic
    traffic.close()


BAD_HEADER_NAME = [(RawName(b"\xff\xfe"), b"1")]
"""A header name that is not UTF-8: it stopped the platform's worker inside aiokafka's
record reader, and would have stopped the run's own reader of decisions (kafka-python)."""
HEADER_NAME_MARKERS: list[str] = []


def test_a_header_name_that_is_not_utf8_is_dead_lettered(bootstrap, good_traffic):
    """Sent first, while the run's reader surely reads decisions: a valid application
    and a decision with a bad header name, each in one batch between two events refused
    for what they say (another bundle's application, a decision for no case), which
    must be read and dead-lettered too."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, linger_ms=100)
    sent = []
    for topic in (APPLICATIONS, DECISIONS):
        for headers in ([], BAD_HEADER_NAME, []):
            marker = f"header-name-{len(SENT):04d}"
            SENT[marker] = (topic, False)
            event = good_event(NEWBORN, topic, marker) | (
                {"bundle": "no-such-bundle"} if topic == APPLICATIONS and not headers else {}
            )
            value = json.dumps(event).encode()
            sent.append(
                producer.send(topic, key=marker.encode(), value=value, headers=headers, partition=0)
            )
            if headers:
                HEADER_NAME_MARKERS.append(marker)
    for delivery in sent:
        assert delivery.get(timeout=10).partition == 0
    producer.close()


@settings(
    max_examples=BAD_EVENTS // len(TOPICS) + 1,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
    database=None,
)
@given(data=st.data())
def test_bad_events_into_every_input_topic(good_traffic, data):
    """Each example sends one bad event into every topic a newborn service reads."""
    for topic in TOPICS:
        marker = f"bad-{len(SENT):04d}"
        wrong = data.draw(st.booleans())
        raw = data.draw(_wrong_for(marker, topic) if wrong else _bad(marker))
        SENT[marker] = (topic, wrong)
        good_traffic.producer.send(topic, key=marker.encode(), value=raw)
    good_traffic.producer.flush()


def _spoiled(topic: str, marker: str, field: str, raw: bytes) -> bytes:
    """A well-formed event for ``topic`` with one field's value replaced by raw JSON."""
    return (
        json.dumps({**good_event(NEWBORN, topic, marker), field: "@"}).encode().replace(b'"@"', raw)
    )


POISON_HEADER = "poison-null-header"
"""A valid application whose send stamp is null: it must be taken and completed."""


def test_the_issues_poison_events(bootstrap, good_traffic):
    """Sent while the good run goes on: 20,000-deep nesting (40 KB) and a 5,000-digit
    integer on the platform's two topics, and a null send-stamp header on a decision
    and on a valid application."""
    producer = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": 4 * MAX_BYTES})
    null_stamp = [(SENT_NS, None)]
    for topic in (APPLICATIONS, DECISIONS):
        number = "attempt" if topic == APPLICATIONS else "decided_at"
        spoils = [(None, deep(20_000)), ("hops", deep(20_000)), (number, b"9" * 5_000)]
        if topic == DECISIONS:  # for a case nobody filed: refused, the stamp aside
            spoils.append(("hops", b"[]"))
        for field, raw in spoils:
            marker = f"poison-{len(SENT):04d}"
            SENT[marker] = (topic, False)
            value = raw if field is None else _spoiled(topic, marker, field, raw)
            producer.produce(topic, key=marker, value=value, headers=null_stamp)
    application = good_event(NEWBORN, APPLICATIONS, POISON_HEADER)
    producer.produce(
        APPLICATIONS, key=POISON_HEADER, value=json.dumps(application), headers=null_stamp
    )
    assert producer.flush(10) == 0


def test_every_bad_event_was_dead_lettered_and_every_good_case_completed(bootstrap, good_traffic):
    assert len(SENT) >= BAD_EVENTS
    wrong = {marker for marker, (_, is_wrong) in SENT.items() if is_wrong}
    assert BAD_EVENTS / 4 < len(wrong) < len(SENT) * 3 / 4  # both kinds were really tried
    good = good_traffic.finish()
    assert good.cases and measures_of(good)["unfinished"] == 0
    assert good.reconcile().problems() == []
    completed = _records(bootstrap, COMPLETIONS, {POISON_HEADER}, timeout=60)
    assert POISON_HEADER in completed  # a null header cost it the latency, not the case
    letters = _records(bootstrap, DEAD_LETTERS, set(SENT), timeout=120)
    assert POISON_HEADER not in letters
    assert len(HEADER_NAME_MARKERS) == 2
    missing = sorted(set(SENT) - set(letters))
    assert not missing, f"{len(missing)} bad events not dead-lettered, e.g. {missing[:5]}"
    kinds = {" ".join(found[0]["reason"].split()[:2]) for found in letters.values()}
    assert len(kinds) >= 15, sorted(kinds)  # many kinds of trouble, not one a thousand times
    for marker, (topic, is_wrong) in SENT.items():
        found = letters[marker]
        assert all(letter["source_topic"] == topic for letter in found), found
        assert all(letter["reason"] and letter["offset"] >= 0 for letter in found), found
        if marker in HEADER_NAME_MARKERS:
            assert [letter["reason"] for letter in found] == [
                "a header name is not UTF-8: b'\\xff\\xfe'"
            ], found
        if is_wrong:  # refused for what they say, not for how they are written
            reasons = [letter["reason"] for letter in found]
            assert any(r.startswith(SEMANTIC_REASONS) for r in reasons), (marker, reasons)
