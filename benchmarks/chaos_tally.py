"""The chaos tally: N consecutive live runs per chaos mode, a CPU burner beside every
other run; what was lost, what was doubled, how each run ended.

    python benchmarks/chaos_tally.py [--runs 20] [--modes kill,pause,rebalance,...]
                                     [--duration 7] [--timeout 900]

Each run is the command line a user types, ``onething live newborn --mode after --chaos
MODE --json`` (``--brokers 3`` for ``broker-kill`` and ``broker-roll``, on one Apache
Kafka node for the others), with its own embedded broker and services and seed N.  Odd
runs (1, 3, ...) have one CPU-bound process beside them (``starvation.busy_loops``), so
half the runs are on a busy machine.  One line per run; per mode at the end: runs, lost
(cases neither completed nor dead-lettered), doubled (cases completed twice plus
decisions applied twice), dead-lettered, the exit codes and, for the broker modes, the
median seconds until throughput was back after a blow (``onething.live.recovery_seconds``).
Per run, ``reread``: how often the services read again records Faust fetched and did not
deliver or handle (each such record would have been lost without the guard).
Exit status 1 if any run lost or doubled anything or did not exit 0.  Each run keeps its
files (``--keep``); those of a sound run are removed, those of any other are kept and
their folder printed (the broker's storage, the services' logs, and the run's own
output in ``result.json`` and ``stderr.txt``, to find out why).  A run still going after
``--stacks-after`` seconds (a sound one takes about a minute) has the Python stacks of
its every process dumped into ``stacks.txt`` there, with py-spy where it is installed:
two pause runs in 59 stalled with every case open, and their logs did not say where.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.starvation import busy_loops  # noqa: E402
from onething.live import CHAOS_KINDS, CLUSTER_CHAOS  # noqa: E402
from onething.services.faust_runtime import NOT_DELIVERED, NOT_HANDLED  # noqa: E402


@dataclass
class Run:
    """One chaos run's outcome."""

    mode: str
    seed: int
    burner: bool
    exit: str
    """The exit code, or ``timeout``."""
    seconds: float
    lost: int = 0
    doubled: int = 0
    dead_lettered: int = 0
    sent: int = 0
    recoveries: list[float | None] = field(default_factory=list)
    files: Path | None = None
    """The run's folder (``--keep``)."""
    read_again: int = 0
    """Times a service read records again that Faust fetched and did not deliver or
    handle (``onething.services.faust_runtime``: its log lines)."""

    @property
    def sound(self) -> bool:
        return self.exit == "0" and self.lost == 0 and self.doubled == 0


def stack_dumps(pid: int) -> str:
    """Every thread's Python stack in ``pid`` and the processes it started (py-spy, where
    installed: ``pip install py-spy``), or why there are none."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).is_file():
        return "no stacks: py-spy is not installed (pip install py-spy)\n"
    dumps = []
    for each in [pid, *descendants(pid)]:
        try:
            done = subprocess.run(
                [spy, "dump", "--pid", str(each)], capture_output=True, text=True, timeout=60
            )
        except subprocess.TimeoutExpired:
            dumps.append(f"=== process {each}: py-spy did not answer in 60 s\n")
            continue
        dumps.append(f"=== process {each}\n{done.stdout}{done.stderr}")
    return "".join(dumps)


def descendants(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (Linux ``/proc``)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], list(children.get(pid, []))
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children.get(child, [])
    return found


def live_run(
    mode: str, seed: int, burner: bool, duration: int, timeout: float, dump_after: float
) -> Run:
    command = [sys.executable, "-m", "onething.cli", "live", "newborn", "--mode", "after"]
    command += ["--chaos", mode, "--duration", str(duration), "--seed", str(seed), "--json"]
    command += ["--keep"]
    if mode in CLUSTER_CHAOS:
        command += ["--brokers", "3"]
    started = time.monotonic()
    with busy_loops(1 if burner else 0):
        live = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        stacks, exit_code = "", ""
        try:
            try:
                stdout, stderr = live.communicate(timeout=min(dump_after, timeout))
            except subprocess.TimeoutExpired:  # running long: see where every process is
                if dump_after < timeout:
                    stacks = stack_dumps(live.pid)
                try:
                    stdout, stderr = live.communicate(timeout=max(0.0, timeout - dump_after))
                except subprocess.TimeoutExpired:  # SIGTERM: the run stops what it started
                    live.terminate()
                    stdout, stderr = live.communicate()
                    exit_code = "timeout"
        except BaseException:  # the tally is stopped: so is its run (and then the burner)
            live.terminate()
            live.communicate()
            raise
        exit_code = exit_code or str(live.returncode)
    run = Run(mode, seed, burner, exit_code, time.monotonic() - started)
    kept = re.findall(r"kept the run's files in (\S+)", stderr)
    run.files = Path(kept[-1]) if kept else None
    if run.files is not None and run.files.is_dir():  # what the run printed, kept with it
        if stacks:
            (run.files / "stacks.txt").write_text(stacks, encoding="utf-8")
        run.read_again = sum(
            log.read_text(encoding="utf-8", errors="replace").count(line)
            for log in run.files.glob("services/*.log")
            for line in (NOT_DELIVERED, NOT_HANDLED)
        )
        (run.files / "result.json").write_text(stdout, encoding="utf-8")
        (run.files / "stderr.txt").write_text(stderr, encoding="utf-8")
    if exit_code == "timeout":
        return run
    try:
        doc = json.loads(stdout)
    except json.JSONDecodeError:
        last = (stderr.strip().splitlines() or ["no output"])[-1]
        print(f"  {mode} seed {seed}: no result: {last}", flush=True)
        return run
    ledger = doc["reconciliation"]["after"]
    run.sent = ledger["sent"]
    run.lost = len(ledger["missing"])
    run.doubled = ledger["completed_twice"] + ledger["decisions_applied_twice"]
    run.dead_lettered = len(ledger["dead_lettered"])
    run.recoveries = [blow["recovery_s"] for blow in doc.get("chaos", {}).get("after", [])]
    return run


def print_run(n: int, run: Run) -> None:
    recoveries = " ".join("-" if r is None else f"{r:.1f}" for r in run.recoveries)
    print(
        f"{run.mode:>12} {n:4d} {'yes' if run.burner else 'no':>6} {run.exit:>7} "
        f"{run.sent:5d} {run.lost:5d} {run.doubled:7d} {run.dead_lettered:5d} "
        f"{run.seconds:7.0f} {run.read_again:6d}  {recoveries}",
        flush=True,
    )


def print_tally(runs: list[Run], modes: list[str]) -> None:
    print()
    print(
        f"{'mode':>12} {'runs':>5} {'burner':>6} {'lost':>5} {'doubled':>7} {'dead':>5} "
        f"{'exit codes':>16}  median recovery (s)"
    )
    for mode in modes:
        of_mode = [r for r in runs if r.mode == mode]
        exits = ", ".join(
            f"{code}×{n}" for code, n in sorted(Counter(r.exit for r in of_mode).items())
        )
        recovered = [s for r in of_mode for s in r.recoveries if s is not None]
        blows = sum(len(r.recoveries) for r in of_mode)
        median = f"{statistics.median(recovered):.1f}" if recovered else "-"
        if mode not in CLUSTER_CHAOS:
            median = ""
        elif len(recovered) < blows:
            median += f" ({blows - len(recovered)} of {blows} blows not measured back)"
        print(
            f"{mode:>12} {len(of_mode):5d} {sum(r.burner for r in of_mode):6d} "
            f"{sum(r.lost for r in of_mode):5d} {sum(r.doubled for r in of_mode):7d} "
            f"{sum(r.dead_lettered for r in of_mode):5d} {exits:>16}  {median}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20, help="consecutive runs per mode")
    parser.add_argument("--modes", default=",".join(CHAOS_KINDS))
    parser.add_argument("--duration", type=int, default=7, help="days of arrivals per run")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per run")
    parser.add_argument(
        "--stacks-after",
        type=float,
        default=240.0,
        help="seconds after which a run still going has every process's stacks dumped "
        "into its folder's stacks.txt (py-spy; a sound run takes about a minute)",
    )
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop what was started, too
    modes = args.modes.split(",")
    unknown = [m for m in modes if m not in CHAOS_KINDS]
    if unknown:
        parser.error(f"unknown mode {unknown[0]!r}; choose from {', '.join(CHAOS_KINDS)}")
    print(
        f"{'mode':>12} {'run':>4} {'burner':>6} {'exit':>7} {'sent':>5} {'lost':>5} "
        f"{'doubled':>7} {'dead':>5} {'seconds':>7} {'reread':>6}  recovery per blow (s)"
    )
    runs = []
    for mode in modes:
        for n in range(1, args.runs + 1):
            run = live_run(mode, n, n % 2 == 1, args.duration, args.timeout, args.stacks_after)
            print_run(n, run)
            if run.files is not None and run.sound:
                shutil.rmtree(run.files, ignore_errors=True)
            elif run.files is not None:
                print(f"  {mode} seed {run.seed}: its files are kept in {run.files}", flush=True)
            runs.append(run)
    print_tally(runs, modes)
    return 0 if all(run.sound for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
