"""From a spec to the processes it compares: each variant is a lever set on a modified
copy of the bundle (the scenario file itself is never touched)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from onething.experiments.spec import Overrides
from onething.scenarios.levers import SINGLE_WINDOW, Mode, Process
from onething.scenarios.model import MAX_REWORK, Distribution, Item, Scenario, fixed


@dataclass(frozen=True)
class Variant:
    """A named process, with the recipe that builds it from the bundle, so a worker on
    another machine can rebuild it from its own copy (``distributed.Description``)."""

    name: str
    process: Process
    mode: Mode = "before"
    levers: tuple[str, ...] | None = None
    overrides: Overrides = Overrides()

    @classmethod
    def of(
        cls,
        name: str,
        scenario: Scenario,
        mode: Mode = "before",
        levers: Iterable[str] | None = None,
        overrides: Overrides | None = None,
    ) -> Variant:
        """``Process.of(apply_overrides(scenario, overrides), mode, levers)``, named."""
        overrides = overrides or Overrides()
        chosen = None if levers is None else tuple(levers)
        process = Process.of(apply_overrides(scenario, overrides), mode, chosen)
        return cls(name, process, mode, chosen, overrides)


def scaled(dist: Distribution, factor: float) -> Distribution:
    """The same distribution with every time multiplied (zero becomes a fixed zero, since
    an exponential or lognormal cannot have a zero mean)."""
    if factor == 0:
        return fixed(0.0, dist.unit)
    update = {}
    for name in dist.TIMES:
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
            key: item.model_copy(update={"rework": min(MAX_REWORK, item.rework * factor)})
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
    """Front-desk time scaled by ``handling``; every back-office time (plain, for filings
    while closed, with data sharing, on commitment) by ``processing``."""
    update: dict = {}
    if handling is not None:
        update["handling"] = scaled(item.handling, handling)
    if processing is not None:
        update["processing"] = scaled(item.processing, processing)
        if item.processing_when_closed is not None:
            update["processing_when_closed"] = scaled(item.processing_when_closed, processing)
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
