"""Faust and aiokafka are patched in seven places (services/faust_runtime.py).  An upgrade
that moves or reshapes what a patch replaces must fail here, not lose events in a crash."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import subprocess
import sys
from collections import defaultdict
from types import SimpleNamespace

import faust.exceptions
import faust.streams
import faust.tables.base
import faust.transport.consumer
import faust.transport.producer
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.consumer import fetcher as aiokafka_fetcher
from aiokafka.errors import KafkaTimeoutError
from aiokafka.record import memory_records
from aiokafka.record.default_records import _DefaultRecordBatchBuilderPy, _DefaultRecordBatchPy
from faust.transport.drivers import aiokafka as faust_aiokafka
from intervaltree import IntervalTree

from onething.services import faust_runtime
from onething.topics.connection import TANSU_ENV
from onething.topics.names import FETCH_WAIT_MS
from onething.topics.schemas import BadEvent, check_header_names
from tests.topics.poison import RawName, record_batch
from tests.topics.test_header_names import assert_reads_header_names_as_patched


def _parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_patched_attributes_exist_with_the_shapes_the_patches_replace():
    thread = faust_aiokafka.AIOKafkaConsumerThread
    assert _parameters(thread._create_worker_consumer) == ["self", "transport"]
    assert "_fetch_max_wait_ms" in inspect.getsource(AIOKafkaConsumer.__init__)
    consumer = faust.transport.consumer.Consumer
    assert _parameters(consumer._new_offset) == ["self", "tp"]
    state = inspect.getsource(consumer.__init__)
    for attribute in ("_acked", "_acked_index", "_unacked_messages", "_gap"):
        assert f"self.{attribute} =" in state, attribute
    getmany = getattr(consumer.getmany, "__wrapped__", consumer.getmany)
    assert _parameters(getmany) == ["self", "timeout"] and inspect.isasyncgenfunction(getmany)
    assert "self._committed_offset =" in state
    assert "Cancelling getmany" in inspect.getsource(getmany)  # the drop it guards against
    assert _parameters(faust_aiokafka.Consumer.earliest_offsets) == ["self", "partitions"]
    skips = inspect.getsource(faust.streams.Stream._py_aiter)  # the skip commits must not pass
    assert "message.generation_id != self.app.consumer_generation_id" in skips
    fetch = getattr(thread._fetch_records, "__wrapped__", thread._fetch_records)
    assert _parameters(fetch)[:2] == ["self", "consumer"]
    assert "fetched_records" in inspect.getsource(fetch)
    buffer = faust.transport.producer.ProducerBuffer
    assert _parameters(buffer.put) == ["self", "fut"]
    assert inspect.iscoroutinefunction(buffer.flush)
    records = aiokafka_fetcher.PartitionRecords
    assert _parameters(records.__init__)[:3] == ["self", "tp", "records"]
    built = inspect.getsource(records.__init__)
    assert "self._records = records" in built
    assert "self._records_iterator = self._unpack_records()" in built
    assert "MemoryRecords(" in inspect.getsource(aiokafka_fetcher.Fetcher._proc_fetch_request)
    assert "self._next_slice = memoryview" in inspect.getsource(memory_records._MemoryRecordsPy)
    assert_reads_header_names_as_patched(_DefaultRecordBatchPy)
    collection = faust.tables.base.Collection
    verify = getattr(collection._verify_source_topic_partitions, "__wrapped__", None)
    assert _parameters(verify or collection._verify_source_topic_partitions) == [
        "self",
        "source_topic",
    ]
    assert "topic_partitions(" in inspect.getsource(
        verify or collection._verify_source_topic_partitions
    )


def test_making_an_app_applies_every_patch_once():
    faust_runtime.make_app("onething-patch-test", "127.0.0.1:9")
    consumer = faust.transport.consumer.Consumer
    assert consumer._new_offset is faust_runtime.new_offset_below_unfinished
    assert consumer.getmany._onething_patched
    assert faust_aiokafka.AIOKafkaConsumerThread._onething_patched
    assert faust.transport.producer.ProducerBuffer._onething_patched
    put = faust.transport.producer.ProducerBuffer.put
    next_record = aiokafka_fetcher.PartitionRecords.__next__
    faust_runtime.make_app("onething-patch-test-2", "127.0.0.1:9")
    assert faust.transport.producer.ProducerBuffer.put is put  # not wrapped twice
    assert aiokafka_fetcher.PartitionRecords.__next__ is next_record
    assert aiokafka_fetcher.MemoryRecords is faust_runtime.FetchedBatches


TP = TopicPartition("onething.applications", 3)


class _Message:
    """A delivered message as the commit rule sees it (hashable, as Faust's are)."""

    def __init__(self, offset: int, acked: bool = False) -> None:
        self.tp, self.offset, self.acked = TP, offset, acked


def _consumer(
    acked: list[int], unfinished=(), committed: int | None = None, gaps=()
) -> SimpleNamespace:
    gap = defaultdict(IntervalTree)
    for begin, end in gaps:
        gap[TP].addi(begin, end)
    return SimpleNamespace(
        app=SimpleNamespace(consumer_generation_id=1),
        _acked=defaultdict(list, {TP: list(acked)}),
        _acked_index=defaultdict(set, {TP: set(acked)}),
        _unacked_messages={m if isinstance(m, _Message) else _Message(m) for m in unfinished},
        _committed_offset=defaultdict(lambda: None, {TP: committed}),
        _gap=gap,
    )


def _commit(consumer: SimpleNamespace) -> int | None:
    return faust_runtime.new_offset_below_unfinished(consumer, TP)


def _delivered(consumer: SimpleNamespace, holes=(), first: int | None = None):
    record = faust_runtime.Delivered.now(consumer)
    for begin, end in holes:
        record.holes.setdefault(TP, {})[begin] = end
    if first is not None:
        record.first[TP] = first
    return record


def test_a_commit_stops_below_the_lowest_unfinished_event():
    consumer = _consumer(acked=[3, 1, 2, 5, 6], unfinished=[4], committed=1)
    assert _commit(consumer) == 4
    assert consumer._acked[TP] == [5, 6] and consumer._acked_index[TP] == {5, 6}
    consumer._unacked_messages, consumer._acked[TP] = set(), [4, 5, 6]
    consumer._committed_offset[TP] = 4
    assert _commit(consumer) == 7


def test_an_unfinished_event_first_in_line_commits_nothing():
    consumer = _consumer(acked=[8, 9], unfinished=[7], committed=7)
    assert _commit(consumer) is None
    assert consumer._acked[TP] == [8, 9]


def test_a_message_faust_leaves_unacknowledged_for_good_holds_nothing_back():
    """Faust never removes a message from ``_unacked_messages`` when its offset was
    acknowledged before (read again) or lies below the commit; counting it would stop
    every later commit of the partition."""
    consumer = _consumer(acked=[8, 9], unfinished=[5, _Message(8, acked=True)], committed=8)
    assert _commit(consumer) == 10
    assert not consumer._unacked_messages  # and they are let go


def test_a_record_fetched_and_never_handled_is_not_committed_past_and_is_read_again():
    """The losses after a paused broker: Faust's stream skips a record that arrives
    across a rebalance (20 handled, 21 skipped, 22 handled) and neither acknowledges nor
    tracks it; upstream's gap bookkeeping covers it all the same.  The commit stops at 21
    and the partition is read again from there, once."""
    consumer = _consumer(acked=[20, 22], committed=20, gaps=[(21, 23)])
    delivered = _delivered(consumer, first=20)
    assert _commit(consumer) == 21 and delivered.rewind == {}  # 21 not delivered yet: on its way
    consumer._acked[TP], consumer._committed_offset[TP] = [20, 22], 20
    delivered.expected[TP] = 23  # 20, 21 and 22 delivered
    assert _commit(consumer) == 21
    assert consumer._acked[TP] == [22] and delivered.rewind == {TP: 21}
    delivered.rewind.clear()
    consumer._committed_offset[TP] = 21
    assert _commit(consumer) is None and delivered.rewind == {}  # asked once
    consumer._acked[TP] = [21, 22]  # read again and handled
    assert _commit(consumer) == 23


def test_a_record_below_where_the_generation_began_delivering_is_read_again():
    """The kill chaos run that lost two cases: the restarted platform's deliveries of a
    decisions partition began at 55 while 54 was committed; 54 was never handled, 55 on
    were, and the commit stopped at 54 without reading it again: its case waited
    forever.  Nothing but a seek brings 54 back, so it is read again."""
    consumer = _consumer(acked=[55, 56], committed=54)
    delivered = _delivered(consumer, first=55)
    delivered.expected[TP] = 57
    assert _commit(consumer) is None
    assert delivered.rewind == {TP: 54}


def test_the_delivery_guard_reads_again_where_the_commit_rule_asks():
    other = TopicPartition("onething.decisions", 0)
    consumer = _Delivering(committed={TP: 20, other: 4})
    delivered = faust_runtime.Delivered.now(consumer)
    assert consumer.deliver((TP, 20), (TP, 21), (TP, 22)) == [(TP.topic, o) for o in (20, 21, 22)]
    delivered.read_again(TP, 21)
    assert consumer.deliver((TP, 23), (other, 4)) == [(other.topic, 4)]  # fetched before the seek
    assert consumer.seeks == [(TP.topic, 21)]
    assert consumer.deliver((TP, 21), (TP, 22)) == [(TP.topic, 21), (TP.topic, 22)]


def test_a_hole_the_broker_really_has_is_committed_past_and_upstream_gaps_are_trimmed():
    consumer = _consumer(acked=[10, 13], committed=10, gaps=[(11, 14)])
    delivered = _delivered(consumer, holes=[(11, 13)])
    assert _commit(consumer) == 14
    assert not consumer._gap[TP] and not delivered.rewind


def test_with_nothing_committed_the_run_starts_where_the_generation_began_reading():
    consumer = _consumer(acked=[1, 2])
    _delivered(consumer, first=0)  # 0 fetched, skipped by the stream
    assert _commit(consumer) is None
    consumer.app.consumer_generation_id = 2  # a record of an older generation is not used
    assert _commit(consumer) == 3


def _thread_reading(fetched: dict, generation: int = 1):
    """A stand-in consumer thread and aiokafka consumer whose fetch returns ``fetched``."""
    seeks = []

    async def fetched_records(partitions, timeout=None, max_records=None):
        return {tp: list(records) for tp, records in fetched.items()}

    fetcher = SimpleNamespace(
        _closed=False,
        fetched_records=fetched_records,
        _subscriptions=SimpleNamespace(fetch_context=contextlib.nullcontext),
    )
    consumer = SimpleNamespace(
        _closed=False,
        _fetcher=fetcher,
        _coordinator=SimpleNamespace(generation=generation),
        seek=lambda tp, offset: seeks.append((tp.topic, offset)),
    )
    thread = SimpleNamespace(consumer=SimpleNamespace(flow_active=True))
    return thread, consumer, seeks


def test_a_service_fetch_waits_long_on_kafka_and_short_on_tansu(monkeypatch):
    """Kafka answers a fetch as soon as data arrives; Tansu only when the wait is over."""
    monkeypatch.delenv(TANSU_ENV, raising=False)
    assert faust_runtime.fetch_wait_ms() == faust_runtime.KAFKA_FETCH_WAIT_MS
    monkeypatch.setenv(TANSU_ENV, "1")
    assert faust_runtime.fetch_wait_ms() == FETCH_WAIT_MS < faust_runtime.KAFKA_FETCH_WAIT_MS


def test_producers_batch_and_linger_on_kafka_and_send_one_record_at_once_on_tansu(monkeypatch):
    monkeypatch.delenv(TANSU_ENV, raising=False)
    on_kafka = faust_runtime.make_app("on-kafka", "127.0.0.1:9").conf
    assert on_kafka.producer_max_batch_size > 1 and on_kafka.producer_linger > 0
    monkeypatch.setenv(TANSU_ENV, "1")
    on_tansu = faust_runtime.make_app("on-tansu", "127.0.0.1:9").conf
    assert (on_tansu.producer_max_batch_size, on_tansu.producer_linger) == (1, 0)


def test_on_kafka_a_fetch_with_a_hole_is_delivered_whole(monkeypatch):
    """Transaction markers leave holes in Kafka's offsets: the guard stands aside."""
    monkeypatch.delenv(TANSU_ENV, raising=False)
    faust_runtime.make_app("onething-patch-test-5", "127.0.0.1:9")
    fetch = faust_aiokafka.AIOKafkaConsumerThread._fetch_records
    ours = TopicPartition("onething.decisions", 0)
    records = [SimpleNamespace(offset=o) for o in (0, 1, 3)]
    thread, consumer, seeks = _thread_reading({ours: records})
    got = asyncio.run(fetch(thread, consumer, None, timeout=1.0, max_records=10))
    assert [r.offset for r in got[ours]] == [0, 1, 3] and seeks == []


def test_on_tansu_a_fetch_with_a_hole_is_cut_there_and_the_consumer_seeks_back(monkeypatch):
    monkeypatch.setenv(TANSU_ENV, "1")
    faust_runtime.make_app("onething-patch-test-3", "127.0.0.1:9")
    fetch = faust_aiokafka.AIOKafkaConsumerThread._fetch_records
    ours, changelog = TopicPartition("onething.decisions", 0), TopicPartition("x-changelog", 0)
    records = [SimpleNamespace(offset=o) for o in (0, 1, 3)]
    thread, consumer, seeks = _thread_reading({ours: records, changelog: records})
    got = asyncio.run(fetch(thread, consumer, None, timeout=1.0, max_records=10))
    assert [r.offset for r in got[ours]] == [0, 1] and seeks == [("onething.decisions", 2)]
    assert [r.offset for r in got[changelog]] == [0, 1, 3]  # Faust's own: holes are normal
    after_rebalance = _thread_reading({ours: records[2:]}, generation=2)[1]
    got = asyncio.run(fetch(thread, after_rebalance, None, timeout=1.0, max_records=10))
    assert [r.offset for r in got[ours]] == [3]  # a new generation starts wherever it is


class _Delivering:
    """A stand-in Faust consumer for ``without_holes``: its generation, what it
    committed, and the seeks asked of it."""

    def __init__(self, committed: dict | None = None, log_start: dict | None = None):
        self.app = SimpleNamespace(consumer_generation_id=1)
        self._committed_offset = defaultdict(lambda: None, committed or {})
        self.log_start = log_start or {}
        self.seeks: list[tuple[str, int]] = []
        self.asked_log_start: list[str] = []

    async def seek(self, tp, offset: int) -> None:
        self.seeks.append((tp.topic, offset))

    async def earliest_offsets(self, *partitions):
        self.asked_log_start.extend(tp.topic for tp in partitions)
        return {tp: self.log_start[tp] for tp in partitions}

    def deliver(self, *fetched: tuple[TopicPartition, int]) -> list[tuple[str, int]]:
        async def messages():
            for tp, offset in fetched:
                yield tp, SimpleNamespace(offset=offset)

        async def taken():
            return [
                (tp.topic, m.offset)
                async for tp, m in faust_runtime.without_holes(self, messages())
            ]

        return asyncio.run(taken())


def test_a_record_faust_drops_after_fetching_it_is_read_again_not_committed_past():
    """The shape of the loss after a paused broker: offset 21 fetched in a batch with 20,
    never delivered; the next delivery starts at 22."""
    ours, other = TopicPartition("onething.decisions", 0), TopicPartition("onething.requests", 0)
    consumer = _Delivering(committed={ours: 19, other: 5})
    assert consumer.deliver((ours, 19), (ours, 20)) == [
        ("onething.decisions", 19),
        ("onething.decisions", 20),
    ]
    got = consumer.deliver((ours, 22), (other, 5), (ours, 23))
    assert got == [("onething.requests", 5)]  # the partition's records are held back…
    assert consumer.seeks == [("onething.decisions", 21)]  # …and it reads from 21 again
    assert consumer.deliver((ours, 21), (ours, 22)) == [
        ("onething.decisions", 21),
        ("onething.decisions", 22),
    ]


def test_a_hole_the_broker_really_has_is_passed_after_one_look_and_changelogs_are_left_alone():
    ours, changelog = TopicPartition("onething.decisions", 0), TopicPartition("x-changelog", 0)
    consumer = _Delivering(log_start={ours: 5})
    assert consumer.deliver((ours, 5), (changelog, 1), (changelog, 9)) == [
        ("onething.decisions", 5),
        ("x-changelog", 1),
        ("x-changelog", 9),
    ]
    assert consumer.deliver((ours, 7)) == [] and consumer.seeks == [("onething.decisions", 6)]
    assert consumer.deliver((ours, 7), (ours, 8)) == [
        ("onething.decisions", 7),
        ("onething.decisions", 8),
    ]
    assert consumer.seeks == [("onething.decisions", 6)]  # a transaction marker: no second seek
    assert faust_runtime.Delivered.of(consumer).hole(ours, 6, 7)  # so commits may pass it


def test_after_a_rebalance_a_partition_is_expected_at_its_committed_offset():
    ours = TopicPartition("onething.decisions", 0)
    consumer = _Delivering(committed={ours: 20})
    consumer.deliver((ours, 30))
    assert consumer.seeks == [("onething.decisions", 20)]  # dropped across the rebalance
    consumer.app.consumer_generation_id = 2
    consumer._committed_offset[ours] = 31
    assert consumer.deliver((ours, 31)) == [("onething.decisions", 31)]
    assert consumer.deliver((ours, 25)) == [("onething.decisions", 25)]  # a rewind: taken


def test_with_nothing_committed_a_partition_is_expected_at_its_log_start():
    """The broker-kill tally run that lost 12 cases: the killed broker coordinated the
    hrss group, requests were written while the group stood empty, and the next
    generation delivered a requests partition from offset 7 with nothing committed; 0–6
    were never handled.  The first record is compared with the partition's log start,
    asked once, and the partition is read again from there."""
    ours = TopicPartition("onething.requests.hrss", 0)
    consumer = _Delivering(log_start={ours: 0})
    assert consumer.deliver((ours, 7), (ours, 8)) == []
    assert consumer.seeks == [(ours.topic, 0)]
    assert consumer.deliver((ours, 0), (ours, 1)) == [(ours.topic, 0), (ours.topic, 1)]
    assert consumer.asked_log_start == [ours.topic]
    consumer.app.consumer_generation_id = 2  # a partition whose log starts later: no seek
    consumer.log_start[ours] = 40
    assert consumer.deliver((ours, 40)) == [(ours.topic, 40)] and len(consumer.seeks) == 1


def test_a_broker_that_cannot_say_where_a_log_starts_leaves_the_first_record_unchecked():
    ours = TopicPartition("onething.requests.hrss", 0)
    consumer = _Delivering()

    async def unknown(*partitions):
        raise KafkaTimeoutError()

    consumer.earliest_offsets = unknown
    assert consumer.deliver((ours, 7), (ours, 8)) == [(ours.topic, 7), (ours.topic, 8)]
    assert consumer.seeks == []


def test_a_log_start_that_does_not_come_does_not_hold_deliveries(monkeypatch):
    ours = TopicPartition("onething.requests.hrss", 0)
    consumer = _Delivering()

    async def never(*partitions):
        await asyncio.Event().wait()

    consumer.earliest_offsets = never
    monkeypatch.setattr(faust_runtime, "LOG_START_WAIT_S", 0.05)
    assert consumer.deliver((ours, 7)) == [(ours.topic, 7)]


def _table_reading(counts: dict[str, int | None]) -> SimpleNamespace:
    """A stand-in table whose consumer knows ``counts`` partitions per topic."""
    consumer = SimpleNamespace(topic_partitions=counts.get)
    return SimpleNamespace(
        app=SimpleNamespace(consumer=consumer),
        changelog_topic_name="cases-changelog",
        name="cases",
        _verified_source_topics_for_partitions=set(),
    )


def test_a_changelog_whose_metadata_has_not_come_in_yet_is_checked_later():
    faust_runtime.make_app("onething-patch-test-6", "127.0.0.1:9")
    verify = faust.tables.base.Collection._verify_source_topic_partitions
    table = _table_reading({"onething.decisions": 4, "cases-changelog": 0})
    verify(table, "onething.decisions")  # aiokafka's 0: not known yet, no mismatch
    assert table._verified_source_topics_for_partitions == set()
    table.app.consumer.topic_partitions = {"onething.decisions": 4, "cases-changelog": 8}.get
    with pytest.raises(faust.exceptions.PartitionsMismatch):
        verify(table, "onething.decisions")
    table.app.consumer.topic_partitions = {"onething.decisions": 4, "cases-changelog": 4}.get
    verify(table, "onething.decisions")
    assert table._verified_source_topics_for_partitions == {"onething.decisions"}


@pytest.mark.parametrize("codec", [0, _DefaultRecordBatchPy.CODEC_GZIP], ids=["plain", "gzip"])
def test_a_header_name_that_is_not_utf8_is_delivered_with_the_rest_of_its_fetch(codec):
    """Read by aiokafka's own fetcher code (its C reader where built): the bad names
    keep their bytes, every record after them is delivered once, in order, and the
    adapter's check refuses exactly the records with a bad name."""
    faust_runtime.make_app("onething-patch-test-4", "127.0.0.1:9")
    bad = RawName(b"\xff\xfe")
    fetched = b"".join(
        record_batch(_DefaultRecordBatchBuilderPy, base, names, codec)
        for base, names in ((0, ["a", bad, "c"]), (3, ["d", bad]), (5, ["e"]))
    )
    records = aiokafka_fetcher.PartitionRecords(
        TopicPartition("onething.applications", 0),
        aiokafka_fetcher.MemoryRecords(fetched),
        [],
        0,
        None,
        None,
        True,
        aiokafka_fetcher.READ_UNCOMMITTED,
    )
    read = list(records)
    assert [r.key for r in read] == [f"k{offset}".encode() for offset in range(6)]
    assert [r.offset for r in read] == list(range(6)) and records.next_fetch_offset == 6
    refused = []
    for record in read:
        try:
            check_header_names(record.headers)
        except BadEvent as refusal:
            refused.append((record.offset, str(refusal)))
    assert refused == [(o, "a header name is not UTF-8: b'\\xff\\xfe'") for o in (1, 4)]
    name = read[1].headers[0][0]
    assert name.encode("utf-8", "surrogateescape") == bad.raw


def test_a_service_worker_does_not_build_records_of_debug_calls():
    """Faust's spinner sets the root logger to DEBUG; a service's worker has none, so
    logging is set up at WARNING and aiokafka's debug calls cost no record."""
    script = (
        "import logging, sys\n"
        "from onething.services.faust_runtime import make_app, worker\n"
        "made = worker(make_app('onething-test-logging', '127.0.0.1:9'))\n"
        "made._setup_logging()\n"
        "print(logging.getLogger('aiokafka').isEnabledFor(logging.DEBUG),"
        " logging.getLogger('onething.services').isEnabledFor(logging.WARNING),"
        " file=sys.__stdout__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == ["False", "True"], done.stderr
