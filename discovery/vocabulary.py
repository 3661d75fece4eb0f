"""The activities onething's DES writes to its event log (``sim/applicant.py``), and how
their ``detail`` column names the items filed and the results collected.

A log that uses these names is read as a hall's full story (travel, queue, window, back
office, post); any other activity is a workflow task of the back office.
"""

from __future__ import annotations

import re

TRAVEL = "travel"
QUEUE = "queue"
HAND_OVER = "hand over materials"
COLLECT = "collect results"
ONLINE = "file online"
DECIDE = "decide "
MAIL = "result arrives by mail"
ON_THE_SPOT = "wait for the result on the spot"
REWORK = "sent back (补正): gather missing materials"
PAPER = "paper transfer for "
SINGLE_WINDOW = "single_window"
POST = "post"

WINDOW_SERVICES = frozenset({HAND_OVER, COLLECT})
FIXED = frozenset({TRAVEL, QUEUE, HAND_OVER, COLLECT, ONLINE, MAIL, ON_THE_SPOT, REWORK})
_FILES = re.compile(r"files ([^;|]*)")
_RESULTS = re.compile(r"results: ([^|]*)")
_STEPS = re.compile(r"steps: ([^|]*)")


def is_onething(activity: str) -> bool:
    return activity in FIXED or activity.startswith((DECIDE, PAPER))


def _names(match: re.Match[str] | None) -> tuple[str, ...]:
    if match is None:
        return ()
    return tuple(n.strip() for n in match.group(1).split(",") if n.strip())


def files(detail: str) -> tuple[str, ...]:
    """Items filed, from a detail such as ``files a, b; materials: ...``."""
    return _names(_FILES.search(detail))


def results(detail: str) -> tuple[str, ...]:
    """Results handed over, from ``... | results: a, b``."""
    return _names(_RESULTS.search(detail))


def steps(detail: str) -> tuple[str, ...]:
    """The steps (环节) a decision went through, from ``steps: apply, review, decide``."""
    return _names(_STEPS.search(detail))
