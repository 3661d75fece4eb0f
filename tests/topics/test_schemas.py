"""The message contract: what a service accepts, and the reason it gives when it won't."""

from __future__ import annotations

import json
import math
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from onething.scenarios.loader import load_scenario
from onething.topics.schemas import (
    MAX_BYTES,
    MAX_DEPTH,
    SENT_NS,
    Application,
    BadEvent,
    ItemRequest,
    Message,
    check_header_names,
    check_key,
    decode,
    encode,
    hop_ms,
)
from tests.topics.poison import bad_headers, deep, header_values, input_topics, json_values, poisons


def test_the_documented_minimal_application_is_accepted():
    raw = b'{"type": "application", "v": 1, "case_id": "case-1", "bundle": "newborn"}'
    message = decode(raw, (Application,))
    assert (message.case_id, message.bundle, message.clock) == ("case-1", "newborn", None)


def test_encoding_round_trips_with_key_and_headers():
    message = Application(case_id="c-7", bundle="restaurant")
    key, value, headers = encode(message)
    assert key == b"c-7" and decode(value) == message
    assert dict(headers)["onething-type"] == b"application"
    assert 0 <= hop_ms(headers) < 1000
    assert 0 <= hop_ms(dict(headers)) < 1000  # Faust hands headers over as a dict


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "empty event"),
        (b"{not json", "malformed JSON"),
        (b"[1, 2]", "not a JSON object"),
        (
            b'{"type": "application", "v": 2, "case_id": "c", "bundle": "b"}',
            "unknown schema version 2",
        ),
        (b'{"type": "application", "v": 1, "bundle": "b"}', "case_id"),
        (b'{"type": "application", "v": 1, "case_id": 5, "bundle": "b"}', "case_id"),
        (b'{"type": "teleport", "v": 1, "case_id": "c"}', "type"),
        (b'{"type": "application", "v": 1, "case_id": "", "bundle": "b"}', "case_id"),
        (b'{"type": "application", "v": 1, "case_id": "c", "bundle": "b", "x": 1}', "x"),
        (b"\xff\xfe", "not UTF-8"),
        (
            json.dumps({"type": "application", "case_id": "c", "bundle": "x" * MAX_BYTES}).encode(),
            "oversized",
        ),
    ],
)
def test_bad_events_are_refused_with_a_reason(raw, reason):
    with pytest.raises(BadEvent, match=reason):
        decode(raw)


def test_an_event_of_the_wrong_kind_for_the_topic_is_refused():
    raw = Application(case_id="c", bundle="newborn").model_dump_json().encode()
    with pytest.raises(BadEvent, match="where ItemRequest is expected"):
        decode(raw, (ItemRequest,))


DECISION = {
    "type": "decision",
    "v": 1,
    "case_id": "c",
    "item": "birth",
    "department": "hospital",
    "started_at": 0.0,
    "decided_at": 1.0,
}


def _with(field: str, raw: bytes) -> bytes:
    """The decision above with one field's value replaced by raw JSON text."""
    return json.dumps({**DECISION, field: "@"}).encode().replace(b'"@"', raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (deep(20_000), "nested deeper than 16"),  # the issue's: RecursionError in json.loads
        (_with("hops", deep(20_000)), "nested deeper than 16"),
        (_with("hops", deep(MAX_DEPTH - 1)), "hops"),  # parsed, then refused as a wrong type
        (_with("decided_at", b"9" * 5_000), "a number of 5000 digits"),  # the issue's
        (_with("decided_at", b"-" + b"9" * 21), "a number of 22 digits"),
        (_with("decided_at", b"NaN"), "NaN is not a JSON number"),
        (_with("decided_at", b"-Infinity"), "-Infinity is not a JSON number"),
        (_with("decided_at", b"1e400"), "decided_at: Input should be a finite number"),
        (_with("decided_at", b"1e300"), "decided_at: Input should be less than or equal"),
        (_with("hops", b'[["x", 1e999]]'), "hops.0.1: Input should be a finite number"),
        (_with("case_id", b'"\\ud800"'), "case_id"),  # a lone surrogate cannot be encoded
        (_with("case_id", b'"\xff"'), "not UTF-8"),
        (_with("v", b'"' + b"x" * 5_000 + b'"'), "unknown schema version"),
        (b"", "malformed JSON"),
        (bytearray(b"{}"), "not bytes"),
        ("{}", "not bytes"),
    ],
)
def test_poison_events_are_refused_with_a_reason(raw, reason):
    with pytest.raises(BadEvent, match=re.escape(reason)) as refused:
        decode(raw)
    assert len(str(refused.value)) < 300


@pytest.mark.parametrize(
    "clock",
    [
        {"origin": -1.0, "minutes_per_second": 500.0},
        {"origin": 1e300, "minutes_per_second": 500.0},
        {"origin": 1.7e9, "minutes_per_second": 0.0},
        {"origin": 1.7e9, "minutes_per_second": 1e-300},  # a send would sleep for ever
        {"origin": 1.7e9, "minutes_per_second": 1e300},
    ],
)
def test_a_clock_no_run_can_have_is_refused(clock):
    raw = json.dumps({"type": "application", "case_id": "c", "bundle": "b", "clock": clock})
    with pytest.raises(BadEvent, match="clock"):
        decode(raw.encode())


def test_brackets_inside_strings_are_not_nesting():
    case_id = '[{"[' * 40 + '\\"[[' * 10
    raw = json.dumps({"type": "application", "case_id": case_id, "bundle": "b"}).encode()
    assert decode(raw).case_id == json.loads(raw)["case_id"]


@pytest.mark.parametrize("key", [None, b"", b"\xff\xfe", b"c ", b"other"])
def test_an_event_not_keyed_by_its_case_is_refused(key):
    message = decode(b'{"type": "application", "case_id": "c", "bundle": "b"}')
    with pytest.raises(BadEvent, match="is not the case id 'c'"):
        check_key(key, message)
    check_key(b"c", message)


@pytest.mark.parametrize(
    "headers",
    [
        [(SENT_NS, None)],  # the issue's: TypeError in int()
        {SENT_NS: None},
        [(SENT_NS, b"x1")],
        [(SENT_NS, b"-5")],
        [(SENT_NS, b"9" * 5_000)],
        [(SENT_NS, 12)],
        [(SENT_NS, b"\xff")],
        [(SENT_NS, b"1"), (SENT_NS, b"2")],  # which one?
        [(b"\xff\xfe", b"1")],
        [(SENT_NS,)],
        [None],
        "onething-sent-ns",
        42,
        None,
    ],
)
def test_a_bad_send_stamp_gives_no_latency(headers):
    assert hop_ms(headers) is None


def test_a_stamp_as_text_or_bytes_name_is_read():
    now = str(time.time_ns())
    assert 0 <= hop_ms([(SENT_NS.encode(), now.encode())]) < 1000
    assert 0 <= hop_ms({SENT_NS: now}) < 1000


PROPERTY = settings(max_examples=100, deadline=None, database=None)


@PROPERTY
@given(raw=st.one_of(st.binary(max_size=300), json_values.map(lambda v: json.dumps(v).encode())))
def test_decode_takes_any_bytes_to_a_message_or_a_reason(raw):
    try:
        assert isinstance(decode(raw), Message)
    except BadEvent as refused:
        assert str(refused)


NEWBORN = load_scenario("newborn")


@PROPERTY
@given(data=st.data())
def test_decode_refuses_every_poison_with_a_reason(data):
    topic = data.draw(st.sampled_from(input_topics(NEWBORN)))
    poison = data.draw(poisons(NEWBORN, topic, "case-1"))
    try:
        check_header_names(poison.headers)
        check_key(poison.key, decode(poison.value))
    except BadEvent as refused:
        assert str(refused)


def test_a_header_name_that_is_not_utf8_is_refused_as_read_and_as_written():
    as_read = "\udcff\udcfeid"  # decoded leniently: the bytes kept as lone surrogates
    for name in (as_read, b"\xff\xfeid"):
        with pytest.raises(BadEvent, match=r"^a header name is not UTF-8: b'\\xff\\xfeid'$"):
            check_header_names([("onething-v", b"1"), (name, b"1")])
    for fine in ([("名字", b"1"), ("名字".encode(), None)], {"a": 1}, None, 5, [1, (2, 3)]):
        check_header_names(fine)


@PROPERTY
@given(headers=st.one_of(bad_headers(), st.dictionaries(st.text(max_size=20), header_values)))
def test_hop_ms_takes_any_headers_to_a_latency_or_none(headers):
    latency = hop_ms(headers)
    assert latency is None or math.isfinite(latency)
