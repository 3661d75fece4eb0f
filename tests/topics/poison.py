"""Events a hostile or careless producer can write, as hypothesis strategies: the unit
tests, the live dead-letter test and the fuzz and poison scripts in ``benchmarks/`` draw
from them.  Each event is a ``Poison``: the bytes, the key and the headers as sent, and
whether a service must take it (a valid event whose only fault is a header)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from onething.scenarios.model import Scenario
from onething.topics.names import APPLICATIONS, DATA_REQUESTS, DECISIONS, requests_topic
from onething.topics.schemas import (
    MAX_BYTES,
    SENT_NS,
    BadEvent,
    check_header_names,
    check_key,
    decode,
)


@dataclass(frozen=True)
class Poison:
    kind: str
    """What is wrong with it (the tally's key)."""
    topic: str
    value: bytes | None
    key: bytes | None
    headers: list[tuple[str, Any]]
    valid: bool = False
    """Only a header is wrong: the event must be taken, not dead-lettered."""


class RawName(str):
    """A header name whose bytes on the wire are ``raw``, UTF-8 or not.  Python's Kafka
    producers write ``name.encode("utf-8")``, which is ``raw`` here (confluent-kafka
    cannot write such a name: it sends a bytes name as its repr).  As text it is what a
    lenient reader makes of ``raw`` (``topics.header_names``)."""

    raw: bytes

    def __new__(cls, raw: bytes) -> RawName:
        name = super().__new__(cls, raw.decode("utf-8", "surrogateescape"))
        name.raw = raw
        return name

    def encode(self, encoding: str = "utf-8", errors: str = "strict") -> bytes:
        return self.raw


def record_batch(builder: type, base_offset: int, names: list[str], codec: int = 0) -> bytes:
    """A record batch as a broker hands it out: one record a header name, keyed
    ``k<offset>``; ``builder`` is aiokafka's or kafka-python's pure-Python one."""
    batch = builder(
        magic=2,
        compression_type=codec,
        is_transactional=0,
        producer_id=-1,
        producer_epoch=-1,
        base_sequence=-1,
        batch_size=1 << 20,
    )
    for delta, name in enumerate(names):
        key = f"k{base_offset + delta}".encode()
        batch.append(delta, timestamp=None, key=key, value=b"{}", headers=[(name, b"1")])
    built = batch.build()
    built[:8] = base_offset.to_bytes(8, "big")  # outside the checksum, as a broker sets it
    return bytes(built)


def deep(levels: int) -> bytes:
    """Arrays nested ``levels`` deep: 20,000 levels are 40 KB, under the size limit."""
    return b"[" * levels + b"]" * levels


def good_event(scenario: Scenario, topic: str, case_id: str) -> dict[str, Any]:
    """A well-formed event that a service reading ``topic`` takes or refuses for what
    it says (the template the poisons spoil)."""
    base: dict[str, Any] = {"v": 1, "case_id": case_id}
    item = sorted(scenario.items)[0]
    department = scenario.items[item].department
    clock = {"origin": 1.7e9, "minutes_per_second": 500.0}
    if topic == APPLICATIONS:
        return {**base, "type": "application", "bundle": scenario.name}
    if topic == DECISIONS:
        return {
            **base,
            "type": "decision",
            "item": item,
            "department": department,
            "started_at": 0.0,
            "decided_at": 1.0,
            "routed": True,
        }
    if topic == DATA_REQUESTS:
        return {
            **base,
            "type": "data_request",
            "department": department,
            "items": [item],
            "materials": ["x"],
            "clock": clock,
        }
    here = topic.removeprefix("onething.requests.")
    return {**base, "type": "request", "department": here, "file": [item], "clock": clock}


def input_topics(scenario: Scenario) -> list[str]:
    """Every topic a service of the bundle reads."""
    return [APPLICATIONS, DECISIONS, DATA_REQUESTS, *map(requests_topic, scenario.departments)]


json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),  # NaN and infinities included: json.dumps writes them as bare words
    st.text(max_size=20),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)

_SPOILS = {
    # the issue's three: deep nesting, a 5,000-digit integer, and (below) a null header
    "deep nesting": st.integers(17, 20_000).map(deep),
    "huge integer": st.integers(21, 6_000).map(lambda n: b"9" * n),
    "not a number": st.sampled_from([b"NaN", b"Infinity", b"-Infinity", b"1e400", b"-1e999"]),
    "huge number": st.sampled_from([b"1e300", b"-1e300", b"1e20", b"123456789012345678.5"]),
    "wrong type": json_values.map(lambda v: json.dumps(v).encode()),
    "lone surrogate": st.just(b'"\\ud800"'),
}


def _spoil(template: dict[str, Any], field: str, raw: bytes) -> bytes:
    """The template's JSON with one field's value replaced by raw JSON text."""
    marker = "\x00SPOIL\x00"
    text = json.dumps({**template, field: marker}).encode()
    return text.replace(json.dumps(marker).encode(), raw)


_CLOCK_SPOILS = [
    {"origin": -1.0, "minutes_per_second": 500.0},
    {"origin": 1.7e9, "minutes_per_second": 1e-300},
    {"origin": 1.7e9, "minutes_per_second": 1e300},
    {"origin": 1e300, "minutes_per_second": 500.0},
    {"origin": 1.7e9, "minutes_per_second": 0.0},
]

header_values = st.one_of(
    st.none(),
    st.integers(),
    st.binary(max_size=30),
    st.text(max_size=30),
    st.integers(0, 10**40).map(lambda n: str(n).encode()),
    st.just(b"9" * 5_000),
)
"""What a producer may put in the ``onething-sent-ns`` header instead of a stamp."""


def bad_headers() -> st.SearchStrategy[list[tuple[str, Any]]]:
    stamp = st.tuples(st.just(SENT_NS), header_values)
    other = st.tuples(st.text(max_size=12), st.binary(max_size=12))
    return st.one_of(
        stamp.map(lambda pair: [pair]),
        st.tuples(stamp, stamp).map(list),  # the stamp twice
        st.lists(st.one_of(stamp, other), max_size=4),
    )


def poisons(scenario: Scenario, topic: str, marker: str) -> st.SearchStrategy[Poison]:
    """Malformed events for ``topic``, keyed and identified by ``marker`` where they
    can be; and valid ones with only a bad header (``Poison.valid``)."""
    template = good_event(scenario, topic, marker)
    key = marker.encode()
    fields = sorted(template)

    def spoiled(kind: str) -> st.SearchStrategy[Poison]:
        return st.builds(
            lambda field, raw: Poison(kind, topic, _spoil(template, field, raw), key, []),
            st.sampled_from(fields),
            _SPOILS[kind],
        )

    issue = _spoil(template, "hops", deep(20_000))
    kinds = [spoiled(kind) for kind in _SPOILS]
    kinds += [
        st.just(Poison("deep nesting", topic, issue, key, [])),  # the issue's, ~40 KB
        st.just(Poison("deep nesting", topic, deep(20_000), key, [])),
        st.sampled_from(_CLOCK_SPOILS).map(
            lambda clock: Poison(
                "bad clock", topic, json.dumps({**template, "clock": clock}).encode(), key, []
            )
        ),
        st.binary(max_size=60).map(
            lambda b: Poison(
                "not UTF-8", topic, json.dumps(template).encode()[:-1] + b"\xff" + b, key, []
            )
        ),
        st.binary(max_size=200).map(lambda b: Poison("random bytes", topic, b, key, [])),
        st.just(
            Poison(
                "oversized",
                topic,
                json.dumps({**template, "pad": "x" * MAX_BYTES}).encode(),
                key,
                [],
            )
        ),
        st.just(Poison("no value", topic, None, key, [])),
        st.binary(max_size=10).map(  # 0xff is never UTF-8
            lambda b: Poison(
                "header name not UTF-8",
                topic,
                json.dumps(template).encode(),
                key,
                [(RawName(b + b"\xff"), b"1")],
            )
        ),
        st.sampled_from([None, b"\xff\xfe", b"another case"]).map(
            lambda wrong: Poison("wrong key", topic, json.dumps(template).encode(), wrong, [])
        ),
        st.sampled_from([[], [1], "x", {"a": 1}]).map(
            lambda v: Poison("not an object", topic, json.dumps(v).encode(), key, [])
        ),
    ]
    return st.one_of(kinds)


def valid_with_bad_header(scenario: Scenario, marker: str) -> st.SearchStrategy[Poison]:
    """The README's minimal application, with a broken send-time header: it must be
    taken, and its case completed."""
    value = json.dumps(good_event(scenario, APPLICATIONS, marker)).encode()
    return bad_headers().map(
        lambda headers: Poison("bad header", APPLICATIONS, value, marker.encode(), headers, True)
    )


def malformed(poison: Poison) -> bool:
    """Whether no service may take the event as written (a well-formed one can be
    ignored rather than dead-lettered: another bundle's decision, say)."""
    try:
        check_header_names(poison.headers)
        check_key(poison.key, decode(poison.value))
    except BadEvent:
        return True
    return False


_EDGES = [0.0, -0.0, 5e-324, 1e-3, 1.0, 1e6, 1e9, -1e9, 1e11, 1.7e9]
"""Numbers at and near the schema's bounds (finite, and allowed somewhere)."""


def extremes(scenario: Scenario, topic: str, marker: str) -> st.SearchStrategy[Poison]:
    """Well-formed events for ``topic`` whose numbers sit at the schema's bounds: a
    service may take them, and must neither fail nor hang on them."""
    template = good_event(scenario, topic, marker)
    edge = st.sampled_from(_EDGES)
    clock = st.fixed_dictionaries(
        {"origin": edge, "minutes_per_second": edge, "infra_only": st.booleans()}
    )
    numbers = {k: edge for k, v in template.items() if isinstance(v, float)}
    if topic == APPLICATIONS:
        numbers["attempt"] = st.integers(0, 100)
    if topic != DECISIONS:
        numbers["clock"] = clock
    if topic.startswith("onething.requests."):
        numbers["not_before"] = edge
    return st.fixed_dictionaries(numbers).map(
        lambda changes: Poison(
            "edge numbers", topic, json.dumps({**template, **changes}).encode(), marker.encode(), []
        )
    )
