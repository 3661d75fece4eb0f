"""A record whose header name is not UTF-8 is read, not a reason to stop reading: the
pure-Python record readers of aiokafka (the services) and kafka-python (the live
harness) decode such a name leniently and read on."""

from __future__ import annotations

import inspect

import pytest
from kafka.consumer.fetcher import Fetcher
from kafka.record.default_records import DefaultRecordBatch, DefaultRecordBatchBuilder
from kafka.record.memory_records import MemoryRecords
from kafka.structs import TopicPartition

from onething.topics.header_names import (
    kafka_python_reads_bad_header_names,
)
from tests.topics.poison import RawName, record_batch


def assert_reads_header_names_as_patched(batch_class: type) -> None:
    """The shape ``decode_header_names_leniently`` relies on: names decoded from slices
    of ``self._buffer``, and ``self._pos`` moved only once the record is read."""
    read = inspect.getsource(getattr(batch_class._read_msg, "__wrapped__", batch_class._read_msg))
    assert "buffer = self._buffer" in read
    assert '.decode("utf-8")' in read and read.rstrip().count("self._pos = pos") == 1


def test_kafka_python_reads_header_names_as_patched():
    assert_reads_header_names_as_patched(DefaultRecordBatch)


def _read(fetched: bytes) -> list:
    """What one ``poll`` hands out of ``fetched`` (a read error comes at the next)."""
    records = Fetcher.PartitionRecords(0, TopicPartition("t", 0), MemoryRecords(fetched))
    return records.take()


@pytest.mark.parametrize("codec", [0, DefaultRecordBatch.CODEC_GZIP], ids=["plain", "gzip"])
def test_kafka_python_reads_past_a_header_name_that_is_not_utf8(codec):
    bad = RawName(b"\xff\xfe")
    fetched = record_batch(DefaultRecordBatchBuilder, 0, ["a", bad, "c"], codec) + record_batch(
        DefaultRecordBatchBuilder, 3, [bad, "e"], codec
    )
    kafka_python_reads_bad_header_names()  # as the harness and the experiment runner do
    read = _read(fetched)
    assert [r.offset for r in read] == [0, 1, 2, 3, 4]
    assert [r.headers[0][0] for r in read] == ["a", "\ufffd\ufffd", "c", "\ufffd\ufffd", "e"]
