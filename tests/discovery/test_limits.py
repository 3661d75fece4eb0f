"""discover on hostile logs: extreme dates finish in seconds, a log too short or too odd is
one line `file: where: reason` with exit 2, XML is parsed within limits, and nothing is
written unless the whole scenario is."""

from __future__ import annotations

import datetime as dt
import gzip
import time
from pathlib import Path

import pytest

from onething.cli import main
from onething.scenarios.loader import load_scenario
from onething.scenarios.safe_xml import MAX_TOKEN

COLUMNS = "case=case,activity=task,start=start,end=end"


def _log(path: Path, extra: list[str] = (), cases: int = 200) -> Path:
    """Three tasks per case on the working days of two months, and ``extra`` rows."""
    rows = ["case,task,start,end"]
    day = dt.datetime(2024, 3, 4, 9)
    for case in range(cases):
        t = day + dt.timedelta(days=case % 60 // 7 * 7 + case % 5, minutes=case % 400)
        for task in "ABC":
            end = t + dt.timedelta(minutes=20 + case % 50)
            rows.append(f"{case},{task},{t:%Y-%m-%d %H:%M:%S},{end:%Y-%m-%d %H:%M:%S}")
            t = end
    path.write_text("\n".join([*rows, *extra]) + "\n", encoding="utf-8")
    return path


def _discover(log: Path, out: Path, *options: str) -> int:
    return main(["discover", str(log), "--out", str(out), "--columns", COLUMNS, *options])


def test_placeholder_dates_of_year_1_and_9999_are_skipped_and_counted_in_seconds(tmp_path, capsys):
    log = _log(
        tmp_path / "log.csv",
        [
            "x,A,0001-01-01 09:00:00,0001-01-01 10:00:00",
            "y,A,9999-12-31 09:00:00,9999-12-31 23:59:59",
            "z,A,9999-12-31T23:59:59+14:00,9999-12-31T23:59:59-12:00",
        ],
    )
    started = time.perf_counter()
    assert _discover(log, tmp_path / "s.yaml") == 0
    assert time.perf_counter() - started < 10
    out = capsys.readouterr().out
    assert "3 rows skipped: timestamp outside the years 1900-2199 (first at row 602)" in out
    load_scenario(tmp_path / "s.yaml")


def test_a_log_spanning_decades_is_one_line_naming_its_first_and_last_date(tmp_path, capsys):
    log = _log(tmp_path / "log.csv", ["x,A,1990-01-01 09:00:00,1990-01-01 10:00:00"])
    started = time.perf_counter()
    assert _discover(log, tmp_path / "s.yaml") == 2
    assert time.perf_counter() - started < 10
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{log}: (file): events from 1990-01-01 to 2024-")
    assert "correct or remove the rows dated 1990-01-01" in err
    assert not (tmp_path / "s.yaml").exists()


def test_a_log_of_one_row_gives_a_scenario_and_a_header_alone_one_line(tmp_path, capsys):
    one = _log(tmp_path / "one.csv", cases=1)
    one.write_text("\n".join(one.read_text().splitlines()[:2]) + "\n")
    assert _discover(one, tmp_path / "one.yaml") == 0
    load_scenario(tmp_path / "one.yaml")
    header = tmp_path / "header.csv"
    header.write_text("case,task,start,end\n")
    assert _discover(header, tmp_path / "h.yaml") == 2
    assert capsys.readouterr().err == f"{header}: (file): no event: a header and nothing more\n"
    assert not (tmp_path / "h.yaml").exists()


@pytest.mark.parametrize(
    ("out", "reason"),
    [
        ("missing/s.yaml", "no folder"),
        ("s.txt", "must end in .yaml"),
        ("folder.yaml", "is a folder"),
    ],
)
def test_a_bad_out_is_refused_before_the_log_is_read(tmp_path, capsys, out, reason):
    (tmp_path / "folder.yaml").mkdir()
    log = tmp_path / "log.csv"
    log.write_text("not, a, log\n")  # never read: the --out is checked first
    assert _discover(log, tmp_path / out) == 2
    err = capsys.readouterr().err
    assert err.startswith("onething: --out ") and reason in err and err.count("\n") == 1


def test_nothing_is_written_when_the_report_cannot_be(tmp_path, capsys):
    log = _log(tmp_path / "log.csv")
    assert _discover(log, tmp_path / "s.yaml", "--report", str(tmp_path / "no" / "r.html")) == 2
    assert "--report" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]


def _xes(body: str, head: str = "") -> str:
    event = (
        '<event><string key="concept:name" value="A"/>'
        '<date key="time:timestamp" value="2024-03-04T10:00:00"/></event>'
    )
    return (
        f'<?xml version="1.0"?>{head}<log><trace><string key="concept:name" value="1"/>'
        f"{event}{body}</trace></log>"
    )


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        (
            _xes("", '<!DOCTYPE log [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'),
            "(file)",
            "a DTD (<!DOCTYPE>), whose entities could expand without bound: XES needs none",
        ),
        (
            _xes("<list>" * 40 + "</list>" * 40),
            "line 1",
            "elements nested more than 32 deep: not XES",
        ),
        (
            _xes(f'<string key="note" value="{"x" * (MAX_TOKEN + 1)}"/>'),
            "line 1",
            f"a tag or text longer than {MAX_TOKEN:,} bytes: not XES",
        ),
    ],
)
def test_hostile_xes_is_refused_in_one_line(tmp_path, capsys, text, where, reason):
    log = tmp_path / "log.xes.gz"
    log.write_bytes(gzip.compress(text.encode()))
    started = time.perf_counter()
    assert main(["discover", str(log), "--out", str(tmp_path / "s.yaml")]) == 2
    assert time.perf_counter() - started < 5
    assert capsys.readouterr().err == f"{log}: {where}: {reason}\n"


def test_a_50_mb_xes_attribute_is_refused_in_a_second(tmp_path, capsys):
    """The system's expat parses one long token in time quadratic in its length: the
    limit holds before the parser sees it."""
    log = tmp_path / "log.xes"
    log.write_text(_xes(f'<string key="note" value="{"x" * 50_000_000}"/>'))
    started = time.perf_counter()
    assert main(["discover", str(log), "--out", str(tmp_path / "s.yaml")]) == 2
    assert time.perf_counter() - started < 5
    assert "longer than 1,000,000 bytes" in capsys.readouterr().err


def test_a_gzip_log_cut_short_is_one_line(tmp_path, capsys):
    log = tmp_path / "log.csv.gz"
    whole = gzip.compress(_log(tmp_path / "log.csv", cases=2000).read_bytes())
    log.write_bytes(whole[: len(whole) // 2])
    assert _discover(log, tmp_path / "s.yaml") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{log}: (file): cannot read past its start") and err.count("\n") == 1
