"""A run killed outright (SIGKILL) leaves nothing running: the lifeline's watchdog stops
the broker's JVM and the services it was told about, and leaves alone what the run
stopped itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

from onething.services.lifeline import GRACE_SECONDS, watch
from tests.services.test_kafka_broker_cluster import _alive


def _gone(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _alive(pid)


def _own_group(*command: str) -> subprocess.Popen[str]:
    """A child in a process group of its own, as the brokers and services are, once it
    says it is ready."""
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, process_group=0)
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    return child


SLEEPER = ("sh", "-c", "echo ready; exec sleep 600")
STUBBORN = (
    sys.executable,
    "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(600)",
)


def test_the_watchdog_stops_what_it_guards_and_spares_what_was_forgotten():
    guarded, forgotten, stubborn = _own_group(*SLEEPER), _own_group(*SLEEPER), _own_group(*STUBBORN)
    try:
        started = time.monotonic()
        lines = [f"+{guarded.pid}", f"+{forgotten.pid}", f"-{forgotten.pid}", f"+{stubborn.pid}"]
        watch(lines, grace=1.0)
        assert guarded.wait(5) == -signal.SIGTERM
        assert stubborn.wait(5) == -signal.SIGKILL  # ignored SIGTERM: killed after the grace
        assert time.monotonic() - started >= 1.0
        assert forgotten.poll() is None
    finally:
        for child in (guarded, forgotten, stubborn):
            child.kill()
            child.wait()


def test_a_run_killed_outright_takes_its_kafka_broker_with_it(tmp_path):
    """The JVM runs in a group of its own (a Ctrl-C is the run's to handle), so SIGKILL of
    the run alone would orphan it."""
    run = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import time
                from pathlib import Path
                from onething.services.kafka_broker import embedded_broker
                broker = embedded_broker(log_dir=Path({str(tmp_path)!r})).start()
                print(broker.pid, flush=True)
                time.sleep(600)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    jvm = None
    try:
        assert run.stdout is not None
        jvm = int(run.stdout.readline())
        assert os.getpgid(jvm) == jvm != os.getpgid(run.pid)
        run.kill()
        run.wait()
        assert _gone(jvm, GRACE_SECONDS + 20), "the broker outlived its run"
    finally:
        run.kill()
        if jvm is not None and _alive(jvm):
            os.killpg(jvm, signal.SIGKILL)


def test_the_watchdog_starts_quietly_and_outlives_its_parent_only_to_stop_the_guarded():
    """Started by path, the watchdog prints nothing (``-m`` would import ``onething``,
    which imports the lifeline, and Python warns about the second import on stderr)."""
    sleeper = _own_group(*SLEEPER)
    try:
        code = f"from onething.services import lifeline; lifeline.guard({sleeper.pid})"
        # stderr stays open until the watchdog, which inherits it, has exited
        parent = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
        )
        assert parent.returncode == 0
        assert parent.stderr == ""
        assert sleeper.wait(GRACE_SECONDS + 5) == -signal.SIGTERM
    finally:
        sleeper.kill()
        sleeper.wait()
