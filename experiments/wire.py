"""One replication's result as text: the measures row of ``runner.replication_row`` as
JSON.  The cache files hold it and distributed workers send it, so a result read from the
cache, computed here or computed on another machine is the same text.

Floats round-trip exactly (``repr``); a NaN (no measured case) is written as ``NaN``,
which Python's ``json`` reads back.
"""

from __future__ import annotations

import json


def encode_row(row: dict[str, float]) -> str:
    return json.dumps(row)


def decode_row(text: str | bytes) -> dict[str, float]:
    """Raise ``ValueError`` if the text is not a row of numbers."""
    row = json.loads(text)
    if not isinstance(row, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
        for k, v in row.items()
    ):
        raise ValueError("expected a JSON object of numbers")
    return {k: float(v) for k, v in row.items()}
