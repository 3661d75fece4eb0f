"""Every plot a planner sees can be read: each series is named (a legend), the colours
come from a colour-blind-safe palette, and no label is ever drawn as boxes, with or
without a font that has Chinese glyphs."""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from onething import api
from onething import plots as api_plots
from onething.experiments import fonts, plots
from onething.experiments.studies import lever_attribution, load_sweep, sensitivity, staffing
from onething.experiments.studies.kind import TIME

COLUMNS = ["variant", "measure", "mean", "ci95_low", "ci95_high"]
TINY = api.RunOptions(replications=2, seed=3, horizon_days=8, warmup_days=1, jobs=1)


@pytest.fixture(scope="module")
def comparison() -> api.Comparison:
    return api.compare("newborn", options=TINY)


def _attribution() -> tuple[dict, pd.DataFrame]:
    levers, rows = ["a", "b", "c"], []
    for k in range(4):
        for on in itertools.combinations(levers, k):
            name = lever_attribution.set_name(on, levers)
            for measure in lever_attribution.MEASURES:
                rows.append([name, measure, 10.0 - k, 9.0 - k, 11.0 - k])
            for q in range(5, 100, 5):
                rows.append([name, f"time_working_days.q{q:02d}", q / 10 + k, 0, 0])
    summary = pd.DataFrame(rows, columns=COLUMNS)
    study = {"kind": "lever_attribution", "bundle": "newborn", "name": "levers"}
    return study | lever_attribution.attribute(summary, levers, levers), summary


def _studies() -> dict[str, dict]:
    rows = []
    for rate in (10, 20):
        name = load_sweep.rate_name(rate)
        rows += [[name, TIME, rate / 5, 1, 5], [name, "unfinished", 0, 0, 0]]
        rows += [[name, "utilisation.single_window", rate / 25, 0, 0]]
    sweep = load_sweep.sweep(pd.DataFrame(rows, columns=COLUMNS), [10, 20])
    steps = [{"single_window": 1}, {"single_window": 2}]
    rows = []
    for share, windows in zip([0.5, 0.95], steps, strict=True):
        name = staffing.staffing_name(windows)
        rows += [[name, "within_promise", share, share - 0.1, share + 0.05]]
        rows += [[name, TIME, 3, 2, 4], [name, "utilisation.single_window", 1 / share, 0, 0]]
    search = staffing.search(pd.DataFrame(rows, columns=COLUMNS), steps, 0.9, 5)
    times = {"baseline": 8.0, "travel_scale=0.5": 7.5, "travel_scale=2": 8.5}
    summary = pd.DataFrame([[v, TIME, t, t - 1, t + 1] for v, t in times.items()], columns=COLUMNS)
    swings = sensitivity.swings(summary, [("travel_scale", 0.5, 2)])
    head = {"bundle": "newborn", "name": "study"}
    return {
        "load_sweep": head | {"kind": "load_sweep"} | sweep,
        "staffing": head | {"kind": "staffing", "arrivals_per_day": 18} | search,
        "sensitivity": head | {"kind": "sensitivity"} | swings,
    }


def _draw_everything(comparison, folder, monkeypatch) -> dict[str, matplotlib.figure.Figure]:
    """Every plot kind, each figure kept (by file name) as it was saved."""
    drawn = {}
    original = plots.save

    def keep(fig, path):
        drawn[path.name] = fig
        original(fig, path)
        return path

    monkeypatch.setattr(plots, "save", keep)
    monkeypatch.setattr(api_plots, "save", keep)
    api_plots.compare_plots(comparison, folder)
    study, summary = _attribution()
    lever_attribution.plots(study, folder)
    plots.summary_ecdf(summary, folder / "time_ecdf.png", "t", lever_attribution.ecdf(study))
    for name, s in _studies().items():
        for plot in {"load_sweep": load_sweep, "staffing": staffing, "sensitivity": sensitivity}[
            name
        ].plots(s, folder):
            assert plot.stat().st_size > 0
    return drawn


MULTI_SERIES = {
    "newborn-time-ecdf.png",
    "newborn-utilisation.png",
    "newborn-queues.png",
    "time_ecdf.png",
    "waterfall.png",
    "load_latency.png",
    "staffing.png",
    "tornado.png",
}


def _texts(fig) -> list[str]:
    from matplotlib.text import Text

    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def test_every_multi_series_plot_has_a_legend_and_no_glyph_is_missing(
    comparison, tmp_path, monkeypatch
):
    assert fonts.cjk_font() is not None, "apt-get install fonts-wqy-microhei"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" fails the test
        drawn = _draw_everything(comparison, tmp_path, monkeypatch)
    assert set(drawn) >= MULTI_SERIES
    for name in MULTI_SERIES:
        legends = [ax.get_legend() for ax in drawn[name].axes if ax.get_legend() is not None]
        assert legends, f"{name} has no legend"
        assert all(len(lg.get_texts()) >= 2 for lg in legends), name
    assert any("环节" in t for t in _texts(drawn["newborn-reductions.png"]))  # bilingual


def test_the_attribution_time_plot_shows_before_each_lever_alone_and_all(tmp_path, monkeypatch):
    study, _ = _attribution()
    assert lever_attribution.ecdf(study) == {
        "before": "before",
        "a": "a alone",
        "b": "b alone",
        "c": "c alone",
        "a+b+c": "all levers",
    }


def test_lines_of_one_plot_never_share_colour_and_style():
    looks = [tuple(plots.look(i).values()) for i in range(32)]
    assert len(set(looks)) == 32
    assert plots.look(0)["color"] == "#0072B2"  # Okabe-Ito


def test_without_a_cjk_font_labels_are_english_and_one_line_says_why(
    comparison, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    fonts.hint.cache_clear()
    dejavu = {"font.family": ["sans-serif"], "font.sans-serif": ["DejaVu Sans"]}
    with matplotlib.rc_context(dejavu), warnings.catch_warnings():
        warnings.simplefilter("error")
        drawn = _draw_everything(comparison, tmp_path, monkeypatch)
    for name, fig in drawn.items():
        assert not any(fonts._CJK.search(t) for t in _texts(fig)), name
    assert "Steps" in _texts(drawn["newborn-reductions.png"])
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [fonts.HINT]


def test_english_keeps_the_words_and_drops_the_chinese():
    assert fonts.english("Steps 环节") == "Steps"
    assert fonts.english("end-to-end time 办理时间 (working days)") == (
        "end-to-end time (working days)"
    )
    assert fonts.english("newborn: queues 排队") == "newborn: queues"
    assert fonts.english("综合窗口") == "综合窗口"  # nothing else to say


def test_a_font_shipped_in_a_python_package_is_found(tmp_path, monkeypatch):
    """The ``cjk`` extra is a wheel holding Noto Sans SC: its files are found by the
    package's name without importing it (here a stand-in package with DejaVu Sans)."""
    from matplotlib import font_manager

    package = tmp_path / "stand_in_fonts"
    package.mkdir()
    (package / "__init__.py").write_text("")
    dejavu = font_manager.findfont("DejaVu Sans")
    target = package / "DejaVuSans.ttf"
    target.write_bytes(Path(dejavu).read_bytes())
    (package / "README.txt").write_text("not a font")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert fonts.packaged_fonts("stand_in_fonts") == [str(target)]
    assert fonts.packaged_fonts("no_such_font_package") == []
