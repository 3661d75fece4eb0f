"""Plots (matplotlib, no display needed): the look every plot shares (palette, line styles,
legends, ``save``), used by each study kind's plots and ``onething.plots``; and the end-to-end
time of an experiment's variants from its summary."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import onething.experiments.fonts  # noqa: E402, F401
from onething.experiments.studies.kind import ECDF_LEVELS, ECDF_PREFIX  # noqa: E402

if TYPE_CHECKING:
    import pandas as pd

PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#000000",
    "#F0E442",
)
"""Okabe & Ito's qualitative palette: eight colours told apart with every common colour
vision deficiency (yellow last: it is the faintest on white)."""
STYLES = ("-", "--", ":", "-.")
BEFORE, AFTER = "#999999", PALETTE[0]


matplotlib.rcParams["axes.prop_cycle"] = matplotlib.cycler(color=PALETTE)


def look(i: int) -> dict[str, str]:
    """Series ``i``'s colour and line style: eight colours, then the next dash style, so
    32 series stay distinct."""
    return {"color": PALETTE[i % len(PALETTE)], "ls": STYLES[(i // len(PALETTE)) % len(STYLES)]}


def legend(ax: plt.Axes, entries: int) -> None:
    """A legend inside the axes for a few entries, beside them for many."""
    if entries <= 6:
        ax.legend(fontsize=7)
    else:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)


def save(fig: plt.Figure, path: Path) -> Path:
    """Lay out, write the PNG and free the figure (many plots in one run); without a CJK
    font the labels lose their Chinese instead of showing boxes."""
    onething.experiments.fonts.fit(fig)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def nan(x: float | None) -> float:
    """None (no measured case in study.json) as NaN: matplotlib leaves a gap."""
    return math.nan if x is None else x


def summary_ecdf(
    summary: pd.DataFrame, path: Path, title: str, names: dict[str, str] | None = None
) -> Path:
    """The end-to-end time distribution of the variants ``names`` maps to their legend
    labels (default: every variant, by name), from the quantiles the replications kept
    (averaged over replications); the first drawn on top."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    names = names or {name: name for name in dict.fromkeys(summary["variant"])}
    for i, (name, label) in enumerate(names.items()):
        rows = summary[
            (summary["variant"] == name) & summary["measure"].str.startswith(ECDF_PREFIX)
        ]
        values = rows.set_index("measure")["mean"]
        xs = [values.get(f"{ECDF_PREFIX}{q:02d}", math.nan) for q in ECDF_LEVELS]
        ax.step(
            xs,
            [q / 100 for q in ECDF_LEVELS],
            where="post",
            label=label,
            lw=1.4,
            zorder=3 + len(names) - i,
            **look(i),
        )
    ax.set_xlabel("end-to-end time 办理时间 (working days)")
    ax.set_ylabel("share of cases 案件占比")
    ax.set_title(f"{title}: end-to-end time by variant")
    ax.grid(alpha=0.3)
    legend(ax, len(names))
    return save(fig, path)
