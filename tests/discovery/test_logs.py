"""Reading event logs: every bad row is counted with its reason, every bad file is one
clear line, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from onething.cli import main
from onething.discovery.logs import parse_columns, read_log
from onething.scenarios.errors import FileError

HEADER = "CaseId,Task,Office,Started,Finished\n"
COLUMNS = "case=CaseId,activity=Task,department=Office,start=Started,end=Finished"


def _read(path: Path, columns: str = COLUMNS):
    events, skipped = read_log(path, None, parse_columns(columns))
    return list(events), skipped


def test_bad_rows_are_skipped_and_counted_with_their_reason(tmp_path):
    log = tmp_path / "history.csv"
    log.write_text(
        HEADER
        + "c1,Approve,market,2026-03-02T09:00:00,2026-03-02T10:00:00\n"
        + "c2,Approve,market,,\n"
        + "c3,Approve,market,2026-03-02T11:00:00,2026-03-02T10:00:00\n"
        + "c4,Approve,market,yesterday,2026-03-02T10:00:00\n"
        + "c5,Approve\n",
        encoding="utf-8",
    )
    events, skipped = _read(log)
    assert [e.case for e in events] == ["c1"]
    assert skipped.counts == {
        "missing end timestamp": 1,
        "ends before it starts": 1,
        "unreadable start timestamp": 1,
        "wrong number of fields": 1,
    }
    assert skipped.first["ends before it starts"] == 4


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary content"),
        (b"a,b,c\n1,2,3\n", "not onething's event log"),
    ],
)
def test_a_file_that_is_no_log_is_one_clear_line(tmp_path, content, reason):
    log = tmp_path / "log.csv"
    log.write_bytes(content)
    with pytest.raises(FileError, match=reason):
        list(read_log(log)[0])


def test_a_mapping_naming_an_unknown_column_lists_the_header(tmp_path):
    log = tmp_path / "history.csv"
    log.write_text(HEADER, encoding="utf-8")
    with pytest.raises(FileError, match="no column 'Begin' in the header"):
        _read(log, COLUMNS.replace("Started", "Begin"))
    with pytest.raises(FileError, match="unknown key"):
        parse_columns("casee=CaseId")


def test_the_cli_refuses_bad_logs_with_exit_2_and_no_traceback(tmp_path, capsys):
    log = tmp_path / "log.csv"
    log.write_bytes(b"\x00\x01\x02binary")
    assert main(["discover", str(log), "--out", str(tmp_path / "s.yaml")]) == 2
    err = capsys.readouterr().err
    assert "binary content" in err and "Traceback" not in err


def test_xes_pairs_start_and_complete_and_keeps_the_trace_id(tmp_path):
    log = tmp_path / "log.xes"
    log.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <trace><string key="concept:name" value="case-7"/>
    <event><string key="concept:name" value="Review"/><string key="org:group" value="tax"/>
      <string key="lifecycle:transition" value="start"/>
      <date key="time:timestamp" value="2026-03-02T09:00:00.000+08:00"/></event>
    <event><string key="concept:name" value="Review"/><string key="org:group" value="tax"/>
      <string key="lifecycle:transition" value="complete"/>
      <date key="time:timestamp" value="2026-03-02T10:30:00.000+08:00"/></event>
    <event><string key="concept:name" value="Sign"/><string key="org:group" value="tax"/>
      <string key="lifecycle:transition" value="complete"/></event>
  </trace>
</log>""",
        encoding="utf-8",
    )
    events, skipped = read_log(log)
    events = list(events)
    assert [(e.case, e.activity, e.department, e.end - e.start) for e in events] == [
        ("case-7", "Review", "tax", 90.0)
    ]
    assert skipped.counts == {"missing timestamp": 1}
