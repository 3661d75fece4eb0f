"""Plots of the built-in studies (matplotlib, no display needed), drawn from study.json's
content so they can be redrawn without simulating: the waterfall of lever contributions,
the load-latency curve, the staffing search path and the sensitivity tornado."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import onething.experiments.fonts  # noqa: E402, F401
from onething.experiments.plots import save  # noqa: E402
from onething.experiments.studies import TIME  # noqa: E402


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


def staffing_path(study: dict[str, Any], path: Path) -> Path:
    """Share of cases within the promised time at each step of the search, with its 95 %
    interval and the target line; the answer marked."""
    points = study["path"]
    steps = [p["step"] for p in points]
    shares = [_nan(p["within_promise"]) for p in points]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.errorbar(
        steps,
        shares,
        yerr=[
            [max(0.0, s - _nan(p["ci95"][0])) for s, p in zip(shares, points, strict=True)],
            [max(0.0, _nan(p["ci95"][1]) - s) for s, p in zip(shares, points, strict=True)],
        ],
        marker="o",
        capsize=3,
        label="within promise (95 % CI)",
    )
    ax.axhline(
        study["target"], color="#b5483b", ls="--", lw=1, label=f"target {study['target']:.0%}"
    )
    if study["answer_step"] is not None:
        ax.plot([study["answer_step"]], [shares[study["answer_step"]]], "*", ms=14, color="#2f7d5b")
    ax.set_xticks(
        steps,
        [f"{p['step']}\n{p['variant'].replace(',', chr(10))}" for p in points],
        fontsize=7,
    )
    ax.set_ylim(-0.02, 1.05)
    ax.set_xlabel("step (windows per place)")
    ax.set_ylabel("share of cases within the promised time")
    ax.set_title(f"{study['bundle']}: fewest windows at {study['arrivals_per_day']:g}/day")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return save(fig, path)


def tornado(study: dict[str, Any], path: Path) -> Path:
    """Mean time at each parameter's low and high value as bars around the baseline,
    the largest swing on top."""
    baseline = _nan(study["baseline"]["time_mean"])
    params = list(reversed(study["parameters"]))
    fig, ax = plt.subplots(figsize=(7.5, 0.6 * len(params) + 1.6))
    for i, p in enumerate(params):
        for value, colour, label in (
            (p["time_low"], "#4a7ab5", "low"),
            (p["time_high"], "#b5483b", "high"),
        ):
            v = _nan(value)
            ax.barh(
                i,
                v - baseline,
                left=baseline,
                color=colour,
                alpha=0.85,
                label=label if i == 0 else None,
            )
        ax.text(
            max(_nan(p["time_low"]), _nan(p["time_high"]), baseline),
            i,
            f"  {p['low']:g} .. {p['high']:g}",
            va="center",
            fontsize=8,
        )
    ax.axvline(baseline, color="black", lw=0.9)
    ax.set_yticks(range(len(params)), [p["name"] for p in params], fontsize=8)
    ax.set_xlabel(f"mean time (working days); baseline {baseline:.3g}")
    ax.set_title(f"{study['bundle']}: sensitivity of mean time (one at a time)")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    return save(fig, path)


def time_ecdf(summary: pd.DataFrame, path: Path, title: str) -> Path:
    """Each variant's end-to-end time distribution, from the quantiles the replications
    kept (averaged over replications)."""
    from onething.experiments.runner import ECDF_LEVELS, ECDF_PREFIX

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    names = list(dict.fromkeys(summary["variant"]))
    for name in names:
        rows = summary[
            (summary["variant"] == name) & summary["measure"].str.startswith(ECDF_PREFIX)
        ]
        values = rows.set_index("measure")["mean"]
        xs = [values.get(f"{ECDF_PREFIX}{q:02d}", math.nan) for q in ECDF_LEVELS]
        ax.step(xs, [q / 100 for q in ECDF_LEVELS], where="post", label=name)
    ax.set_xlabel("end-to-end time 办理时间 (working days)")
    ax.set_ylabel("share of cases 案件占比")
    ax.set_title(f"{title}: end-to-end time by variant")
    ax.grid(alpha=0.3)
    if len(names) <= 12:
        ax.legend(fontsize=7)
    return save(fig, path)


def plots(study: dict[str, Any], out: Path) -> list[Path]:
    """The plots a study kind has (plain variants have none)."""
    if study["kind"] == "lever_attribution":
        return [waterfall(study, out / "waterfall.png")]
    if study["kind"] == "load_sweep":
        return [load_latency(study, out / "load_latency.png")]
    if study["kind"] == "staffing":
        return [staffing_path(study, out / "staffing.png")]
    if study["kind"] == "sensitivity":
        return [tornado(study, out / "tornado.png")]
    return []
