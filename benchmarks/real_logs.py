"""onething against Simod on a real event log, with the log's own split-half floor.

    python benchmarks/real_logs.py --log ../shared/data/bpic2012.xes.gz
    python benchmarks/real_logs.py --log ../shared/data/helpdesk.xes.gz --simod-minutes 20
    python benchmarks/real_logs.py --log ../shared/data/bpic2012.xes.gz --seeds 3

For the log: onething discovers a scenario (``onething discover``, timed with peak memory)
and simulates it over the log's span (as many cases as the fitted arrivals give); Simod
5 discovers a model on the same log (``simod --one-shot``, no hyper-parameter search) and
Prosimos simulates as many cases as the log holds from its first day; the floor splits
the log's cases into two random halves and compares them with each other.  A log is
what was seen up to its last event (BPIC 2012's last cases are cut off mid-way), so
the simulated events that end after it are left out of the compared logs, as the log's
own export would have left them (``--uncensored`` keeps them).  Each is
compared with the real log (the floor: half against half) on the six distances of
Simod's papers (PyPI ``log-distance-measures``): control-flow log distance (CFLD, on a
random sample of ``--cfld-cases`` cases of each log: the measure pairs every case with
every case), 3-gram distance, and the earth mover's distances of hourly absolute events,
circadian events, cycle times and case arrivals.  With ``--seeds K`` onething simulates and
the log is split K times (seeds from ``--seed``), and each figure is the mean over them
with half their range: one seed moves BPIC 2012's hourly absolute-event EMD between 13
and 36 and its floor between 15 and 18.

Simod, Prosimos and log-distance-measures pin pandas < 3, so they run in an interpreter of
their own (``--simod-python``); make it once with

    python3.11 -m venv .venv-simod && .venv-simod/bin/pip install simod log-distance-measures

A missing interpreter or package is said in one line, and the table then holds what ran.
Everything is written under ``--out`` (default ``results/real_logs/<log>``); a Simod model
found there, and Prosimos's finished simulation of it, are reused unless ``--fresh``.  A
simulation cut short at the time limit is used (and reused) where its clock had passed the
log's end: Prosimos writes each event as it starts it, so every event the comparison keeps
is there (Simod's model of BPIC 2012 loops its validation some 400 times a case, and
Prosimos's clock reached the year 2243).
Events whose start was not logged keep their end as start in the compared logs (what the
log shows) and an empty start in Simod's input (Simod estimates it).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ONETHING = str(Path(sys.executable).parent / "onething")
sys.path.insert(0, str(ROOT))

from onething.discovery.logs import EPOCH, read_log  # noqa: E402
from onething.scenarios.errors import FileError  # noqa: E402

COLUMNS = ["case_id", "activity", "start_time", "end_time", "resource"]
DISTANCES = (
    ("cfld", "control-flow log distance"),
    ("ngram", "3-gram distance"),
    ("absolute", "hourly absolute-event EMD"),
    ("circadian", "circadian EMD"),
    ("cycle", "cycle-time EMD"),
    ("arrival", "case-arrival EMD"),
)
TIMING = ("absolute", "circadian", "cycle", "arrival")
DECIDE = "decide "

_DISTANCES = """
import json, random, sys, warnings
warnings.simplefilter("ignore")
import pandas as pd
from log_distance_measures.config import AbsoluteTimestampType, EventLogIDs, discretize_to_hour
from log_distance_measures.control_flow_log_distance import control_flow_log_distance
from log_distance_measures.n_gram_distribution import n_gram_distribution_distance
from log_distance_measures.absolute_event_distribution import absolute_event_distribution_distance
from log_distance_measures.circadian_event_distribution import circadian_event_distribution_distance
from log_distance_measures.cycle_time_distribution import cycle_time_distribution_distance
from log_distance_measures.case_arrival_distribution import case_arrival_distribution_distance
ids = EventLogIDs(case="case_id", activity="activity", start_time="start_time",
                  end_time="end_time", resource="resource")
def load(path):
    log = pd.read_csv(path)
    for c in ("start_time", "end_time"):
        log[c] = pd.to_datetime(log[c], utc=True, format="ISO8601")
    return log
def sample(log, n, seed):
    cases = sorted(log["case_id"].unique())
    if len(cases) <= n:
        return log
    keep = set(random.Random(seed).sample(cases, n))
    return log[log["case_id"].isin(keep)]
original, other, n = load(sys.argv[1]), load(sys.argv[2]), int(sys.argv[3])
out = {
    "cfld": control_flow_log_distance(sample(original, n, 1), ids, sample(other, n, 2), ids,
                                      parallel=False),
    "ngram": n_gram_distribution_distance(original, ids, other, ids, n=3),
    "absolute": absolute_event_distribution_distance(
        original, ids, other, ids, discretize_type=AbsoluteTimestampType.BOTH,
        discretize_event=discretize_to_hour),
    "circadian": circadian_event_distribution_distance(original, ids, other, ids),
    "cycle": cycle_time_distribution_distance(original, ids, other, ids,
                                              bin_size=pd.Timedelta(hours=1)),
    "arrival": case_arrival_distribution_distance(original, ids, other, ids,
                                                  discretize_event=discretize_to_hour),
}
print(json.dumps(out))
"""

_PROSIMOS = """
import sys, warnings
warnings.simplefilter("ignore")
from prosimos.simulation_engine import run_simulation
run_simulation(sys.argv[1], sys.argv[2], int(sys.argv[3]), stat_out_path=None,
               log_out_path=sys.argv[4], starting_at=sys.argv[5])
"""


class Missing(Exception):
    """A peer that cannot run here, with the one line that says why."""


@dataclass
class Entrant:
    name: str
    logs: list[Path] = field(default_factory=list)
    """Its compared logs: one per seed (``--seeds``)."""
    discover_seconds: float | None = None
    cpu_seconds: float | None = None
    """User and system CPU time of discovery: the wall time on a shared machine varies."""
    peak_mb: float | None = None
    distances: dict[str, float] = field(default_factory=dict)
    """Each distance's mean over ``logs``."""
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Each distance's least and greatest over ``logs``."""
    note: str = ""

    def measure(self, python: Path, pairs: list[tuple[Path, Path]], cfld_cases: int) -> None:
        """The distances of each pair of logs (the real one, or a half, and this one's)."""
        runs = [distances(python, original, other, cfld_cases) for original, other in pairs]
        for key, _ in DISTANCES:
            values = [run[key] for run in runs]
            self.distances[key] = sum(values) / len(values)
            self.ranges[key] = (min(values), max(values))


def stamp(minute: float) -> str:
    return (EPOCH + dt.timedelta(minutes=minute)).isoformat(timespec="seconds") + "+00:00"


def real_rows(path: Path) -> list[list[str]]:
    """The log's events: start, end as logged (a start not logged is the end)."""
    events, _ = read_log(path)
    return [
        [e.case, e.activity, stamp(e.start), stamp(e.end), e.resource or "(none)"] for e in events
    ]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return path


def timed(command: list[str], limit: float | None = None) -> tuple[float, float, float]:
    """Wall seconds, peak resident MB and CPU seconds (``/usr/bin/time -v``) of a command."""
    started = time.perf_counter()
    with subprocess.Popen(
        ["/usr/bin/time", "-v", *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # on timeout the whole tree goes, not only `time`
    ) as process:
        try:
            stdout, stderr = process.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise Missing(f"{command[0]} ran past the time limit of {limit:.0f} s") from None
    done = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    seconds = time.perf_counter() - started
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if done.returncode != 0:
        said = done.stdout + done.stderr.split("\tCommand being timed")[0]
        last = [line for line in said.splitlines() if line.strip() and "exited" not in line]
        tail = last[-1].strip() if last else ""
        raise Missing(f"{Path(command[0]).name} failed ({done.returncode}): {tail}")
    cpu = sum(
        float(x) for x in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr)
    )
    return seconds, int(peak.group(1)) / 1024 if peak else float("nan"), cpu


def censored(rows: list[list[str]], until: dt.datetime | None) -> tuple[list[list[str]], int]:
    """``rows`` without the events ending after ``until`` (none left out without it)."""
    if until is None:
        return rows, 0
    kept = [r for r in rows if dt.datetime.fromisoformat(r[3]) <= until]
    return kept, len(rows) - len(kept)


def _seeded(name: str, seed: int, seeds: list[int]) -> str:
    """``name`` for the first seed, ``name`` with the seed for the others."""
    if seed == seeds[0]:
        return name
    stem, suffix = name.rsplit(".", 1)
    return f"{stem}-seed{seed}.{suffix}"


def onething(log: Path, out: Path, seeds: list[int], until: dt.datetime | None) -> Entrant:
    """Discovered once, simulated once per seed."""
    entrant = Entrant("onething")
    scenario = out / "onething.yaml"
    command = [ONETHING, "discover", str(log), "--out", str(scenario)]
    command += ["--report", str(out / "onething-fit.html")]
    entrant.discover_seconds, entrant.peak_mb, entrant.cpu_seconds = timed(command)
    items = yaml.safe_load(scenario.read_text(encoding="utf-8"))["items"]
    names = {key: item["name"] for key, item in items.items()}
    said = []
    for seed in seeds:
        sim = out / _seeded("onething-sim.csv", seed, seeds)
        run = [ONETHING, "simulate", str(scenario), "--events", str(sim), "--replications", "1"]
        run += ["--warmup-days", "0", "--jobs", "1", "--seed", str(seed)]
        timed(run)
        rows = []
        with sim.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                if row["activity"].startswith(DECIDE):
                    key = row["activity"].removeprefix(DECIDE)
                    start, end = (row[c] + "+00:00" for c in ("start", "end"))
                    rows.append(
                        [row["case_id"], names.get(key, key), start, end, row["department"]]
                    )
        cases = len({r[0] for r in rows})
        rows, dropped = censored(rows, until)
        entrant.logs.append(write_csv(out / _seeded("onething-compare.csv", seed, seeds), rows))
        said.append(f"{cases} cases simulated; {dropped} events after the log's end left out")
    entrant.note = "; ".join(
        said if len(seeds) == 1 else (f"seed {s}: {x}" for s, x in zip(seeds, said, strict=True))
    )
    return entrant


def simod(
    log: Path,
    out: Path,
    python: Path,
    cases: int,
    first: str,
    minutes: float,
    fresh: bool,
    until: dt.datetime | None,
) -> Entrant:
    entrant = Entrant("Simod")
    simod_bin = python.parent / "simod"
    if not python.exists() or not simod_bin.exists():
        raise Missing(
            f"no Simod at {simod_bin}: python3.11 -m venv {python.parent.parent} && "
            f"{python.parent}/pip install simod log-distance-measures"
        )
    folder = out / "simod"
    found = sorted(folder.glob("best_result/*.bpmn")) if folder.exists() else []
    if fresh or not found:
        events, _ = read_log(log)
        rows = [
            [e.case, e.activity, stamp(e.start) if e.timed else "", stamp(e.end), e.resource or "x"]
            for e in events
        ]
        train = write_csv(out / "simod-input.csv", rows)
        command = [str(simod_bin), "--one-shot", "-l", str(train), "-o", str(folder)]
        cost = timed(command, minutes * 60)
        entrant.discover_seconds, entrant.peak_mb, entrant.cpu_seconds = cost
        (out / "simod-cost.json").write_text(
            json.dumps({"seconds": cost[0], "peak_mb": cost[1], "cpu_seconds": cost[2]})
        )
        found = sorted(folder.glob("best_result/*.bpmn"))
    elif (out / "simod-cost.json").exists():
        cost = json.loads((out / "simod-cost.json").read_text())
        entrant.discover_seconds, entrant.peak_mb = cost["seconds"], cost["peak_mb"]
        entrant.cpu_seconds = cost.get("cpu_seconds")
        entrant.note = "model reused from an earlier run"
    if not found:
        raise Missing(f"Simod wrote no BPMN model under {folder}/best_result")
    model = found[0]
    parameters = model.with_suffix(".json")
    sim, finished = out / "simod-sim.csv", out / "simod-sim.done"
    cut = None
    if fresh or not finished.exists() or finished.read_text() != str(model):
        finished.unlink(missing_ok=True)
        cut = None if fresh else past_the_end(sim, until)
        if cut is None:
            command = [str(python), "-c", _PROSIMOS, str(model), str(parameters), str(cases)]
            try:
                timed([*command, str(sim), first], minutes * 60)
                finished.write_text(str(model))  # a run cut short leaves no mark
            except Missing:
                if (cut := past_the_end(sim, until)) is None:
                    raise
    else:
        entrant.note = "; ".join(filter(None, [entrant.note, "its simulation reused"]))
    if cut is not None:
        said = (
            f"Prosimos was cut short at its time limit with its clock at {cut:%Y-%m-%d}, past "
            "the log's end: every event compared is in its simulation"
        )
        entrant.note = "; ".join(filter(None, [entrant.note, said]))
    rows, dropped = [], 0
    with sim.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if until is not None and dt.datetime.fromisoformat(row["end_time"]) > until:
                dropped += 1
                continue
            start = row["start_time"] or row["end_time"]
            rows.append([row["case_id"], row["activity"], start, row["end_time"], row["resource"]])
    entrant.logs.append(write_csv(out / "simod-compare.csv", rows))
    entrant.note = "; ".join(
        filter(None, [entrant.note, f"{dropped} events after the log's end left out"])
    )
    return entrant


def past_the_end(sim: Path, until: dt.datetime | None) -> dt.datetime | None:
    """Where a Prosimos run cut short had got to, if that is past ``until``: it writes each
    event when it starts it, its end already known, in the order of the simulated clock,
    so once an event started after ``until`` is written, so is every one ending before
    it (the last 10,000 unwritten at the cut start later still).  None otherwise, or
    with no ``until`` (every simulated event compared)."""
    if until is None or not sim.exists() or sim.stat().st_size == 0:
        return None
    with sim.open("rb") as handle:
        handle.seek(max(0, sim.stat().st_size - (1 << 16)))
        tail = handle.read().decode("utf-8", errors="replace").splitlines()[1:]
    starts = []
    for line in tail:
        fields = line.split(",")
        try:
            starts.append(dt.datetime.fromisoformat(fields[3]))
        except (IndexError, ValueError):
            continue
    clock = max(starts, default=None)
    return clock if clock is not None and clock > until else None


def halves(rows: list[list[str]], out: Path, seed: int, seeds: list[int]) -> tuple[Path, Path]:
    cases = sorted({r[0] for r in rows})
    first = set(random.Random(seed).sample(cases, len(cases) // 2))
    a = write_csv(out / _seeded("half-a.csv", seed, seeds), [r for r in rows if r[0] in first])
    b = write_csv(out / _seeded("half-b.csv", seed, seeds), [r for r in rows if r[0] not in first])
    return a, b


def distances(python: Path, original: Path, other: Path, cfld_cases: int) -> dict[str, float]:
    command = [str(python), "-c", _DISTANCES, str(original), str(other), str(cfld_cases)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [x for x in done.stderr.splitlines() if x.strip()]
        raise Missing(f"distances failed: {lines[-1] if lines else done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _cell(value: float | None, digits: int = 3, span: tuple[float, float] | None = None) -> str:
    """A figure, with half its range over the seeds where there were several."""
    if value is None:
        return "—"
    if span is None or span[0] == span[1]:
        return f"{value:,.{digits}f}"
    return f"{value:,.{digits}f} ±{(span[1] - span[0]) / 2:,.{digits}f}"


def table(name: str, entrants: list[Entrant], floor: Entrant) -> list[str]:
    columns = [*entrants, floor]
    width = max(len(label) for _, label in DISTANCES) + 2
    lines = ["".ljust(width) + "".join(e.name.rjust(20) for e in columns)]
    for key, label in DISTANCES:
        cells = "".join(
            _cell(e.distances.get(key), span=e.ranges.get(key)).rjust(20) for e in columns
        )
        lines.append(label.ljust(width) + cells)
    seconds = "".join(_cell(e.discover_seconds, 1).rjust(20) for e in columns)
    lines.append("discover (s)".ljust(width) + seconds)
    cpu = "".join(_cell(e.cpu_seconds, 1).rjust(20) for e in columns)
    lines.append("discover CPU (s)".ljust(width) + cpu)
    lines.append(
        "peak memory (MB)".ljust(width) + "".join(_cell(e.peak_mb, 0).rjust(20) for e in columns)
    )
    ours = entrants[0]
    peer = next((e for e in entrants if e.name == "Simod" and e.distances), None)
    beaten = (
        sum(ours.distances[k] <= peer.distances[k] for k, _ in DISTANCES)
        if peer and ours.distances
        else None
    )
    close = sum(
        ours.distances.get(k, float("inf")) <= 2 * floor.distances.get(k, float("nan"))
        for k in TIMING
    )
    k_text = "?" if beaten is None else str(beaten)
    runs = len(ours.logs)
    lines.append(
        f"{name}: onething at most Simod on {k_text} of 6 distances; "
        f"timing within 2x the floor on {close} of 4"
        + (f" (means over {runs} seeds)" if runs > 1 else "")
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--log", type=Path, required=True, help="an XES or CSV event log")
    parser.add_argument("--out", type=Path, help="default: results/real_logs/<log name>")
    parser.add_argument("--simod-python", type=Path, default=ROOT / ".venv-simod/bin/python")
    parser.add_argument(
        "--simod-minutes",
        type=float,
        default=90.0,
        help="Simod's time limit (its one-shot discovery of BPIC 2012 took 77 min on 2 cores)",
    )
    parser.add_argument("--no-simod", action="store_true", help="onething and the floor only")
    parser.add_argument("--fresh", action="store_true", help="discover with Simod again")
    parser.add_argument("--cfld-cases", type=int, default=1000, help="cases sampled for CFLD")
    parser.add_argument(
        "--uncensored", action="store_true", help="keep simulated events after the log's end"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="simulate and split the log with this many seeds from --seed, and give each "
        "distance's mean and half its range (a seed moves BPIC 2012's absolute-event EMD "
        "between 13 and 36)",
    )
    args = parser.parse_args(argv)
    if args.seeds < 1:
        parser.error("--seeds: 1 or more")
    seeds = list(range(args.seed, args.seed + args.seeds))
    name = args.log.name.split(".")[0]
    out = args.out or ROOT / "results" / "real_logs" / name
    out.mkdir(parents=True, exist_ok=True)
    try:
        rows = real_rows(args.log)
    except FileError as exc:
        print(f"{args.log}: {exc}")
        return 2
    real = write_csv(out / "real.csv", rows)
    cases = len({r[0] for r in rows})
    first = min(r[3] for r in rows)
    last = max(r[3] for r in rows)
    print(f"{name}: {len(rows)} events, {cases} cases, from {first[:10]} to {last[:10]}")
    measurable = args.simod_python.exists()
    if not measurable:
        print(
            f"missing: {args.simod_python} (make it: python3.11 -m venv .venv-simod && "
            ".venv-simod/bin/pip install simod log-distance-measures); no distances measured"
        )
    try:
        until = None if args.uncensored else dt.datetime.fromisoformat(last)
        entrants = [onething(args.log, out, seeds, until)]
    except Missing as exc:
        print(f"onething: {exc}")
        return 1
    if not args.no_simod:
        try:
            entrants.append(
                simod(
                    args.log,
                    out,
                    args.simod_python,
                    cases,
                    first,
                    args.simod_minutes,
                    args.fresh,
                    until,
                )
            )
        except Missing as exc:
            print(f"Simod: {exc}")
    floor = Entrant("split half")
    pairs = [halves(rows, out, seed, seeds) for seed in seeds]
    if measurable:
        try:
            for entrant in entrants:
                compared = [(real, log) for log in entrant.logs]
                entrant.measure(args.simod_python, compared, args.cfld_cases)
            floor.measure(args.simod_python, pairs, args.cfld_cases)
        except Missing as exc:
            print(exc)
    for entrant in entrants:
        if entrant.note:
            print(f"{entrant.name}: {entrant.note}")
    print("\n".join(table(name, entrants, floor)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
