"""Plots (matplotlib, no display needed): before/after bars of the four reductions, the
distribution of end-to-end time, and utilisation per place."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import experiments.fonts  # noqa: E402, F401
from sim.statistics import StreamingStat  # noqa: E402

if TYPE_CHECKING:
    from onething.api import Comparison, Result

FOUR = (
    ("steps", "Steps"),
    ("materials", "Materials"),
    ("trips", "Trips"),
    ("time_working_days", "Time (working days)"),
)


def save(fig: plt.Figure, path: Path) -> Path:
    """Lay out, write the PNG and free the figure (many plots in one run)."""
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _value(result: Result, key: str) -> float:
    value = result.measures[key]
    return value["mean"] if isinstance(value, dict) else value


def reductions(comparison: Comparison, path: Path) -> Path:
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.2))
    for ax, (key, label) in zip(axes, FOUR, strict=True):
        before, after = _value(comparison.before, key), _value(comparison.after, key)
        bars = ax.bar(["before", "after"], [before, after], color=["#9aa5b1", "#2f7d5b"])
        ax.bar_label(bars, fmt="%.3g")
        ax.set_title(label)
        ax.set_ylim(0, max(before, after, 1e-9) * 1.2)
    fig.suptitle(f"{comparison.scenario.name}: before vs after")
    return save(fig, path)


def _pooled(result: Result, stat: str) -> StreamingStat:
    pooled = StreamingStat()
    for replication in result.replications:
        pooled.merge(replication.stats[stat])
    return pooled


def time_ecdf(results: dict[str, Result], path: Path, title: str) -> Path:
    """ECDF of end-to-end time per variant, from the streaming histograms."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    for label, result in results.items():
        pooled = _pooled(result, "time_working_days")
        qs = [i / 200 for i in range(1, 200)]
        ax.step([pooled.quantile(q) for q in qs], qs, where="post", label=label)
    ax.set_xlabel("end-to-end time (working days)")
    ax.set_ylabel("share of cases")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    return save(fig, path)


def utilisation(results: dict[str, Result], path: Path, title: str) -> Path:
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    labels, values, colours = [], [], []
    for i, (variant, result) in enumerate(results.items()):
        for place, u in result.measures["utilisation"].items():
            labels.append(f"{variant}\n{place}")
            values.append(u)
            colours.append(f"C{i}")
    ax.bar(range(len(values)), values, color=colours)
    ax.set_xticks(range(len(values)), labels, rotation=45, ha="right", fontsize=8)
    ax.axhline(1.0, color="black", lw=0.8, ls="--")
    ax.set_ylabel("window utilisation")
    ax.set_title(title)
    return save(fig, path)


def compare_plots(comparison: Comparison, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    name = comparison.scenario.name
    variants = {"before": comparison.before, "after": comparison.after}
    return [
        reductions(comparison, out_dir / f"{name}-reductions.png"),
        time_ecdf(variants, out_dir / f"{name}-time-ecdf.png", f"{name}: end-to-end time"),
        utilisation(variants, out_dir / f"{name}-utilisation.png", f"{name}: utilisation"),
    ]
