"""Plots of the built-in studies (matplotlib, no display needed), drawn from study.json's
content so they can be redrawn without simulating: the waterfall of lever contributions
and the load-latency curve."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from experiments.plots import save  # noqa: E402
from experiments.studies import TIME  # noqa: E402


def _nan(x: float | None) -> float:
    return math.nan if x is None else x


def waterfall(study: dict[str, Any], path: Path) -> Path:
    """Before, each lever's increment in the cumulative order, all levers: time."""
    m = study["measures"][TIME]
    labels, bottoms, heights, colours = ["before"], [0.0], [m["before"]], ["#9aa5b1"]
    level = m["before"]
    for lever, step in m["cumulative"].items():
        labels.append(f"+{lever}")
        bottoms.append(level)
        heights.append(step)
        colours.append("#2f7d5b" if step <= 0 else "#b5483b")
        level += step
    labels.append("all levers")
    bottoms.append(0.0)
    heights.append(m["all"])
    colours.append("#2f7d5b")
    fig, ax = plt.subplots(figsize=(7.5, 4))
    bars = ax.bar(range(len(labels)), heights, bottom=bottoms, color=colours)
    texts = [
        f"{h:.3g}" if i in (0, len(heights) - 1) else f"{h:+.3g}" for i, h in enumerate(heights)
    ]
    ax.bar_label(bars, labels=texts, fontsize=8)
    ax.set_ylim(0, 1.12 * max(b + max(h, 0.0) for b, h in zip(bottoms, heights, strict=True)))
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right", fontsize=8)
    ax.set_ylabel("mean time (working days)")
    ax.set_title(
        f"{study['bundle']}: lever contributions to time (interaction {m['interaction']:+.3g} days)"
    )
    ax.grid(axis="y", alpha=0.3)
    return save(fig, path)


def load_latency(study: dict[str, Any], path: Path) -> Path:
    """Mean time against arrival rate with its 95 % band; the knee marked."""
    points = study["points"]
    rates = [p["rate"] for p in points]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.plot(rates, [_nan(p["time_mean"]) for p in points], marker="o", label="mean time")
    ax.fill_between(
        rates,
        [_nan(p["ci95"][0]) for p in points],
        [_nan(p["ci95"][1]) for p in points],
        alpha=0.25,
        label="95 % CI",
    )
    if study["knee"] is not None:
        ax.axvline(study["knee"], color="black", ls="--", lw=0.9, label=f"knee ({study['knee']:g})")
    ax.set_xlabel("arrivals per working day")
    ax.set_ylabel("mean time (working days)")
    ax.set_title(f"{study['bundle']}: load vs latency (bottleneck: {study['bottleneck']})")
    ax.grid(alpha=0.3)
    ax.legend()
    return save(fig, path)


def plots(study: dict[str, Any], out: Path) -> list[Path]:
    """The plots a study kind has (plain variants have none)."""
    if study["kind"] == "lever_attribution":
        return [waterfall(study, out / "waterfall.png")]
    if study["kind"] == "load_sweep":
        return [load_latency(study, out / "load_latency.png")]
    return []
