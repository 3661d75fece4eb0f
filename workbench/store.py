"""Every run kept with its inputs and results, in one SQLite file (standard library).

A row per run: what was asked (``inputs``), what came back (``result``, JSON), and how it
ended; the Runs page lists them, reopens one and sets two side by side.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

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


class Store:
    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db, db:
            db.execute(SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    def add(self, kind: str, bundle: str, status: str, inputs: dict[str, Any], result: Any) -> int:
        created = dt.datetime.now().isoformat(sep=" ", timespec="seconds")
        with closing(self._connect()) as db, db:
            cursor = db.execute(
                "INSERT INTO runs (kind, bundle, created, status, inputs, result) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (kind, bundle, created, status, json.dumps(inputs), json.dumps(result)),
            )
            return int(cursor.lastrowid or 0)

    def list(self, limit: int = 500) -> list[dict[str, Any]]:
        with closing(self._connect()) as db:
            rows = db.execute(
                "SELECT id, kind, bundle, created, status, inputs FROM runs "
                "ORDER BY id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [{**dict(r), "inputs": json.loads(r["inputs"])} for r in rows]

    def get(self, run_id: int) -> dict[str, Any] | None:
        with closing(self._connect()) as db:
            row = db.execute("SELECT * FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        return {
            **dict(row),
            "inputs": json.loads(row["inputs"]),
            "result": json.loads(row["result"]),
        }
