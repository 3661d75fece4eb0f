"""The event decoders under generated input, in-process (no broker):

    python benchmarks/fuzz_events.py [--examples 10000] [--seed 0]

Three surfaces, each with ``--examples`` generated inputs (hypothesis, the strategies of
``tests/topics/poison.py``): ``decode`` on any bytes, JSON value or poison event;
``hop_ms`` on any headers; ``receive``: a poison event (or a valid one with a broken
header, or with numbers at the schema's bounds) through a service's ``Adapter.receive``
and, if taken, the bundle's service class (platform, department or shared data) and the
encoding of what it sends.  A
traceback is any exception but the adapter's ``REFUSALS``: on Kafka the adapter would
dead-letter it as "failed on it" and log a traceback; a hang is an input
that takes over 10 s.  One tally line per surface, then the total:

    events: N inputs, 0 tracebacks, 0 hangs > 10 s

Exit 1 if there is any traceback or hang.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from onething.scenarios.loader import load_scenario  # noqa: E402
from onething.services.department import Department  # noqa: E402
from onething.services.effects import Send  # noqa: E402
from onething.services.faust_adapter import REFUSALS, Adapter  # noqa: E402
from onething.services.faust_runtime import make_app  # noqa: E402
from onething.services.platform import Platform  # noqa: E402
from onething.services.shared_data import SharedData  # noqa: E402
from onething.topics.names import APPLICATIONS, DATA_REQUESTS, DECISIONS  # noqa: E402
from onething.topics.schemas import (  # noqa: E402
    Application,
    BadEvent,
    Clock,
    DataRequest,
    Decision,
    ItemRequest,
    Served,
    decode,
    encode,
    hop_ms,
)
from tests.topics.poison import (  # noqa: E402
    Poison,
    bad_headers,
    extremes,
    header_values,
    input_topics,
    json_values,
    poisons,
    valid_with_bad_header,
)

HANG_SECONDS = 10
NEWBORN = load_scenario("newborn")


class Hang(Exception):
    pass


def _alarm(signum: int, frame: Any) -> None:
    raise Hang


class Tally:
    def __init__(self, surface: str) -> None:
        self.surface = surface
        self.inputs = self.tracebacks = self.hangs = 0
        self.outcomes: Counter[str] = Counter()
        self.first_tracebacks: dict[str, str] = {}
        """The first traceback of each exception type."""

    def run(self, check: Callable[[], str]) -> None:
        """Run one input; ``check`` names its outcome."""
        self.inputs += 1
        signal.alarm(HANG_SECONDS)
        try:
            self.outcomes[check()] += 1
        except Hang:
            self.hangs += 1
        except Exception as exc:
            self.tracebacks += 1
            self.first_tracebacks.setdefault(type(exc).__name__, traceback.format_exc())
        finally:
            signal.alarm(0)

    def line(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.outcomes.most_common())
        return (
            f"{self.surface}: {self.inputs} inputs, {self.tracebacks} tracebacks, "
            f"{self.hangs} hangs > {HANG_SECONDS} s ({kinds})"
        )


class Services:
    """The newborn bundle's service classes, as the adapter would feed them."""

    def __init__(self) -> None:
        clock = Clock(origin=time.time(), minutes_per_second=500.0)
        self.platform = Platform(NEWBORN, {}, lambda: clock.model_copy())
        self.departments = {d: Department(NEWBORN, d) for d in NEWBORN.departments}
        self.shared = SharedData(NEWBORN)
        self.adapter = Adapter("fuzz", make_app("onething-fuzz", "127.0.0.1:9"))

    def route(self, topic: str) -> tuple[tuple[type, ...], Callable[[Any], list[Send]]]:
        if topic == APPLICATIONS:
            return (Application,), self.platform.on_application
        if topic == DECISIONS:
            return (Served, Decision), self.platform.on_decisions
        if topic == DATA_REQUESTS:
            return (DataRequest,), self.shared.on_request
        return (ItemRequest,), self.departments[topic.removeprefix("onething.requests.")].on_request

    def feed(self, poison: Poison) -> str:
        """What ``Adapter.feed`` does up to the sends, and the sends' encoding."""
        event = SimpleNamespace(
            value=poison.value,
            key=poison.key,
            headers=poison.headers,
            message=SimpleNamespace(topic=poison.topic, partition=0, offset=0),
        )
        expected, handle = self.route(poison.topic)
        try:
            sends = handle(self.adapter.receive(event, expected, "fuzz"))
        except REFUSALS as refusal:
            return f"dead-lettered ({type(refusal).__name__})"
        for send in sends:
            encode(send.message)
        return "taken" if sends else "taken, nothing sent"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, _alarm)
    many = settings(
        max_examples=args.examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    topics = input_topics(NEWBORN)
    services = Services()
    tallies = [Tally("decode"), Tally("hop_ms"), Tally("receive")]
    decoding, stamps, receiving = tallies

    def refusal(raw: Any) -> str:
        try:
            decode(raw)
        except BadEvent:
            return "refused"
        return "a message"

    raw_events = st.one_of(
        st.binary(max_size=400),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.sampled_from(topics)
        .flatmap(lambda t: poisons(NEWBORN, t, "case-1"))
        .map(lambda p: p.value),
    )
    headers = st.one_of(bad_headers(), st.dictionaries(st.text(max_size=20), header_values))
    cases = iter(range(10**9))  # a case of its own for each input: nothing is a repeat

    def event(kind: int, topic: str) -> st.SearchStrategy[Poison]:
        case_id = f"case-{next(cases)}"
        if kind == 0:
            return valid_with_bad_header(NEWBORN, case_id)
        return (extremes if kind == 1 else poisons)(NEWBORN, topic, case_id)

    events = st.tuples(st.integers(0, 3), st.sampled_from(topics)).flatmap(lambda a: event(*a))

    @seed(args.seed)
    @many
    @given(raw=raw_events)
    def fuzz_decode(raw: Any) -> None:
        decoding.run(lambda: refusal(raw))

    @seed(args.seed)
    @many
    @given(headers=headers)
    def fuzz_hop_ms(headers: Any) -> None:
        stamps.run(lambda: "a latency" if hop_ms(headers) is not None else "none")

    @seed(args.seed)
    @many
    @given(poison=events)
    def fuzz_receive(poison: Poison) -> None:
        receiving.run(lambda: services.feed(poison))

    started = time.monotonic()
    for fuzz in (fuzz_decode, fuzz_hop_ms, fuzz_receive):
        fuzz()
    for tally in tallies:
        print(tally.line())
        for first in tally.first_tracebacks.values():
            print(first, file=sys.stderr)
    inputs = sum(t.inputs for t in tallies)
    tracebacks = sum(t.tracebacks for t in tallies)
    hangs = sum(t.hangs for t in tallies)
    print(
        f"events: {inputs} inputs, {tracebacks} tracebacks, {hangs} hangs > {HANG_SECONDS} s "
        f"({time.monotonic() - started:.0f} s)"
    )
    return 1 if tracebacks or hangs else 0


if __name__ == "__main__":
    sys.exit(main())
