"""Arguments every command group shares: the checked number types, the run options, the
levers, the files and folders a command writes (checked before anything is written), and the
one exception for a mistake in the command line."""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from onething import api
from onething.scenarios.errors import FileError, Problem
from onething.scenarios.levers import LEVERS, parse_levers
from onething.scenarios.loader import load_scenario
from onething.scenarios.model import (
    MAX_ARRIVALS_PER_DAY,
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    MAX_SEED,
)
from onething.sim.engine import MAX_CASES
from onething.sim.eventlog import Export, check_suffix
from onething.topics.schemas import MAX_SPEEDUP, MIN_SPEEDUP

USAGE_ERROR = 2
IN_THE_WAY = "a file is in the way"


class UsageError(Exception):
    """A mistake in the command line itself."""


BUNDLE_HELP = "a catalog name (see `onething catalog`) or a scenario file"
LEVERS_HELP = f"comma-separated levers for 'after' ({', '.join(LEVERS)})"


def run_options_of(
    args: argparse.Namespace, update: Callable[[int], None] | None
) -> api.RunOptions:
    export = None
    if getattr(args, "events", None) or getattr(args, "cases", None):
        for flag, path in (("--events", args.events), ("--cases", args.cases)):
            if path is not None:
                try:
                    check_suffix(path)
                except ValueError as exc:
                    raise UsageError(str(exc)) from None
                if path.is_dir():
                    raise UsageError(f"{flag} {path}: a folder, not a file name")
                out_folder(path.parent, flag)
        export = Export(args.events, args.cases)
    return api.RunOptions(
        args.replications,
        args.seed,
        args.horizon_days,
        args.warmup_days,
        args.jobs,
        export,
        update,
        args.count,
    )


def levers_of(args: argparse.Namespace) -> frozenset[str] | None:
    if args.levers is None:
        return None
    return parse_levers(args.levers)


def replications_of(args: argparse.Namespace) -> int:
    return args.replications or load_scenario(args.bundle).run.replications


def add_run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--replications",
        type=at_most(MAX_REPLICATIONS),
        help="default: the scenario's run.replications",
    )
    p.add_argument("--seed", type=seed_arg, help="default: the scenario's run.seed")
    length = p.add_mutually_exclusive_group()
    length.add_argument(
        "--horizon-days", type=at_most(MAX_HORIZON_DAYS), help="calendar days of arrivals"
    )
    length.add_argument(
        "--count",
        type=at_most(MAX_CASES),
        help="cases each replication measures, instead of a horizon (after the warm-up)",
    )
    p.add_argument(
        "--warmup-days",
        type=at_most(MAX_HORIZON_DAYS - 1, zero=True),
        help="cases arriving earlier are not measured",
    )
    p.add_argument("--jobs", type=positive, help="processes (default: every core)")
    p.add_argument("--json", action="store_true", help="print one JSON document")


def positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, not {text}")
    return value


def at_most(limit: int, zero: bool = False) -> Callable[[str], int]:
    """A whole number up to ``limit``, from 1 (or from 0 with ``zero``)."""

    def parse(text: str) -> int:
        value = non_negative(text) if zero else positive(text)
        if value > limit:
            raise argparse.ArgumentTypeError(f"{value} is over the limit of {limit}")
        return value

    return parse


seed_arg = at_most(MAX_SEED, zero=True)


def number_between(low: float, high: float) -> Callable[[str], float]:
    """A number above ``low`` (or equal to it, where ``low`` is positive) and at most
    ``high``: never ``inf`` or ``nan``."""

    def parse(text: str) -> float:
        value = float(text)
        if not (low < value <= high or value == low > 0):
            raise argparse.ArgumentTypeError(f"must be from {low:g} to {high:g}, not {text}")
        return value

    return parse


speedup_arg = number_between(MIN_SPEEDUP, MAX_SPEEDUP)


rate_arg = number_between(0, MAX_ARRIVALS_PER_DAY)


drain_arg = number_between(0, 86_400.0)


def non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, not {text}")
    return value


def version_text() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("onething")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown (not installed)"


def out_folder(path: Path, flag: str) -> Path:
    """An output folder, made if need be; a usage error when it cannot be (a file is in
    the way, no permission)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        in_the_way = isinstance(exc, FileExistsError | NotADirectoryError)
        reason = IN_THE_WAY if in_the_way else exc.strerror
        raise UsageError(f"{flag} {path}: cannot write there: {reason}") from None
    return path


def check_writable(path: Path, what: str, suffixes: tuple[str, ...] = ()) -> None:
    """Refuse an output path before any work: its name, and a folder that exists."""
    if suffixes and path.suffix not in suffixes:
        raise UsageError(f"{what} {path}: the file name must end in {' or '.join(suffixes)}")
    if path.is_dir():
        raise UsageError(f"{what} {path}: is a folder, not a file")
    if not path.parent.is_dir():
        raise UsageError(f"{what} {path}: no folder {path.parent}")


def write_all(files: dict[Path, str]) -> None:
    """Write every file or none: each goes to a temporary name beside it, then all are
    renamed into place, so an error leaves no half-written or partial output."""
    done: list[Path] = []
    try:
        for path, text in files.items():
            temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            done.append(temporary)
            temporary.write_text(text, encoding="utf-8")
        for temporary, path in zip(done, files, strict=True):
            os.replace(temporary, path)
    except OSError as exc:
        for temporary in done:
            temporary.unlink(missing_ok=True)
        raise FileError(
            exc.filename or "(output)", [Problem("(file)", f"cannot write: {exc.strerror or exc}")]
        ) from None
