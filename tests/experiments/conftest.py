"""Small experiment specs written to a temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

QUICK = {"replications": 2, "horizon_days": 15, "warmup_days": 3, "seed": 7}


def write(folder: Path, data: dict[str, Any], name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def write_spec(tmp_path: Path):
    return lambda data, name="spec.yaml": write(tmp_path, data, name)
