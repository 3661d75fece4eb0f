"""Form inputs checked before any work starts: each mistake is reported against its field
with a reason a planner understands (never a traceback)."""

from __future__ import annotations

from typing import Any

from onething.scenarios.errors import Text
from onething.scenarios.levers import LEVERS
from onething.scenarios.model import MAX_ARRIVALS_PER_DAY, MAX_HORIZON_DAYS, MAX_REPLICATIONS
from onething.workbench.labels import WORDS
from onething.workbench.view_model import LiveRun, WhatIf, bundle_names, load

MAX_SCALE = 100.0
MAX_WINDOWS = 1000
MAX_SPEEDUP = 100_000.0
MAX_LIVE_DAYS = 30
MAX_LIVE_RATE = 10_000.0


class Said(Text):
    """A form's problem: its English text, and a message of the pages' catalogue
    (``labels.WORDS``) to say it in the page's language."""

    catalogue = WORDS


class Invalid(ValueError):
    """A form's problems, one per field."""

    def __init__(self, problems: dict[str, Said]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {v}" for k, v in problems.items()))

    def in_language(self, lang: str) -> dict[str, str]:
        return {field: said.in_language(lang) for field, said in self.problems.items()}


class Reader:
    """Reads fields off a submitted mapping, collecting one problem per field."""

    def __init__(self, data: dict[str, Any]):
        self.data = data if isinstance(data, dict) else {}
        self.problems: dict[str, Said] = {}

    def blank(self, key: str) -> bool:
        value = self.data.get(key)
        return value is None or (isinstance(value, str) and not value.strip())

    def number(
        self, key: str, low: float, high: float, whole: bool = False, above: bool = False
    ) -> Any:
        if self.blank(key):
            return None
        raw = self.data[key]
        try:
            value = float(raw)
            if whole and value != int(value):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            self.problems[key] = Said("form.not_whole" if whole else "form.not_number", raw=raw)
            return None
        if value != value or (value <= low if above else value < low) or value > high:
            self.problems[key] = Said(
                "form.above" if above else "form.at_least", low=low, high=high
            )
            return None
        return int(value) if whole else value

    def choice(self, key: str, options: list[str] | tuple[str, ...], default: Any = None) -> Any:
        if self.blank(key):
            return default
        value = self.data[key]
        if value not in options:
            self.problems[key] = Said("form.choose", value=value, options=", ".join(options))
            return default
        return value

    def done(self) -> None:
        if self.problems:
            raise Invalid(self.problems)


def bundle(r: Reader) -> str | None:
    names = [n for n, _ in bundle_names()]
    name = r.choice("bundle", names)
    if name is None and "bundle" not in r.problems:
        r.problems["bundle"] = Said("form.choose_bundle")
    return name


def whatif(data: dict[str, Any]) -> WhatIf:
    r = Reader(data)
    name = bundle(r)
    levers = data.get("levers")
    if levers is not None and (
        not isinstance(levers, list)
        or any(not isinstance(lever, str) or lever not in LEVERS for lever in levers)
    ):
        r.problems["levers"] = Said("form.choose_levers", options=", ".join(LEVERS))
        levers = None
    windows: dict[str, int] = {}
    raw_windows = data.get("windows") or {}
    if name is not None and isinstance(raw_windows, dict):
        places = [*load(name).departments, "single_window"]
        for place, value in raw_windows.items():
            field = f"windows.{place}"
            if place not in places:
                r.problems[field] = Said("form.no_place", options=", ".join(places))
                continue
            sub = Reader({field: value})
            n = sub.number(field, 1, MAX_WINDOWS, whole=True)
            r.problems.update(sub.problems)
            if n is not None:
                windows[place] = n
    w = WhatIf(
        bundle=name or "",
        levers=levers,
        arrivals_per_day=r.number("arrivals_per_day", 0, MAX_ARRIVALS_PER_DAY, above=True),
        windows=windows,
        rework_scale=r.number("rework_scale", 0, MAX_SCALE),
        travel_scale=r.number("travel_scale", 0, MAX_SCALE),
        handling_scale=r.number("handling_scale", 0, MAX_SCALE),
        replications=r.number("replications", 1, MAX_REPLICATIONS, whole=True),
        seed=r.number("seed", 0, 2**63 - 1, whole=True),
        horizon_days=r.number("horizon_days", 1, MAX_HORIZON_DAYS, whole=True),
        warmup_days=r.number("warmup_days", 0, MAX_HORIZON_DAYS, whole=True),
    )
    if name is not None and not r.problems:
        run = load(name).run
        horizon = w.horizon_days or run.horizon_days
        if (run.warmup_days if w.warmup_days is None else w.warmup_days) >= horizon:
            r.problems["warmup_days"] = Said("form.warmup_shorter", horizon=horizon)
    r.done()
    return w


def live(data: dict[str, Any]) -> LiveRun:
    r = Reader(data)
    name = bundle(r)
    bootstrap = str(data.get("bootstrap") or "").strip() or None
    if bootstrap is not None and (
        ":" not in bootstrap or not bootstrap.rsplit(":", 1)[1].isdigit()
    ):
        r.problems["bootstrap"] = Said("form.bootstrap")
    run = LiveRun(
        bundle=name or "",
        mode=r.choice("mode", ("before", "after"), "after"),
        rate=r.number("rate", 0, MAX_LIVE_RATE, above=True),
        duration_days=r.number("duration_days", 1, MAX_LIVE_DAYS, whole=True) or 1,
        speedup=r.number("speedup", 1, MAX_SPEEDUP) or 500.0,
        chaos=r.choice("chaos", ("kill", "pause")),
        bootstrap=bootstrap,
    )
    if run.chaos == "pause" and bootstrap:
        r.problems["chaos"] = Said("form.chaos_pause")
    if run.chaos == "kill" and run.mode != "after":
        r.problems["chaos"] = Said("form.chaos_kill")
    r.done()
    return run
