"""Live pipeline capacity: --infra-only after-mode newborn at rising rates, against a raw
aiokafka produce -> consume round trip on the same broker.

    python benchmarks/live_infra.py [--rates 25,50,100,200,300] [--seconds 10]

Service times are zero, so what is measured is the pipeline: harness -> platform ->
departments (and the shared data) -> platform -> harness, every service its own process,
on the embedded Tansu broker.  A rate is sustained when every case completes, the p99
hop latency stays under 500 ms and no more than one second's worth of requests is ever
waiting (the lag does not grow).  The last line is the ratio of the pipeline's per-hop
p50 to the raw round trip's p50.

For each rate it also reads the CPU time (Linux /proc) the broker, the service processes
and the harness spent per completed case, and from that the most cases a second this
machine's cores could carry at all.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition  # noqa: E402

from onething.broker import create_topics  # noqa: E402
from onething.live import live_system, measures_of  # noqa: E402
from onething.scenarios.levers import Process  # noqa: E402
from onething.scenarios.loader import load_scenario  # noqa: E402
from onething.scenarios.model import CalendarSpec  # noqa: E402
from onething.sim.harness import Harness, LiveSettings  # noqa: E402
from onething.topics.connection import security  # noqa: E402
from onething.topics.names import FETCH_WAIT_MS  # noqa: E402

SPEEDUP = 1440.0  # one simulated day per second: arrivals per day = arrivals per second
P99_LIMIT_MS = 500.0


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="25,50,100,200,300")
    parser.add_argument("--seconds", type=int, default=10, help="seconds of arrivals per rate")
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    newborn = around_the_clock(load_scenario("newborn"))
    process = Process.of(newborn, "after")
    best, pipeline_p50 = 0.0, None
    with live_system(
        "newborn", load_scenario("newborn"), ["after"], None, SPEEDUP, False
    ) as system:
        bootstrap = system.bootstrap
        raw = asyncio.run(raw_round_trip_ms(bootstrap))
        raw_p50 = statistics.median(raw)
        print(
            f"raw aiokafka produce->consume round trip: p50 {raw_p50:.1f} ms, "
            f"p99 {sorted(raw)[int(0.99 * len(raw))]:.1f} ms ({len(raw)} messages)"
        )
        print(
            f"{'rate/s':>7} {'cases':>6} {'done':>6} {'cases/s':>8} {'hop p50':>8} "
            f"{'hop p95':>8} {'hop p99':>8} {'max lag':>8} {'CPU ms/case':>28}  sustained"
        )
        per_case: dict[str, float] = {}
        for rate in rates:
            settings = LiveSettings(
                bootstrap=bootstrap,
                speedup=SPEEDUP,
                duration_days=args.seconds,
                rate=rate,
                infra_only=True,
                drain_seconds=10,
            )
            before = cpu_by_part(system)
            result = Harness(process, settings).run()
            after = cpu_by_part(system)
            m = measures_of(result)
            infra = m["infra"]
            hop = infra["hop_ms"]
            done = len(result.completed)
            per_case = {k: (after[k] - before[k]) / max(done, 1) for k in after}
            cpu = "/".join(f"{1000 * v:.0f}" for v in per_case.values())
            sustained = (
                done == len(result.cases)
                and hop["p99"] is not None
                and hop["p99"] < P99_LIMIT_MS
                and infra["max_lag"] <= rate
            )
            print(
                f"{rate:7.0f} {len(result.cases):6d} {done:6d} {infra['cases_per_s']:8.1f} "
                f"{hop['p50']:8.1f} {hop['p95']:8.1f} {hop['p99']:8.1f} {infra['max_lag']:8d} "
                f"{cpu:>28}  {'yes' if sustained else 'no'}"
            )
            if sustained:
                best = max(best, rate)
                pipeline_p50 = hop["p50"]
            else:
                break
    print("CPU ms/case: broker/services/harness, at each rate")
    if per_case:
        total = sum(per_case.values())
        cores = os.cpu_count() or 1
        print(
            f"CPU per case at the last rate: {1000 * total:.0f} ms "
            f"(broker {1000 * per_case['broker']:.0f}, services {1000 * per_case['services']:.0f},"
            f" harness {1000 * per_case['harness']:.0f}): {cores} cores carry at most "
            f"{cores / total:.0f} cases/s, the broker alone {cores / per_case['broker']:.0f}"
        )
    print(f"highest sustained rate: {best:.0f} cases/s (target >= 250)")
    if pipeline_p50 is None:
        print("no rate was sustained: no per-hop figure to compare")
        return
    print(f"per-hop p50 {pipeline_p50:.1f} ms vs raw round trip p50 {raw_p50:.1f} ms")
    print(f"per-hop / raw round-trip p50 ratio: {pipeline_p50 / raw_p50:.2f} (target <= 3)")


if __name__ == "__main__":
    main()
