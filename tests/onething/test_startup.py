"""The everyday commands start without the heavy stream-processing and table libraries:
Faust, aiokafka, kafka-python and pandas are imported where they are used."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("faust", "aiokafka", "kafka", "pandas")
PROBE = """
import contextlib, io, sys
from onething.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        main({args!r})
    except SystemExit:
        pass
print(sorted(m for m in {heavy!r} if m in sys.modules))
"""


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["catalog"],
        ["walk", "newborn", "--mode", "before"],
        ["calibrate", "newborn", "--replications", "2"],
    ],
    ids=" ".join,
)
def test_the_command_imports_no_heavy_library(args, tmp_path):
    code = PROBE.format(args=args, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_importing_the_command_line_imports_no_heavy_library(tmp_path):
    code = f"import onething.cli, sys; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stdout.strip() == "[]", done.stderr
