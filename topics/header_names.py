"""Read a record whose header name is not UTF-8 instead of stopping the reader.

Kafka's protocol calls a header name a string, but the broker (Tansu, at least) stores
whatever bytes a producer writes.  aiokafka and kafka-python decode names strictly, and
the ``UnicodeDecodeError`` ends the fetch: a Faust worker crashes ("Drain messages
raised"), and a kafka-python consumer raises from every ``poll`` after it, both stuck on
the record for good.  Kafka's Java client decodes names with replacement characters;
here too a name is decoded leniently, so the record reaches whoever reads it, and a
service dead-letters it (``schemas.check_header_names``).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("onething.topics")


def decode_header_names_leniently(batch_class: type, errors: str) -> None:
    """Make a pure-Python record batch reader decode a header name that is not UTF-8
    with ``errors`` (``surrogateescape`` keeps its bytes, ``replace`` does not).

    aiokafka's and kafka-python's readers share the shape patched here: ``_read_msg``
    reads the record at ``self._pos`` in the bytearray ``self._buffer``, decodes each
    header name with ``buffer[start:end].decode("utf-8")`` and moves ``self._pos`` only
    when the record is read; a record that fails is read again from a copy of the buffer
    whose slices decode with ``errors``."""
    if getattr(batch_class._read_msg, "_onething_patched", False):
        return
    strict = batch_class._read_msg

    class Lenient(bytearray):
        def __getitem__(self, index: Any) -> Any:
            item = super().__getitem__(index)
            return Lenient(item) if isinstance(index, slice) else item

        def decode(self, encoding: str = "utf-8", _errors: str = "strict") -> str:
            return bytearray.decode(self, encoding, errors)

    def read_msg(self: Any) -> Any:
        try:
            return strict(self)
        except UnicodeDecodeError:
            log.warning(
                "a record of the batch at offset %s has a header name that is not UTF-8;"
                " read with %s",
                self.base_offset,
                errors,
            )
            strict_buffer, self._buffer = self._buffer, Lenient(self._buffer)
            try:
                return strict(self)
            finally:
                self._buffer = strict_buffer

    read_msg._onething_patched = True  # type: ignore[attr-defined]
    read_msg.__wrapped__ = strict  # type: ignore[attr-defined]
    batch_class._read_msg = read_msg


def kafka_python_reads_bad_header_names() -> None:
    """Every kafka-python consumer of this process reads on past a header name that is not
    UTF-8 (``replace``, not ``surrogateescape``: kafka-python measures names by encoding
    them again)."""
    from kafka.record.default_records import DefaultRecordBatch

    decode_header_names_leniently(DefaultRecordBatch, "replace")
