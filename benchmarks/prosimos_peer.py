"""Running Prosimos on onething's exported BPMN, in an interpreter of its own choosing.

Prosimos needs click >= 8.4.2 and faust-streaming (onething's live mode) click < 8.4, so
pip cannot resolve both into one environment; ``--prosimos-python`` names an interpreter
where ``pip install prosimos`` was run (the current one by default, if it imports).  Make
that interpreter once with

    python3.11 -m venv .venv-peers && .venv-peers/bin/pip install prosimos
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from onething import api  # noqa: E402
from onething.scenarios import bpmn, prosimos  # noqa: E402
from onething.scenarios.levers import Process  # noqa: E402
from onething.scenarios.loader import load_scenario, with_changes  # noqa: E402
from onething.scenarios.official_calendar import LAST_DAY  # noqa: E402

_RUN = """
import sys, time, warnings
warnings.simplefilter("ignore")
from prosimos.simulation_engine import run_simulation
started, cpu = time.perf_counter(), time.process_time()
run_simulation(sys.argv[1], sys.argv[2], int(sys.argv[3]), stat_out_path=None,
               log_out_path=sys.argv[4], starting_at=sys.argv[5] + "T00:00:00.000000+00:00")
print(time.perf_counter() - started, time.process_time() - cpu)
"""


@dataclass
class PeerRun:
    cases: int
    seconds: float
    cpu_seconds: float
    """CPU time of the Prosimos process around ``run_simulation``."""
    mean_hours: float
    """Mean case time from arrival (first enabled activity) to the last end, in hours."""


CHOICES = {
    "items.health_certificates.take_up": 0.6,
    "items.health_certificates.repeat": {"redo": 0.3},
    "items.fire_check.repeat": {"redo": 0.2},
    "items.licence_verification.repeat": {"redo": 0.3},
    "alternatives": {
        "outdoor": [
            {"items": ["signboard"], "share": 0.35},
            {"items": ["fire_check"], "share": 0.3},
            {"items": ["signboard", "fire_check"], "share": 0.15},
            {"items": [], "share": 0.2},
        ]
    },
}
"""The restaurant with health certificates optional (选办), the signboard, the fire check,
both or neither as an alternative whose options share items, and three items redone by
a chance (not the 19-day food permit, whose rounds would run past the official
calendar): a bundle whose exported model has inclusive and exclusive gateways and
loops."""


def with_choices(folder: Path) -> Path:
    """The scenario file of ``CHOICES`` applied to the restaurant, written in ``folder``."""
    scenario = with_changes(load_scenario("restaurant"), CHOICES)
    path = folder / "restaurant_choices.yaml"
    data = scenario.model_dump(mode="json", exclude_unset=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def export(bundle: str, mode: str, folder: Path) -> tuple[Path, Path, list[str]]:
    """A bundle (a catalog name or a scenario file) as BPMN and Prosimos parameters."""
    process = Process.of(load_scenario(bundle), mode)
    exported = bpmn.export(process)
    params, notes = prosimos.parameters(process, exported.graph)
    stem = Path(bundle).stem
    model, sim = folder / f"{stem}-{mode}.bpmn", folder / f"{stem}-{mode}.json"
    model.write_text(exported.xml, encoding="utf-8")
    sim.write_text(json.dumps(params), encoding="utf-8")
    return model, sim, list(dict.fromkeys(exported.notes + notes))


def run_prosimos(python: str, model: Path, sim: Path, cases: int, start: str) -> PeerRun:
    log = model.with_suffix(".log.csv")
    out = subprocess.run(
        [python, "-c", _RUN, str(model), str(sim), str(cases), str(log), start],
        capture_output=True,
        text=True,
    )
    if out.returncode != 0:
        raise RuntimeError(f"prosimos failed: {out.stderr.strip().splitlines()[-1:]}")
    seconds, cpu_seconds = map(float, out.stdout.strip().splitlines()[-1].split())
    frame = pd.read_csv(log, parse_dates=["enable_time", "end_time"], date_format="ISO8601")
    per_case = frame.groupby("case_id").agg(
        arrived=("enable_time", "min"), ended=("end_time", "max")
    )
    hours = (per_case.ended - per_case.arrived).dt.total_seconds() / 3600
    return PeerRun(len(per_case), seconds, cpu_seconds, float(hours.mean()))


def horizon_for(bundle: str, cases: int) -> int:
    """Days of arrivals for about ``cases`` cases, at most up to 120 days before the end
    of the official calendar (the last cases need time to finish): a slow bundle then
    runs fewer cases, as its row shows."""
    s = load_scenario(bundle)
    per_day = s.applicants.arrivals.per_working_day or 1.0
    wanted = max(1, math.ceil(cases / per_day * 7 / len(s.calendar.weekdays)))
    if s.calendar.holidays != "official":
        return wanted
    return min(wanted, (LAST_DAY - s.run.start_date).days - 120)


def run_onething(bundle: str, mode: str, cases: int, replications: int = 1, jobs: int = 1):  # noqa: ANN201
    options = api.RunOptions(
        replications=replications, horizon_days=horizon_for(bundle, cases), warmup_days=0,
        seed=5, jobs=jobs,
    )  # fmt: skip
    return api.simulate(bundle, mode, options=options)
