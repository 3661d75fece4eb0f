"""The real-log benchmark's rule for a peer's simulation cut short at its time limit."""

from __future__ import annotations

import datetime as dt
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _benchmark():
    spec = importlib.util.spec_from_file_location("real_logs", ROOT / "benchmarks/real_logs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look themselves up there
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name]


def _prosimos_csv(path: Path, starts: list[dt.datetime]) -> Path:
    """Rows as Prosimos writes them: each event when it starts, its end already known."""
    lines = ["case_id,activity,enable_time,start_time,end_time,resource"]
    for n, start in enumerate(starts):
        end = start + dt.timedelta(days=3)
        lines.append(f"{n},Check,{start},{start},{end},r1")
    lines.append("17,Check,2243-01-0")  # the line being written when it was killed
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def test_a_run_cut_short_counts_only_once_its_clock_passed_the_logs_end(tmp_path):
    past_the_end = _benchmark().past_the_end
    day = dt.datetime(2012, 3, 1, tzinfo=dt.UTC)
    until = day + dt.timedelta(days=10)
    far = _prosimos_csv(tmp_path / "far.csv", [day + dt.timedelta(days=d) for d in range(40)])
    assert past_the_end(far, until) == day + dt.timedelta(days=39)
    assert past_the_end(far, None) is None  # uncensored: every simulated event compared
    short = _prosimos_csv(tmp_path / "short.csv", [day + dt.timedelta(days=d) for d in range(9)])
    assert past_the_end(short, until) is None  # events ending before the log's end missing
    assert past_the_end(tmp_path / "none.csv", until) is None
