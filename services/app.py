"""What every onething service shares: the Faust app settings, raw topics, dead letters,
and the office model (windows, calendar, service times) a service runs in scaled time.

Settings found on the embedded Tansu broker (and harmless on Apache Kafka):
- a consumer-group join takes about half the session timeout, so it is short (2 s);
- Tansu answers a fetch only when ``fetch_max_wait_ms`` expires, even when data is
  waiting, and Faust hard-codes 1,500 ms: the worker's consumer is patched to
  ``topics.names.FETCH_WAIT_MS``;
- Tansu's ListOffsets answers "base offset + 1" when a partition's last batch holds
  several records, and Faust restores a table only up to that offset: after a crash the
  table would miss its last writes.  ``producer_max_batch_size=1`` puts every record in
  a batch of its own, so the end offset is right;
- the web server is off (two services would fight over port 6066) and the data
  directory is private to the process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import tempfile
from collections.abc import Iterable
from typing import Any

import faust
import faust.transport.consumer
import faust.transport.producer
from faust.transport.drivers import aiokafka as faust_aiokafka
from pydantic import BaseModel

from onething.scenarios.counts import form_factor
from onething.scenarios.levers import Process, parse_levers
from onething.scenarios.model import Scenario
from onething.sim.calendar import WorkingCalendar
from onething.sim.distributions import sampler
from onething.topics.connection import security
from onething.topics.names import DEAD_LETTERS, FETCH_WAIT_MS, PARTITIONS
from onething.topics.schemas import BadEvent, Clock, DeadLetter, Served, decode, encode, hop_ms

log = logging.getLogger("onething.services")


def _short_fetch_wait() -> None:
    """Make Faust's consumer long-poll for FETCH_WAIT_MS instead of 1.5 s (module doc)."""
    thread = faust_aiokafka.AIOKafkaConsumerThread
    if getattr(thread, "_onething_patched", False):
        return
    original = thread._create_worker_consumer

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = FETCH_WAIT_MS
        return consumer

    thread._create_worker_consumer = create
    thread._onething_patched = True


def _commit_only_finished_work() -> None:
    """Never commit an offset past an event that is still being worked on.

    Services take events with ``noack()`` and acknowledge each when its work is done, so
    events finish out of order.  Faust 0.15's ``Consumer._new_offset`` commits the first
    run of consecutive acknowledged offsets and lets a one-offset hole right after the
    committed offset through (and any hole when nothing was committed yet): a crash then
    loses the unfinished event instead of replaying it (seen with SIGKILL in the chaos
    test; faust-streaming/faust#606, open, fix proposed in #707).  Here the commit stops
    below the lowest offset delivered and not yet acked.
    """
    consumer_class = faust.transport.consumer.Consumer
    if getattr(consumer_class, "_onething_patched", False):
        return

    def new_offset(self: Any, tp: Any) -> int | None:
        acked = self._acked[tp]
        if not acked:
            return None
        unfinished = [m.offset for m in list(self._unacked_messages) if m.tp == tp]
        limit = min(unfinished, default=None)
        acked.sort()
        done = [offset for offset in acked if limit is None or offset < limit]
        if not done:
            return None
        acked[: len(done)] = []
        self._acked_index[tp].difference_update(done)
        return done[-1] + 1

    consumer_class._new_offset = new_offset
    consumer_class._onething_patched = True


def _flush_means_delivered() -> None:
    """Make the flush before every offset commit wait until table writes are on the broker.

    A table write is queued in Faust's producer buffer; Faust 0.15 flushes that buffer
    before committing offsets but gives up when no message leaves it within 0.1 s, and a
    message taken from the queue but not yet handed to the Kafka producer is not waited
    for at all.  The commit then covers an event whose table write is lost if the
    process dies (seen with SIGKILL in the chaos test: a decision never applied)."""
    buffer_class = faust.transport.producer.ProducerBuffer
    if getattr(buffer_class, "_onething_patched", False):
        return
    original_put, original_flush = buffer_class.put, buffer_class.flush

    def put(self: Any, fut: Any) -> None:
        unsent = self.__dict__.setdefault("_onething_unsent", set())
        unsent.add(fut)
        fut.add_done_callback(unsent.discard)
        original_put(self, fut)

    async def flush(self: Any) -> None:
        await original_flush(self)
        unsent = self.__dict__.get("_onething_unsent", set())
        while unsent:
            await asyncio.gather(*list(unsent), return_exceptions=True)

    buffer_class.put, buffer_class.flush = put, flush
    buffer_class._onething_patched = True


def make_app(app_id: str, bootstrap: str) -> faust.App:
    _short_fetch_wait()
    _commit_only_finished_work()
    _flush_means_delivered()
    return faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        broker_credentials=security().faust_credentials(),
        store="memory://",
        topic_partitions=PARTITIONS,
        topic_replication_factor=1,
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=2.0,
        broker_heartbeat_interval=0.5,
        broker_rebalance_timeout=2.0,
        broker_commit_interval=0.5,
        producer_acks=1,
        producer_max_batch_size=1,
        table_standby_replicas=0,
        stream_wait_empty=False,
        web_enabled=False,
        datadir=tempfile.mkdtemp(prefix=f"{app_id}-", dir=os.environ.get("ONETHING_DATADIR")),
    )


def raw_topic(app: faust.App, *names: str) -> Any:
    """Bytes in, bytes out: every service parses with ``topics.schemas`` itself, so a
    malformed event becomes a dead letter instead of a crash in a Faust codec.  An agent
    on several names reads them one event at a time, never two at once."""
    return app.topic(
        *names,
        key_type=bytes,
        value_type=bytes,
        value_serializer="raw",
        key_serializer="raw",
        partitions=PARTITIONS,
    )


class Service:
    """Sending, dead-lettering and hop stamping for one Faust app."""

    def __init__(self, name: str, app: faust.App):
        self.name = name
        self.app = app
        self.dead = raw_topic(app, DEAD_LETTERS)
        self.dead_lettered = 0

    async def send(self, topic: Any, message: BaseModel) -> None:
        key, value, headers = encode(message)
        await topic.send(key=key, value=value, headers=headers)

    async def dead_letter(self, event: Any, reason: str) -> None:
        self.dead_lettered += 1
        payload = event.value if isinstance(event.value, bytes) else str(event.value).encode()
        letter = DeadLetter(
            service=self.name,
            reason=reason,
            source_topic=event.message.topic,
            partition=event.message.partition,
            offset=event.message.offset,
            payload=payload[:2000].decode("utf-8", errors="replace"),
        )
        log.warning(
            "%s: dead letter from %s[%s]@%s: %s",
            self.name,
            letter.source_topic,
            letter.partition,
            letter.offset,
            reason,
        )
        await self.dead.send(key=event.key, value=letter.model_dump_json().encode())

    def log_failure(self, message: Any) -> None:
        log.exception("%s: failed while handling %r", self.name, message)

    async def receive(self, event: Any, expected: tuple[type, ...], hop: str) -> Any | None:
        """Parse an event and record its hop; dead-letter it (and return None) if bad."""
        try:
            message = decode(event.value, expected)
        except BadEvent as exc:
            await self.dead_letter(event, str(exc))
            return None
        latency = hop_ms(event.headers)
        if latency is not None:
            message.hops.append((hop, latency))
        return message


class Office:
    """Windows, calendar and time draws of one place, in scaled real time."""

    def __init__(
        self, process: Process, place: str, place_calendar: WorkingCalendar, seed: int | None = None
    ):
        self.process = process
        self.calendar = place_calendar
        self.windows = asyncio.Semaphore(process.windows(place))
        self.rng = random.Random(seed)
        per_day = place_calendar.minutes_per_day
        s = process.scenario
        self._handling = {k: sampler(i.handling, self.rng, per_day) for k, i in s.items.items()}
        self._processing = {k: sampler(process.processing(k), self.rng, per_day) for k in s.items}
        self._pickup = sampler(s.applicants.pickup_handling, self.rng, per_day)
        self._form_factor = form_factor(process)

    def handling(self, items: Iterable[str], collect: bool) -> float:
        total = sum(self._handling[k]() for k in items) * self._form_factor
        return total + (self._pickup() if collect else 0.0)

    def processing(self, item: str) -> float:
        return self._processing[item]()

    def rework(self, item: str) -> float:
        return self.process.rework(item)

    async def sleep_minutes(self, clock: Clock, minutes: float) -> None:
        if minutes > 0:
            await asyncio.sleep(clock.seconds(minutes))

    async def until_open(self, clock: Clock) -> None:
        if clock.infra_only:
            return
        now = clock.now()
        await self.sleep_minutes(clock, self.calendar.next_open(now) - now)

    async def serve(self, clock: Clock, minutes: float) -> float:
        """Queue at a window and be served; returns the simulated minutes queued."""
        await self.until_open(clock)
        arrived = clock.now()
        async with self.windows:
            queued = clock.now() - arrived
            if not clock.infra_only and self.calendar.next_open(clock.now()) > clock.now():
                await self.until_open(clock)  # closed while queueing: count open time only
                queued = self.calendar.working_between(arrived, clock.now())
            await self.sleep_minutes(clock, minutes)
        return queued

    async def window(
        self,
        clock: Clock,
        place: str,
        case_id: str,
        file: list[str],
        collect: list[str],
        attempt: int,
        hops: list,
        can_be_sent_back: bool = True,
    ) -> Served:
        """An applicant at the window: queue, hand over (or collect), and learn which
        filed items are sent back for missing materials (补正)."""
        minutes = self.handling(file, bool(collect))
        queued = await self.serve(clock, minutes)
        sent_back = [k for k in file if can_be_sent_back and self.rng.random() < self.rework(k)]
        return Served(
            case_id=case_id,
            place=place,
            file=file,
            collect=collect,
            sent_back=sent_back,
            attempt=attempt,
            queue_minutes=queued,
            service_minutes=minutes,
            served_at=clock.now(),
            hops=hops,
        )

    async def back_office(self, clock: Clock, item: str, start: float) -> float:
        """Work the item in working time from ``start``; returns the decision minute."""
        decided = self.calendar.add_working(start, self.processing(item))
        await self.sleep_minutes(clock, decided - clock.now())
        return clock.now() if clock.infra_only else decided


class Offices:
    """One office per lever set a run plays: the levers change windows (staffing),
    back-office times (data sharing, notify-and-commit) and rework."""

    def __init__(self, scenario: Scenario, place: str):
        self.scenario = scenario
        self.place = place
        department = scenario.departments.get(place)
        spec = department.calendar if department and department.calendar else scenario.calendar
        self.calendar = WorkingCalendar(spec, scenario.run.start_date)
        self._offices: dict[frozenset[str], Office] = {}

    def of(self, levers: Iterable[str]) -> Office:
        key = frozenset(levers)
        if key not in self._offices:
            process = Process(self.scenario, parse_levers(key))
            self._offices[key] = Office(process, self.place, self.calendar)
        return self._offices[key]


def run_worker(app: faust.App) -> None:
    """Run a Faust worker in this process until it is stopped (Ctrl-C, SIGTERM)."""
    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()
