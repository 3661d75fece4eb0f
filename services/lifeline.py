"""Children that must not outlive the process that started them.

A broker's JVM and a run's services each run in a process group of their own, so that a
Ctrl-C reaches only the run, which then stops them in order.  The price: a run killed
outright (SIGKILL, the OOM killer) would leave them running, holding ports and CPU.  So
the first ``guard`` starts a watchdog, a small process of its own session that holds the
read end of a pipe from this one.  The pipe closes when this process ends, however it
ends; the watchdog then stops every child it was told about and not told to forget:
SIGCONT and SIGTERM to its process group, SIGKILL after ``GRACE_SECONDS``.

    python -P services/lifeline.py   # the watchdog itself (reads +PID / -PID lines)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable

GRACE_SECONDS = 5.0
"""How long a guarded child has to act on SIGTERM once its parent is gone."""

_lock = threading.Lock()
_watchdog: subprocess.Popen[str] | None = None
_owner: int | None = None
"""The pid that started ``_watchdog``: a forked child starts a watchdog of its own."""


def guard(pid: int) -> None:
    """Have ``pid`` (and the process group it leads, if it leads one) stopped if this
    process dies before calling ``forget(pid)``."""
    _tell(f"+{pid}")


def forget(pid: int) -> None:
    """``pid`` was stopped (or waited for) here: the watchdog must not signal it, nor a
    later process that gets its number."""
    _tell(f"-{pid}")


def _tell(line: str) -> None:
    global _watchdog, _owner
    with _lock:
        if _watchdog is None or _owner != os.getpid() or _watchdog.poll() is not None:
            _watchdog = subprocess.Popen(
                # by path, not ``-m``: it needs only the standard library, and ``-m`` would
                # import ``onething`` first, which imports this module (a warning on
                # every run, and half a second of CPU); ``-P``: no sibling shadows the
                # standard library (``services/platform.py``)
                [sys.executable, "-P", __file__],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                text=True,
                start_new_session=True,  # neither a Ctrl-C nor a hang-up is for it
            )
            _owner = os.getpid()
        assert _watchdog.stdin is not None
        try:
            _watchdog.stdin.write(line + "\n")
            _watchdog.stdin.flush()
        except BrokenPipeError:  # it was killed: the next guard starts another
            _watchdog = None


def watch(lines: Iterable[str], grace: float = GRACE_SECONDS) -> None:
    """The watchdog: keep the guarded pids until ``lines`` end, then stop them."""
    guarded: set[int] = set()
    for line in lines:
        sign, pid = line[:1], int(line[1:])
        (guarded.add if sign == "+" else guarded.discard)(pid)
    for pid in guarded:
        _signal(pid, signal.SIGCONT)  # a paused broker cannot act on SIGTERM
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while (left := [p for p in guarded if _signal(p, 0)]) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in left:
        _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> bool:
    """Signal ``pid``'s process group, or ``pid`` alone when it leads none; whether
    anything was there to signal."""
    for send in (os.killpg, os.kill):
        try:
            send(pid, signum)
            return True
        except ProcessLookupError:
            continue
        except PermissionError:
            return False
    return False


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch(sys.stdin)
