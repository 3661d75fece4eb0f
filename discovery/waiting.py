"""An item decided no earlier than a period after its case opened (``Item.waiting_period``),
found in a log, in working time or around the clock.

Under that mechanic an item's back-office time P and the period L combine as
``decided = max(filed + P, opened + L)``: where the work before the item ended late, the
item follows it by P; where it ended early, the item comes L after the opening.  So L
is read from the cases whose item was filed in the earlier half (time since the
opening up to the median), and P from those filed once most periods were over (after
the median of L).  The mechanic is kept only where, in the log itself, it reproduces
the time from opening to decision at least ``BETTER_BY`` times closer (Wasserstein
distance) than the independent draw the model makes without it (filing + P, P drawn
from every case), with enough cases on each side; otherwise the item has none.  At
twice as close it also took BPIC 2012's O_SENT_BACK (2.1 times), and the simulated
cycle times moved away from the log's (EMD 78.5 to 86.5 hours): hence three.

Both times are read twice, in the department's working time and around the clock
(``calendar_days``: a timer, a notice of natural days), and each reading is replayed in
the log on the wall clock; the clock whose replay is ``CLOCK_BETTER_BY`` times closer
to the log's opening-to-decision times is kept, working time when neither is.  A
helpdesk log closes its tickets 15 calendar days after the last work but never before
31 days after opening (40 % of its cases to the minute): its working calendar (Monday
to Saturday, holidays off) smeared both spikes; replayed, the reading around the clock is
0.69 calendar days off the log and the one in working time 1.99, and the simulated cycle
times came 2.6 times closer to the log's (EMD 47.9 to 18.4 hours; the split-half floor
4.3).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import wasserstein_distance

from onething.discovery.fit import Reservoir, Sample
from onething.scenarios.calendar import WorkingCalendar

MIN_CASES = 100
"""Cases that did the item once, below which no waiting period is looked for."""
MIN_LATE = 30
"""Cases filed after most periods were over, below which P cannot be read."""
BETTER_BY = 3.0
CLOCK_BETTER_BY = 1.5
"""How much closer the replay around the clock must come to be chosen over working time."""
CUTOFFS = 19
"""Cutoffs tried for the filings a period holds for: the 5 %, 10 %, ... 95 % quantiles of
the filing times."""
WITHIN_BETTER_BY = 1.25
"""How much closer the replay with a cutoff must come to be chosen over none."""


@dataclass(frozen=True)
class WaitingPeriod:
    period: Sample
    """Opening to decision where the item was filed early (minutes of its clock)."""
    processing: Sample
    """Filing to decision where it was filed late (minutes of its clock)."""
    early: int
    late: int
    distance: float
    """In the log, opening to decision against this model (Wasserstein, minutes of its
    clock)."""
    without: float
    """The same against the independent draw."""
    around_the_clock: bool
    """Whether both times count calendar minutes (else the department's working ones)."""
    replayed: dict[bool, float]
    """Per clock (around the clock or not), the replay's distance from the log on the wall
    clock (minutes); a clock whose reading fails has none."""
    within: float | None
    """Minutes of its clock after the opening within which a filing waits for the period
    (``Item.waiting_filed_within``); None: every filing does."""


@dataclass(frozen=True)
class _Reading:
    period: np.ndarray
    processing: np.ndarray
    early: int
    late: int
    drawn: np.ndarray
    """Opening to decision as the model draws it, case by case (minutes of its clock)."""
    distance: float
    without: float
    within: float | None


def waiting_period(cases: Reservoir, seed: int, calendar: WorkingCalendar) -> WaitingPeriod | None:
    """The waiting period of an item from its cases' (opened, filed, decided) minutes on
    ``calendar``'s clock, or None where the log does not show one (module doc)."""
    if len(cases.values) < MIN_CASES:
        return None
    opened, filed, decided = np.array(cases.values, dtype=float).T
    working_at = np.frompyfunc(calendar.working_at, 1, 1)
    time_at = np.frompyfunc(calendar.time_at, 1, 1)
    working = [working_at(t).astype(float) for t in (opened, filed, decided)]
    clocks = {
        False: (working[1] - working[0], working[2] - working[0]),
        True: (filed - opened, decided - opened),
    }
    readings: dict[bool, _Reading] = {}
    replayed: dict[bool, float] = {}
    for around, (since_filed, since_decided) in clocks.items():
        reading = _read(since_filed, since_decided, seed)
        if reading is None:
            continue
        readings[around] = reading
        wall = reading.drawn
        if not around:
            wall = time_at(working[0] + reading.drawn).astype(float) - opened
        replayed[around] = float(wasserstein_distance(decided - opened, wall))
    around = True in replayed and (
        False not in replayed or replayed[True] * CLOCK_BETTER_BY < replayed[False]
    )
    reading = readings.get(around)
    if reading is None or not reading.without > reading.distance * BETTER_BY:
        return None  # also where both are 0: nothing to gain
    return WaitingPeriod(
        _sample(reading.period),
        _sample(reading.processing),
        reading.early,
        reading.late,
        reading.distance,
        reading.without,
        around,
        replayed,
        reading.within,
    )


def _read(filed: np.ndarray, decided: np.ndarray, seed: int) -> _Reading | None:
    """The period and the processing, from times since the opening on one clock: the
    period holding for every filing, or for those within a cutoff, whichever replays
    the log closer (a cutoff by ``WITHIN_BETTER_BY``)."""
    span = decided - filed
    without = wasserstein_distance(decided, filed + np.random.default_rng(seed).permutation(span))

    def reading(early: np.ndarray, late: np.ndarray, within: float | None) -> _Reading | None:
        return _reading(filed, decided, early, late, within, without, seed)

    early = filed <= np.median(filed)
    best = reading(early, filed >= np.median(decided[early]), None)
    for cutoff in np.unique(np.quantile(filed, np.arange(1, CUTOFFS + 1) / (CUTOFFS + 1))):
        found = reading(filed < cutoff, filed >= cutoff, float(cutoff))
        if found is not None and (
            best is None
            or found.distance * (1.0 if best.within is not None else WITHIN_BETTER_BY)
            < best.distance
        ):
            best = found
    return best


def _reading(
    filed: np.ndarray,
    decided: np.ndarray,
    early: np.ndarray,
    late: np.ndarray,
    within: float | None,
    without: float,
    seed: int,
) -> _Reading | None:
    """The period read from the ``early`` cases (opening to decision), the processing
    from the ``late`` ones (filing to decision), and their replay (``without``: the
    independent draw's distance)."""
    if late.sum() < MIN_LATE or early.sum() < MIN_LATE:
        return None
    period, processing = decided[early], (decided - filed)[late]
    rng = np.random.default_rng(seed)
    done = filed + rng.choice(processing, filed.size)
    drawn = np.maximum(done, rng.choice(period, filed.size))
    if within is not None:
        drawn = np.where(filed < within, drawn, done)
    distance = wasserstein_distance(decided, drawn)
    n_early, n_late = int(early.sum()), int(late.sum())
    return _Reading(period, processing, n_early, n_late, drawn, distance, without, within)


def _sample(values: np.ndarray) -> Sample:
    sample = Sample()
    for value in values.tolist():
        sample.add(value)
    return sample
