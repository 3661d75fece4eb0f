"""Event logs in: onething's own ``--events`` CSV, a generic CSV with a column mapping,
or XES, read one event at a time so a log of millions of events never sits in memory.

A row that cannot be used (no timestamp, an end before its start, a short row) is
skipped and counted with its reason; a file that cannot be a log at all (empty, binary,
a column mapping naming a column the header lacks) is a ``FileError``.  Times become
minutes after ``EPOCH`` (wall-clock time; a time-zone offset is dropped, since opening
hours are local).
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, NamedTuple

from onething.scenarios.errors import FileError, Problem
from onething.scenarios.safe_xml import elements
from onething.sim.eventlog import EVENT_COLUMNS

EPOCH = dt.datetime(2000, 1, 1)
YEARS = (1900, 2199)
"""Timestamps outside these years are skipped: 0001-01-01 and 9999-12-31 stand for "no
date" in many databases, and no office's log reaches either."""
FIELDS = ("case", "activity", "department", "start", "end", "resource", "detail", "lifecycle")
REQUIRED = ("case", "activity", "end")
ONETHING_COLUMNS = dict(zip(FIELDS[:-1], EVENT_COLUMNS[1:], strict=True))
"""onething's own layout (``sim.eventlog.EVENT_COLUMNS``); ``replication`` is folded into
the case id so two replications' case 1 stay two cases."""
PM4PY_COLUMNS = {
    "case": "case:concept:name",
    "activity": "concept:name",
    "end": "time:timestamp",
    "resource": "org:resource",
    "department": "org:group",
    "start": "start_timestamp",
    "lifecycle": "lifecycle:transition",
}
"""pm4py's names (a dataframe written with ``pm4py.write`` or ``to_csv``): read without
``--columns``; ``start_timestamp`` is pm4py's name for a start paired into the row."""
XES_DEFAULTS = {
    "case": "concept:name",
    "activity": "concept:name",
    "department": "org:group",
    "resource": "org:resource",
    "time": "time:timestamp",
    "lifecycle": "lifecycle:transition",
}
_SNIFF = 8192
XES_DEPTH = 32
"""log > trace > event > attribute, with room for nested list and container attributes."""


UNNAMED = "office"
"""The department of an event whose log names none."""


class Event(NamedTuple):
    case: str
    activity: str
    department: str
    start: float
    """Minutes after ``EPOCH``."""
    end: float
    resource: str
    detail: str
    run: str = ""
    """The replication of a simulated log: runs overlap in time, so windows and arrival
    rates are measured per run."""
    timed: bool = True
    """Whether the log gave its start (a complete-only event's start is its end)."""


@dataclass
class Skipped:
    """Rows left out, by reason, with the first line (or event number) of each."""

    counts: Counter[str] = field(default_factory=Counter)
    first: dict[str, int] = field(default_factory=dict)

    def add(self, reason: str, where: int) -> None:
        self.counts[reason] += 1
        self.first.setdefault(reason, where)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def lines(self) -> list[str]:
        return [
            f"{n} rows skipped: {reason} (first at row {self.first[reason]})"
            for reason, n in self.counts.most_common()
        ]


class Pairing:
    """START and COMPLETE events of one work item, paired per case and activity, first in
    first out, a start by the completing resource first.  A COMPLETE with no START is a
    complete-only event (its start is then estimated); a START never completed is
    reported as skipped."""

    UNMATCHED = "start never completed (left out)"

    def __init__(self, skipped: Skipped):
        self.skipped = skipped
        self.open: dict[tuple[str, str], list[tuple[str, float, int]]] = {}

    def start(self, case: str, activity: str, resource: str, t: float, where: int) -> None:
        self.open.setdefault((case, activity), []).append((resource, t, where))

    def complete(self, case: str, activity: str, resource: str) -> float | None:
        starts = self.open.get((case, activity))
        if not starts:
            return None
        at = next((n for n, s in enumerate(starts) if s[0] == resource), 0)
        t = starts.pop(at)[1]
        if not starts:
            del self.open[(case, activity)]
        return t

    def close(self, case: str | None = None) -> None:
        """Report the starts left open (of ``case``, or all)."""
        for key in [k for k in self.open if case is None or k[0] == case]:
            for _, _, where in self.open.pop(key):
                self.skipped.add(self.UNMATCHED, where)


_DAYS: dict[str, int] = {}
"""Date text -> days after EPOCH: a log spans a few thousand dates at most."""


class OutOfYears(ValueError):
    """A timestamp outside ``YEARS``."""


OUT_OF_YEARS = f"timestamp outside the years {YEARS[0]}-{YEARS[1]}"


def minutes(text: str) -> float:
    """ISO date-time (``T`` or space, optional offset or ``Z``) to minutes after EPOCH;
    ``OutOfYears`` outside ``YEARS``."""
    if len(text) == 19 and text[10] in "T " and text[13] == ":" and text[16] == ":":
        day = _DAYS.get(text[:10])
        if day is None:
            date = dt.date.fromisoformat(text[:10])
            if not YEARS[0] <= date.year <= YEARS[1]:
                raise OutOfYears(text)
            day = _DAYS[text[:10]] = (date - EPOCH.date()).days
        hour, minute, second = int(text[11:13]), int(text[14:16]), int(text[17:19])
        if hour < 24 and minute < 60 and second < 60:
            return day * 1440 + hour * 60 + minute + second / 60
    stamp = dt.datetime.fromisoformat(text.strip())
    if not YEARS[0] <= stamp.year <= YEARS[1]:
        raise OutOfYears(text)
    return (stamp.replace(tzinfo=None) - EPOCH).total_seconds() / 60.0


def parse_columns(text: str | None) -> dict[str, str]:
    """``case=CaseId,activity=Task,...`` to a mapping; keys are checked."""
    if not text:
        return {}
    mapping: dict[str, str] = {}
    for part in text.split(","):
        key, sep, column = part.partition("=")
        key, column = key.strip(), column.strip()
        if not sep or not column:
            raise FileError("--columns", [Problem(part.strip() or "(empty)", "write key=column")])
        if key not in FIELDS:
            reason = f"unknown key (known: {', '.join(FIELDS)})"
            raise FileError("--columns", [Problem(key, reason)])
        mapping[key] = column
    return mapping


def log_format(path: Path, given: str | None) -> str:
    if given:
        return given
    suffixes = [s.lower() for s in path.suffixes]
    return "xes" if ".xes" in suffixes else "csv"


def _open_text(path: Path) -> IO[str]:
    """The file as text; an empty or binary file is refused before any parsing."""
    try:
        opener = gzip.open if path.suffix.lower() == ".gz" else open
        with opener(path, "rb") as raw:
            head = raw.read(_SNIFF)
    except OSError as exc:
        raise FileError(path, [Problem("(file)", f"cannot read: {exc.strerror or exc}")]) from None
    if not head.strip():
        raise FileError(path, [Problem("(file)", "empty file: no header and no events")])
    try:
        head.decode("utf-8")
        binary = b"\x00" in head
    except UnicodeDecodeError as exc:
        binary = exc.start < len(head) - 4  # a character cut at the sniff boundary is fine
    if binary:
        raise FileError(path, [Problem("(file)", "not a text event log (binary content)")])
    gz = path.suffix.lower() == ".gz"
    raw_handle = gzip.open(path, "rb") if gz else open(path, "rb")  # noqa: SIM115 - closed by _guarded
    return io.TextIOWrapper(raw_handle, encoding="utf-8-sig", newline="")


def read_log(
    path: Path, fmt: str | None = None, columns: dict[str, str] | None = None
) -> tuple[Iterator[Event], Skipped]:
    """The events of a log, lazily, and the tally of skipped rows (filled as it runs)."""
    skipped = Skipped()
    kind = log_format(path, fmt)
    if kind not in ("csv", "xes"):
        raise FileError(path, [Problem("--format", f"{kind!r}: use csv or xes")])
    handle = _open_text(path)
    reader = _read_xes if kind == "xes" else _read_csv
    return _guarded(path, reader(path, handle, columns or {}, skipped), handle), skipped


def _guarded(path: Path, events: Iterator[Event], handle: IO[str]) -> Iterator[Event]:
    """A decoding error deep in the file is the file's problem, not a traceback."""
    try:
        yield from events
    except UnicodeDecodeError:
        raise FileError(path, [Problem("(file)", "not UTF-8 text past its start")]) from None
    except (OSError, EOFError, zlib.error) as exc:  # a gzip file cut short or corrupt
        raise FileError(path, [Problem("(file)", f"cannot read past its start: {exc}")]) from None
    finally:
        handle.close()


def _read_csv(
    path: Path, handle: IO[str], mapping: dict[str, str], skipped: Skipped
) -> Iterator[Event]:
    rows = csv.reader(handle)
    try:
        header = next(rows)
    except StopIteration:
        raise FileError(path, [Problem("(file)", "empty file: no header row")]) from None
    except csv.Error as exc:
        raise FileError(path, [Problem("line 1", f"not CSV: {exc}")]) from None
    index = _column_index(path, header, mapping)
    replication = header.index("replication") if not mapping and "replication" in header else None
    width = len(header)
    absent = [k for k in FIELDS if k not in index]
    pairing = Pairing(skipped)
    line = 1
    while True:
        try:
            row = next(rows)
        except StopIteration:
            pairing.close()
            return
        except csv.Error as exc:
            line += 1
            skipped.add(f"unreadable CSV ({exc})", line)
            continue
        line += 1
        if not row:
            continue
        if len(row) != width:
            skipped.add("wrong number of fields", line)
            continue
        values = {k: row[i] for k, i in index.items()}
        for k in absent:
            values[k] = ""
        run = row[replication] if replication is not None else ""
        if run:
            values["case"] = f"{run}/{values['case']}"
        transition = values["lifecycle"].strip().lower() or "complete"
        if transition == "start":
            if values["end"].strip():
                try:
                    t = minutes(values["end"])
                except ValueError:
                    skipped.add("unreadable start timestamp", line)
                    continue
                pairing.start(values["case"], values["activity"], values["resource"], t, line)
            continue
        if transition != "complete":
            skipped.add(f"lifecycle {transition!r} (only start and complete are read)", line)
            continue
        if "lifecycle" in index and not values["start"].strip():
            started = pairing.complete(values["case"], values["activity"], values["resource"])
            if started is not None:
                values["start"] = (EPOCH + dt.timedelta(minutes=started)).isoformat()
        event = _event(values, skipped, line, run)
        if event is not None:
            yield event


def _column_index(path: Path, header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    names = [h.strip() for h in header]
    if not mapping:
        if all(c in names for c in ONETHING_COLUMNS.values()):
            mapping = ONETHING_COLUMNS
        elif all(PM4PY_COLUMNS[k] in names for k in REQUIRED):
            mapping = {k: c for k, c in PM4PY_COLUMNS.items() if c in names}
        else:
            reason = (
                f"not onething's event log (columns {', '.join(names)}); "
                "name the columns with --columns case=...,activity=...,start=...,end=..."
            )
            raise FileError(path, [Problem("header", reason)])
    problems = [
        Problem(f"--columns {key}", f"no column {column!r} in the header ({', '.join(names)})")
        for key, column in mapping.items()
        if column not in names
    ]
    problems += [
        Problem(f"--columns {key}", "required: name the column that holds it")
        for key in REQUIRED
        if key not in mapping
    ]
    if problems:
        raise FileError(path, problems)
    return {key: names.index(column) for key, column in mapping.items()}


def _event(values: dict[str, str], skipped: Skipped, where: int, run: str = "") -> Event | None:
    if not values["case"].strip():
        skipped.add("missing case id", where)
        return None
    if not values["activity"].strip():
        skipped.add("missing activity", where)
        return None
    if not values["end"].strip():
        skipped.add("missing end timestamp", where)
        return None
    try:
        end = minutes(values["end"])
    except OutOfYears:
        skipped.add(OUT_OF_YEARS, where)
        return None
    except ValueError:
        skipped.add("unreadable end timestamp", where)
        return None
    start_text = values["start"].strip()
    if start_text:
        try:
            start = minutes(start_text)
        except OutOfYears:
            skipped.add(OUT_OF_YEARS, where)
            return None
        except ValueError:
            skipped.add("unreadable start timestamp", where)
            return None
    else:
        start = end
    if end < start:
        skipped.add("ends before it starts", where)
        return None
    return Event(
        values["case"].strip(),
        values["activity"].strip(),
        values["department"].strip() or UNNAMED,
        start,
        end,
        values["resource"],
        values["detail"],
        run,
        bool(start_text),
    )


def _read_xes(
    path: Path, handle: IO[str], mapping: dict[str, str], skipped: Skipped
) -> Iterator[Event]:
    """XES (IEEE 1849), streamed within ``safe_xml``'s limits: each ``<event>`` is read
    and cleared; ``start`` and ``complete`` transitions of an activity are paired."""
    keys = {**XES_DEFAULTS, **{k: v for k, v in mapping.items() if k in XES_DEFAULTS}}
    case_id = ""
    number = 0
    in_event = False
    pairing = Pairing(skipped)
    for event, element, _ in elements(path, handle.buffer, XES_DEPTH, "XES"):
        tag = element.tag.rsplit("}", 1)[-1]
        if event == "start":
            if tag == "trace":
                pairing.close()
                case_id = ""
            in_event = in_event or tag == "event"
            continue
        if tag == "event":
            in_event = False
            number += 1
            attrs = _attributes(element)
            element.clear()
            found = _xes_event(case_id, attrs, keys, pairing, skipped, number)
            if found is not None:
                yield found
        elif not in_event and not case_id and element.get("key") == keys["case"]:
            case_id = element.get("value", "")
        elif tag == "trace":
            element.clear()
    pairing.close()
    if number == 0:
        raise FileError(path, [Problem("(file)", "no <event> in the XES log")])


def _attributes(element) -> dict[str, str]:  # noqa: ANN001 - an ElementTree element
    return {child.get("key", ""): child.get("value", "") for child in element}


def _xes_event(
    case_id: str,
    attrs: dict[str, str],
    keys: dict[str, str],
    pairing: Pairing,
    skipped: Skipped,
    number: int,
) -> Event | None:
    if not case_id:
        skipped.add("event outside a trace with a case id", number)
        return None
    activity = attrs.get(keys["activity"], "")
    stamp = attrs.get(keys["time"], "")
    if not activity:
        skipped.add("missing activity", number)
        return None
    if not stamp:
        skipped.add("missing timestamp", number)
        return None
    try:
        t = minutes(stamp)
    except OutOfYears:
        skipped.add(OUT_OF_YEARS, number)
        return None
    except ValueError:
        skipped.add("unreadable timestamp", number)
        return None
    transition = attrs.get(keys["lifecycle"], "complete").lower()
    resource = attrs.get(keys["resource"], "")
    if transition == "start":
        pairing.start(case_id, activity, resource, t, number)
        return None
    if transition != "complete":
        skipped.add(f"lifecycle {transition!r} (only start and complete are read)", number)
        return None
    start = pairing.complete(case_id, activity, resource)
    if start is not None and t < start:
        skipped.add("ends before it starts", number)
        return None
    department = attrs.get(keys["department"]) or attrs.get("org:role") or UNNAMED
    timed = start is not None
    return Event(case_id, activity, department, start if timed else t, t, resource, "", "", timed)
