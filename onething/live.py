"""Live mode: start what a run needs (the embedded broker, one process per department,
the platform, the shared data), replay applicants with the harness, shut it all down.

Every service is its own OS process (``onething service ...``), as it would be on a
cluster.  A service prints ``ready`` once its consumer group has its partitions, and the
run starts only when all of them have: otherwise the first applicants would measure a
group join instead of the pipeline.
"""

from __future__ import annotations

import bisect
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from onething.compose import SHARED_DATA
from onething.scenarios.counts import promise_working_days
from onething.scenarios.errors import Sentence
from onething.scenarios.levers import Mode, Process
from onething.scenarios.mechanics import CaseTime, utilisation, within_promise
from onething.scenarios.model import Scenario
from onething.services import lifeline
from onething.services.broker import BrokerProcess, create_topics, wait_for_broker
from onething.services.kafka_broker import KafkaCluster, embedded_broker
from onething.sim.harness import KEEP_UP_SECONDS, Harness, LiveError, LiveResult, LiveSettings
from onething.sim.local import run_local
from onething.sim.measures import change, from_cases
from onething.topics.names import all_topics

READY = "onething-service-ready"
TOPOLOGIES = ("per-department", "compact")
"""One process per service (as deployed), or every service in one worker."""
COMPACT = "services"
"""The one worker of the compact topology."""
READY_TIMEOUT = 90.0
DATADIR = "ONETHING_DATADIR"
"""Where a service's Faust app makes its data folder (``services.faust_runtime.make_app``)."""


@dataclass
class ServiceProcess:
    name: str
    popen: subprocess.Popen
    log_path: Path


class Fleet:
    """The service processes of one run."""

    def __init__(
        self,
        scenario_ref: str,
        scenario: Scenario,
        bootstrap: str,
        speedup: float,
        with_platform: bool,
        topology: str = "per-department",
        replicas: dict[str, int] | None = None,
        run_dir: Path | None = None,
    ):
        """``replicas``: processes per department, or of the shared data under
        ``compose.SHARED_DATA`` (each one consumer group), default one.
        ``run_dir``: the services' logs go to its ``services/``, their Faust data
        folders to its ``data/`` (through ``ONETHING_DATADIR``, which
        ``services.faust_runtime.make_app`` reads); default: a new folder in the system's temp
        folder."""
        self.commands: dict[str, list[str]]
        if topology == "compact":
            self.commands = {COMPACT: ["all", "--speedup", str(speedup)]}
        else:
            self.commands = {
                f"department {d}": ["department", "--department", d] for d in scenario.departments
            }
        if with_platform and topology != "compact":
            self.commands["platform"] = ["platform", "--speedup", str(speedup)]
            self.commands["shared data"] = ["shared-data"]
        self.common = ["--bundle", scenario_ref, "--bootstrap", bootstrap]
        self.count = {name: 1 for name in self.commands}
        for name, n in (replicas or {}).items():
            process = "shared data" if name == SHARED_DATA else f"department {name}"
            if process in self.count:
                self.count[process] = n
        self.processes: list[ServiceProcess] = []
        self.spawned = 0
        if run_dir is None:
            run_dir = Path(tempfile.mkdtemp(prefix="onething-services-"))
        self.log_dir = run_dir / "services"
        self.log_dir.mkdir(parents=True, exist_ok=True)
        (run_dir / "data").mkdir(exist_ok=True)
        self.env = {**os.environ, DATADIR: str(run_dir / "data")}

    def start(
        self, timeout: float = READY_TIMEOUT, say: Callable[[str], None] | None = None
    ) -> None:
        """Start every service (and its replicas); ``say`` hears 'services ready N/M' as
        each gets ready."""
        spawned = [self._spawn(name) for name, n in self.count.items() for _ in range(n)]
        self._await_ready(spawned, timeout, say)

    def _spawn(self, name: str) -> ServiceProcess:
        self.spawned += 1  # a replica, or a restart, writes a log of its own
        log_path = self.log_dir / f"{name.replace(' ', '-')}-{self.spawned}.log"
        command = [sys.executable, "-m", "onething.cli", "service", *self.commands[name]]
        popen = subprocess.Popen(
            [*command, *self.common],
            stdout=subprocess.PIPE,
            stderr=log_path.open("a"),  # a restarted service goes on in the same log
            text=True,
            start_new_session=True,
            env=self.env,
        )
        lifeline.guard(popen.pid)
        service = ServiceProcess(name, popen, log_path)
        self.processes.append(service)
        return service

    def _await_ready(
        self,
        services: list[ServiceProcess],
        timeout: float,
        say: Callable[[str], None] | None = None,
    ) -> None:
        waiting = {id(p): p for p in services}
        ready = threading.Event()
        lock = threading.Lock()

        def watch(service: ServiceProcess) -> None:
            assert service.popen.stdout is not None
            for line in service.popen.stdout:
                if line.rstrip().endswith(READY):  # after any terminal codes Faust writes
                    with lock:
                        waiting.pop(id(service), None)
                        if say:
                            done = len(services) - len(waiting)
                            say(f"services ready {done}/{len(services)} ({service.name})")
                        if not waiting:
                            ready.set()

        for service in services:
            threading.Thread(target=watch, args=(service,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while not ready.wait(0.2):
            dead = [p for p in services if p.popen.poll() is not None]
            if dead or time.monotonic() > deadline:
                culprit = dead[0] if dead else next(iter(waiting.values()))
                where = {"name": culprit.name, "log": str(culprit.log_path)}
                raise LiveError(
                    Sentence("service_exited", **where)
                    if dead
                    else Sentence("service_silent", timeout=timeout, **where)
                )

    def running(self, name: str) -> ServiceProcess:
        return next(p for p in self.processes if p.name == name and p.popen.poll() is None)

    def kill(self, name: str) -> None:
        """SIGKILL a service: no goodbye, no commit, no flush."""
        service = self.running(name)
        os.killpg(service.popen.pid, signal.SIGKILL)
        service.popen.wait()
        lifeline.forget(service.popen.pid)
        self.processes.remove(service)

    def restart(self, name: str, timeout: float = READY_TIMEOUT) -> None:
        """Start a killed service again (or one more replica of it) and wait until its
        consumer group has rebalanced with it."""
        self._await_ready([self._spawn(name)], timeout)

    def terminate(self, name: str, grace: float = 30.0) -> None:
        """Stop one replica the polite way (SIGTERM): it leaves its consumer group."""
        service = [p for p in self.processes if p.name == name and p.popen.poll() is None][-1]
        os.killpg(service.popen.pid, signal.SIGTERM)
        try:
            service.popen.wait(grace)
        except subprocess.TimeoutExpired:
            raise LiveError(f"{name} did not stop within {grace:.0f} s of SIGTERM") from None
        lifeline.forget(service.popen.pid)
        self.processes.remove(service)

    def stop(self, grace: float = 10.0) -> None:
        for service in self.processes:
            if service.popen.poll() is None:
                os.killpg(service.popen.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for service in self.processes:
            try:
                service.popen.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(service.popen.pid, signal.SIGKILL)
                service.popen.wait()
            lifeline.forget(service.popen.pid)


@dataclass
class LiveSystem:
    """What a run talks to: the bootstrap address, and the parts onething started."""

    bootstrap: str
    broker: BrokerProcess | None = None
    fleet: Fleet | None = None


@contextlib.contextmanager
def live_system(
    scenario_ref: str,
    scenario: Scenario,
    modes: list[Mode],
    bootstrap: str | None,
    speedup: float,
    external_services: bool,
    topology: str = "per-department",
    replicas: dict[str, int] | None = None,
    run_dir: Path | None = None,
    say: Callable[[str], None] | None = None,
    brokers: int = 1,
) -> Iterator[LiveSystem]:
    """The broker (``brokers`` > 1: a cluster of that many) and services a run needs,
    their files under ``run_dir``; ``say`` hears one line per stage (broker address,
    services ready N/M, ready)."""
    say = say or (lambda line: None)
    with contextlib.ExitStack() as stack:
        system = LiveSystem(bootstrap or "")
        if bootstrap is None:
            system.broker = embedded_broker(log_dir=run_dir, nodes=brokers)
            say(f"starting the embedded broker ({system.broker.describe()})")
            stack.enter_context(system.broker)
            system.bootstrap = system.broker.bootstrap
            say(f"broker at {system.bootstrap}")
        else:
            wait_for_broker(bootstrap, timeout=5)
            say(f"broker at {bootstrap} (given)")
        create_topics(system.bootstrap, all_topics(scenario))
        if not external_services:
            fleet = Fleet(
                scenario_ref,
                scenario,
                system.bootstrap,
                speedup,
                "after" in modes,
                topology,
                replicas,
                run_dir,
            )
            stack.callback(fleet.stop)
            say(f"services starting: {sum(fleet.count.values())} processes")
            fleet.start(say=say)
            system.fleet = fleet
        say("ready: applicants start arriving")
        yield system


@contextlib.contextmanager
def run_directory(keep: bool, say: Callable[[str], None]) -> Iterator[Path]:
    """One folder for everything a live run writes (the broker's log, the services' logs
    and Faust data folders): removed at exit, or kept and named with ``keep``."""
    folder = Path(tempfile.mkdtemp(prefix="onething-live-"))
    try:
        yield folder
    finally:
        if keep:
            say(f"kept the run's files in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Blow:
    """One thing chaos did to a run."""

    what: str
    arrived: int
    """Applicants that had arrived when it struck."""
    finished: int
    """Applicants that had finished when it struck (the rest were in flight)."""
    seconds: float
    """Real seconds until the part was back (restarted and ready, or resumed; a broker
    restarted and every partition's copies in sync again)."""
    struck_s: float = 0.0
    """Real seconds into the run when it struck."""
    recovery_s: float | None = None
    """Real seconds from the blow until throughput was back (``recovery_seconds``); None
    when it was not back before the run ended."""


CHAOS_KINDS = ("kill", "pause", "rebalance", "broker-kill", "broker-roll")
CLUSTER_CHAOS = ("broker-kill", "broker-roll")
"""Chaos that strikes one node of the embedded cluster (``--brokers 3``)."""
PAUSE_SECONDS = 15.0
RECOVERY_WINDOW_S = 5.0
RECOVERY_SHARE = 0.8


def recovery_seconds(answered: list[tuple[float, int]], struck: float) -> float | None:
    """Seconds from a blow at ``struck`` until throughput was back: the start of the first
    ``RECOVERY_WINDOW_S`` window, from the blow on, in which the services' answers (each
    served filing, decision and completion the harness received) came at
    ``RECOVERY_SHARE`` of their rate before it (from the first answer to the blow).

    ``answered``: (real time, answers so far), in time order.  0 when the blow did not
    slow the run; None when there was no answer before it, or throughput was not back
    before the run ended.  Arrivals that follow office hours make the rate itself rise and
    fall, so a lull of the calendar's counts as one of the blow's."""
    times = [t for t, _ in answered]
    before = [(t, n) for t, n in answered if t <= struck]
    first = next(((t, n) for t, n in before if n > 0), None)
    if first is None or before[-1][0] <= first[0]:
        return None
    rate = (before[-1][1] - first[1]) / (before[-1][0] - first[0])
    for start, so_far in answered[bisect.bisect_left(times, struck) :]:
        end = bisect.bisect_left(times, start + RECOVERY_WINDOW_S)
        if end == len(answered):
            return None
        if answered[end][1] - so_far >= RECOVERY_SHARE * rate * RECOVERY_WINDOW_S:
            return start - struck
    return None


def chaos_refusal(
    kind: str, embedded_broker: bool, own_services: bool, after: bool, brokers: int = 1
) -> str | None:
    """Why this chaos cannot be done in this run, or None: the command line asks before
    anything starts, ``Chaos`` again for callers of the API."""
    if kind in CLUSTER_CHAOS and not (embedded_broker and brokers > 1):
        return f"--chaos {kind} strikes a node of the embedded cluster: add --brokers 3"
    if kind == "pause" and not embedded_broker:
        return "--chaos pause stops the embedded broker: drop --bootstrap"
    if kind == "kill" and not (own_services and after):
        return "--chaos kill needs the services onething starts, in after mode"
    if kind == "rebalance" and not own_services:
        return "--chaos rebalance needs the services onething starts"
    return None


class Chaos:
    """Trouble on a schedule, struck from a thread while the harness runs on.

    ``kill``: SIGKILL the department most items go to once a third of the applicants have
    arrived, and the platform at two thirds, each restarted at once.  ``rebalance``: the
    department most items go to gains a replica at a fifth and another at two fifths
    (its consumer group rebalances each time), loses one to SIGTERM at three fifths and
    one to SIGKILL at four fifths, not restarted.  ``pause``: SIGSTOP
    the embedded broker (every node of a cluster) for 15 s when half have arrived, then
    SIGCONT.  On the embedded cluster, ``broker-kill``: SIGKILL the node leading the most
    partitions when half have arrived, and start it again; ``broker-roll``: from a fifth
    on, restart every node in turn (SIGTERM: a controlled shutdown), each once the one
    before is back in sync, all of them even if the run's last case finishes first.

    Each blow says when it struck and how long throughput took to recover
    (``recovery_seconds``)."""

    def __init__(self, kind: str, system: LiveSystem, scenario: Scenario, harness: Harness):
        """``harness``: the run's, whose answers received measure throughput."""
        self.system = system
        self.harness = harness
        self.blows: list[Blow] = []
        self.error: Exception | None = None
        self._thread: threading.Thread | None = None
        self._answered: list[tuple[float, int]] = []
        """(real time, answers the harness received so far) at each tick: the throughput."""
        self._progress = (0, 0)
        """(arrived, finished) at the last tick."""
        fleet = system.fleet
        after = fleet is not None and ("platform" in fleet.commands or COMPACT in fleet.commands)
        cluster = system.broker if isinstance(system.broker, KafkaCluster) else None
        nodes = len(cluster.nodes) if cluster else 1
        if why := chaos_refusal(kind, system.broker is not None, fleet is not None, after, nodes):
            raise LiveError(why)
        if kind == "rebalance":
            items = Counter(item.department for item in scenario.items.values())
            name = f"department {items.most_common(1)[0][0]}"
            if name not in fleet.commands:
                raise LiveError("--chaos rebalance needs --topology per-department")
            self.plan = [
                (1 / 5, [(self._add, name)]),
                (2 / 5, [(self._add, name)]),
                (3 / 5, [(self._terminate, name)]),
                (4 / 5, [(self._kill_one, name)]),
            ]
        elif kind == "kill" and COMPACT in fleet.commands:
            self.plan = [(1 / 3, [(self._kill, COMPACT)]), (2 / 3, [(self._kill, COMPACT)])]
        elif kind == "kill":
            items = Counter(item.department for item in scenario.items.values())
            busiest = items.most_common(1)[0][0]
            self.plan = [
                (1 / 3, [(self._kill, f"department {busiest}")]),
                (2 / 3, [(self._kill, "platform")]),
            ]
        elif kind == "pause":
            self.plan = [(1 / 2, [(self._pause, "broker")])]
        elif kind == "broker-kill":
            self.plan = [(1 / 2, [(self._kill_broker, "the busiest broker")])]
        elif kind == "broker-roll":  # one sequence: the roll is done even if the run ends first
            self.plan = [(1 / 5, [(self._restart_broker, node.node_id) for node in cluster.nodes])]
        else:
            raise LiveError(f"unknown chaos {kind!r}; choose from {', '.join(CHAOS_KINDS)}")

    def __call__(self, arrived: int, finished: int, total: int) -> None:
        self._answered.append((time.monotonic(), self.harness.received))
        self._progress = (arrived, finished)
        if self._thread is not None and self._thread.is_alive() or not self.plan:
            return
        share, strikes = self.plan[0]
        if arrived >= share * total:
            self.plan.pop(0)
            self._thread = threading.Thread(target=self._run, args=(strikes,), daemon=True)
            self._thread.start()

    def _run(self, strikes: list[tuple[Callable[[Any], str | None], Any]]) -> None:
        """Strike each in turn, each a blow of its own."""
        for strike, target in strikes:
            arrived, finished = self._progress
            started = time.monotonic()
            try:
                what = strike(target) or target
            except Exception as exc:  # reported by finish(), in the harness's thread
                self.error = exc
                return
            into_run = started - self._answered[0][0]
            self.blows.append(Blow(what, arrived, finished, time.monotonic() - started, into_run))

    def _add(self, name: str) -> str:
        assert self.system.fleet is not None
        self.system.fleet.restart(name)
        return f"one more replica of {name} joined"

    def _terminate(self, name: str) -> str:
        assert self.system.fleet is not None
        self.system.fleet.terminate(name)
        return f"a replica of {name} stopped (SIGTERM)"

    def _kill_one(self, name: str) -> str:
        assert self.system.fleet is not None
        self.system.fleet.kill(name)
        return f"a replica of {name} killed (SIGKILL), not restarted"

    def _kill(self, name: str) -> None:
        assert self.system.fleet is not None
        self.system.fleet.kill(name)
        self.system.fleet.restart(name)

    def _pause(self, _: str) -> None:
        assert self.system.broker is not None
        self.system.broker.pause()
        time.sleep(PAUSE_SECONDS)
        self.system.broker.resume()

    def _kill_broker(self, _: str) -> str:
        assert isinstance(self.system.broker, KafkaCluster)
        cluster = self.system.broker
        node, led = cluster.leaders().most_common(1)[0]
        cluster.kill(node)
        cluster.restart(node)
        return f"broker {node} (leading {led} partitions) killed (SIGKILL) and restarted"

    def _restart_broker(self, node: int) -> str:
        assert isinstance(self.system.broker, KafkaCluster)
        self.system.broker.restart(node)
        return f"broker {node} restarted (SIGTERM)"

    def finish(self) -> list[Blow]:
        """Wait for a blow still under way; what was done, each blow with how long
        throughput took to recover."""
        if self._thread is not None:
            self._thread.join()
        if self.error is not None:
            raise LiveError(f"chaos failed: {self.error}")
        for blow in self.blows:
            blow.recovery_s = recovery_seconds(self._answered, self._answered[0][0] + blow.struck_s)
        return self.blows


def measures_of(result: LiveResult) -> dict[str, Any]:
    """The compare measures of a live run, plus its ``infra`` figures."""
    process = result.process
    promise = promise_working_days(process)
    rows, within = [], 0
    for c in result.completed:
        time = CaseTime.of(result.calendar, c.arrival, c.done)
        rows.append((time.working_days, time.calendar_hours, c.wait, c.trips))
        within += within_promise(time, promise, result.calendar.minutes_per_day)
    busy = {
        place: utilisation(
            result.busy_minutes.get(place, 0.0), process.windows(place), result.open_minutes
        )
        for place in process.places
    }
    m = from_cases(process, rows, busy, len(result.cases), within)
    all_hops = sorted(ms for values in result.hops_ms.values() for ms in values)
    m["infra"] = {
        "broker": result.broker,
        "hop_ms": _percentiles(all_hops),
        "hop_ms_by_hop": {hop: _percentiles(sorted(v)) for hop, v in result.hops_ms.items()},
        "answer_late_minutes": _percentiles(sorted(result.late_minutes)),
        "cases_per_s": len(result.completed) / result.wall_seconds if result.wall_seconds else 0,
        "max_lag": result.max_in_flight,
        "wall_seconds": result.wall_seconds,
        "events_sent": result.sent,
        "events_received": result.received,
        "duplicates_ignored": result.duplicates,
        "longest_stall_s": result.longest_stall_s,
        "behind_schedule_s": result.behind_schedule_s,
        "lag_per_s": result.lag_per_s,
        "kept_up": result.kept_up,
    }
    ledger = result.reconcile()
    m["reconciliation"] = {
        **asdict(ledger),
        "send_failures": result.send_failures,  # the errors, not only their count
        "problems": ledger.problems(),
    }
    return m


def behind_warning(seconds: float) -> str:
    return (
        f"the harness fell {seconds:.2f} s behind its schedule (bound {KEEP_UP_SECONDS:g} s): "
        "the machine, not the design, stretched this run's times (free cores or lower --speedup)"
    )


def agreement(result: LiveResult, live: dict[str, Any], des: dict[str, Any]) -> dict[str, Any]:
    """Live against the DES on the same arrivals, or void when the run did not keep up.

    The difference has two parts, told apart by the same run without a broker
    (``sim.local``: the same arrivals, seed and so the same draws, every event at once):
    ``draws_pct``, the DES's replications against this one run's luck, and
    ``transport_pct``, what the broker's hops added at the clock's scale (the answers
    the applicants waited for came late, ``answer_late_minutes``)."""
    if not result.kept_up:
        return {"void": behind_warning(result.behind_schedule_s)}
    live_mean = live["time_working_days"]["mean"]
    des_mean = des["time_working_days"]["mean"]
    replay = LiveSettings(bootstrap="", arrivals=result.arrivals, seed=result.seed)
    unbrokered = measures_of(run_local(result.process, replay).result)
    local_mean = unbrokered["time_working_days"]["mean"]
    return {
        "live": live_mean,
        "des": des_mean,
        "change_pct": change(des_mean, live_mean),
        "without_broker": local_mean,
        "draws_pct": change(des_mean, local_mean),
        "transport_pct": change(local_mean, live_mean),
    }


def _percentiles(ordered: list[float]) -> dict[str, float | None]:
    def q(p: float) -> float | None:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else None

    return {"p50": q(0.5), "p95": q(0.95), "p99": q(0.99)}


def run_live(
    scenario_ref: str,
    scenario: Scenario,
    modes: list[Mode],
    levers: frozenset[str] | None,
    settings: LiveSettings,
    external_services: bool = False,
    bootstrap: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    chaos: str | None = None,
    topology: str = "per-department",
    replicas: dict[str, int] | None = None,
    run_dir: Path | None = None,
    say: Callable[[str], None] | None = None,
    watch: Watch | None = None,
    brokers: int = 1,
) -> dict[str, LiveResult]:
    """Run each mode in turn; with ``chaos``, strike each mode's run (``Chaos``) and
    keep what was done in its result's ``blows``.  Files go under ``run_dir``; ``say``
    hears the start-up stages; ``watch`` is asked for each mode's ticker; ``brokers``:
    nodes of the embedded Kafka cluster."""
    results: dict[str, LiveResult] = {}
    with live_system(
        scenario_ref,
        scenario,
        modes,
        bootstrap,
        settings.speedup,
        external_services,
        topology,
        replicas,
        run_dir,
        say,
        brokers,
    ) as system:
        settings.bootstrap = system.bootstrap
        broker = system.broker.describe() if system.broker else f"given at {system.bootstrap}"
        for mode in modes:
            process = Process.of(scenario, mode, levers if mode == "after" else None)
            harness = Harness(process, settings)
            report = (lambda done, total, m=mode: progress(m, done, total)) if progress else None
            trouble = Chaos(chaos, system, scenario, harness) if chaos else None
            tick = watch(mode, harness, system, trouble) if watch else None
            results[mode] = result = harness.run(report, _both(trouble, tick))
            result.broker = broker
            if trouble is not None:
                result.blows = trouble.finish()
            if tick is not None:
                tick(len(result.cases), len(result.completed), len(result.arrivals))
    return results


Tick = Callable[[int, int, int], None]
"""Hears (arrived, finished, total) a few times a second while a mode runs, and once at
its end."""
Watch = Callable[[Mode, Harness, LiveSystem, "Chaos | None"], Tick]
"""Given a mode's harness, the system it runs on and its chaos, the ticker that watches it
(the workbench's dashboard)."""


def _both(first: Tick | None, second: Tick | None) -> Tick | None:
    if first is None or second is None:
        return first or second

    def tick(arrived: int, finished: int, total: int) -> None:
        first(arrived, finished, total)
        second(arrived, finished, total)

    return tick


AGREEMENT_REPLICATIONS = 5
"""DES replications on a live run's arrivals for its agreement check (``--agreement``)."""


def des_on_same_arrivals(
    scenario: Scenario,
    mode: Mode,
    levers: frozenset[str] | None,
    arrivals: list[float],
    replications: int = AGREEMENT_REPLICATIONS,
) -> dict[str, Any]:
    """The DES measures for the very arrivals a live run replayed (its agreement check)."""
    from onething.sim.engine import run_replications
    from onething.sim.measures import measures

    with tempfile.TemporaryDirectory() as folder:
        trace = Path(folder) / "arrivals.csv"
        trace.write_text("arrival_minutes\n" + "".join(f"{t!r}\n" for t in arrivals))
        spec = scenario.applicants.arrivals.model_copy(
            update={"trace": str(trace), "per_working_day": None}
        )
        replayed = scenario.model_copy(
            update={
                "applicants": scenario.applicants.model_copy(update={"arrivals": spec}),
                "run": scenario.run.model_copy(update={"warmup_days": 0}),
            }
        )
        process = Process.of(replayed, mode, levers if mode == "after" else None)
        return measures(process, run_replications(process, replications, warmup_days=0, jobs=1))
