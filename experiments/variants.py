"""From a spec to the processes it compares: each variant is a lever set on a modified
copy of the bundle (the scenario file itself is never touched)."""

from __future__ import annotations

from dataclasses import dataclass

from onething.experiments.spec import (
    AttributionSpec,
    Experiment,
    LoadSweepSpec,
    Overrides,
    SensitivitySpec,
    StaffingSpec,
    VariantsSpec,
)
from onething.experiments.studies import (
    BASELINE,
    attribution_sets,
    rate_name,
    sensitivity_name,
    set_name,
    staffing_name,
)
from onething.scenarios.levers import SINGLE_WINDOW, Process
from onething.scenarios.model import Distribution, Item, Scenario, fixed

# The numeric fields of each distribution that scale with time.
_SCALED_FIELDS = {
    "fixed": ("value",),
    "exponential": ("mean",),
    "lognormal": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "empirical": ("values",),
}


@dataclass(frozen=True)
class Variant:
    name: str
    process: Process


def scaled(dist: Distribution, factor: float) -> Distribution:
    """The same distribution with every time multiplied (zero becomes a fixed zero, since
    an exponential or lognormal cannot have a zero mean)."""
    if factor == 0:
        return fixed(0.0, dist.unit)
    update = {}
    for name in _SCALED_FIELDS[dist.dist]:
        value = getattr(dist, name)
        update[name] = [v * factor for v in value] if isinstance(value, list) else value * factor
    return dist.model_copy(update=update)


def apply_overrides(scenario: Scenario, overrides: Overrides) -> Scenario:
    update: dict = {}
    applicants = scenario.applicants
    if overrides.arrivals_per_day is not None:
        arrivals = applicants.arrivals.model_copy(
            update={"per_working_day": overrides.arrivals_per_day, "trace": None}
        )
        applicants = applicants.model_copy(update={"arrivals": arrivals})
    if overrides.travel_scale is not None:
        travel = scaled(applicants.travel, overrides.travel_scale)
        applicants = applicants.model_copy(update={"travel": travel})
    if applicants is not scenario.applicants:
        update["applicants"] = applicants
    if overrides.rework_scale is not None:
        factor = overrides.rework_scale
        update["items"] = {
            key: item.model_copy(update={"rework": min(1.0, item.rework * factor)})
            for key, item in scenario.items.items()
        }
    if overrides.handling_scale is not None or overrides.processing_scale is not None:
        items = update.get("items", scenario.items)
        update["items"] = {
            key: _scaled_item(item, overrides.handling_scale, overrides.processing_scale)
            for key, item in items.items()
        }
    if overrides.windows:
        update |= _windows(scenario, overrides.windows)
    return scenario.model_copy(update=update) if update else scenario


def _scaled_item(item: Item, handling: float | None, processing: float | None) -> Item:
    """Front-desk time scaled by ``handling``; every back-office time (plain, with data
    sharing, on commitment) by ``processing``."""
    update: dict = {}
    if handling is not None:
        update["handling"] = scaled(item.handling, handling)
    if processing is not None:
        update["processing"] = scaled(item.processing, processing)
        if item.processing_with_data_sharing is not None:
            update["processing_with_data_sharing"] = scaled(
                item.processing_with_data_sharing, processing
            )
        if item.commitment is not None:
            update["commitment"] = item.commitment.model_copy(
                update={"processing": scaled(item.commitment.processing, processing)}
            )
    return item.model_copy(update=update)


def _windows(scenario: Scenario, windows: dict[str, int]) -> dict:
    """Set window counts; an explicit count also replaces the staffing lever's."""
    departments = {
        key: d.model_copy(update={"windows": windows[key]}) if key in windows else d
        for key, d in scenario.departments.items()
    }
    levers = scenario.levers
    staffing = {k: windows.get(k, n) for k, n in levers.staffing.items()}
    update: dict = {"staffing": staffing}
    if SINGLE_WINDOW in windows:
        update["single_window"] = levers.single_window.model_copy(
            update={"windows": windows[SINGLE_WINDOW]}
        )
    return {"departments": departments, "levers": levers.model_copy(update=update)}


def expand(experiment: Experiment) -> list[Variant]:
    """The variants to run, in the order the spec (or the study) lists them."""
    spec, scenario = experiment.spec, experiment.scenario
    if isinstance(spec, VariantsSpec):
        return [
            Variant(
                v.name,
                Process.of(apply_overrides(scenario, v.overrides), "before", v.levers or []),
            )
            for v in spec.variants
        ]
    if isinstance(spec, AttributionSpec):
        order = experiment.attribution_order
        return [
            Variant(set_name(levers, order), Process.of(scenario, "before", levers))
            for levers in attribution_sets(experiment.attribution_levers, order)
        ]
    if isinstance(spec, StaffingSpec):
        return [staffing_variant(experiment, dict.fromkeys(staffing_places(experiment), 1))]
    if isinstance(spec, SensitivitySpec):
        return [
            Variant(BASELINE, Process.of(scenario, spec.mode, spec.levers)),
            *(
                Variant(
                    sensitivity_name(r.name, value),
                    Process.of(
                        apply_overrides(scenario, Overrides(**{r.name: value})),
                        spec.mode,
                        spec.levers,
                    ),
                )
                for r in spec.parameters
                for value in (r.low, r.high)
            ),
        ]
    assert isinstance(spec, LoadSweepSpec)
    return [
        Variant(
            rate_name(rate),
            Process.of(
                apply_overrides(scenario, Overrides(arrivals_per_day=rate)), spec.mode, spec.levers
            ),
        )
        for rate in spec.rates
    ]


def staffing_places(experiment: Experiment) -> list[str]:
    """The places a staffing search adds windows to: the spec's, or where the process
    queues."""
    spec = experiment.spec
    assert isinstance(spec, StaffingSpec)
    if spec.places is not None:
        return list(spec.places)
    return list(Process.of(experiment.scenario, spec.mode, spec.levers).places)


def staffing_variant(experiment: Experiment, windows: dict[str, int]) -> Variant:
    """One step of a staffing search: the spec's process at its load with these windows."""
    spec = experiment.spec
    assert isinstance(spec, StaffingSpec)
    overrides = Overrides(arrivals_per_day=spec.arrivals_per_day, windows=windows)
    return Variant(
        staffing_name(windows),
        Process.of(apply_overrides(experiment.scenario, overrides), spec.mode, spec.levers),
    )
