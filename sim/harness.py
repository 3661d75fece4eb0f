"""The live load harness: a SimPy real-time environment replays applicants onto Kafka.

Each applicant tells the DES's story (``scenarios.story``), but the windows and back
offices are the live services: before, the applicant files at each department's topic
and waits for its ``served`` and ``decision`` events; after, it files once with the
platform and waits for the completion.  Travel, collecting materials after a 补正 and
the post are the applicant's own time, simulated here.

Kafka clients: kafka-python produces; a kafka-python consumer with partitions assigned by
hand (no consumer group) reads decisions and completions in a thread and hands them to
the simulation, which polls every few milliseconds.
"""

from __future__ import annotations

import gc
import queue
import statistics
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field
from typing import Any

import simpy
import simpy.rt

from onething.scenarios.calendar import WorkingCalendar
from onething.scenarios.journey import Journeys
from onething.scenarios.levers import SINGLE_WINDOW, Process
from onething.scenarios.mechanics import (
    Calendars,
    Draws,
    Mechanics,
    NoTime,
    Service,
    measured,
)
from onething.scenarios.story import applicant, event_detail, log_decision
from onething.services.broker import producer_acks
from onething.services.office import APPLICANTS, seeded
from onething.sim.arrivals import arrival_times
from onething.sim.engine import Recorder
from onething.topics.connection import security
from onething.topics.contiguity import Contiguous
from onething.topics.header_names import kafka_python_reads_bad_header_names
from onething.topics.names import (
    APPLICATIONS,
    COMPLETIONS,
    DEAD_LETTERS,
    DECISIONS,
    FETCH_WAIT_MS,
    requests_topic,
    window_partition,
)
from onething.topics.schemas import (
    Application,
    BadEvent,
    Clock,
    Completion,
    DeadLetter,
    Decision,
    ItemRequest,
    Served,
    decode,
    encode,
    hop_ms,
)

POLL_SECONDS = 0.002
KEEP_UP_SECONDS = 0.5
"""How far the harness may run behind its real-time schedule before a run says that the
machine, not the design, stretched its times (at the default speed-up of 500, 250
simulated minutes)."""


class LiveError(RuntimeError):
    """A live run that cannot go on (no broker, services silent past the deadline)."""


@dataclass
class LiveSettings:
    bootstrap: str
    speedup: float = 500.0
    """Simulated minutes per real second.  Each Kafka hop costs the simulated time it
    takes in real time, so the speed-up trades run time against agreement with the DES:
    at 500 a 10 ms hop is 5 simulated minutes."""
    duration_days: int = 5
    """Calendar days during which applicants arrive."""
    rate: float | None = None
    """Arrivals per working day (default: the scenario's)."""
    infra_only: bool = False
    seed: int = 1
    drain_seconds: float = 300.0
    """Real seconds to wait for the last cases before giving up on them."""
    arrivals: list[float] | None = None
    """Replay these arrival minutes instead of drawing them (an agreement check)."""


@dataclass
class LiveCase:
    case_id: str
    arrival: float
    done: float | None = None
    trips: int = 0
    wait: float = 0.0
    rework_rounds: int = 0
    handed: list[str] = field(default_factory=list)
    """Materials handed over at the windows, in order (kept when the run is traced)."""
    decided: dict[str, float] = field(default_factory=dict)
    """When each item was decided, as the decisions said."""
    in_hand: dict[str, float] = field(default_factory=dict)
    """When each result is in the applicant's hands (``Mechanics.in_hand_at``; paper
    results once collected)."""
    taken: tuple[str, ...] = ()
    """The items the applicant takes (the story draws them at arrival)."""


@dataclass
class Reconciliation:
    """Every case sent, accounted for at the end of a run."""

    sent: int
    completed: int
    dead_lettered: dict[str, list[str]]
    """Cases not completed that had an event dead-lettered, with the reasons."""
    missing: dict[str, str]
    """Cases neither completed nor dead-lettered (lost: must be none), each with where
    the harness last saw it."""
    completed_twice: int
    """Cases completed with two different outcomes (after mode); the same completion
    announced again after a crash is a repeated event."""
    decisions_applied_twice: int
    """Decisions the platform applied beyond one per item (from its completions)."""
    repeated_events: int
    """Events received again (a replay after a crash or a retry) and not applied."""
    send_failures: int
    """Events the harness could not hand to the broker."""

    def problems(self) -> list[str]:
        """What breaks "every case once": empty for a sound run."""
        found = []
        if self.missing:
            case, where = next(iter(self.missing.items()))
            found.append(
                f"{len(self.missing)} case(s) neither completed nor dead-lettered "
                f"(e.g. {case}: {where})"
            )
        if self.completed_twice:
            found.append(f"{self.completed_twice} case(s) completed twice")
        if self.decisions_applied_twice:
            found.append(f"{self.decisions_applied_twice} decision(s) applied twice")
        return found

    def rows(self) -> list[tuple[str, str]]:
        reasons: dict[str, int] = defaultdict(int)
        for case_reasons in self.dead_lettered.values():
            reasons[case_reasons[0]] += 1
        return [
            ("cases sent", str(self.sent)),
            ("completed", str(self.completed)),
            ("dead-lettered", str(len(self.dead_lettered))),
            *((f"  {reason}", str(n)) for reason, n in sorted(reasons.items())),
            ("missing", str(len(self.missing))),
            ("completed twice", str(self.completed_twice)),
            ("decisions applied twice", str(self.decisions_applied_twice)),
            ("repeated events ignored", str(self.repeated_events)),
            ("harness sends failed", str(self.send_failures)),
        ]


@dataclass
class LiveResult:
    process: Process
    cases: list[LiveCase]
    arrivals: list[float]
    hops_ms: dict[str, list[float]]
    busy_minutes: dict[str, float]
    open_minutes: float
    wall_seconds: float
    max_in_flight: int
    """Most requests at once that had been sent and not yet served by a window."""
    sent: int
    received: int
    ignored: int = 0
    """Events of other runs, or duplicates, seen and not applied."""
    duplicates: int = 0
    late_minutes: list[float] = field(default_factory=list)
    """For each answer (served, decided, completed), how many simulated minutes after its
    own minute it reached the applicant: the hops back to the harness at the clock's
    scale, the part of transport the services' times do not absorb."""
    longest_stall_s: float = 0.0
    """Longest real time the broker took to acknowledge an event the harness sent: a
    broker that stops answering shows here."""
    behind_schedule_s: float = 0.0
    """Most real seconds the harness ran behind its schedule: beyond ``KEEP_UP_SECONDS``
    the machine stretched the run's times (``kept_up``)."""
    lag_per_s: float = 0.0
    """Trend of the lag while applicants arrived: requests in flight gained per second
    (a system that keeps up stays near zero)."""
    send_failures: list[str] = field(default_factory=list)
    """Events the harness could not send, with the error."""
    dead_letters: dict[str, list[str]] = field(default_factory=dict)
    """Reasons the services gave for dead-lettering events, per case."""
    whereabouts: dict[str, str] = field(default_factory=dict)
    """For each unfinished case, what the harness had seen of it."""
    completions: dict[str, int] = field(default_factory=dict)
    """Distinct completions (outcomes) received per case."""
    decisions_applied: dict[str, int] = field(default_factory=dict)
    """Per completed case, the decisions its completion says the platform applied."""
    blows: list[Any] = field(default_factory=list)
    """What chaos did during the run (``onething.live.Chaos``)."""
    broker: str = ""
    """What the run's broker is, as the one who started it says (``onething.live``)."""
    seed: int = 1
    """The run's seed (its arrivals and every applicant's draws)."""
    calendar: WorkingCalendar = field(repr=False, default=None)  # type: ignore[assignment]

    @property
    def kept_up(self) -> bool:
        return self.behind_schedule_s <= KEEP_UP_SECONDS

    @property
    def completed(self) -> list[LiveCase]:
        return [c for c in self.cases if c.done is not None]

    def reconcile(self) -> Reconciliation:
        items = {c.case_id: len(c.taken) for c in self.cases}
        open_cases = [c.case_id for c in self.cases if c.done is None]
        return Reconciliation(
            sent=len(self.cases),
            completed=len(self.cases) - len(open_cases),
            dead_lettered={c: self.dead_letters[c] for c in open_cases if c in self.dead_letters},
            missing={c: self.whereabouts[c] for c in open_cases if c not in self.dead_letters},
            completed_twice=sum(n > 1 for n in self.completions.values()),
            decisions_applied_twice=sum(
                max(0, n - items.get(c, 0)) for c, n in self.decisions_applied.items()
            ),
            repeated_events=self.duplicates,
            send_failures=len(self.send_failures),
        )


class Harness:
    """The live applicants: the story (``scenarios.story``) told on a real-time clock,
    its port sending events to the services and waiting for their answers."""

    def __init__(
        self,
        process: Process,
        settings: LiveSettings,
        draws: Draws | None = None,
        recorder: Recorder | None = None,
    ):
        """``draws``: the applicants' randomness (default: a stream from the seed);
        ``recorder`` hears the event rows the DES would write (the drift test)."""
        self.process = process
        self.settings = settings
        s = process.scenario
        self.run_id = uuid.uuid4().hex[:8]
        calendars = Calendars(s)
        self.calendar = calendars.scenario
        if draws is None:
            draws = seeded(process, calendars, settings.seed, APPLICANTS)
        if settings.infra_only:  # the applicant's own time is zero too: only the pipeline
            draws = NoTime(draws)
        self.mechanics = Mechanics(process, calendars, draws)
        self.journeys = Journeys(process)
        self.transport: Callable[[str, Any], None] | None = None
        """Hands an event to the services: Kafka in ``run``, or the broker-less loop."""
        self._facts: dict[tuple, Any] = {}
        self._cases: dict[str, LiveCase] = {}
        self._waiters: dict[tuple, simpy.Event] = {}
        self._queued: dict[tuple, float] = {}
        """When each filing joined its window's queue (utilisation counts by it)."""
        self.recorder = recorder
        self.tracing = recorder is not None
        self._inbox: queue.Queue[tuple[Any, float | None]] = queue.Queue()
        self._stop = threading.Event()
        self.hops: dict[str, list[float]] = defaultdict(list)
        self.busy: dict[str, float] = defaultdict(float)
        self.in_flight = 0
        self.max_in_flight = 0
        self.dead_letters: dict[str, list[str]] = defaultdict(list)
        """Reasons the services gave for dead-lettering events, per case of this run
        (written by the consumer thread only)."""
        self.completions: dict[str, int] = defaultdict(int)
        self.decisions_applied: dict[str, int] = {}
        self.late_minutes: list[float] = []
        self.longest_stall_s = 0.0
        self.behind_schedule_s = 0.0
        self.lag_samples: list[tuple[float, int]] = []
        self.send_failures: list[str] = []
        self.sent = self.received = self.ignored = self.duplicates = 0

    # --- Kafka ------------------------------------------------------------------

    def _consume(self, consumer: Any) -> None:
        contiguous = Contiguous()  # the broker may skip a batch it has not stored yet
        while not self._stop.is_set():
            for partition, fetched in consumer.poll(timeout_ms=50).items():
                records, seek_back = contiguous.keep(partition, fetched)
                if seek_back is not None:
                    consumer.seek(partition, seek_back)
                for record in records:
                    if record.topic == DEAD_LETTERS:
                        self._dead_letter(record)
                        continue
                    try:
                        message = decode(record.value, (Served, Decision, Completion))
                    except BadEvent:
                        self.ignored += 1
                        continue
                    self._inbox.put((message, hop_ms(record.headers)))

    def _dead_letter(self, record: Any) -> None:
        case_id = (record.key or b"").decode("utf-8", errors="replace")
        if not case_id.startswith(self.run_id):
            return
        try:
            reason = DeadLetter.model_validate_json(record.value).reason
        except ValueError:
            reason = "a dead letter onething cannot read"
        self.dead_letters[case_id].append(reason)

    def _kafka_send(self, topic: str, message: Any) -> None:
        key, value, headers = encode(message)
        started = time.monotonic()
        partition = None  # by key: a case's events keep their order
        if isinstance(message, ItemRequest) and message.at_window:
            partition = window_partition(message.department)  # one queue, one consumer
        future = self.producer.send(
            topic, key=key, value=value, headers=headers, partition=partition
        )
        future.add_callback(lambda _: self._acknowledged(started))
        future.add_errback(lambda exc: self.send_failures.append(f"{message.case_id}: {exc}"))

    def _send(self, topic: str, message: Any) -> None:
        assert self.transport is not None
        self.transport(topic, message)
        self.sent += 1
        self.in_flight += 1  # until its window serves it
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    # --- facts arriving from the services ----------------------------------------

    def _poll(self) -> Generator[Any, Any, None]:
        tick = POLL_SECONDS * self.settings.speedup
        while True:
            while True:
                try:
                    message, latency = self._inbox.get_nowait()
                except queue.Empty:
                    break
                self._apply(message, latency)
            yield self.env.timeout(tick)

    def _whereabouts(self, unfinished: list[LiveCase]) -> dict[str, str]:
        """Where each unfinished case stopped, as far as the events the harness read say."""
        served: dict[str, int] = defaultdict(int)
        decided: dict[str, set[str]] = defaultdict(set)
        for fact in self._facts:  # one pass, however many cases are unfinished
            if fact[0] == "served":
                served[fact[1]] += 1
            elif fact[0] == "decided":
                decided[fact[1]].add(fact[2])
        where = {}
        for case in unfinished:
            order = case.taken
            waiting = [k for k in order if k not in decided[case.case_id]]
            where[case.case_id] = (
                f"served at {served[case.case_id]} window(s), "
                f"{len(order) - len(waiting)} of {len(order)} items decided, "
                f"waiting for {', '.join(waiting) or 'the completion'}"
            )
        return where

    def _acknowledged(self, started: float) -> None:
        self.longest_stall_s = max(self.longest_stall_s, time.monotonic() - started)

    def _apply(self, message: Any, latency: float | None) -> None:
        if not message.case_id.startswith(self.run_id):
            self.ignored += 1
            return
        if isinstance(message, Completion):
            first = self._facts.get(("completed", message.case_id))
            if first is None or _outcome(first) != _outcome(message):
                self.completions[message.case_id] += 1  # a distinct outcome
            self.decisions_applied.setdefault(message.case_id, message.decisions_applied)
        if isinstance(message, Served):
            key = self._served_key(message)
        elif isinstance(message, Decision):
            key = ("decided", message.case_id, message.item)
        else:
            key = ("completed", message.case_id)
        if key in self._facts:
            self.duplicates += 1
            return
        self.received += 1
        self.late_minutes.append(max(0.0, self.env.now - _minute(message)))
        for hop, ms in message.hops:
            self.hops[hop].append(ms)
        if latency is not None:
            self.hops["to harness"].append(latency)
        case = self._cases.get(message.case_id)
        if isinstance(message, Served):
            queued = self._queued.get(key, message.served_at - message.service_minutes)
            # an online filing keeps no window busy
            if not message.online and measured(queued, 0.0, self.measured_until):
                self.busy[message.place] += message.service_minutes
            self.in_flight -= 1
        elif case is None:
            pass
        elif isinstance(message, Decision):
            self._decided(
                case, message.item, message.started_at, message.decided_at, message.earlier_rounds
            )
        else:
            for item, decided in message.decided_at.items():
                self._decided(case, item, decided, decided)
        self._facts[key] = message
        waiter = self._waiters.pop(key, None)
        if waiter is not None:
            waiter.succeed(self._read(message, key))

    @staticmethod
    def _served_key(message: Served) -> tuple:
        return _filing(
            message.case_id, message.place, message.attempt, message.file, message.collect
        )

    def _event(self, key: tuple) -> simpy.Event:
        """What to yield until the fact ``key`` is known; its value is what the story
        reads of it."""
        event = self._waiters.get(key)
        if event is None:
            event = self._waiters[key] = self.env.event()
            if key in self._facts:
                event.succeed(self._read(self._facts[key], key))
        return event

    def _read(self, message: Any, key: tuple) -> Any:
        """A window's ``served`` as the story reads a filing: (service, minutes, sent back);
        ``key`` is the fact's."""
        if isinstance(message, Served):
            minutes = message.service_minutes
            start = message.served_at - minutes
            service = Service(
                self._queued.get(key, start), start, message.served_at, message.queue_minutes
            )
            return service, minutes, message.sent_back
        return message

    # --- the applicant's port (``scenarios.story``) -----------------------------------

    def file(
        self,
        case: LiveCase,
        place: str,
        files: Sequence[str],
        collect: Sequence[str],
        attempt: int,
        held: Sequence[str],
    ) -> simpy.Event:
        """Send the filing to the place's window (a department's topic, or the platform)
        and wait for its ``served``."""
        files, collect = list(files), list(collect)
        if place == SINGLE_WINDOW:
            # the platform holds what it accepted of the filing itself
            whole = attempt == 0 and not collect and tuple(files) == self.process.order
            message: Any = Application(
                case_id=case.case_id,
                bundle=self.process.scenario.name,
                clock=self.clock,
                file=None if whole else files,
                collect=collect,
                attempt=attempt,
                opened_at=case.arrival,
                sent_at=self.env.now,
            )
            topic = APPLICATIONS
        else:
            message = ItemRequest(
                case_id=case.case_id,
                department=place,
                file=files,
                collect=collect,
                attempt=attempt,
                held=list(held),
                opened_at=case.arrival,
                clock=self.clock,
                sent_at=self.env.now,
            )
            topic = requests_topic(place)
        key = _filing(case.case_id, place, attempt, files, collect)
        self._queued[key] = self.mechanics.calendars.place(place).next_open(self.env.now)
        self._send(topic, message)
        return self._event(key)

    def filed(self, case: LiveCase, files: Sequence[str], now: float) -> None:
        """The services route and decide on their own."""

    def results(self, case: LiveCase, items: Sequence[str]) -> simpy.Event | None:
        missing = [k for k in items if k not in case.decided]
        if not missing:
            return None
        return self.env.all_of([self._event(("decided", case.case_id, k)) for k in missing])

    def completion(self, case: LiveCase) -> simpy.Event | None:
        key = ("completed", case.case_id)
        return None if key in self._facts else self._event(key)

    def finish(self, case: LiveCase) -> None:
        case.done = self.env.now

    def log(
        self,
        case: LiveCase,
        activity: str,
        place: str,
        start: float,
        end: float,
        resource: str = "",
        files: Sequence[str] = (),
        collects: Sequence[str] = (),
        steps: Sequence[str] = (),
    ) -> None:
        """An event row as the DES writes it (``Recorder``), for the drift test."""
        assert self.recorder is not None
        detail = event_detail(self.mechanics, activity, case.handed, files, collects, steps)
        self.recorder.event((0, case.case_id, activity, place, start, end, resource, detail))

    def _decided(
        self,
        case: LiveCase,
        item: str,
        start: float,
        decided: float,
        earlier_rounds: Sequence[float] = (),
    ) -> None:
        """A result the applicant will hold (at once, by mail, or once collected)."""
        if item in case.decided:
            return
        case.decided[item] = decided
        arrives = case.in_hand[item] = self.mechanics.in_hand_at(case.case_id, item, decided)
        if self.tracing:
            log_decision(self, case, item, start, decided, arrives, earlier_rounds)

    def _arrivals(self, times: list[float], cases: list[LiveCase]) -> Generator:
        integrated = self.process.integrated
        for n, t in enumerate(times):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            case = LiveCase(f"{self.run_id}-{n}", t)
            cases.append(case)
            self._cases[case.case_id] = case
            self.env.process(applicant(self, case, self.journeys, integrated))

    # --- the run ---------------------------------------------------------------------

    def arrival_times(self) -> list[float]:
        if self.settings.arrivals is not None:
            return list(self.settings.arrivals)
        arrivals = self.process.scenario.applicants.arrivals
        if self.settings.rate is not None:
            arrivals = arrivals.model_copy(
                update={"per_working_day": self.settings.rate, "trace": None}
            )
        seed = self.settings.seed
        return list(arrival_times(arrivals, self.calendar, seed, self.settings.duration_days))

    def run(
        self,
        progress: Callable[[int, int], None] | None = None,
        arrived: Callable[[int, int, int], None] | None = None,
    ) -> LiveResult:
        """Replay the applicants; ``progress`` hears (finished, total) and ``arrived``
        (arrived, finished, total) a few times a second."""
        from kafka import KafkaConsumer, KafkaProducer, TopicPartition

        kafka_python_reads_bad_header_names()
        settings = self.settings
        times = self.arrival_times()
        if not times:
            raise LiveError("no applicant arrives in this run: raise --duration or --rate")
        self.measured_until = max(times)  # utilisation: window work begun while arriving
        connection = security().kafka_python()
        self.producer = KafkaProducer(
            bootstrap_servers=settings.bootstrap, acks=producer_acks(), linger_ms=0, **connection
        )
        consumer = KafkaConsumer(
            bootstrap_servers=settings.bootstrap,
            **connection,
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=FETCH_WAIT_MS,
            auto_offset_reset="latest",
        )
        partitions = [
            TopicPartition(t, p)
            for t in (DECISIONS, COMPLETIONS, DEAD_LETTERS)
            for p in consumer.partitions_for_topic(t) or ()
        ]
        consumer.assign(partitions)
        for tp in partitions:
            consumer.position(tp)  # fix the start before anything is sent
        reader = threading.Thread(target=self._consume, args=(consumer,), daemon=True)
        reader.start()
        self.transport = self._kafka_send
        cases: list[LiveCase] = []
        try:
            # simulated minute 0 is now; the first applicant arrives at the first opening
            self.env = simpy.rt.RealtimeEnvironment(factor=1 / settings.speedup, strict=False)
            self.clock = self.clock_from(time.time(), settings.speedup)
            started = time.perf_counter()
            self.env.process(self._poll())
            self.env.process(self._arrivals(times, cases))
            deadline = None
            while True:
                self.env.run(until=self.env.now + settings.speedup * 0.25)
                self._keep_up(len(cases) < len(times))
                # the run's cases only grow: out of the collector's full passes, which
                # otherwise stop the schedule for a time that grows with them (1.8 s
                # after 300 s at 60 cases a second)
                gc.freeze()
                done = sum(c.done is not None for c in cases)
                if progress:
                    progress(done, len(times))
                if arrived:
                    arrived(len(cases), done, len(times))
                if len(cases) == len(times):
                    if all(c.done is not None or c.case_id in self.dead_letters for c in cases):
                        break
                    deadline = deadline or time.perf_counter() + settings.drain_seconds + (
                        max(times) / settings.speedup
                    )
                    if time.perf_counter() > deadline:
                        break
            wall = time.perf_counter() - started
        finally:
            gc.unfreeze()
            self._stop.set()
            reader.join(timeout=5)
            consumer.close()
            self.producer.close(timeout=5)
        return self.result(cases, times, wall)

    def _keep_up(self, arriving: bool) -> None:
        """How late the real-time environment runs behind its schedule, and the lag
        (requests sent, not yet served) while applicants arrive."""
        env = self.env
        late = time.monotonic() - (env.real_start + (env.now - env.env_start) * env.factor)
        self.behind_schedule_s = max(self.behind_schedule_s, late)
        if arriving:
            self.lag_samples.append((time.monotonic() - env.real_start, self.in_flight))

    def clock_from(self, origin: float, minutes_per_second: float) -> Clock:
        """The clock every event of this run carries: simulated minute 0 at ``origin``."""
        return Clock(
            origin=origin,
            minutes_per_second=minutes_per_second,
            infra_only=self.settings.infra_only,
            levers=sorted(self.process.levers),
            seed=self.settings.seed,
        )

    def start(
        self,
        env: simpy.Environment,
        times: list[float],
        cases: list[LiveCase],
        measured_until: float | None = None,
    ) -> None:
        """Let the applicants arrive on ``env`` (the broker-less loop drives it);
        utilisation is measured until ``measured_until`` (default: the last arrival)."""
        self.env = env
        self.measured_until = max(times) if measured_until is None else measured_until
        env.process(self._arrivals(times, cases))

    def result(self, cases: list[LiveCase], times: list[float], wall: float) -> LiveResult:
        return LiveResult(
            process=self.process,
            cases=cases,
            arrivals=times,
            hops_ms=dict(self.hops),
            busy_minutes=dict(self.busy),
            open_minutes=self.calendar.working_between(0.0, self.measured_until),
            wall_seconds=wall,
            max_in_flight=self.max_in_flight,
            sent=self.sent,
            received=self.received,
            ignored=self.ignored,
            duplicates=self.duplicates,
            late_minutes=self.late_minutes,
            longest_stall_s=self.longest_stall_s,
            behind_schedule_s=self.behind_schedule_s,
            lag_per_s=_slope(self.lag_samples),
            send_failures=self.send_failures,
            dead_letters=dict(self.dead_letters),
            whereabouts=self._whereabouts([c for c in cases if c.done is None]),
            completions=dict(self.completions),
            decisions_applied=self.decisions_applied,
            seed=self.settings.seed,
            calendar=self.calendar,
        )

    def apply(self, message: Any, latency: float | None = None) -> None:
        """A fact from the services (a window served, a decision, a completion)."""
        self._apply(message, latency)


def _slope(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of (seconds, requests in flight)."""
    if len(samples) < 3 or samples[-1][0] == samples[0][0]:
        return 0.0
    return statistics.linear_regression(*zip(*samples, strict=True)).slope


def _filing(
    case_id: str, place: str, attempt: int, files: Sequence[str], collect: Sequence[str]
) -> tuple:
    """A filing's ``served`` fact: by the items it names, in any order (a whole bundle is
    sent as none, and the platform serves it in the order of its own scenario file)."""
    return ("served", case_id, place, attempt, frozenset(files), frozenset(collect))


def _minute(message: Served | Decision | Completion) -> float:
    """The simulated minute an answer happened."""
    if isinstance(message, Served):
        return message.served_at
    if isinstance(message, Decision):
        return message.decided_at
    return message.completed_at


def _outcome(completion: Completion) -> tuple:
    """What a completion says happened, without how it travelled (its hops)."""
    return completion.decided_at, completion.completed_at, completion.decisions_applied
