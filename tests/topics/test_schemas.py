"""The message contract: what a service accepts, and the reason it gives when it won't."""

from __future__ import annotations

import json

import pytest

from onething.topics.schemas import (
    MAX_BYTES,
    Application,
    BadEvent,
    ItemRequest,
    decode,
    encode,
    hop_ms,
)


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
        (b"\xff\xfe", "malformed JSON"),
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
