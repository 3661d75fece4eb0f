"""Ten thousand generated bad inputs per surface, and what came of them.

    python benchmarks/fuzz_scenarios.py [--count 10000] [--limit 10] [--surface specs]

Surfaces: ``scenarios`` (a mutated catalog file, loaded, then one replication of three
days before and after) and ``specs`` (a mutated shipped experiment spec, loaded and
planned).  The inputs come from ``tests/scenarios/fuzzing.py``, the generators the suite's
property tests draw a few dozen from.  Every input runs in this process under
``fuzzing.limited``: ``--limit`` CPU seconds (wall time on a shared machine would count
others' work as a hang), with a wall-clock backstop for an input that hangs without
computing (a blocking read); both count as hangs.  Each runs in a sandbox whose output
folder is the working directory: a file anywhere else in the sandbox counts as written
outside.  The tally so far goes to stderr every 250 inputs; at the end, one line per
surface on stdout:

    scenarios: N inputs, 0 tracebacks, 0 hangs > 10 s, 0 files outside out

Each distinct traceback (by exception type and the line that raised it) is printed once
with the input that caused it, and the input is kept in the sandbox's ``failures/``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.scenarios.fuzzing import (  # noqa: E402
    Hang,
    limited,
    run_scenario,
    run_spec,
    scenario_texts,
    spec_texts,
    write,
)


def _tally(surface: str, outcomes: Counter[str], limit: int, outside: int) -> str:
    return (
        f"{surface}: {sum(outcomes.values())} inputs, {outcomes['traceback']} tracebacks, "
        f"{outcomes['hang']} hangs > {limit} s, {outside} files outside out"
    )


def fuzz(
    surface: str,
    texts: st.SearchStrategy[str],
    check: Callable[[Path], str],
    count: int,
    limit: int,
) -> str:
    sandbox = Path(tempfile.mkdtemp(prefix=f"fuzz-{surface}-"))
    inputs, out, failures = sandbox / "in", sandbox / "out", sandbox / "failures"
    for folder in (inputs, out, failures):
        folder.mkdir()
    os.environ["ONETHING_HOME"] = str(out / "home")
    os.chdir(out)
    outcomes: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    outside: set[Path] = set()

    @settings(
        max_examples=count,
        phases=[Phase.generate],
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(texts)
    def one(text: str) -> None:
        path = write(inputs / f"{surface}.yaml", text)
        try:
            with limited(limit):
                outcomes[check(path)] += 1
        except Hang:
            outcomes["hang"] += 1
            write(failures / f"hang-{outcomes['hang']}.yaml", text)
        except Exception as exc:  # the tally counts what the suite would fail on
            outcomes["traceback"] += 1
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            where = (type(exc).__name__, f"{frame.filename}:{frame.lineno}")
            if where not in seen:
                seen.add(where)
                kept = write(failures / f"traceback-{len(seen)}.yaml", text)
                print(f"{surface}: {where[0]}: {exc} at {where[1]} (input: {kept})", flush=True)
        allowed = (inputs, out, failures)
        for file in sandbox.rglob("*"):
            if file.is_file() and not any(file.is_relative_to(f) for f in allowed):
                outside.add(file)
        if sum(outcomes.values()) % 250 == 0:
            print(f"so far {_tally(surface, outcomes, limit, len(outside))}", file=sys.stderr)

    one()
    details = ", ".join(f"{n} {what}" for what, n in sorted(outcomes.items()))
    print(f"{surface} outcomes: {details}", flush=True)
    return _tally(surface, outcomes, limit, len(outside))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="inputs per surface")
    parser.add_argument("--limit", type=int, default=10, help="seconds per input")
    parser.add_argument("--surface", choices=["scenarios", "specs"], action="append")
    args = parser.parse_args()
    surfaces = {
        "scenarios": (scenario_texts(), run_scenario),
        "specs": (spec_texts(), run_spec),
    }
    lines = [
        fuzz(name, texts, check, args.count, args.limit)
        for name, (texts, check) in surfaces.items()
        if args.surface is None or name in args.surface
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
