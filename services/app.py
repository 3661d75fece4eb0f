"""The services on Kafka: Faust app settings, raw topics, dead letters, and the thin
adapter that feeds the plain service classes (``department``, ``platform``,
``shared_data``) from Faust streams and sends what they return in scaled real time.

Settings found on the embedded Tansu broker (and harmless on Apache Kafka):
- a consumer-group join takes about half the session timeout, so it is short (2 s);
- Tansu answers a fetch only when ``fetch_max_wait_ms`` expires, even when data is
  waiting, and Faust hard-codes 1,500 ms: the worker's consumer is patched to
  ``topics.names.FETCH_WAIT_MS``;
- Tansu's ListOffsets answers "base offset + 1" when a partition's last batch holds
  several records, and Faust restores a table only up to that offset: after a crash the
  table would miss its last writes.  ``producer_max_batch_size=1`` puts every record in
  a batch of its own, so the end offset is right;
- Tansu can answer a fetch with a batch beyond one it has not stored yet, and the
  consumer would move past a record it never reads: each fetch is cut at a hole in the
  offsets and read again from there (``topics.contiguity``);
- the web server is off (two services would fight over port 6066) and the data
  directory is private to the process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

import faust
import faust.transport.consumer
import faust.transport.producer
from aiokafka.consumer import fetcher as aiokafka_fetcher
from aiokafka.errors import IllegalStateError
from aiokafka.record.default_records import _DefaultRecordBatchPy
from aiokafka.record.memory_records import _MemoryRecordsPy
from faust.transport.drivers import aiokafka as faust_aiokafka

from onething.scenarios.model import Scenario
from onething.scenarios.official_calendar import BeyondOfficialCalendar
from onething.services.department import Department
from onething.services.effects import Refused, Send
from onething.services.platform import Platform
from onething.services.shared_data import SharedData
from onething.topics.connection import security
from onething.topics.contiguity import Contiguous
from onething.topics.header_names import decode_header_names_leniently
from onething.topics.names import (
    APPLICATIONS,
    DATA_REQUESTS,
    DEAD_LETTERS,
    DECISIONS,
    FETCH_WAIT_MS,
    TOPIC_PREFIX,
    partitions,
    requests_topic,
)
from onething.topics.schemas import (
    Application,
    BadEvent,
    Clock,
    DataRequest,
    DeadLetter,
    Decision,
    ItemRequest,
    Served,
    check_clock,
    check_header_names,
    check_key,
    decode,
    encode,
    hop_ms,
)

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
    consumer_class._new_offset = new_offset_below_unfinished
    consumer_class._onething_patched = True


def new_offset_below_unfinished(self: Any, tp: Any) -> int | None:
    """The offset to commit for ``tp``: past every acknowledged event below the lowest
    one still being worked on (``_commit_only_finished_work``).

    Unlike upstream, acknowledged offsets need not be consecutive: events of a partition
    reach the agents in order and are tracked as unacknowledged when delivered, so a
    hole below an acknowledged offset that is not unacknowledged was never delivered (a
    compacted or transaction-marker offset: upstream's ``_gap`` bookkeeping).  The gap
    intervals below the new offset are dropped, as upstream does."""
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
    offset = done[-1] + 1
    gaps = self._gap.get(tp)
    if gaps:
        gaps.chop(0, offset)
    return offset


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


def _read_without_holes() -> None:
    """Deliver each of onething's topics to the agents without holes in its offsets.

    Tansu 0.6 can answer a fetch with a batch beyond one it has not stored yet
    (``topics.contiguity``): the consumer then moves past a record it never reads, and
    the commit after it makes the loss final.  Each fetch's records are cut at a hole
    and the consumer seeks back to the missing offset.  Faust's own changelog topics
    (compacted, so holes are normal) are left alone; expectations are forgotten when
    the consumer group's generation changes (a rebalance moves positions)."""
    thread = faust_aiokafka.AIOKafkaConsumerThread
    if getattr(thread._fetch_records, "_onething_patched", False):
        return
    original = thread._fetch_records

    async def fetch_records(self: Any, consumer: Any, *args: Any, **kwargs: Any) -> Any:
        records = await original(self, consumer, *args, **kwargs)
        generation = getattr(consumer._coordinator, "generation", None)
        guard = self.__dict__.get("_onething_contiguous")
        if guard is None:
            guard = self.__dict__["_onething_contiguous"] = Contiguous()
        if self.__dict__.get("_onething_generation") != generation:
            guard.forget()
            self.__dict__["_onething_generation"] = generation
        for tp in list(records):
            if not tp.topic.startswith(TOPIC_PREFIX):
                continue
            kept, seek_back = guard.keep(tp, records[tp])
            if seek_back is not None:
                with contextlib.suppress(IllegalStateError):  # revoked meanwhile: moot
                    consumer.seek(tp, seek_back)
            if kept:
                records[tp] = kept
            else:
                del records[tp]
        return records

    fetch_records._onething_patched = True  # type: ignore[attr-defined]
    fetch_records.__wrapped__ = original  # type: ignore[attr-defined]
    thread._fetch_records = fetch_records


def _read_bad_header_names() -> None:
    """Deliver a record whose header name is not UTF-8 instead of stopping the worker.

    aiokafka decodes header names strictly, in its C record reader and in its
    pure-Python one, and the error ends the fetch: Faust logs "Drain messages raised"
    and the worker crashes, and crashes again on the same record after a restart
    (``topics.header_names``).  The pure-Python reader is made lenient (the name keeps
    its bytes as lone surrogates); a batch the C reader fails on is read again, from its
    first record, by the pure-Python one, and the records already delivered are skipped
    by offset as aiokafka skips them in a compressed batch.  The adapter dead-letters
    the event (``check_header_names``)."""
    records_class = aiokafka_fetcher.PartitionRecords
    if getattr(records_class.__next__, "_onething_patched", False):
        return
    decode_header_names_leniently(_DefaultRecordBatchPy, "surrogateescape")
    aiokafka_fetcher.MemoryRecords = FetchedBatches
    strict_next = records_class.__next__

    def next_record(self: Any) -> Any:
        try:
            return strict_next(self)
        except UnicodeDecodeError:
            if not (isinstance(self._records, FetchedBatches) and self._records.read_again()):
                raise
            self._records_iterator = self._unpack_records()
            return strict_next(self)

    next_record._onething_patched = True  # type: ignore[attr-defined]
    next_record.__wrapped__ = strict_next  # type: ignore[attr-defined]
    records_class.__next__ = next_record


class FetchedBatches(_MemoryRecordsPy):
    """A partition's fetched batches, as aiokafka's pure-Python ``MemoryRecords`` cuts
    them (each read by the C reader when aiokafka has it); ``read_again`` hands the last
    batch out once more, to the pure-Python reader (``_read_bad_header_names``)."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.last: memoryview | None = None
        self.again: _DefaultRecordBatchPy | None = None

    def has_next(self) -> bool:
        return self.again is not None or super().has_next()

    def next_batch(self, *args: Any) -> Any:
        if self.again is not None:
            batch, self.again = self.again, None
            return batch
        self.last = self._next_slice
        return super().next_batch(*args)

    def read_again(self) -> bool:
        """Whether there is a batch to read again in pure Python (once)."""
        if self.last is None:
            return False
        self.again, self.last = _DefaultRecordBatchPy(self.last), None
        return True


def make_app(app_id: str, bootstrap: str) -> faust.App:
    _short_fetch_wait()
    _commit_only_finished_work()
    _flush_means_delivered()
    _read_without_holes()
    _read_bad_header_names()
    return faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        broker_credentials=security().faust_credentials(),
        store="memory://",
        topic_partitions=partitions(),
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
        partitions=partitions(),
    )


REFUSALS = (BadEvent, Refused, BeyondOfficialCalendar)
"""Why an event is dead-lettered with its own reason: a bad event, one the service
cannot place, or one whose clock runs past the official working calendar."""
MAX_REASON = 1000
"""A dead letter's reason is cut here (a reason can quote the event)."""

FAULT_ENV = "ONETHING_FAULT_DROP"
"""A test-only fault: ``TOPIC:N`` makes every service drop the N-th event it would send
to TOPIC, a lost message, to prove that a run's reconciliation catches and names it."""


def _fault() -> tuple[str, int] | None:
    text = os.environ.get(FAULT_ENV, "")
    topic, _, nth = text.rpartition(":")
    return (topic, int(nth)) if topic and nth.isdigit() else None


class Adapter:
    """Runs one plain service (event in, ``Send`` out) on Kafka: parses and stamps each
    event, hands it to the service, dead-letters what it refuses, and sends what it
    returns, each at its simulated minute in scaled real time.  An event is acknowledged
    (so its offset may be committed) only when the broker has everything it caused: a
    crash replays unfinished work instead of losing it, and a send the broker refuses
    is sent again instead of being dropped with its event acknowledged."""

    RESEND_BACKOFF = (0.1, 0.5, 2.0)
    """Seconds before each new attempt at a refused send (the last repeats)."""

    def __init__(self, name: str, app: faust.App):
        self.name = name
        self.app = app
        self.dead = raw_topic(app, DEAD_LETTERS)
        self.topics: dict[str, Any] = {}
        self.fault = _fault()
        self.sent: dict[str, int] = {}

    def topic(self, name: str) -> Any:
        if name not in self.topics:
            self.topics[name] = raw_topic(self.app, name)
        return self.topics[name]

    async def feed(
        self,
        event: Any,
        expected: tuple[type, ...],
        hop: str,
        handle: Callable[[Any], list[Send]],
    ) -> None:
        """Handle one event taken with ``noack()``; acknowledge it when its work is done.
        Nothing an event holds stops the agent: what cannot be taken is dead-lettered."""
        try:
            sends = handle(self.receive(event, expected, hop))
        except REFUSALS as refusal:
            await self.dead_letter(event, str(refusal))
            event.ack()
            return
        except Exception as exc:  # a bug must not stop the service nor lose the event
            log.exception("%s: failed on an event from %s", self.name, event.message.topic)
            await self.dead_letter(event, f"{self.name} failed on it: {type(exc).__name__}: {exc}")
            event.ack()
            return
        if all(s.at is None for s in sends):
            await self._send_caused(event, sends)
        else:
            asyncio.ensure_future(self._send_caused(event, sends))

    async def _send_caused(self, event: Any, sends: list[Send]) -> None:
        """Send what an event caused, each at its time, and acknowledge the event when
        the broker has it all."""
        try:
            deliveries = await self._send_all(sends)
        except Exception as exc:  # unreachable on a running service; never leave it unacked
            log.exception("%s: failed while sending %r", self.name, sends)
            await self.dead_letter(event, f"{self.name} failed to send what it caused: {exc!r}")
            event.ack()
            return
        self._ack_when_delivered(event, deliveries)

    async def _send_all(self, sends: list[Send]) -> list[tuple[Send, Any]]:
        """Hand every send to the producer at its time; each with its delivery."""
        deliveries = []
        for send in sorted(sends, key=lambda s: -math.inf if s.at is None else s.at):
            clock = send.clock
            if send.at is not None and clock is not None and not clock.infra_only:
                delay = clock.seconds(send.at - clock.now())
                if delay > 0:
                    await asyncio.sleep(delay)
            self.sent[send.topic] = self.sent.get(send.topic, 0) + 1
            if self.fault == (send.topic, self.sent[send.topic]):
                log.warning("%s: %s: dropped %r", self.name, FAULT_ENV, send.message)
                continue
            deliveries.append((send, await self._send(send)))
        return deliveries

    async def _send(self, send: Send) -> Any:
        """Hand one send to the producer; its delivery (a future of the broker's answer)."""
        key, value, headers = encode(send.message)
        return await self.topic(send.topic).send(key=key, value=value, headers=headers)

    def _ack_when_delivered(self, event: Any, deliveries: list[tuple[Send, Any]]) -> None:
        """Acknowledge ``event`` once the broker has taken every one of its sends; send
        again what it refuses."""
        waiting = len(deliveries)
        if not waiting:
            event.ack()
            return

        def delivered(send: Send, delivery: Any, attempt: int) -> None:
            nonlocal waiting
            if delivery.cancelled() or delivery.exception() is not None:
                why = "cancelled" if delivery.cancelled() else repr(delivery.exception())
                asyncio.ensure_future(self._resend(send, why, attempt + 1, delivered))
                return
            waiting -= 1
            if not waiting:
                event.ack()

        for send, delivery in deliveries:
            delivery.add_done_callback(lambda d, s=send: delivered(s, d, 0))

    async def _resend(
        self, send: Send, why: str, attempt: int, delivered: Callable[[Send, Any, int], None]
    ) -> None:
        """Send again, after a pause, what the broker refused; ``delivered`` hears how the
        new attempt went."""
        backoff = self.RESEND_BACKOFF[min(attempt, len(self.RESEND_BACKOFF)) - 1]
        log.warning(
            "%s: a send to %s failed (%s); sending it again in %g s (attempt %d)",
            self.name,
            send.topic,
            why,
            backoff,
            attempt + 1,
        )
        await asyncio.sleep(backoff)
        delivery = await self._send(send)
        delivery.add_done_callback(lambda d: delivered(send, d, attempt))

    async def dead_letter(self, event: Any, reason: str) -> None:
        payload = event.value if isinstance(event.value, bytes) else str(event.value).encode()
        letter = DeadLetter(
            service=self.name,
            reason=reason[:MAX_REASON],
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
            letter.reason,
        )
        key = event.key if isinstance(event.key, bytes) else None
        await self.dead.send(key=key, value=letter.model_dump_json().encode())

    def receive(self, event: Any, expected: tuple[type, ...], hop: str) -> Any:
        """Parse an event keyed by its case, on a clock a run can have, and record its
        hop; raise ``BadEvent`` if it is bad.  A bad send-time header only costs the
        hop's latency."""
        check_header_names(event.headers)
        message = decode(event.value, expected)
        check_key(event.key, message)
        check_clock(message)
        latency = hop_ms(event.headers)
        if latency is not None:
            message.hops.append((hop, latency))
        return message


def add_department(app: faust.App, scenario: Scenario, department: str) -> None:
    """One department's agent: its requests topic in, decisions out."""
    service = Department(scenario, department)
    adapter = Adapter(f"department {department}", app)

    @app.agent(raw_topic(app, requests_topic(department)), name=f"department-{department}")
    async def take(stream: Any) -> None:
        async for event in stream.noack().events():
            await adapter.feed(
                event,
                (ItemRequest,),
                f"to {department}",
                service.on_request,
            )


def add_platform(app: faust.App, scenario: Scenario, default_clock: Clock) -> None:
    """The platform's agents: applications and decisions in; routes, its window's
    ``served`` and completions out; cases in a table."""
    adapter = Adapter("platform", app)
    cases = app.Table(f"onething-{scenario.name}-platform-cases", default=dict)
    service = Platform(
        scenario, cases, lambda: default_clock.model_copy(update={"origin": time.time()})
    )

    @app.agent(raw_topic(app, APPLICATIONS), name="platform-intake")
    async def intake(stream: Any) -> None:
        async for event in stream.noack().events():
            await adapter.feed(event, (Application,), "to platform", service.on_application)

    @app.agent(raw_topic(app, DECISIONS), name="platform-join")
    async def join(stream: Any) -> None:
        async for event in stream.noack().events():
            await adapter.feed(event, (Served, Decision), "to platform", service.on_decisions)


def add_shared_data(app: faust.App, scenario: Scenario) -> None:
    """The shared data's agent: data requests in, department requests out."""
    adapter = Adapter("shared data", app)
    service = SharedData(scenario)

    @app.agent(raw_topic(app, DATA_REQUESTS), name="shared-data")
    async def serve(stream: Any) -> None:
        async for event in stream.noack().events():
            await adapter.feed(event, (DataRequest,), "to shared data", service.on_request)


def department_app(scenario: Scenario, department: str, bootstrap: str) -> faust.App:
    app = make_app(f"onething-{scenario.name}-{department}", bootstrap)
    add_department(app, scenario, department)
    return app


def platform_app(scenario: Scenario, bootstrap: str, default_clock: Clock) -> faust.App:
    app = make_app(f"onething-{scenario.name}-platform", bootstrap)
    add_platform(app, scenario, default_clock)
    return app


def shared_data_app(scenario: Scenario, bootstrap: str) -> faust.App:
    app = make_app(f"onething-{scenario.name}-shared-data", bootstrap)
    add_shared_data(app, scenario)
    return app


def compact_app(scenario: Scenario, bootstrap: str, default_clock: Clock) -> faust.App:
    """Every service of the bundle in one Faust worker (the compact topology): the same
    classes and topics, one consumer and one producer instead of one per service, for
    load tests on small machines."""
    app = make_app(f"onething-{scenario.name}-services", bootstrap)
    for department in scenario.departments:
        add_department(app, scenario, department)
    add_platform(app, scenario, default_clock)
    add_shared_data(app, scenario)
    return app


def run_worker(app: faust.App) -> None:
    """Run a Faust worker in this process until it is stopped (Ctrl-C, SIGTERM)."""
    faust.Worker(app, loglevel="WARNING", quiet=True).execute_from_commandline()
