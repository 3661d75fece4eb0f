"""``onething``: the command line.  Every command is a thin shell over ``onething.api``;
one module per command group (``runs``, ``studies``, ``live``, ``scenarios``, ``discover``,
``workbench``), the tables they print in ``tables``.

User mistakes (a bad scenario file, an unknown lever) print ``file: path: reason`` and
exit with code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from onething import api
from onething.cli import discover, live, runs, scenarios, studies, workbench
from onething.cli.arguments import USAGE_ERROR, UsageError, version_text
from onething.live import LiveError
from onething.scenarios.calendar import TooFarAhead
from onething.scenarios.errors import FileError
from onething.scenarios.levers import UnknownLever
from onething.scenarios.official_calendar import BeyondOfficialCalendar
from onething.services.broker import BrokerUnavailable
from onething.sim.overload import Overloaded


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onething",
        description="What-if lab for 高效办成一件事 bundles: before vs after integration.",
    )
    parser.add_argument("--version", action="version", version=f"onething {version_text()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    scenarios.add_catalog(sub)
    runs.add_compare(sub)
    runs.add_simulate(sub)
    runs.add_calibrate(sub)
    live.add_compose(sub)
    live.add_broker(sub)
    live.add_service(sub)
    live.add_live(sub)
    runs.add_walk(sub)
    studies.add_experiment(sub)
    live.add_worker(sub)
    discover.add_discover(sub)
    scenarios.add_export(sub)
    scenarios.add_import_bpmn(sub)
    studies.add_report(sub)
    workbench.add_ui(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except FileError as exc:
        print(exc, file=sys.stderr)
    except UnknownLever as exc:
        print(f"onething: --levers: {exc}", file=sys.stderr)
    except UsageError as exc:
        print(f"onething: {exc}", file=sys.stderr)
    except Overloaded as exc:
        print(f"onething: {exc}", file=sys.stderr)
    except (BeyondOfficialCalendar, TooFarAhead) as exc:
        print(f"onething: calendar: {exc}", file=sys.stderr)
    except api.WarmupTooLong as exc:
        warmup = "--warmup-days" if exc.warmup_given else "the scenario's run.warmup_days"
        horizon = "--horizon-days" if exc.horizon_given else "the scenario's run.horizon_days"
        print(
            f"onething: {warmup} ({exc.warmup}) must be shorter than {horizon} ({exc.horizon})",
            file=sys.stderr,
        )
    except api.RunError as exc:
        print(f"onething: {exc}", file=sys.stderr)
    except BrokerUnavailable as exc:
        print(f"onething: {exc}", file=sys.stderr)
        return 1
    except LiveError as exc:
        print(f"onething: live: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader stopped early (`onething simulate … | head`): nothing more to say, and
        # the interpreter's last flush must not fail on the closed pipe either
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return USAGE_ERROR
