"""Event logs and per-case records, written as the simulation runs (CSV or Parquet).

The event log has the columns process-mining tools read (case id, activity, resource,
start and end timestamps).  Rows stream to disk in batches, so exporting a million cases
does not hold them in memory.  Each replication writes its own part; ``merge_parts``
joins them in replication order.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

EVENT_COLUMNS = (
    "replication",
    "case_id",
    "activity",
    "department",
    "start",
    "end",
    "resource",
    "detail",
)
CASE_COLUMNS = (
    "replication",
    "case_id",
    "arrival",
    "end",
    "time_working_days",
    "time_calendar_hours",
    "wait_minutes",
    "trips",
    "within_promise",
)
_TIME_COLUMNS = ("start", "end", "arrival")
_TYPES = {
    "replication": pa.int64(),
    "case_id": pa.int64(),
    "trips": pa.int64(),
    "within_promise": pa.bool_(),
    "activity": pa.string(),
    "department": pa.string(),
    "resource": pa.string(),
    "detail": pa.string(),
    **{c: pa.timestamp("s") for c in _TIME_COLUMNS},
}
_BATCH = 20_000


def check_suffix(path: Path) -> None:
    if path.suffix not in (".csv", ".parquet"):
        raise ValueError(f"{path}: the file name must end in .csv or .parquet")


class TableWriter:
    """Rows of simulation minutes in, timestamped rows out."""

    def __init__(self, path: Path, columns: tuple[str, ...], start_date: dt.date):
        check_suffix(path)
        self.path = path
        self.columns = columns
        self.origin = dt.datetime.combine(start_date, dt.time())
        self.schema = pa.schema([(c, _TYPES.get(c, pa.float64())) for c in columns])
        self._rows: list[tuple] = []
        self._parquet: pq.ParquetWriter | None = None
        self._csv = None
        if path.suffix == ".csv":
            self._handle = path.open("w", newline="", encoding="utf-8")
            self._csv = csv.writer(self._handle)
            self._csv.writerow(columns)

    def write(self, row: tuple) -> None:
        self._rows.append(row)
        if len(self._rows) >= _BATCH:
            self.flush()

    def _timestamps(self, rows: list[tuple]) -> list[list[Any]]:
        times = [i for i, c in enumerate(self.columns) if c in _TIME_COLUMNS]
        out = []
        for row in rows:
            values = list(row)
            for i in times:
                values[i] = self.origin + dt.timedelta(minutes=values[i])
            out.append(values)
        return out

    def flush(self) -> None:
        if not self._rows:
            return
        rows = self._timestamps(self._rows)
        self._rows = []
        if self._csv is not None:
            self._csv.writerows(
                [
                    [
                        v.isoformat(timespec="seconds") if isinstance(v, dt.datetime) else v
                        for v in row
                    ]
                    for row in rows
                ]
            )
            return
        columns = {c: [r[i] for r in rows] for i, c in enumerate(self.columns)}
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, self.schema)
        self._parquet.write_table(pa.table(columns, schema=self.schema))

    def close(self) -> None:
        self.flush()
        if self._csv is not None:
            self._handle.close()
        elif self._parquet is not None:
            self._parquet.close()
        else:  # no rows at all: still leave a readable, empty file
            pq.write_table(self.schema.empty_table(), self.path)


@dataclass(frozen=True)
class Export:
    """Where to write the event log and the per-case table (either may be None; a ``str``
    or any path-like is taken as a ``Path``)."""

    events: Path | None = None
    cases: Path | None = None

    def __post_init__(self) -> None:
        for name in ("events", "cases"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, Path):
                object.__setattr__(self, name, Path(value))

    def part(self, index: int) -> Export:
        def name(p: Path | None) -> Path | None:
            return None if p is None else p.with_name(f".{p.stem}.rep{index}{p.suffix}")

        return Export(name(self.events), name(self.cases))


class FileRecorder:
    def __init__(self, export: Export, start_date: dt.date):
        self.events = export.events and TableWriter(export.events, EVENT_COLUMNS, start_date)
        self.cases = export.cases and TableWriter(export.cases, CASE_COLUMNS, start_date)

    def wants(self, case_id: int) -> bool:
        return self.events is not None

    def event(self, row: tuple) -> None:
        assert self.events is not None
        self.events.write(row)

    def case(self, row: tuple) -> None:
        if self.cases is not None:
            self.cases.write(row)

    def close(self) -> None:
        for writer in (self.events, self.cases):
            if writer is not None:
                writer.close()


class CaseRecorder:
    """Keeps the events of one case in memory (for ``onething walk``)."""

    def __init__(self, case_id: int):
        self.case_id = case_id
        self.rows: list[tuple] = []
        self.summary: tuple | None = None

    def wants(self, case_id: int) -> bool:
        return case_id == self.case_id

    def event(self, row: tuple) -> None:
        self.rows.append(row)

    def case(self, row: tuple) -> None:
        if row[1] == self.case_id:
            self.summary = row


def merge_parts(final: Path, parts: list[Path]) -> None:
    """Join per-replication parts into one file, in order, then remove them."""
    if final.suffix == ".csv":
        with final.open("w", encoding="utf-8", newline="") as out:
            for i, part in enumerate(parts):
                with part.open(encoding="utf-8") as handle:
                    header = handle.readline()
                    if i == 0:
                        out.write(header)
                    for line in handle:
                        out.write(line)
    else:
        schema = pq.read_schema(parts[0])
        with pq.ParquetWriter(final, schema) as writer:
            for part in parts:
                for batch in pq.ParquetFile(part).iter_batches():
                    writer.write_batch(batch)
    for part in parts:
        part.unlink()
