"""What a study kind is: the one place the runner, the workers, the console, the plots and
the report ask about a kind.  Each kind is one module of this package ending in
``KIND = Kind.of(__name__, name, Model)``; ``studies.__init__`` registers them.

Also the measures every kind reads off the summary table (variant, measure, mean,
ci95_low, ci95_high), so the kinds share one reading of it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from onething.experiments.present import num, pct
from onething.experiments.spec import Experiment, SpecBase
from onething.experiments.studies.words import Clauses, Finding, Pair, place_pair
from onething.experiments.variants import Variant
from onething.scenarios.errors import Problem, Reason
from onething.scenarios.levers import LEVERS, unknown_levers
from onething.scenarios.model import Scenario

if TYPE_CHECKING:
    import pandas as pd

TIME = "time_working_days.mean"
UNFINISHED = "unfinished"
UTILISATION = "utilisation."
WITHIN = "within_promise"
ECDF_PREFIX = "time_working_days.q"
ECDF_LEVELS = range(5, 100, 5)
"""Quantiles of end-to-end time kept per replication, for each variant's ECDF."""

Cell = str | float | int | None


@dataclass
class Table:
    """A table of numbers the CLI formats and prints."""

    title: str
    header: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


def _no_problems(spec: Any, scenario: Scenario) -> Iterator[Problem]:
    return iter(())


def _no_plots(study: dict[str, Any], out: Path) -> list[Path]:
    return []


def _no_tables(study: dict[str, Any], scenario: Scenario | None, lang: str = "en") -> str:
    return ""


def _no_growth(
    experiment: Experiment, variants: list[Variant], study: dict[str, Any]
) -> list[Variant]:
    return []


@dataclass(frozen=True)
class Kind:
    """Everything about one study kind, by the question each piece answers."""

    name: str
    model: type[SpecBase]
    """The spec's fields (a pydantic model with ``kind: Literal[name]``)."""
    question: tuple[str, str]
    """The report's question, in English and Chinese; ``{bundle}`` is filled in."""
    explanation: tuple[str, str]
    """How the study answers it, in one paragraph (English, Chinese)."""
    variants: Callable[[Experiment], list[Variant]]
    """The variants to run first, in the order the spec lists them."""
    study: Callable[[Experiment, list[Variant], pd.DataFrame], dict[str, Any]]
    """study.json's kind-specific part, a pure function of the summary table."""
    console: Callable[[dict[str, Any], pd.DataFrame], Table]
    """The table ``onething experiment run`` prints."""
    findings: Callable[[dict[str, Any], pd.DataFrame, Scenario | None], list[str]]
    """The report's findings, in plain language."""
    study_keys: tuple[str, ...] = ()
    """study.json keys the findings, tables and plots read (a study.json without them,
    from another version, gets the generic summary)."""
    check: Callable[[Any, Scenario], Iterator[Problem]] = _no_problems
    """The spec's references to the bundle, each problem at its field."""
    tables: Callable[[dict[str, Any], Scenario | None, str], str] = _no_tables
    """The report's kind-specific tables (HTML) in a language ("en", "zh")."""
    plots: Callable[[dict[str, Any], Path], list[Path]] = _no_plots
    """The kind's PNG plots, drawn from study.json alone."""
    captions: dict[str, tuple[str, str]] = field(default_factory=dict)
    """The report's caption per plot file name (English, Chinese)."""
    grow: Callable[[Experiment, list[Variant], dict[str, Any]], list[Variant]] = _no_growth
    """Variants to add after a run (a search): none ends the run."""
    ecdf: Callable[[dict[str, Any]], dict[str, str] | None] = lambda study: None
    """The variants the time plot shows, with their legend labels (None: all)."""

    @classmethod
    def of(cls, module: str, name: str, model: type[SpecBase]) -> Kind:
        """The kind a module defines: its ``QUESTION``, ``EXPLANATION``, ``STUDY_KEYS``,
        ``CAPTIONS`` and its functions named like the fields (``variants``, ``study``,
        ``console``, ``findings``; optional ``check``, ``tables``, ``plots``, ``grow``)."""
        import sys

        m = sys.modules[module]
        optional = ("check", "tables", "plots", "grow", "ecdf")
        return cls(
            name=name,
            model=model,
            question=m.QUESTION,
            explanation=m.EXPLANATION,
            variants=m.variants,
            study=m.study,
            console=m.console,
            findings=m.findings,
            study_keys=getattr(m, "STUDY_KEYS", ()),
            captions=getattr(m, "CAPTIONS", {}),
            **{f: getattr(m, f) for f in optional if hasattr(m, f)},
        )

    def complete(self, study: dict[str, Any]) -> bool:
        """Whether study.json holds what this kind's findings, tables and plots read."""
        return study.get("kind") == self.name and all(k in study for k in self.study_keys)


# --- reading the summary table -------------------------------------------------------


def means(summary: pd.DataFrame) -> dict[tuple[str, str], float]:
    return {
        (v, m): float(x)
        for v, m, x in zip(summary["variant"], summary["measure"], summary["mean"], strict=True)
    }


def none(x: float) -> float | None:
    """NaN (no measured case, one replication) as None, for study.json."""
    return None if math.isnan(x) else x


def utilisation(rows: pd.DataFrame) -> dict[str, float]:
    """Place -> mean utilisation, from one variant's rows indexed by measure."""
    return {
        m.removeprefix(UTILISATION): float(rows.at[m, "mean"])
        for m in rows.index
        if m.startswith(UTILISATION)
    }


def interval(rows: pd.DataFrame, measure: str) -> list[float | None]:
    return [none(float(rows.at[measure, k])) for k in ("ci95_low", "ci95_high")]


def busiest(load: dict[str, float]) -> str | None:
    return max(load, key=load.__getitem__) if load else None


def by_variant(summary: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each variant's rows, indexed by measure."""
    return {v: rows.set_index("measure") for v, rows in summary.groupby("variant", sort=False)}


def levers_of(spec: Any) -> list[str] | None:
    levers = getattr(spec, "levers", None)
    return None if levers is None else list(levers)


def lever_checks(at: str, names: Sequence[str] | None) -> Iterator[Problem]:
    for i, name in enumerate(names or []):
        if name not in LEVERS:
            yield Problem(f"{at}.{i}", unknown_levers([name]))
    if names and len(set(names)) != len(names):
        yield Problem(at, Reason("lever_twice"))


def saturation(summary: pd.DataFrame, variant: str, scenario: Scenario | None) -> str:
    """Why a variant's time is what it is, when a window is saturated (utilisation of 1 or
    more: offered work beyond capacity, the queue spills into later days) or cases are
    left unfinished: the bottleneck, by name, and what would fix it, as a clause of a
    finding (a ``Finding``, said in the report's language).  Empty otherwise."""
    rows = summary[summary["variant"] == variant]
    load = {
        m.removeprefix(UTILISATION): float(x)
        for m, x in zip(rows["measure"], rows["mean"], strict=True)
        if m.startswith(UTILISATION)
    }
    left = rows.loc[rows["measure"] == UNFINISHED, "mean"]
    unfinished = float(left.iloc[0]) if len(left) else 0.0
    bottleneck = busiest(load)
    saturated = bottleneck is not None and load[bottleneck] >= 1
    if not saturated and not unfinished > 0:
        return ""
    parts = []
    if saturated:
        at = place_pair(scenario, bottleneck)
        parts.append(Finding("saturation.saturated", place=at, load=pct(load[bottleneck])))
    if unfinished > 0:
        parts.append(Finding("saturation.unfinished", count=num(unfinished)))
    where = (
        Finding("saturation.at", place=place_pair(scenario, bottleneck))
        if bottleneck
        else Finding("saturation.where")
    )
    return Finding("saturation.why", lead=Pair(" — ", "——"), parts=Clauses(parts), where=where)
