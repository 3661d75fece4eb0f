"""Read every partition without holes.

The embedded Tansu 0.6 broker raises a partition's high watermark before it stores the
batch that filled it (``dynostore`` ``produce``: ``watermark.with_mut`` first, then
``put_opts`` of ``records/{offset}.batch``).  A fetch that lands in between, while a
later batch of the same partition (another producer's) is already stored, gets that
later batch: the consumer's position moves past the batch still being stored, which it
then never reads.  Seen under CPU starvation, where the gap between the two steps
widens: a decision the harness read never reached the platform, and its case never
completed.

Onething's topics have no legitimate holes (no compaction, no transactions), so a
consumer that sees an offset beyond the next one it expects stops there and seeks back
to the one it expects; the broker has it a moment later.  A hole that stays longer than
``patience`` seconds (a broker that lost the batch, a topic written transactionally by
someone else) is passed over with a warning rather than waited on for ever.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable, Sequence
from typing import Any

log = logging.getLogger("onething.topics")

PATIENCE_SECONDS = 5.0
HOLE_WARNING = "skipped by the broker's answer; reading them again"
"""What a reader logs at each hole (``benchmarks/starvation.py`` counts it)."""


class Contiguous:
    """Per partition, the next offset a consumer expects; which of a fetch's records to
    deliver now and where to seek back when a fetch skipped some."""

    def __init__(
        self, patience: float = PATIENCE_SECONDS, clock: Callable[[], float] = time.monotonic
    ):
        self.patience = patience
        self.clock = clock
        self.expected: dict[Hashable, int] = {}
        self._hole_seen: dict[Hashable, tuple[int, float]] = {}
        self.holes = 0
        """Holes met (each one waited for until filled, or passed over)."""
        self.passed_over = 0
        """Offsets given up on after ``patience``."""

    def keep(self, partition: Hashable, records: Sequence[Any]) -> tuple[list[Any], int | None]:
        """The records (each with an ``offset``) to deliver now, in order, and the offset
        to seek ``partition`` back to, or None when nothing was skipped.  An offset
        below the expected one is a rewind (a seek, a rebalance) and is taken as is."""
        expected = self.expected.get(partition)
        kept: list[Any] = []
        for record in records:
            hole = expected is not None and record.offset > expected
            if hole and not self._given_up(partition, expected, record.offset):
                self.expected[partition] = expected
                return kept, expected
            kept.append(record)
            expected = record.offset + 1
        if expected is not None:
            self.expected[partition] = expected
        return kept, None

    def _given_up(self, partition: Hashable, expected: int, found: int) -> bool:
        """Whether to pass over the hole ``expected``..``found - 1``."""
        now = self.clock()
        seen = self._hole_seen.get(partition)
        if seen is None or seen[0] != expected:
            self._hole_seen[partition] = seen = (expected, now)
            self.holes += 1
            log.warning(
                "%s: offsets %d..%d " + HOLE_WARNING,
                partition,
                expected,
                found - 1,
            )
        if now - seen[1] < self.patience:
            return False
        self.passed_over += found - expected
        del self._hole_seen[partition]
        log.warning(
            "%s: offsets %d..%d still missing after %g s; passed over",
            partition,
            expected,
            found - 1,
            self.patience,
        )
        return True

    def forget(self) -> None:
        """Expect nothing: the partitions were assigned anew (a rebalance)."""
        self.expected.clear()
        self._hole_seen.clear()
