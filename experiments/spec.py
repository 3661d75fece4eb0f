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

from pydantic import Field, ValidationError

from onething.scenarios.errors import FileError, Problem, from_validation_error
from onething.scenarios.levers import Mode
from onething.scenarios.loader import catalog_names, load_scenario, read_yaml, saved_names
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


def load_spec(path: str | Path, files_within: Path | None = None) -> Experiment:
    """The checked spec at ``path``; with ``files_within``, a scenario file it names must
    be in that folder (an uploaded spec reaches no other file of the machine)."""
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise FileError(path, [Problem("(top)", "expected a mapping of experiment fields")])
    from onething.experiments.studies import KINDS

    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        reason = "required field is missing" if kind is None else f"unknown kind {kind!r}"
        raise FileError(path, [Problem("kind", f"{reason} (one of {', '.join(KINDS)})")])
    try:
        spec = KINDS[kind].model.model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(path, data, exc) from None
    scenario = _bundle(path, spec.bundle, files_within)
    horizon = spec.horizon_days or scenario.run.horizon_days
    warmup = scenario.run.warmup_days if spec.warmup_days is None else spec.warmup_days
    problems = list(KINDS[kind].check(spec, scenario))
    if warmup >= horizon:
        problems.append(Problem("warmup_days", f"{warmup} must be shorter than {horizon} days"))
    if problems:
        raise FileError(path, problems)
    seed = scenario.run.seed if spec.seed is None else spec.seed
    return Experiment(spec, path, scenario, horizon, warmup, seed)


def _bundle(spec_path: Path, bundle: str, files_within: Path | None) -> Scenario:
    """A catalog name, a saved bundle's name, or a file relative to the spec (errors in
    that file name it)."""
    if "\0" in bundle:
        raise FileError(spec_path, [Problem("bundle", "a name or path has no NUL character")])
    if Path(bundle).suffix in (".yaml", ".yml"):
        file = spec_path.parent / bundle
        if files_within is not None and not file.resolve().is_relative_to(files_within.resolve()):
            reason = "name a catalog or saved bundle, or a file beside the spec"
            raise FileError(spec_path, [Problem("bundle", f"{bundle!r}: {reason}")])
        if not file.is_file():
            raise FileError(spec_path, [Problem("bundle", f"no such scenario file {file}")])
        return load_scenario(file)
    saved = saved_names()
    if bundle not in catalog_names() and bundle not in saved:
        known = ", ".join(catalog_names() + [n for n in saved if n not in catalog_names()])
        reason = f"unknown bundle {bundle!r} (known: {known})"
        raise FileError(spec_path, [Problem("bundle", reason)])
    return load_scenario(bundle)
