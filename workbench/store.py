"""Every run kept with its inputs and results, in one SQLite file (standard library).

A row per run: what was asked (``inputs``), what came back (``result``, JSON), and how it
ended; the Runs page lists them, reopens one and sets two side by side.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

from onething.workbench.safety import Refused

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    bundle TEXT NOT NULL,
    created TEXT NOT NULL,
    status TEXT NOT NULL,
    inputs TEXT NOT NULL,
    result TEXT
)
"""


class StoreError(Refused):
    """The run store cannot be used now (locked by another program, or unreadable): HTTP
    503, said in the page's language."""

    status = 503


class Store:
    """The runs, in SQLite.  A database another program holds locked is waited for
    (``timeout`` seconds), then a finished run is kept as a JSON file beside it instead
    (``StoreError`` says where); one that is not a database any more is moved aside at
    start, with a line on stderr, and a fresh one begun."""

    def __init__(self, path: Path, timeout: float = 10.0):
        self.path = path
        self.timeout = timeout
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with closing(self._connect()) as db, db:
                verdict = str(db.execute("PRAGMA quick_check").fetchone()[0])
                if verdict == "ok":
                    db.execute(SCHEMA)
                    return
        except sqlite3.DatabaseError as exc:
            if not _corrupt(exc):  # locked, or not ours to read: said, and said again later
                print(f"onething workbench: {self._unusable(exc)}", file=sys.stderr)
                return
            verdict = str(exc)
        aside = path.with_name(f"{path.name}.corrupt-{_now('%Y%m%d-%H%M%S')}")
        path.replace(aside)
        print(
            f"onething workbench: {path} is not a readable database ({verdict}); "
            f"moved aside to {aside}, starting a fresh run list",
            file=sys.stderr,
        )
        with closing(self._connect()) as db, db:
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.timeout)
        db.row_factory = sqlite3.Row
        return db

    def _unusable(self, exc: sqlite3.Error, kept: Path | None = None) -> StoreError:
        """Why the store cannot be used (``kept``: the file that keeps the run instead)."""
        where = {"path": str(self.path)} | ({"kept": str(kept)} if kept else {})
        if _locked(exc):
            return StoreError(f"store.locked{'_kept' * bool(kept)}", timeout=self.timeout, **where)
        return StoreError(f"store.unreadable{'_kept' * bool(kept)}", error=str(exc), **where)

    def add(self, kind: str, bundle: str, status: str, inputs: dict[str, Any], result: Any) -> int:
        """The new run's id; ``StoreError`` naming the JSON file that keeps the run when
        the database cannot take it."""
        created = _now("%Y-%m-%d %H:%M:%S")
        row = (kind, bundle, created, status, json.dumps(inputs), json.dumps(result))
        try:
            with closing(self._connect()) as db, db:
                cursor = db.execute(
                    "INSERT INTO runs (kind, bundle, created, status, inputs, result) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    row,
                )
                return int(cursor.lastrowid or 0)
        except sqlite3.Error as exc:
            kept = self.path.with_name(f"{self.path.stem}-unsaved-{_now('%Y%m%d-%H%M%S-%f')}.json")
            keys = ("kind", "bundle", "created", "status", "inputs", "result")
            record = dict(zip(keys, (*row[:4], inputs, result), strict=True))
            kept.write_text(json.dumps(record), encoding="utf-8")
            raise self._unusable(exc, kept) from None

    def list(self, limit: int = 500) -> list[dict[str, Any]]:
        try:
            with closing(self._connect()) as db:
                rows = db.execute(
                    "SELECT id, kind, bundle, created, status, inputs FROM runs "
                    "ORDER BY id DESC LIMIT ?",
                    (limit,),
                ).fetchall()
        except sqlite3.Error as exc:
            raise self._unusable(exc) from None
        return [{**dict(r), "inputs": json.loads(r["inputs"])} for r in rows]

    def get(self, run_id: int) -> dict[str, Any] | None:
        if not 0 < run_id < 2**63:
            return None  # not an id SQLite can have given
        try:
            with closing(self._connect()) as db:
                row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        except sqlite3.Error as exc:
            raise self._unusable(exc) from None
        if row is None:
            return None
        return {
            **dict(row),
            "inputs": json.loads(row["inputs"]),
            "result": json.loads(row["result"]),
        }


def _locked(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))


def _corrupt(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "").startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))


def _now(form: str) -> str:
    return dt.datetime.now().strftime(form)
