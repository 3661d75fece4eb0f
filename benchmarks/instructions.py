"""Instructions a case of the DES, counted by valgrind: an A/B on a shared, busy machine.

    python benchmarks/instructions.py [--model tandem|newborn|bare-newborn] [--cases 3000]

CPU time moves by 20 % when other work shares the machine; the count of instructions a
process executes does not (with a fixed hash seed it is the same run after run), so a
change to the hot path shows as a few per cent here where a timing cannot see it.  The
model (the tandem of ``tandem_ciw``, the heavy newborn of ``des_speed`` in onething or in
bare SimPy) runs twice under ``valgrind --tool=callgrind``, with ``--cases`` and with a
tenth of them, one beside the other: the difference of the two totals over the
difference of the cases finished is the count a case, the fixed cost (imports, calendars)
cancelling out.  Needs valgrind (``apt-get install valgrind``); a case runs about 50
times slower than without it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MODELS = {
    "tandem": "from benchmarks.tandem_ciw import run_onething; "
    "cases = run_onething({cases}, 2, 1)['cases']",
    "newborn": "from benchmarks.des_speed import run_onething; cases = run_onething({cases})[0]",
    "bare-newborn": "from benchmarks.des_speed import run_bare; cases = run_bare({cases})[0]",
}
COLLECTED = re.compile(r"Collected : (\d+)")


def start(model: str, cases: int, out: Path) -> subprocess.Popen[str]:
    code = (
        f"import json, sys; sys.path.insert(0, {str(ROOT)!r}); "
        + MODELS[model].format(cases=cases)
        + "; print(json.dumps(cases))"
    )
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        sys.executable,
        "-c",
        code,
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    )


def finish(run: subprocess.Popen[str]) -> tuple[int, int]:
    """(cases finished, instructions) of a run started by ``start``."""
    stdout, stderr = run.communicate()
    found = COLLECTED.search(stderr)
    if run.returncode or found is None:
        lines = stderr.strip().splitlines() or ["no output"]
        raise SystemExit(f"the run under valgrind failed: {lines[-1]}")
    return json.loads(stdout.strip().splitlines()[-1]), int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="tandem")
    parser.add_argument("--cases", type=int, default=3000)
    args = parser.parse_args()
    if args.cases < 100:
        parser.error("--cases must be at least 100 (a tenth of them is the baseline)")
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    with tempfile.TemporaryDirectory() as tmp:
        small, large = args.cases // 10, args.cases
        runs = [start(args.model, n, Path(tmp) / f"callgrind.{n}") for n in (small, large)]
        (few, fewer_instructions), (many, instructions) = (finish(r) for r in runs)
    if many <= few:
        raise SystemExit(f"{large} cases finished no more cases than {small}: raise --cases")
    per_case = (instructions - fewer_instructions) / (many - few)
    print(
        f"{args.model}: {few:,} cases {fewer_instructions:,} instructions, "
        f"{many:,} cases {instructions:,}"
    )
    print(f"{args.model}: {per_case:,.0f} instructions a case")


if __name__ == "__main__":
    main()
