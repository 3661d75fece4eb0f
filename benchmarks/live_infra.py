"""Live pipeline capacity over long windows, per broker (Apache Kafka and Tansu side by side)
and topology, against a bare Faust relay on the same broker.

    python benchmarks/live_infra.py [--rates 30,45,60,75] [--seconds 600]
                                    [--topologies compact,per-department] [--slice 60]
                                    [--brokers kafka,tansu] [--partitions P]

Each rate is one ``--infra-only`` after-mode newborn run of ``--seconds`` seconds of
arrivals (one simulated day a second, open around the clock, so the rate is cases a
real second) on a fresh embedded broker (each of ``--brokers`` in turn, through
ONETHING_EMBEDDED_BROKER) and fresh services.
Service times are zero, so what is measured is the pipeline.  A rate is sustained when
every case completes, the p99 hop latency stays under 250 ms, the lag (requests in
flight) grows by less than one second's worth of cases over the window and the
harness's keep-up guard stays silent.  Rates rise until one is not sustained.

Per rate it prints records per case (produced: every record written to the broker,
the harness's and the table's included; consumed by services: records the services
read), CPU ms per case by part (Linux /proc: broker, services, harness), the services'
CPU per record they consume, and the broker's CPU per case in each ``--slice`` of the
window, which shows whether a long run degrades.  Before the load it measures each
topology's idle CPU (broker and services, no applicants).

At the end, for each topology's best rate (or its last, if none was sustained), a
one-agent Faust relay (``faust_relay.py``, the services' app settings, its own broker)
carries the event rate the services consumed, and the services' CPU per consumed event
is compared with the relay's, as is and beyond the services' idle polling; last, a raw
aiokafka round trip against the pipeline's per-hop p50.  Last, one table: per broker and
topology the highest rate sustained, its hop p99, the broker's CPU per case in the second
slice against the last (flat: a broker whose cost does not grow with the run's history) and
the services' CPU per event against the relay's; then one line each,
``<broker> <topology>: sustained <N> cases/s over <S> s``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # noqa: E402
from kafka import KafkaConsumer  # noqa: E402
from kafka import TopicPartition as KafkaTopicPartition  # noqa: E402

from benchmarks.faust_relay import RELAY_IN, RELAY_OUT  # noqa: E402
from onething.live import READY, live_system, measures_of  # noqa: E402
from onething.scenarios.levers import Process  # noqa: E402
from onething.scenarios.loader import load_scenario  # noqa: E402
from onething.scenarios.model import CalendarSpec  # noqa: E402
from onething.services.broker import create_topics  # noqa: E402
from onething.services.kafka_broker import BROKER_ENV, embedded_broker  # noqa: E402
from onething.sim.harness import Harness, LiveSettings  # noqa: E402
from onething.topics.connection import security  # noqa: E402
from onething.topics.names import (  # noqa: E402
    APPLICATIONS,
    DATA_REQUESTS,
    DECISIONS,
    FETCH_WAIT_MS,
    PARTITIONS_ENV,
    partitions,
    requests_topic,
)

SPEEDUP = 1440.0  # one simulated day per second: arrivals per day = arrivals per second
P99_LIMIT_MS = 250.0
"""The hop latency a sustained rate keeps its 99th percentile under (issue 21's target)."""
IDLE_SECONDS = 15.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def cpu_by_part(system) -> dict[str, float]:
    return {
        "broker": cpu_seconds(system.broker.pid),
        "services": sum(cpu_seconds(p.popen.pid) for p in system.fleet.processes),
        "harness": cpu_seconds(os.getpid()),
    }


def records_by_topic(bootstrap: str) -> dict[str, int]:
    """Records written so far to every topic (sum of the partitions' end offsets; Tansu
    under-reports a partition whose last batch holds several records, which only the
    harness's producer writes, by a few records in thousands)."""
    connection = security().kafka_python()
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, **connection)
    try:
        names = [t for t in consumer.topics() if not t.startswith("__")]
        parts = [
            KafkaTopicPartition(t, p) for t in names for p in consumer.partitions_for_topic(t) or ()
        ]
        totals: dict[str, int] = {}
        for tp, end in consumer.end_offsets(parts).items():
            totals[tp.topic] = totals.get(tp.topic, 0) + end
        return totals
    finally:
        consumer.close()


def around_the_clock(scenario):
    """Open 24/7 so arrivals are even in real time."""
    always = CalendarSpec(
        hours=[("00:00", "24:00")],
        weekdays=["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        holidays="none",
    )
    departments = {
        k: d.model_copy(update={"calendar": None}) for k, d in scenario.departments.items()
    }
    return scenario.model_copy(update={"calendar": always, "departments": departments})


@dataclass
class Window:
    """One rate's run: what it carried and what it cost."""

    topology: str
    rate: float
    cases: int = 0
    done: int = 0
    hop_ms: dict = field(default_factory=dict)
    lag_growth: float = 0.0
    behind_s: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    """CPU seconds by part over the window."""
    wall: float = 0.0
    """Real seconds the run took (arrivals and drain)."""
    produced: int = 0
    consumed_by_services: int = 0
    broker_ms_per_case_by_slice: list[float] = field(default_factory=list)

    @property
    def sustained(self) -> bool:
        return (
            self.done == self.cases > 0
            and self.hop_ms.get("p99") is not None
            and self.hop_ms["p99"] < P99_LIMIT_MS
            and self.lag_growth < self.rate
            and self.behind_s <= 0.5
        )

    def per_case(self, part: str) -> float:
        return 1000 * self.cpu[part] / max(self.done, 1)


class Slices:
    """Broker CPU per completed case in each slice of the window (the harness's
    progress callback, every quarter second)."""

    def __init__(self, system, seconds: float):
        self.system, self.seconds = system, seconds
        self.mark = (time.monotonic(), cpu_seconds(system.broker.pid), 0)
        self.per_case: list[float] = []

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        started, cpu, done_then = self.mark
        if now - started >= self.seconds:
            broker = cpu_seconds(self.system.broker.pid)
            if done > done_then:
                self.per_case.append(1000 * (broker - cpu) / (done - done_then))
            self.mark = (now, broker, done)


def service_topics(scenario) -> list[str]:
    """The topics the services consume (the harness reads decisions too, not counted)."""
    return [APPLICATIONS, DATA_REQUESTS, DECISIONS] + [
        requests_topic(d) for d in scenario.departments
    ]


def idle_cpu(system, seconds: float = IDLE_SECONDS) -> dict[str, float]:
    """Share of one core the broker and the services burn with no load."""
    before = cpu_by_part(system)
    time.sleep(seconds)
    after = cpu_by_part(system)
    return {k: (after[k] - before[k]) / seconds for k in ("broker", "services")}


def run_window(topology: str, rate: float, seconds: int, slice_s: float, idle: dict) -> Window:
    newborn = load_scenario("newborn")
    process = Process.of(around_the_clock(newborn), "after")
    window = Window(topology, rate)
    with live_system("newborn", newborn, ["after"], None, SPEEDUP, False, topology) as system:
        if topology not in idle:
            idle[topology] = idle_cpu(system)
        settings = LiveSettings(
            bootstrap=system.bootstrap,
            speedup=SPEEDUP,
            duration_days=seconds,
            rate=rate,
            infra_only=True,
            drain_seconds=30,
        )
        records = records_by_topic(system.bootstrap)
        before = cpu_by_part(system)
        slices = Slices(system, slice_s)
        result = Harness(process, settings).run(slices)
        after = cpu_by_part(system)
        records_after = records_by_topic(system.bootstrap)
    infra = measures_of(result)["infra"]
    window.cases, window.done = len(result.cases), len(result.completed)
    window.wall = result.wall_seconds
    window.hop_ms = infra["hop_ms"]
    window.lag_growth = result.lag_per_s * seconds
    window.behind_s = result.behind_schedule_s
    window.cpu = {k: after[k] - before[k] for k in after}
    written = {t: n - records.get(t, 0) for t, n in records_after.items()}
    window.produced = sum(written.values())
    window.consumed_by_services = sum(written.get(t, 0) for t in service_topics(newborn))
    window.broker_ms_per_case_by_slice = slices.per_case
    return window


async def _relay_load(bootstrap: str, events_per_s: float, seconds: float) -> int:
    """Send ``events_per_s`` 512-byte events for ``seconds``; wait until the relay has
    passed every one on.  The number sent."""
    connection = security().aiokafka()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, **connection)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, fetch_max_wait_ms=FETCH_WAIT_MS, **connection
    )
    await producer.start()
    await consumer.start()
    try:
        parts = [TopicPartition(RELAY_OUT, p) for p in range(partitions())]
        consumer.assign(parts)
        await consumer.seek_to_end(*parts)
        total = int(events_per_s * seconds)
        payload = b"x" * 512
        started = time.monotonic()
        for i in range(total):
            await asyncio.sleep(max(0.0, started + i / events_per_s - time.monotonic()))
            await producer.send(RELAY_IN, payload, key=str(i).encode())
        await producer.flush()
        seen, deadline = 0, time.monotonic() + 60
        while seen < total and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=1000)
            seen += sum(len(records) for records in batch.values())
        if seen < total:
            raise RuntimeError(f"the relay passed on {seen} of {total} events")
        return total
    finally:
        await consumer.stop()
        await producer.stop()


def relay_cpu_per_event(events_per_s: float, seconds: float) -> tuple[float, float]:
    """A bare Faust relay's CPU ms per event, and its idle share of a core."""
    with embedded_broker() as broker:
        create_topics(broker.bootstrap, {RELAY_IN: partitions(), RELAY_OUT: partitions()})
        relay = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("faust_relay.py")), broker.bootstrap],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            ready = threading.Event()

            def watch() -> None:
                for line in relay.stdout:
                    if line.rstrip().endswith(READY):
                        ready.set()

            threading.Thread(target=watch, daemon=True).start()
            if not ready.wait(90):
                raise RuntimeError("the relay did not get ready in 90 s")
            start = cpu_seconds(relay.pid)
            time.sleep(IDLE_SECONDS)
            idle = (cpu_seconds(relay.pid) - start) / IDLE_SECONDS
            start = cpu_seconds(relay.pid)
            sent = asyncio.run(_relay_load(broker.bootstrap, events_per_s, seconds))
            return 1000 * (cpu_seconds(relay.pid) - start) / sent, idle
        finally:
            relay.terminate()
            relay.wait(15)


async def raw_round_trip_ms(bootstrap: str, n: int = 300) -> list[float]:
    """Produce one message; wait until a consumer with the services' fetch wait has it."""
    topic = "onething.bench.roundtrip"
    create_topics(bootstrap, {topic: 1})
    connection = security().aiokafka()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks=1, linger_ms=0, **connection)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        fetch_max_wait_ms=FETCH_WAIT_MS,
        enable_auto_commit=False,
        **connection,
    )
    await producer.start()
    await consumer.start()
    try:
        partition = TopicPartition(topic, 0)
        consumer.assign([partition])
        await consumer.seek_to_end(partition)
        times = []
        for i in range(n):
            sent = time.perf_counter()
            await producer.send_and_wait(topic, str(i).encode())
            while True:
                batch = await consumer.getmany(timeout_ms=1000)
                if any(r.value == str(i).encode() for rs in batch.values() for r in rs):
                    break
            times.append((time.perf_counter() - sent) * 1000)
        return times
    finally:
        await consumer.stop()
        await producer.stop()


def print_window(w: Window) -> None:
    hop = w.hop_ms
    slices = " ".join(f"{ms:.0f}" for ms in w.broker_ms_per_case_by_slice)
    print(
        f"{w.topology:>14} {w.rate:6.1f} {w.cases:6d} {w.done:6d} "
        f"{hop.get('p50') or 0:7.0f} {hop.get('p99') or 0:7.0f} {w.lag_growth:7.1f} "
        f"{w.behind_s:6.2f} {w.produced / max(w.done, 1):6.1f} "
        f"{w.consumed_by_services / max(w.done, 1):6.1f} "
        f"{w.per_case('broker'):5.0f}/{w.per_case('services'):3.0f}/{w.per_case('harness'):3.0f} "
        f"{1000 * w.cpu['services'] / max(w.consumed_by_services, 1):6.2f} "
        f"{'yes' if w.sustained else 'no':>4}  {slices}",
        flush=True,
    )


@dataclass
class Outcome:
    """One broker and topology: its best rate (or its last, none sustained), and the
    services' CPU per consumed event against the bare relay's at that rate."""

    broker: str
    topology: str
    window: Window
    sustained: bool
    services_per_relay: float


def measure(broker: str, args, rates: list[float]) -> list[Outcome]:
    """Every rate and topology on one broker, the idle CPU, the relay and the raw round
    trip, as the rows and lines of the module doc; one ``Outcome`` per topology."""
    os.environ[BROKER_ENV] = broker  # every embedded broker started from here on
    print(f"\n== {broker}: {partitions()} partitions per topic")
    print(
        f"{'topology':>14} {'rate/s':>6} {'cases':>6} {'done':>6} {'hop p50':>7} "
        f"{'hop p99':>7} {'lag +':>7} {'behind':>6} {'rec/c':>6} {'cons/c':>6} "
        f"{'ms/case b/s/h':>13} {'ms/ev':>6} {'sust':>4}  broker ms/case by {args.slice:g} s slice"
    )
    topologies = args.topologies.split(",")
    idle: dict[str, dict[str, float]] = {}
    best: dict[str, Window] = {}
    last: dict[str, Window] = {}
    for topology in topologies:
        for rate in rates:
            window = run_window(topology, rate, args.seconds, args.slice, idle)
            print_window(window)
            last[topology] = window
            if not window.sustained:
                break
            best[topology] = window
    print()
    for topology, share in idle.items():
        print(
            f"idle CPU, {topology}: broker {100 * share['broker']:.0f} % + services "
            f"{100 * share['services']:.0f} % of one core"
        )
    for topology, w in best.items():
        print(
            f"{topology}: highest rate sustained over {args.seconds} s: {w.rate:g} cases/s; "
            f"records per case produced {w.produced / w.done:.1f}, consumed by services "
            f"{w.consumed_by_services / w.done:.1f}; CPU ms per case broker "
            f"{w.per_case('broker'):.1f}, services {w.per_case('services'):.1f}, "
            f"harness {w.per_case('harness'):.1f}"
        )
    outcomes = []
    for topology in topologies:
        w = best.get(topology, last[topology])  # the relay at the best rate, or the last
        events_per_s = w.consumed_by_services / w.wall
        relay_ms, relay_idle = relay_cpu_per_event(events_per_s, min(args.seconds, 60))
        services_ms = 1000 * w.cpu["services"] / w.consumed_by_services
        busy_ms = 1000 * (w.cpu["services"] - idle[topology]["services"] * w.wall)
        busy_ms /= w.consumed_by_services
        print(
            f"{topology} at {w.rate:g} cases/s{'' if w.sustained else ' (not sustained)'} "
            f"({events_per_s:.0f} events/s into the services): services {services_ms:.2f} CPU "
            f"ms per consumed event ({busy_ms:.2f} beyond their idle polling); bare Faust "
            f"relay at the same rate {relay_ms:.2f} (idle {100 * relay_idle:.0f} % of one core)"
        )
        outcomes.append(Outcome(broker, topology, w, topology in best, services_ms / relay_ms))
    reference = best.get("per-department") or next(iter(best.values()), None)
    if reference is not None:
        with embedded_broker() as running:
            raw = asyncio.run(raw_round_trip_ms(running.bootstrap))
        raw_p50 = statistics.median(raw)
        print(
            f"per-hop p50 {reference.hop_ms['p50']:.1f} ms ({reference.topology}) vs raw "
            f"aiokafka round trip p50 {raw_p50:.1f} ms: "
            f"ratio {reference.hop_ms['p50'] / raw_p50:.2f}"
        )
    return outcomes


def print_side_by_side(outcomes: list[Outcome], seconds: int) -> None:
    """One row per broker and topology, then the issue's one-line form of each."""
    print(
        f"\n{'broker':>8} {'topology':>14} {'sustained/s':>11} {'hop p99':>7} "
        f"{'broker ms/case 2nd→last slice':>29} {'services/relay per event':>24}"
    )
    for o in outcomes:
        w = o.window
        slices = w.broker_ms_per_case_by_slice
        drift = (
            f"{slices[1]:.1f} → {slices[-1]:.1f} ({slices[-1] / slices[1]:.2f}×)"
            if len(slices) >= 3 and slices[1] > 0
            else "fewer than 3 slices"
        )
        rate = f"{w.rate:g}" if o.sustained else f"<{w.rate:g}"
        print(
            f"{o.broker:>8} {o.topology:>14} {rate:>11} {w.hop_ms.get('p99') or 0:7.0f} "
            f"{drift:>29} {o.services_per_relay:24.2f}"
        )
    print()
    for o in outcomes:
        rate = f"{o.window.rate:g}" if o.sustained else f"no rate (< {o.window.rate:g})"
        print(f"{o.broker} {o.topology}: sustained {rate} cases/s over {seconds} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="30,45,60,75", help="cases a second, rising")
    parser.add_argument("--seconds", type=int, default=600, help="seconds of arrivals per rate")
    parser.add_argument("--topologies", default="compact,per-department")
    parser.add_argument("--brokers", default="kafka,tansu", help="embedded brokers, in turn")
    parser.add_argument("--slice", type=float, default=60.0, help="seconds per broker-CPU slice")
    parser.add_argument(
        "--partitions", type=int, help=f"partitions per topic (default {partitions()})"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop what was started, too
    if args.partitions:  # the services started read it from the environment
        os.environ[PARTITIONS_ENV] = str(args.partitions)
    rates = [float(r) for r in args.rates.split(",")]
    outcomes = [o for broker in args.brokers.split(",") for o in measure(broker, args, rates)]
    print_side_by_side(outcomes, args.seconds)


if __name__ == "__main__":
    main()
