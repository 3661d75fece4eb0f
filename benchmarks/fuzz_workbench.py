"""The workbench's API fuzzed at length: generated requests (random JSON bodies, paths,
query strings, headers) at every route, in-process, counting answers of 500 or more
(tracebacks), answers slower than 10 s (hangs) and files written outside the home folder.

    python benchmarks/fuzz_workbench.py [--inputs 10000] [--seed 0]

Prints the first few failures, then one tally line; exit status 1 if anything failed.
The suite runs the same requests, fewer of them (``tests/workbench/test_fuzz.py``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, seed, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.workbench.fuzz import Request, Sandbox, requests  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="fuzz-workbench-") as folder:
        sandbox = Sandbox(Path(folder))

        @seed(args.seed)
        @settings(
            max_examples=args.inputs,
            deadline=None,
            database=None,
            phases=[Phase.generate],  # count every input; no shrinking
            suppress_health_check=list(HealthCheck),
        )
        @given(request=requests())
        def fuzz(request: Request) -> None:
            sandbox.send(request)

        try:
            fuzz()
        finally:
            sandbox.close()
    tally = sandbox.tally
    for failure in tally.first:
        print(failure, file=sys.stderr)
    print(tally.line(), flush=True)
    return 1 if tally.tracebacks or tally.hangs or tally.outside else 0


if __name__ == "__main__":
    sys.exit(main())
