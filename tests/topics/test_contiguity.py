"""A reader never moves past an offset it has not delivered (``topics.contiguity``): the
broker-side race is in benchmarks/tansu_holes.py; here the reader's rule, with fetches
written by hand."""

from __future__ import annotations

from types import SimpleNamespace

from onething.topics.contiguity import Contiguous


def _records(*offsets: int) -> list[SimpleNamespace]:
    return [SimpleNamespace(offset=o) for o in offsets]


def _offsets(records) -> list[int]:
    return [r.offset for r in records]


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_fetch_that_skips_an_offset_is_cut_there_and_read_again():
    guard = Contiguous()
    kept, seek_back = guard.keep("p", _records(0, 1, 2))
    assert _offsets(kept) == [0, 1, 2] and seek_back is None
    kept, seek_back = guard.keep("p", _records(4, 5))  # 3 was not stored yet
    assert kept == [] and seek_back == 3
    kept, seek_back = guard.keep("p", _records(3, 4, 5))  # read again from 3
    assert _offsets(kept) == [3, 4, 5] and seek_back is None
    assert guard.holes == 1 and guard.passed_over == 0


def test_a_hole_inside_a_fetch_keeps_what_comes_before_it():
    guard = Contiguous()
    guard.keep("p", _records(10))
    kept, seek_back = guard.keep("p", _records(11, 12, 14, 15))
    assert _offsets(kept) == [11, 12] and seek_back == 13
    kept, seek_back = guard.keep("p", _records(13, 14))
    assert _offsets(kept) == [13, 14] and seek_back is None


def test_partitions_are_followed_apart_and_a_rewind_is_taken_as_is():
    guard = Contiguous()
    guard.keep("a", _records(5, 6))
    guard.keep("b", _records(0))
    kept, seek_back = guard.keep("a", _records(2, 3))  # a seek back (a rebalance, a replay)
    assert _offsets(kept) == [2, 3] and seek_back is None
    assert guard.keep("b", _records(1))[1] is None
    assert guard.keep("a", _records(5))[1] == 4


def test_the_first_fetch_starts_wherever_the_reader_was_placed():
    kept, seek_back = Contiguous().keep("p", _records(42, 43))
    assert _offsets(kept) == [42, 43] and seek_back is None


def test_a_hole_that_stays_is_passed_over_after_patience():
    clock = Clock()
    guard = Contiguous(patience=5.0, clock=clock)
    guard.keep("p", _records(0))
    assert guard.keep("p", _records(3)) == ([], 1)
    clock.now = 4.9
    assert guard.keep("p", _records(3)) == ([], 1)  # the same hole: still waited for
    clock.now = 5.0
    kept, seek_back = guard.keep("p", _records(3, 4))
    assert _offsets(kept) == [3, 4] and seek_back is None
    assert guard.holes == 1 and guard.passed_over == 2


def test_forgetting_expects_nothing():
    guard = Contiguous()
    guard.keep("p", _records(0))
    guard.forget()
    assert guard.keep("p", _records(9))[1] is None
