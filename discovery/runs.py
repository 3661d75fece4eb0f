"""A job that decides a task's cases at set times of day (``Item.runs``), found in a log.

A job leaves its decisions on the same minute of every day, weekends included: BPIC
2012's system cancels the applications whose offers were not returned at 09:15, 36 % of
its cancellations, on 164 days of 166.  A task's decisions (its events' ends, read in the
first pass) are counted by minute of the day; the two minutes holding the most are a run
where they hold ``RUN_SHARE`` of the decisions or more, ``RUN_EVENTS`` or more, and
``RUN_RATIO`` times their share were the decisions spread evenly over the minutes the
task is ever decided in.  The next strongest pair of minutes is tried with the first
left out, up to ``MAX_RUNS`` a day.
"""

from __future__ import annotations

from collections import Counter

from onething.discovery.calendar import DAY

WINDOW = 2
"""Minutes of a run: a job at 09:15 logs its decisions within the minute or the next."""
RUN_SHARE = 0.05
RUN_EVENTS = 50
RUN_RATIO = 20.0
MAX_RUNS = 4


def job_runs(ends: Counter[int]) -> list[int]:
    """The minutes of the day at which a job decides, from a task's decisions per minute
    of the day (module doc); none where no job shows."""
    total = sum(ends.values())
    if total < RUN_EVENTS:
        return []
    left, runs = Counter(ends), []
    spread = WINDOW / max(WINDOW, len(ends))
    while len(runs) < MAX_RUNS:
        minute = max(range(DAY), key=lambda m: (_window(left, m), left.get(m, 0), -m))
        count = _window(left, minute)
        share = count / total
        if count < RUN_EVENTS or share < RUN_SHARE or share < RUN_RATIO * spread:
            break
        runs.append(minute)
        for m in range(minute, minute + WINDOW):
            left.pop(m % DAY, None)
    return sorted(runs)


def in_run(minute: int, runs: list[int]) -> int | None:
    """The run whose window ``minute`` (of the day) falls in, if any."""
    for run in runs:
        if 0 <= (minute - run) % DAY < WINDOW:
            return run
    return None


def before(run: int, runs: list[int]) -> float:
    """Minutes from the run before ``run`` (the day's last, for its first) to it."""
    earlier = [r for r in runs if r < run]
    previous = max(earlier) if earlier else max(runs) - DAY
    return float(run - previous)


def _window(counts: Counter[int], minute: int) -> int:
    return sum(counts.get((minute + k) % DAY, 0) for k in range(WINDOW))
