"""Malformed events thrown at a running live run, then everything reconciled:

    python benchmarks/poison_events.py [--events 1000] [--bootstrap H:P] [--seed 0]

Starts what ``onething live newborn --mode after`` starts (the embedded broker, Apache
Kafka or, without Java, Tansu, unless ``--bootstrap`` names another Kafka; and the
bundle's services), replays a two-day after-mode run of applicants and, while it runs,
sends ``--events`` generated malformed events (``tests/topics/poison.py``: deep nesting,
huge integers, NaN and infinities, numbers past the schema's bounds, wrong types, clocks
no run has, bad UTF-8, random bytes, oversized, no value, a header name that is not UTF-8,
a key that is not the case id, bad headers) spread over every topic a service reads, and
one valid application with only a bad send-stamp header for every twenty of them. Then it
reads the dead letters back and matches each to its event by topic, partition and offset:

    poison: N malformed events sent, N dead-lettered (by reason: ...), run sent S
    completed S missing 0
    header: M valid applications with a bad send stamp, M completed

Exit 1 if a malformed event was not dead-lettered, a valid one not completed, or a case
of the run is missing.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from confluent_kafka import Consumer, Producer, TopicPartition  # noqa: E402
from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from kafka import KafkaProducer  # noqa: E402

from onething.live import live_system  # noqa: E402
from onething.scenarios.levers import Process  # noqa: E402
from onething.scenarios.loader import load_scenario  # noqa: E402
from onething.sim.harness import Harness, LiveSettings  # noqa: E402
from onething.topics.names import COMPLETIONS, DEAD_LETTERS  # noqa: E402
from onething.topics.schemas import MAX_BYTES  # noqa: E402
from tests.topics.poison import (  # noqa: E402
    Poison,
    RawName,
    input_topics,
    malformed,
    poisons,
    valid_with_bad_header,
)

NEWBORN = load_scenario("newborn")
SPEEDUP = 3000.0
VALID_EVERY = 20
"""One valid application with a bad header for this many malformed events."""


MARKER = "poison-case"
"""The case id (and key) events are drawn with; each gets one of its own when sent."""


def generate(events: st.SearchStrategy[Poison], count: int, seed_: int) -> list[Poison]:
    """``count`` events drawn from ``events``."""
    made: list[Poison] = []

    @seed(seed_)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(poison=events)
    def draw(poison: Poison) -> None:
        made.append(poison)

    while len(made) < count:
        draw()
    return made[:count]


def own_case(poison: Poison, case_id: str) -> Poison:
    """The event with ``case_id`` for the marker, in its value and its key."""
    marker, mine = MARKER.encode(), case_id.encode()
    return dataclasses.replace(
        poison,
        value=poison.value and poison.value.replace(marker, mine),
        key=mine if poison.key == marker else poison.key,
    )


def _on_wire(headers: list[tuple[str, Any]]) -> list[tuple[str, bytes | None]]:
    """Kafka headers carry bytes or null: anything else is sent as its text."""
    return [(n, v if v is None or isinstance(v, bytes) else str(v).encode()) for n, v in headers]


def send(bootstrap: str, events: list[Poison]) -> dict[tuple[str, int, int], Poison]:
    """Produce every event; each by where it landed (topic, partition, offset)."""
    producer = Producer({"bootstrap.servers": bootstrap, "message.max.bytes": 4 * MAX_BYTES})
    landed: dict[tuple[str, int, int], Poison] = {}
    failed: list[str] = []

    def delivered(poison: Poison) -> Any:
        def report(error: Any, record: Any) -> None:
            if error is not None:
                failed.append(f"{poison.kind}: {error}")
            else:
                landed[(record.topic(), record.partition(), record.offset())] = poison

        return report

    raw_names = KafkaProducer(bootstrap_servers=bootstrap)  # confluent-kafka cannot (RawName)
    for poison in events:
        if any(isinstance(name, RawName) for name, _ in poison.headers):
            sending = raw_names.send(
                poison.topic, key=poison.key, value=poison.value, headers=poison.headers
            )
            sending.add_callback(
                lambda sent, p=poison: landed.update({(sent.topic, sent.partition, sent.offset): p})
            )
            sending.add_errback(lambda error, p=poison: failed.append(f"{p.kind}: {error}"))
            continue
        producer.produce(
            poison.topic,
            key=poison.key,
            value=poison.value,
            headers=_on_wire(poison.headers),
            on_delivery=delivered(poison),
        )
        producer.poll(0)
    if unsent := producer.flush(30):
        failed.append(f"{unsent} still queued after 30 s")
    raw_names.close(timeout=30)
    if failed:
        raise SystemExit(f"poison: {len(failed)} events not accepted by the broker: {failed[0]}")
    return landed


def read(bootstrap: str, topic: str, done: Any, timeout: float) -> list[Any]:
    """The records of ``topic`` from the start, until ``done(records)`` or the timeout."""
    consumer = Consumer(
        {"bootstrap.servers": bootstrap, "group.id": f"poison-{time.time_ns()}"}
        | {"enable.auto.commit": False, "fetch.wait.max.ms": 25}
    )
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([TopicPartition(topic, p, 0) for p in partitions])
    records: list[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and not done(records):
            records += [r for r in consumer.consume(500, timeout=0.2) if r.error() is None]
    finally:
        consumer.close()
    return records


def reason_class(reason: str) -> str:
    """A dead letter's reason without its particulars (numbers, names, quoted text)."""
    head = re.sub(r"'[^']*'|\"[^\"]*\"", "…", reason.split(": ")[0])
    return re.sub(r"(?<![\w-])\d+(\.\d+)?(e[-+]?\d+)?", "N", head)[:60]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1000, help="malformed events to send")
    parser.add_argument(
        "--bootstrap", help="HOST:PORT of a running Kafka (default: the embedded broker)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.events < 1:
        parser.error("--events: at least 1")
    malformed_events = st.sampled_from(input_topics(NEWBORN)).flatmap(
        lambda topic: poisons(NEWBORN, topic, MARKER).filter(malformed)
    )
    drawn = generate(malformed_events, args.events, args.seed)
    drawn += generate(valid_with_bad_header(NEWBORN, MARKER), args.events // VALID_EVERY, args.seed)
    run = time.strftime("%H%M%S")
    events = [own_case(p, f"poison-{run}-{i}") for i, p in enumerate(drawn)]
    random.Random(args.seed).shuffle(events)  # the valid ones among the others
    with live_system("newborn", NEWBORN, ["after"], args.bootstrap, SPEEDUP, False) as system:
        bootstrap = system.bootstrap
        settings_ = LiveSettings(bootstrap=bootstrap, speedup=SPEEDUP, duration_days=2, seed=5)
        harness = Harness(Process.of(NEWBORN, "after"), settings_)
        results: list[Any] = []
        runner = threading.Thread(target=lambda: results.append(harness.run()))
        runner.start()
        time.sleep(2)  # the run is under way
        landed = send(bootstrap, events)
        runner.join()
        reconciliation = results[0].reconcile()
        bad = {at: p for at, p in landed.items() if not p.valid}
        letters = read(
            bootstrap,
            DEAD_LETTERS,
            lambda records: len(records) >= len(bad) and set(bad) <= {_origin(r) for r in records},
            timeout=120,
        )
        valid = {p.key for p in landed.values() if p.valid}
        completions = read(
            bootstrap,
            COMPLETIONS,
            lambda records: valid <= {r.key() for r in records},
            timeout=60,
        )
    reasons = {_origin(r): json.loads(r.value())["reason"] for r in letters}
    lettered = {at: reasons[at] for at in bad if reasons.get(at)}
    completed = valid & {r.key() for r in completions}
    wrongly = [at for at, p in landed.items() if p.valid and at in reasons]
    by_reason = Counter(reason_class(r) for r in lettered.values())
    shown = ", ".join(f"{kind} {n}" for kind, n in by_reason.most_common(8))
    if len(by_reason) > 8:
        shown += f", {len(by_reason) - 8} more kinds"
    print(
        f"poison: {len(bad)} malformed events sent, {len(lettered)} dead-lettered "
        f"(by reason: {shown}), run sent {reconciliation.sent} completed "
        f"{reconciliation.completed} missing {len(reconciliation.missing)}"
    )
    print(
        f"header: {len(valid)} valid applications with a bad send stamp, {len(completed)} completed"
    )
    kinds = Counter(p.kind for p in bad.values())
    print("kinds sent: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    failures = []
    if missed := [bad[at] for at in bad if at not in lettered]:
        failures.append(f"{len(missed)} malformed events not dead-lettered, e.g. {missed[0]}")
    if len(completed) < len(valid) or wrongly:
        failures.append(f"{len(valid) - len(completed)} valid events not completed")
    if reconciliation.completed != reconciliation.sent or reconciliation.missing:
        failures.append("the run lost cases: " + "; ".join(reconciliation.problems()))
    for failure in failures:
        print(f"poison: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _origin(record: Any) -> tuple[str, int, int]:
    """Where a dead letter's event was read: (topic, partition, offset)."""
    letter = json.loads(record.value())
    return letter["source_topic"], letter["partition"], letter["offset"]


if __name__ == "__main__":
    sys.exit(main())
