"""Live runs on a starved machine: does any case get lost?

    python benchmarks/starvation.py [--runs 20] [--busy 3] [--days 7] [--chaos rebalance]
                                    [--stall SECONDS] [--stall-every SECONDS]
                                    [--stall-only NAME] [--keep]

Each run starts its own embedded broker and services (after-mode newborn, two hospital
replicas), puts ``--busy`` CPU-bound processes beside them (more than the machine has
cores, so every service waits for a core), and strikes with ``--chaos`` (default
``rebalance``: hospital replicas join, one leaves with SIGTERM, one dies with SIGKILL).
With ``--stall`` a random service process is also stopped (SIGSTOP) that long every
``--stall-every`` seconds (``--stall-only NAME``: always that one, e.g. ``platform``),
the worst a starved scheduler does.
One line per run: cases sent, completed, missing (with where each stopped), completed
twice, decisions applied twice, how far the harness fell behind its schedule, the
stalls, and the holes the services met (fetches that skipped a record not yet stored,
read again: ``topics.contiguity``).  The last line sums the losses.  A lossy run keeps
its logs and data folder, with ``evidence.txt``: the missing cases' records on every
topic and the consumer groups' committed offsets.  Exit status 1 if any run lost or
doubled anything.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kafka import KafkaConsumer, TopicPartition  # noqa: E402

from onething.live import CHAOS_KINDS, Chaos, Fleet, live_system  # noqa: E402
from onething.scenarios.levers import Process  # noqa: E402
from onething.scenarios.loader import load_scenario  # noqa: E402
from onething.sim.harness import Harness, LiveSettings  # noqa: E402
from onething.topics.connection import security  # noqa: E402
from onething.topics.contiguity import HOLE_WARNING  # noqa: E402


@contextlib.contextmanager
def busy_loops(n: int) -> Iterator[None]:
    """``n`` processes that only burn CPU, stopped on exit."""
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


@contextlib.contextmanager
def stalls(
    fleet: Fleet, seconds: float, every: float, seed: int, only: str | None = None
) -> Iterator[list[str]]:
    """Every ``every`` seconds stop one service process, chosen at random, with SIGSTOP
    (or the one named ``only``) for ``seconds``, then SIGCONT: what a starved scheduler
    does at its worst.  Beyond
    the consumer-group session timeout (2 s) its group evicts it and rebalances.  Yields
    the list of what was stalled, filled as it goes."""
    done = threading.Event()
    stalled: list[str] = []
    rng = random.Random(seed)

    def strike() -> None:
        while not done.wait(every):
            running = [
                p
                for p in fleet.processes
                if p.popen.poll() is None and (only is None or p.name == only)
            ]
            victim = rng.choice(running)
            try:
                os.killpg(victim.popen.pid, signal.SIGSTOP)
                done.wait(seconds)
            finally:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(victim.popen.pid, signal.SIGCONT)
            stalled.append(victim.name)

    thread = threading.Thread(target=strike, daemon=True)
    if seconds > 0:
        thread.start()
    try:
        yield stalled
    finally:
        done.set()
        if seconds > 0:
            thread.join()


def one_run(
    newborn,
    settings: LiveSettings,
    chaos: str | None,
    stall: float,
    every: float,
    only: str | None,
    folder: Path,
):
    """One starved run: the harness's result and what was stalled."""
    with live_system(
        "newborn",
        newborn,
        ["after"],
        None,
        settings.speedup,
        False,
        replicas={"hospital": 2},
        run_dir=folder,
    ) as system:
        settings.bootstrap = system.bootstrap
        harness = Harness(Process.of(newborn, "after"), settings)
        trouble = Chaos(chaos, system, newborn, harness) if chaos else None
        with stalls(system.fleet, stall, every, settings.seed, only) as stalled:
            result = harness.run(None, trouble)
        if trouble is not None:
            trouble.finish()
        missing = result.reconcile().missing
        if missing:
            (folder / "evidence.txt").write_text(evidence(system.bootstrap, set(missing)))
    return result, stalled


def evidence(bootstrap: str, cases: set[str]) -> str:
    """Every record of the missing cases on every topic (the platform's table changelog
    included), with partition and offset, and each consumer group's committed offset
    and end offset of those partitions: where the case stopped, read from the broker
    before it goes."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, **security().kafka_python()
    )
    lines = []
    try:
        topics = sorted(t for t in consumer.topics() if not t.startswith("__"))
        parts = [TopicPartition(t, p) for t in topics for p in consumer.partitions_for_topic(t)]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        ends = consumer.end_offsets(parts)
        held: set[TopicPartition] = set()
        idle = 0
        while idle < 3:
            batch = consumer.poll(timeout_ms=500, max_records=5000)
            idle = 0 if batch else idle + 1
            for tp, records in batch.items():
                for r in records:
                    key = (r.key or b"").decode(errors="replace")
                    if any(case in key for case in cases):
                        held.add(tp)
                        value = (r.value or b"").decode(errors="replace")
                        lines.append(f"{tp.topic}[{tp.partition}]@{r.offset}: {value[:400]}")
        groups = ["onething-newborn-" + s for s in ("platform", "shared-data", "hospital")]
        for group in groups:
            probe = KafkaConsumer(
                bootstrap_servers=bootstrap, group_id=group, **security().kafka_python()
            )
            try:
                for tp in sorted(held):
                    lines.append(
                        f"group {group}: {tp.topic}[{tp.partition}] committed "
                        f"{probe.committed(tp)}, end {ends.get(tp)}"
                    )
            finally:
                probe.close()
    finally:
        consumer.close()
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--busy", type=int, default=3, help="CPU-bound processes beside a run")
    parser.add_argument("--days", type=int, default=7, help="simulated days of arrivals per run")
    parser.add_argument("--speedup", type=float, default=500.0)
    parser.add_argument("--chaos", choices=[*CHAOS_KINDS, "none"], default="rebalance")
    parser.add_argument(
        "--stall", type=float, default=0.0, help="seconds a stalled service stays stopped"
    )
    parser.add_argument("--stall-only", help="stall only this service (e.g. platform)")
    parser.add_argument("--stall-every", type=float, default=8.0, help="seconds between stalls")
    parser.add_argument(
        "--keep", action="store_true", help="keep every run's files (a lossy run's are always kept)"
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop what was started, too
    newborn = load_scenario("newborn")
    print(
        f"{'run':>3} {'sent':>5} {'done':>5} {'missing':>7} {'twice':>5} {'applied2':>8} "
        f"{'behind s':>8} {'wall s':>6} {'stalls':>6} {'holes':>5}  where the missing stopped"
    )
    lost = doubled = sent = 0
    for run in range(1, args.runs + 1):
        settings = LiveSettings(
            bootstrap="", speedup=args.speedup, duration_days=args.days, seed=100 + run
        )
        started = time.monotonic()
        folder = Path(tempfile.mkdtemp(prefix="onething-starved-"))
        with busy_loops(args.busy):
            result, stalled = one_run(
                newborn,
                settings,
                None if args.chaos == "none" else args.chaos,
                args.stall,
                args.stall_every,
                args.stall_only,
                folder,
            )
        ledger = result.reconcile()
        holes = sum(
            log.read_text(errors="replace").count(HOLE_WARNING)
            for log in (folder / "services").glob("*.log")
        )
        if ledger.missing or args.keep:
            print(f"    the run's logs, data and evidence.txt: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
        where = "; ".join(f"{case}: {stop}" for case, stop in ledger.missing.items())
        print(
            f"{run:3d} {ledger.sent:5d} {ledger.completed:5d} {len(ledger.missing):7d} "
            f"{ledger.completed_twice:5d} {ledger.decisions_applied_twice:8d} "
            f"{result.behind_schedule_s:8.2f} {time.monotonic() - started:6.0f} {len(stalled):6d} "
            f"{holes:5d}  "
            f"{where}",
            flush=True,
        )
        lost += len(ledger.missing)
        doubled += ledger.completed_twice + ledger.decisions_applied_twice
        sent += ledger.sent
    print(f"{args.runs} runs, {sent} cases: {lost} missing, {doubled} doubled")
    return 1 if lost or doubled else 0


if __name__ == "__main__":
    sys.exit(main())
