"""Plots of the notebook API's results (``onething compare --plots``): before/after bars of
the four reductions, the distribution of end-to-end time, utilisation and queues per place.
They share the look of the studies' plots (``experiments.plots``)."""

from __future__ import annotations

from pathlib import Path

from onething.api import Comparison, Result
from onething.experiments.plots import (
    AFTER,
    BEFORE,
    PALETTE,
    STYLES,
    legend,
    look,
    plt,
    save,
)
from onething.sim.engine import QUEUE_SAMPLE_MINUTES
from onething.sim.statistics import StreamingStat

FOUR = (
    ("steps", "Steps 环节"),
    ("materials", "Materials 材料"),
    ("trips", "Trips 跑动"),
    ("time_working_days", "Time 时间 (working days)"),
)


def _value(result: Result, key: str) -> float:
    value = result.measures[key]
    return value["mean"] if isinstance(value, dict) else value


def reductions(comparison: Comparison, path: Path) -> Path:
    fig, axes = plt.subplots(1, 4, figsize=(11, 3.2))
    for ax, (key, label) in zip(axes, FOUR, strict=True):
        before, after = _value(comparison.before, key), _value(comparison.after, key)
        bars = ax.bar(["before", "after"], [before, after], color=[BEFORE, AFTER])
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
    for i, (label, result) in enumerate(results.items()):
        pooled = _pooled(result, "time_working_days")
        qs = [i / 200 for i in range(1, 200)]
        ax.step([pooled.quantile(q) for q in qs], qs, where="post", label=label, **look(i))
    ax.set_xlabel("end-to-end time 办理时间 (working days)")
    ax.set_ylabel("share of cases 案件占比")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    legend(ax, len(results))
    return save(fig, path)


def utilisation(results: dict[str, Result], path: Path, title: str) -> Path:
    """Each place's utilisation, one colour per variant; the dashed line is saturation."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    x, ticks, labels, top = 0, [], [], 1.0
    for i, (variant, result) in enumerate(results.items()):
        load = result.measures["utilisation"]
        xs = list(range(x, x + len(load)))
        ax.bar(xs, list(load.values()), color=look(i)["color"], label=variant)
        ticks += xs
        labels += list(load)
        top = max(top, *load.values())
        x += len(load) + 1  # a gap between variants
    ax.set_xticks(ticks, labels, rotation=45, ha="right", fontsize=8)
    ax.set_ylim(0, 1.15 * top)
    ax.axhline(1.0, color="black", lw=0.8, ls="--", label="saturated (100 %)")
    legend(ax, len(results) + 1)
    ax.set_ylabel("window utilisation 窗口利用率")
    ax.set_title(title)
    return save(fig, path)


def queue_length(results: dict[str, Result], path: Path, title: str) -> Path:
    """Applicants waiting at each window over simulated time, averaged over replications."""
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    colours = {}
    for i, (variant, result) in enumerate(results.items()):
        places = result.replications[0].queue_length
        for place in places:
            series = [r.queue_length[place] for r in result.replications]
            length = min(len(s) for s in series)
            mean = [sum(s[t] for s in series) / len(series) for t in range(length)]
            days = [t * QUEUE_SAMPLE_MINUTES / 1440 for t in range(length)]
            ax.plot(
                days,
                mean,
                lw=0.9,
                color=colours.setdefault(place, PALETTE[len(colours) % len(PALETTE)]),
                ls=STYLES[i % len(STYLES)],
                label=f"{variant}: {place}",
            )
    ax.set_xlabel("simulated day 模拟日")
    ax.set_ylabel("applicants queueing 排队人数")
    ax.set_title(f"{title} (colour: place; line: {' / '.join(results)})")
    ax.grid(alpha=0.3)
    legend(ax, len(ax.get_lines()))
    return save(fig, path)


def compare_plots(comparison: Comparison, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    name = comparison.scenario.name
    variants = {"before": comparison.before, "after": comparison.after}
    return [
        reductions(comparison, out_dir / f"{name}-reductions.png"),
        time_ecdf(variants, out_dir / f"{name}-time-ecdf.png", f"{name}: end-to-end time"),
        utilisation(variants, out_dir / f"{name}-utilisation.png", f"{name}: utilisation"),
        queue_length(variants, out_dir / f"{name}-queues.png", f"{name}: queues 排队"),
    ]
