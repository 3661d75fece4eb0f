"""Experiment specs: which bundle, which variants, how many replications.

A spec is a YAML file checked like a scenario file, in two gates: its shape (the fields
every kind has, below, and the kind's own, in ``studies/<kind>.py``) and its references
to the bundle (levers, departments), so a mistake is reported as
``file: path.to.field: reason`` before any simulation starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from onething.scenarios.levers import Mode
from onething.scenarios.model import (
    MAX_ARRIVALS_PER_DAY,
    MAX_HORIZON_DAYS,
    MAX_PARTS,
    MAX_REPLICATIONS,
    Identifier,
    Scenario,
    Seed,
    Strict,
    WindowCount,
)

MAX_VARIANTS = 200
MAX_SCALE = 100.0
MAX_WINDOWS = 50
SCALES = ("rework_scale", "travel_scale", "handling_scale", "processing_scale")
PARAMETERS = (*SCALES, "arrivals_per_day")

Rate = Annotated[float, Field(gt=0, le=MAX_ARRIVALS_PER_DAY)]
Scale = Annotated[float, Field(ge=0, le=MAX_SCALE)]


class Overrides(Strict):
    """Parameter changes applied to the bundle before the levers."""

    arrivals_per_day: Rate | None = None
    """Replaces the arrival rate (and an arrival trace) with this many per working day."""
    windows: Annotated[dict[str, WindowCount], Field(max_length=MAX_PARTS)] = {}
    """Windows per department or ``single_window``; wins over the staffing lever."""
    rework_scale: Scale | None = None
    """Multiplies every item's rework probability (capped at the model's ``MAX_REWORK``)."""
    travel_scale: Scale | None = None
    """Multiplies the applicants' travel time."""
    handling_scale: Scale | None = None
    """Multiplies every item's front-desk handling time."""
    processing_scale: Scale | None = None
    """Multiplies every item's back-office processing time (with data sharing and on
    commitment too)."""


class SpecBase(Strict):
    name: Identifier
    """Also the default output folder."""
    bundle: str
    """A catalog name, a saved bundle's name or a scenario file, relative to the spec file."""
    replications: Annotated[int, Field(gt=0, le=MAX_REPLICATIONS)] = 5
    horizon_days: Annotated[int, Field(gt=0, le=MAX_HORIZON_DAYS)] | None = None
    warmup_days: Annotated[int, Field(ge=0, le=MAX_HORIZON_DAYS)] | None = None
    seed: Seed | None = None


class OneProcess(SpecBase):
    """A study of one process (the kinds that vary its load, windows or parameters)."""

    mode: Mode = "after"
    levers: list[str] | None = None
    """Overrides ``mode``, as on the command line."""


@dataclass(frozen=True)
class Experiment:
    """A checked spec with its bundle loaded and the run settings resolved."""

    spec: Any
    """The kind's model (``studies.KINDS[kind].model``)."""
    path: Path
    scenario: Scenario
    horizon_days: int
    warmup_days: int
    seed: int
