"""Experiment specs: which bundle, which variants, how many replications.

A spec is a YAML file checked like a scenario file, in two gates: its shape (the models
below, chosen by ``kind``) and its references to the bundle (levers, departments), so a
mistake is reported as ``file: path.to.field: reason`` before any simulation starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, NonNegativeInt, PositiveInt, ValidationError

from onething.scenarios.errors import FileError, Problem, from_validation_error
from onething.scenarios.levers import LEVERS, SINGLE_WINDOW, Mode, Process
from onething.scenarios.loader import catalog_names, load_scenario, read_yaml
from onething.scenarios.model import (
    MAX_ARRIVALS_PER_DAY,
    MAX_HORIZON_DAYS,
    MAX_REPLICATIONS,
    Identifier,
    Scenario,
    Strict,
)

KINDS = ("variants", "lever_attribution", "load_sweep", "staffing", "sensitivity")
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
    windows: dict[str, PositiveInt] = {}
    """Windows per department or ``single_window``; wins over the staffing lever."""
    rework_scale: Scale | None = None
    """Multiplies every item's rework probability (capped at 1)."""
    travel_scale: Scale | None = None
    """Multiplies the applicants' travel time."""
    handling_scale: Scale | None = None
    """Multiplies every item's front-desk handling time."""
    processing_scale: Scale | None = None
    """Multiplies every item's back-office processing time (with data sharing and on
    commitment too)."""


class VariantSpec(Strict):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    levers: list[str] | None = None
    """``null`` (or absent) is the siloed 'before' process."""
    overrides: Overrides = Overrides()


class SpecBase(Strict):
    name: Identifier
    """Also the default output folder."""
    bundle: str
    """A catalog name or a scenario file, relative to the spec file."""
    replications: Annotated[int, Field(gt=0, le=MAX_REPLICATIONS)] = 5
    horizon_days: Annotated[int, Field(gt=0, le=MAX_HORIZON_DAYS)] | None = None
    warmup_days: NonNegativeInt | None = None
    seed: int | None = None


class VariantsSpec(SpecBase):
    kind: Literal["variants"]
    variants: Annotated[list[VariantSpec], Field(min_length=1, max_length=MAX_VARIANTS)]


class AttributionSpec(SpecBase):
    kind: Literal["lever_attribution"]
    levers: Annotated[list[str], Field(min_length=1)] | None = None
    """Default: the scenario's ``after`` levers."""
    order: list[str] | None = None
    """The order levers are added in for the cumulative chain; default: ``levers``."""


class LoadSweepSpec(SpecBase):
    kind: Literal["load_sweep"]
    rates: Annotated[list[Rate], Field(min_length=1, max_length=MAX_VARIANTS)]
    """Arrivals per working day, light to heavy."""
    mode: Mode = "after"
    levers: list[str] | None = None
    """Overrides ``mode``, as on the command line."""


class StaffingSpec(SpecBase):
    kind: Literal["staffing"]
    mode: Mode = "after"
    levers: list[str] | None = None
    """Overrides ``mode``, as on the command line."""
    arrivals_per_day: Rate
    target_within_promise: Annotated[float, Field(gt=0, le=1)] = 0.9
    """The share of cases to finish within the promised time (0..1)."""
    max_windows: Annotated[int, Field(gt=0, le=MAX_WINDOWS)] = 10
    """Windows per place the search may go up to."""
    places: Annotated[list[str], Field(min_length=1)] | None = None
    """Departments (or ``single_window``) to staff; default: where the process queues."""


class Range(Strict):
    name: Literal[PARAMETERS]  # type: ignore[valid-type]
    low: Annotated[float, Field(ge=0)]
    high: Annotated[float, Field(ge=0)]


class SensitivitySpec(SpecBase):
    kind: Literal["sensitivity"]
    mode: Mode = "after"
    levers: list[str] | None = None
    """Overrides ``mode``, as on the command line."""
    parameters: Annotated[list[Range], Field(min_length=1, max_length=len(PARAMETERS))]
    """Each run at its low and high value, the others at the baseline."""


Spec = VariantsSpec | AttributionSpec | LoadSweepSpec | StaffingSpec | SensitivitySpec
MODELS: dict[str, type[Spec]] = {
    "variants": VariantsSpec,
    "lever_attribution": AttributionSpec,
    "load_sweep": LoadSweepSpec,
    "staffing": StaffingSpec,
    "sensitivity": SensitivitySpec,
}


@dataclass(frozen=True)
class Experiment:
    """A checked spec with its bundle loaded and the run settings resolved."""

    spec: Spec
    path: Path
    scenario: Scenario
    horizon_days: int
    warmup_days: int
    seed: int

    @property
    def attribution_levers(self) -> list[str]:
        assert isinstance(self.spec, AttributionSpec)
        return list(self.spec.levers or self.scenario.after)

    @property
    def attribution_order(self) -> list[str]:
        assert isinstance(self.spec, AttributionSpec)
        return list(self.spec.order or self.attribution_levers)


def load_spec(path: str | Path) -> Experiment:
    path = Path(path)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise FileError(path, [Problem("(top)", "expected a mapping of experiment fields")])
    kind = data.get("kind")
    if kind not in KINDS:
        reason = "required field is missing" if kind is None else f"unknown kind {kind!r}"
        raise FileError(path, [Problem("kind", f"{reason} (one of {', '.join(KINDS)})")])
    try:
        spec = MODELS[kind].model_validate(data)
    except ValidationError as exc:
        raise from_validation_error(path, data, exc) from None
    scenario = _bundle(path, spec.bundle)
    horizon = spec.horizon_days or scenario.run.horizon_days
    warmup = scenario.run.warmup_days if spec.warmup_days is None else spec.warmup_days
    problems = list(_cross_check(spec, scenario))
    if warmup >= horizon:
        problems.append(Problem("warmup_days", f"{warmup} must be shorter than {horizon} days"))
    if problems:
        raise FileError(path, problems)
    seed = scenario.run.seed if spec.seed is None else spec.seed
    return Experiment(spec, path, scenario, horizon, warmup, seed)


def _bundle(spec_path: Path, bundle: str) -> Scenario:
    """A catalog name, or a file relative to the spec (errors in that file name it)."""
    if Path(bundle).suffix in (".yaml", ".yml"):
        file = spec_path.parent / bundle
        if not file.is_file():
            raise FileError(spec_path, [Problem("bundle", f"no such scenario file {file}")])
        return load_scenario(file)
    if bundle not in catalog_names():
        raise FileError(
            spec_path,
            [Problem("bundle", f"unknown bundle {bundle!r} (known: {', '.join(catalog_names())})")],
        )
    return load_scenario(bundle)


def _levers(at: str, names: list[str] | None) -> Iterator[Problem]:
    for i, name in enumerate(names or []):
        if name not in LEVERS:
            yield Problem(f"{at}.{i}", f"unknown lever {name!r} (known: {', '.join(LEVERS)})")
    if names and len(set(names)) != len(names):
        yield Problem(at, "lists a lever twice")


def _cross_check(spec: Spec, scenario: Scenario) -> Iterator[Problem]:
    """References to the bundle; each problem names the field at fault."""
    if isinstance(spec, VariantsSpec):
        seen: set[str] = set()
        for i, variant in enumerate(spec.variants):
            at = f"variants.{i}"
            if variant.name in seen:
                yield Problem(f"{at}.name", f"variant {variant.name!r} is named twice")
            seen.add(variant.name)
            yield from _levers(f"{at}.levers", variant.levers)
            yield from _windows(f"{at}.overrides.windows", variant.overrides, scenario)
    elif isinstance(spec, AttributionSpec):
        yield from _levers("levers", spec.levers)
        yield from _levers("order", spec.order)
        levers = spec.levers or scenario.after
        if not levers:
            yield Problem("levers", f"{scenario.name} has no 'after' levers; list them here")
        if spec.order is not None and sorted(spec.order) != sorted(levers):
            yield Problem("order", f"must list each of {', '.join(levers)} once")
    else:
        yield from _levers("levers", spec.levers)
        if isinstance(spec, StaffingSpec):
            yield from _places(spec, scenario)
        elif isinstance(spec, SensitivitySpec):
            yield from _ranges(spec)


def _places(spec: StaffingSpec, scenario: Scenario) -> Iterator[Problem]:
    if spec.places is None:
        return
    known = [*scenario.departments, SINGLE_WINDOW]
    if len(set(spec.places)) != len(spec.places):
        yield Problem("places", "lists a place twice")
    if spec.levers is not None and any(lever not in LEVERS for lever in spec.levers):
        return
    queues = Process.of(scenario, spec.mode, spec.levers).places
    for i, place in enumerate(spec.places):
        if place not in known:
            yield Problem(f"places.{i}", f"unknown place {place!r} (known: {', '.join(known)})")
        elif place not in queues:
            yield Problem(
                f"places.{i}",
                f"the process does not queue at {place!r} (it does at: {', '.join(queues)})",
            )


def _ranges(spec: SensitivitySpec) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, r in enumerate(spec.parameters):
        at = f"parameters.{i}"
        if r.name in seen:
            yield Problem(f"{at}.name", f"parameter {r.name!r} is listed twice")
        seen.add(r.name)
        if r.low > r.high:
            yield Problem(f"{at}.low", f"{r.low:g} is above high ({r.high:g})")
        if r.name == "arrivals_per_day":
            if r.low <= 0 or r.high > MAX_ARRIVALS_PER_DAY:
                yield Problem(at, f"arrivals per day must be in (0, {MAX_ARRIVALS_PER_DAY:g}]")
        elif r.high > MAX_SCALE:
            yield Problem(f"{at}.high", f"a scale must be at most {MAX_SCALE:g}")


def _windows(at: str, overrides: Overrides, scenario: Scenario) -> Iterator[Problem]:
    known = [*scenario.departments, SINGLE_WINDOW]
    for name in overrides.windows:
        if name not in known:
            yield Problem(f"{at}.{name}", f"unknown department (known: {', '.join(known)})")
