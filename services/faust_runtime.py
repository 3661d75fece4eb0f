"""The Faust runtime every onething worker runs on: the app settings (``make_app``), raw
topics, and the patches to Faust and aiokafka that those settings need.

``make_app`` applies every patch once; ``tests/services/test_faust_patches.py`` fails when an
upgrade moves or reshapes what a patch replaces.

Settings for short runs and quick recovery, on either broker:
- a consumer-group member times out in 2 s (the embedded Kafka allows it:
  ``group.min.session.timeout.ms``), so a killed service's partitions move quickly;
- the consumer long-polls for ``fetch_wait_ms()`` instead of Faust's hard-coded
  1,500 ms: 500 ms on Kafka, which answers as soon as data arrives, and
  ``topics.names.FETCH_WAIT_MS`` on Tansu, which answers a fetch only when the wait
  expires, even when data is waiting;
- the web server is off (two services would fight over port 6066) and the data
  directory is private to the process.

Only on Tansu (``topics.connection.on_tansu``), for two of its faults:
- its ListOffsets answers "base offset + 1" when a partition's last batch holds several
  records, and Faust restores a table only up to that offset: after a crash the table
  would miss its last writes.  ``producer_max_batch_size=1`` puts every record in a
  batch of its own, so the end offset is right, and nothing lingers; on Kafka the
  producer batches, waiting ``PRODUCER_LINGER_S`` for company;
- it can answer a fetch with a batch beyond one it has not stored yet, and the consumer
  would move past a record it never reads: each fetch is cut at a hole in the offsets
  and read again from there (``topics.contiguity``).  On Kafka holes are normal
  (transaction markers) and the guard stands aside.

On either broker, Faust itself can drop a record it fetched across a rebalance: the
offsets it delivers are checked (``_deliver_without_holes``), and a commit never passes
a record fetched and not handled (``new_offset_below_unfinished``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import tempfile
from typing import Any

import faust
import faust.tables.base
import faust.transport.consumer
import faust.transport.producer
from aiokafka.consumer import fetcher as aiokafka_fetcher
from aiokafka.errors import IllegalStateError, KafkaError
from aiokafka.record.default_records import _DefaultRecordBatchPy
from aiokafka.record.memory_records import _MemoryRecordsPy
from faust.transport.drivers import aiokafka as faust_aiokafka

from onething.services.broker import producer_acks, replication_factor
from onething.topics.connection import on_tansu, security
from onething.topics.contiguity import Contiguous
from onething.topics.header_names import decode_header_names_leniently
from onething.topics.names import FETCH_WAIT_MS, TOPIC_PREFIX, partitions

KAFKA_FETCH_WAIT_MS = 500
"""How long a service's fetch may wait for data on Kafka, which answers as soon as data
arrives: a long wait costs no latency, and an idle consumer asks 2 times a second
instead of 40 (with Tansu's ``FETCH_WAIT_MS``), CPU the services need on 2 cores."""


def fetch_wait_ms() -> int:
    """How long a service's fetch may wait for data: short on Tansu (module doc)."""
    return FETCH_WAIT_MS if on_tansu() else KAFKA_FETCH_WAIT_MS


log = logging.getLogger("onething.services")
NOT_DELIVERED = "fetched but not delivered by Faust; reading them again"
"""What a service logs when ``_deliver_without_holes`` seeks back (count it in its log)."""
NOT_HANDLED = "delivered but not handled (skipped by a Faust stream); reading from it again"
"""What a service logs when ``new_offset_below_unfinished`` has a record read again."""


def _short_fetch_wait() -> None:
    """Make Faust's consumer long-poll for ``fetch_wait_ms()`` instead of 1.5 s (module
    doc)."""
    thread = faust_aiokafka.AIOKafkaConsumerThread
    if getattr(thread, "_onething_patched", False):
        return
    original = thread._create_worker_consumer

    def create(self: Any, transport: Any) -> Any:
        consumer = original(self, transport)
        consumer._fetch_max_wait_ms = fetch_wait_ms()
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
    below the lowest offset delivered and not yet acked, and at a record fetched and
    never handled (``new_offset_below_unfinished``).
    """
    consumer_class = faust.transport.consumer.Consumer
    if getattr(consumer_class, "_onething_patched", False):
        return
    consumer_class._new_offset = new_offset_below_unfinished
    consumer_class._onething_patched = True


def new_offset_below_unfinished(self: Any, tp: Any) -> int | None:
    """The offset to commit for ``tp``: the end of the run of acknowledged offsets from
    the committed one, stopping below the lowest event still being worked on
    (``_commit_only_finished_work``).

    A hole in that run is passed only where the delivery guard found the broker has no
    record (``Delivered.holes``).  Any other hole is a record fetched and not handled:
    Faust's stream skips a record without acknowledging or tracking it when it arrives
    across a rebalance (its generation is the one before, or flow control is suspended),
    and committing past it lost a decision, then an application, after a paused broker.
    The commit stops there, and the record is read again (``Delivered.rewind``, once per
    offset and generation; what follows it is read again too and handled as a repeat).
    Upstream's ``_gap`` intervals, which also cover such skips, are only trimmed."""
    acked = self._acked[tp]
    if not acked:
        return None
    acked.sort()
    delivered = Delivered.of(self)
    start = self._committed_offset[tp]
    if start is None:  # nothing committed yet: from where this generation began reading
        start = delivered.first.get(tp, acked[0]) if delivered else acked[0]
    limit = min(_unfinished(self, tp, start), default=None)
    offset, done = start, 0
    for acked_offset in acked:
        if limit is not None and acked_offset >= limit:
            break
        if acked_offset > offset and not (delivered and delivered.hole(tp, offset, acked_offset)):
            if delivered is not None and tp.topic.startswith(TOPIC_PREFIX):
                delivered.read_again(tp, offset)
            break
        done += 1
        offset = max(offset, acked_offset + 1)
    self._acked_index[tp].difference_update(acked[:done])
    acked[:done] = []
    gaps = self._gap.get(tp)
    if gaps:
        gaps.chop(0, offset)
    return offset if offset > start else None


def _unfinished(consumer: Any, tp: Any, start: int) -> list[int]:
    """Offsets of ``tp`` delivered and not yet acknowledged, at or above ``start``.

    Faust leaves a message in ``_unacked_messages`` for good when its offset was
    acknowledged before (a record read again) or lies below the commit: those are done,
    and are dropped here."""
    unacked = consumer._unacked_messages
    offsets = []
    for message in list(unacked):
        if message.tp != tp:
            continue
        if message.acked or message.offset < start:
            unacked.discard(message)
        else:
            offsets.append(message.offset)
    return offsets


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
    """Deliver each of onething's topics to the agents without holes in its offsets, on
    Tansu (asked at each fetch: a process may meet both brokers, as the tests do).

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
        if not on_tansu():
            return records
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


def _deliver_without_holes() -> None:
    """Deliver each of onething's topics to the agents without holes in its offsets.

    Faust 0.15 can give up records it has fetched before the agents see them (its
    ``getmany`` ends a batch early when the group's generation changes; a stream skips a
    record of the generation before). The consumer's position has moved past them all
    the same, so the next offset delivered jumps, the commit goes past the jump (as past
    any gap) and the record is lost for good: seen after a 15 s pause of the broker,
    where every group rebalanced at once and a decision on a record in the middle of a
    batch was never applied (its case never finished). So, within one generation of the
    group, a jump in the offsets leaving ``getmany`` for one of onething's topics holds
    the partition's records back and seeks it back to the offset expected, once: if the
    jump is still there when read again, the broker has nothing there (a transaction
    marker) and it is passed. In a new generation (a rebalance) a partition's first
    record is expected at its committed offset, or, with nothing committed, at the first
    offset the partition holds: a broker-kill tally run lost 12 cases when the killed
    broker coordinated a department's group, requests were written while the group stood
    empty, and the next generation began two of those partitions past records it never
    delivered (offsets 0–6 and 2–6), with nothing committed to compare with. Any record
    read again is one the services already handle as a repeat."""
    consumer_class = faust.transport.consumer.Consumer
    original = consumer_class.getmany
    if getattr(original, "_onething_patched", False):
        return

    async def getmany(self: Any, timeout: float) -> Any:
        async for delivered in without_holes(self, original(self, timeout)):
            yield delivered

    getmany._onething_patched = True  # type: ignore[attr-defined]
    getmany.__wrapped__ = original  # type: ignore[attr-defined]
    consumer_class.getmany = getmany


class Delivered:
    """What ``getmany`` delivered of onething's topics in one generation of the consumer
    group: per partition, the offset expected next (the one after the last delivered, or
    at first the committed one, where a rebalance's seek puts the partition, or the log
    start when nothing is committed), the first delivered, the offset last sought back
    to, and the holes the broker really has (passed on a second look).  Kept on the
    Faust consumer; a new generation starts afresh."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.expected: dict[Any, int] = {}
        self.first: dict[Any, int] = {}
        self.sought_back: dict[Any, int] = {}
        self.holes: dict[Any, dict[int, int]] = {}
        self.rewind: dict[Any, int] = {}
        """Partitions to read again from an offset, at the next ``getmany``."""
        self._rewound: set[tuple[Any, int]] = set()

    @classmethod
    def of(cls, consumer: Any) -> Delivered | None:
        """The consumer's record for its current generation, if it delivered any."""
        record = consumer.__dict__.get("_onething_delivered")
        current = consumer.app.consumer_generation_id
        return record if record is not None and record.generation == current else None

    @classmethod
    def now(cls, consumer: Any) -> Delivered:
        record = cls.of(consumer)
        if record is None:
            record = consumer.__dict__["_onething_delivered"] = cls(
                consumer.app.consumer_generation_id
            )
        return record

    def hole(self, tp: Any, begin: int, end: int) -> bool:
        """Whether the broker has no record at offsets ``begin..end-1`` of ``tp``."""
        return self.holes.get(tp, {}).get(begin, begin) >= end

    def read_again(self, tp: Any, offset: int) -> None:
        """Have ``tp`` read again from ``offset`` if this generation has read past it and
        it was not handled (``new_offset_below_unfinished``): once per offset in a
        generation.  One not delivered yet (an acknowledgement from the generation before
        came first) is on its way.  One below this generation's first delivery is read
        again too, since nothing else brings it back: a platform restarted mid-run handled
        two partitions from one record past their committed offsets (the broker's storage
        showed 54 committed, 55 on handled, 54 never, and no line of a read again), and
        two cases waited forever (a kill chaos run of the tally)."""
        if offset < self.expected.get(tp, offset) and (tp, offset) not in self._rewound:
            self._rewound.add((tp, offset))
            self.rewind[tp] = offset


async def without_holes(consumer: Any, fetched: Any) -> Any:
    """The (partition, message) pairs of ``fetched`` (one ``getmany``) that may go to the
    agents now (``_deliver_without_holes``); ``consumer``: the Faust consumer, which keeps
    what it delivered (``Delivered``)."""
    delivered = Delivered.now(consumer)
    held: set[Any] = set()
    while delivered.rewind:
        tp, offset = delivered.rewind.popitem()
        log.warning("%s: offset %d " + NOT_HANDLED, tp, offset)
        held.add(tp)  # what this fetch holds of it was read before the seek
        delivered.expected[tp] = offset
        await _seek_back(consumer, tp, offset)
    async for tp, message in fetched:
        if tp in held:
            continue  # read again from the offset sought back to
        if tp.topic.startswith(TOPIC_PREFIX):
            expect = delivered.expected.get(tp)
            if expect is None:
                expect = consumer._committed_offset.get(tp)
                if expect is None:
                    expect = await _log_start(consumer, tp)
                    if expect is not None:
                        delivered.expected[tp] = expect  # asked once a generation
            if expect is not None and message.offset > expect:
                if delivered.sought_back.get(tp) != expect:
                    delivered.sought_back[tp] = expect
                    held.add(tp)
                    log.warning(
                        "%s: offsets %d..%d " + NOT_DELIVERED, tp, expect, message.offset - 1
                    )
                    await _seek_back(consumer, tp, expect)
                    continue
                delivered.holes.setdefault(tp, {})[expect] = message.offset
            delivered.first.setdefault(tp, message.offset)
            delivered.expected[tp] = message.offset + 1
        yield tp, message


LOG_START_WAIT_S = 5.0
"""How long a delivery waits for a partition's log start (``_log_start``)."""


async def _log_start(consumer: Any, tp: Any) -> int | None:
    """The first offset ``tp`` holds, where a partition with nothing committed begins
    (``consumer_auto_offset_reset``); None when the broker cannot say in
    ``LOG_START_WAIT_S``.  The question goes to the consumer's thread while deliveries
    wait: in one pause chaos run of twenty, a platform's deliveries stopped for good
    during a rebalance (its table's recovery never received a record; that this wait was
    the cause is not proven), so the wait is bounded and the record then goes unchecked,
    as before the check existed."""
    try:
        offsets = await asyncio.wait_for(consumer.earliest_offsets(tp), LOG_START_WAIT_S)
    except (TimeoutError, KafkaError) as error:
        why = type(error).__name__
        log.warning("%s: log start not known (%s); its first record is not checked", tp, why)
        return None
    return offsets.get(tp)


async def _seek_back(consumer: Any, tp: Any, offset: int) -> None:
    """Have the Faust consumer read ``tp`` again from ``offset``."""
    with contextlib.suppress(IllegalStateError):  # revoked meanwhile: moot
        await consumer.seek(tp, offset)


def _check_partitions_once_known() -> None:
    """Compare a table's changelog with its source topic only once both are known.

    Before a table's first write from a source topic, Faust checks that the two topics
    have as many partitions, counting them in the consumer's metadata snapshot.  aiokafka
    counts a subscribed topic it has no metadata for yet as 0 partitions (Faust expects
    None), so a platform restarted mid-run on Kafka, writing before its changelog's
    metadata came in, dead-lettered the event as "PartitionsMismatch" (seen in the kill
    chaos test).  A count of 0 now means "not known yet": the check waits for a later
    write, and a real mismatch still raises."""
    collection = faust.tables.base.Collection
    original = collection._verify_source_topic_partitions
    if getattr(original, "_onething_patched", False):
        return

    def verify(self: Any, source_topic: str) -> None:
        counts = self.app.consumer.topic_partitions
        if counts(source_topic) == 0 or counts(self.changelog_topic_name) == 0:
            return
        original(self, source_topic)

    verify._onething_patched = True  # type: ignore[attr-defined]
    verify.__wrapped__ = original  # type: ignore[attr-defined]
    collection._verify_source_topic_partitions = verify


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


PRODUCER_LINGER_S = 0.005
"""How long a service's producer holds a record for others to join its batch, on Kafka:
5 ms, Kafka 4's own producer default (KIP-1030), 2.5 simulated minutes at the default
speed-up."""


def producer_batching() -> dict[str, Any]:
    """One record per batch on Tansu (module doc); on Kafka, batches that wait
    ``PRODUCER_LINGER_S`` for company."""
    if on_tansu():
        return {"producer_max_batch_size": 1, "producer_linger": 0.0}
    return {"producer_linger": PRODUCER_LINGER_S}


def make_app(app_id: str, bootstrap: str) -> faust.App:
    """A Faust app with onething's settings (module doc), every patch applied once."""
    _short_fetch_wait()
    _commit_only_finished_work()
    _flush_means_delivered()
    _read_without_holes()
    _deliver_without_holes()
    _check_partitions_once_known()
    _read_bad_header_names()
    return faust.App(
        app_id,
        broker=f"kafka://{bootstrap}",
        broker_credentials=security().faust_credentials(),
        store="memory://",
        topic_partitions=partitions(),
        topic_replication_factor=replication_factor(),
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=2.0,
        broker_heartbeat_interval=0.5,
        broker_rebalance_timeout=2.0,
        broker_commit_interval=0.5,
        producer_acks=producer_acks(),
        **producer_batching(),
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


def run_worker(app: faust.App) -> None:
    """Run a Faust worker in this process until it is stopped (Ctrl-C, SIGTERM)."""
    worker(app).execute_from_commandline()


def worker(app: faust.App) -> faust.Worker:
    """A Faust worker logging warnings and worse, without Faust's startup spinner.

    At a level of WARNING or above, the spinner's handler takes every record, so Faust
    sets the root logger to DEBUG: each of aiokafka's and Faust's debug calls then built a
    log record only for the spinner to drop it, 5 % of the compact services' CPU at 30
    cases a second (py-spy).  Without it the root logger stays at WARNING."""
    made = faust.Worker(app, loglevel="WARNING", quiet=True)
    made.spinner = None
    return made
