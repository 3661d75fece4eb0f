"""Generated hostile inputs for `discover` (CSV and XES) and `import-bpmn`: each one either
writes a scenario that loads or prints `file: where: reason` lines with exit 2; never a
traceback, never longer than 10 s, never a file outside the output folder.

    python benchmarks/fuzz_logs.py [--count 10000] [--surface discover-csv,discover-xes,import-bpmn]

Hypothesis generates the inputs: rows with dates from 0001-01-01 to 9999-12-31, garbage
fields, duplicated or missing columns; XES with odd timestamps, deep nesting, a DTD with
entities, a long attribute, cut short; BPMN graphs with cycles, unknown references,
duplicate ids, long chains, deep lanes, and garbage Prosimos parameters.  Each input runs
the command in this process in a fresh folder, under an alarm after 10 s of the process's
CPU time (not wall time: the machine is shared, and a busy neighbour is no hang); the
script prints one tally line per surface.  tests/discovery/test_fuzz.py and
tests/scenarios/test_bpmn.py run the same generators with a few dozen examples each.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import onething.discovery.report  # noqa: E402, F401 - imported here, not in the first input's 10 s
import onething.discovery.writer  # noqa: E402, F401
import onething.scenarios.bpmn  # noqa: E402, F401
from onething.cli import main  # noqa: E402
from onething.scenarios.loader import load_scenario  # noqa: E402
from onething.sim.eventlog import EVENT_COLUMNS  # noqa: E402

LIMIT_SECONDS = 10
PROGRESS_EVERY = 500
SURFACES = ("discover-csv", "discover-xes", "import-bpmn")

# --- generators ------------------------------------------------------------------------

STAMPS = st.one_of(
    st.datetimes(dt.datetime(1, 1, 1), dt.datetime(9999, 12, 31, 23, 59, 59)).map(
        lambda d: d.isoformat(sep=" ", timespec="seconds")
    ),
    st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2024, 12, 31)).map(
        lambda d: d.isoformat(timespec="seconds")
    ),
    st.sampled_from(["", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00-12:00", "2024-02-30"]),
    st.text(max_size=12),
)
FIELDS = st.one_of(st.text(max_size=8), st.sampled_from(["A", "B", "decide:x", "", "1"]))
COLUMNS = ["case", "activity", "start", "end", "department"]
ONETHING_HEADER = ",".join(EVENT_COLUMNS)


ACTIVITIES = ["review", "approve", "decide permit", "decide licence", "hand over materials",
              "collect results", "travel", "file online", "result arrives by mail"]  # fmt: skip
DETAILS = ["", "files permit", "files permit, licence", "results: permit", "steps: apply, decide"]


@st.composite
def plausible_rows(draw: st.DrawFn, columns: list[str]) -> list[dict[str, str]]:
    """Cases of a few events in a recent month; one row in ten gets an extreme or garbage
    value in one field."""
    base = draw(st.datetimes(dt.datetime(2023, 1, 1), dt.datetime(2024, 12, 31)))
    rows = []
    for case in range(draw(st.integers(1, 25))):
        t = base + dt.timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))
        for _ in range(draw(st.integers(1, 4))):
            end = t + dt.timedelta(minutes=draw(st.integers(0, 600)))
            row = {
                "replication": "0",
                "case": f"c{case}",
                "case_id": f"c{case}",
                "activity": draw(st.sampled_from(ACTIVITIES)),
                "department": draw(st.sampled_from(["police", "civil", "single_window", ""])),
                "start": t.isoformat(sep=" ", timespec="seconds"),
                "end": end.isoformat(sep=" ", timespec="seconds"),
                "resource": "",
                "detail": draw(st.sampled_from(DETAILS)),
            }
            if draw(st.integers(0, 9)) == 0:
                key = draw(st.sampled_from(columns))
                row[key] = draw(STAMPS if key in ("start", "end") else FIELDS)
            rows.append(row)
            t = end + dt.timedelta(minutes=draw(st.integers(0, 3000)))
    return rows


@st.composite
def csv_logs(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """A CSV and the command-line options that read it (a mapping, or onething's own):
    half plausible logs with a few bad rows, half garbage."""
    own = draw(st.booleans())
    header = ONETHING_HEADER.split(",") if own else COLUMNS
    if draw(st.booleans()):
        rows = [[r[c] for c in header] for r in draw(plausible_rows(header))]
    else:
        if not own:
            header = draw(st.lists(st.sampled_from([*COLUMNS, "case", "x"]), max_size=7))
        rows = [
            [draw(STAMPS if c in ("start", "end") else FIELDS) for c in header]
            for _ in range(draw(st.integers(0, 30)))
        ]
    rows = [
        row if draw(st.integers(0, 19)) else row[: draw(st.integers(0, len(row)))] for row in rows
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    if draw(st.integers(0, 19)):
        writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 19)) == 0:
        data = data[: draw(st.integers(0, len(data)))] + draw(st.binary(max_size=20))
    options = [] if own else ["--columns", draw(st.sampled_from(_mappings()))]
    return data, options


def _mappings() -> list[str]:
    return [
        "case=case,activity=activity,start=start,end=end",
        "case=case,activity=activity,end=end,department=department",
        "case=case,activity=activity,end=end",
        "case=x,activity=activity,end=end",
        "activity=activity,end=end",
        "case=case,activity=case,end=start",
    ]


def _xml_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")


@st.composite
def xes_logs(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    """Plausible traces (from ``plausible_rows``) or garbage events; one in four made
    hostile."""
    if draw(st.booleans()):
        events = [
            (r["case"], r["activity"], r["department"], r["start"], "start")
            for r in draw(plausible_rows(["case", "activity", "department", "start"]))
        ]
    else:
        events = [
            (draw(FIELDS), draw(FIELDS), draw(FIELDS), draw(STAMPS), draw(FIELDS))
            for _ in range(draw(st.integers(0, 20)))
        ]
    by_case: dict[str, list[str]] = {}
    for case, activity, group, stamp, _ in events:
        for transition in draw(st.sampled_from([["complete"], ["start", "complete"], ["x"]])):
            attrs = [
                ("string", "concept:name", activity),
                ("date", "time:timestamp", stamp),
                ("string", "lifecycle:transition", transition),
                ("string", "org:group", group),
            ]
            if draw(st.integers(0, 9)) == 0:
                attrs = draw(st.lists(st.sampled_from(attrs), max_size=4))
            body = "".join(f'<{k} key="{key}" value="{_xml_text(v)}"/>' for k, key, v in attrs)
            by_case.setdefault(case, []).append(f"<event>{body}</event>")
    traces = "".join(
        f'<trace><string key="concept:name" value="{_xml_text(c)}"/>{"".join(e)}</trace>'
        for c, e in by_case.items()
    )
    text = f'<?xml version="1.0" encoding="UTF-8"?><log xes.version="1.0">{traces}</log>'
    text = _hostile_xml(draw, text, "log")
    return text.encode("utf-8", "surrogatepass"), ["--format", "xes"]


def _hostile_xml(draw: st.DrawFn, text: str, root: str) -> str:
    """One in four documents gets a hostile change: nesting, a DTD with entities, a long
    attribute, a cut, stray bytes."""
    attack = draw(
        st.sampled_from(["none", "none", "none", "deep", "entities", "long", "cut", "stray"])
    )
    if attack == "deep":
        n = draw(st.integers(10, 5000))
        inner = "<list key='x'>" * n + "</list>" * n
        text = text.replace(f"</{root}>", f"{inner}</{root}>")
    elif attack == "entities":
        dtd = (
            f'<!DOCTYPE {root} [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">'
            '<!ENTITY c SYSTEM "file:///etc/passwd">]>'
        )
        text = text.replace("?>", "?>" + dtd, 1).replace(f"<{root}", f"<{root} note='&b;'", 1)
    elif attack == "long":
        size = draw(st.sampled_from([10_000, 999_000, 1_100_000]))
        text = text.replace(f"<{root}", f"<{root} long='{'x' * size}'", 1)
    elif attack == "cut":
        text = text[: draw(st.integers(0, len(text)))]
    elif attack == "stray":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=5)) + text[at:]
    return text


BPMN_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><definitions '
    'xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:onething="https://onething.example/bpmn">'
)
KINDS = ["task", "userTask", "exclusiveGateway", "parallelGateway", "startEvent", "endEvent",
         "intermediateThrowEvent", "subProcess"]  # fmt: skip
ROLES = ["", "decide", "window", "mail", "travel", "gather", "paper"]


@st.composite
def bpmn_models(draw: st.DrawFn) -> tuple[bytes, bytes | None]:
    """A BPMN process (its bytes) and Prosimos parameters (JSON bytes, or None)."""
    chain = draw(st.sampled_from([0, 0, 0, 0, 0, 0, 50, 2000]))
    plausible = chain > 0 or draw(st.booleans())
    n = chain or draw(st.integers(0, 12))
    ids = [f"n{i}" for i in range(n)]
    nodes = []
    for i, ident in enumerate(ids):
        kind = (
            "startEvent" if i == 0 else "endEvent" if i == n - 1 else draw(st.sampled_from(KINDS))
        )
        if chain or (plausible and kind in ("startEvent", "endEvent")):
            kind = "startEvent" if i == 0 else "endEvent" if i == n - 1 else "task"
        role = "" if chain else draw(st.sampled_from(ROLES))
        extra = f' onething:role="{role}" onething:item="{ident}"' if role else ""
        if role == "decide" and draw(st.booleans()):
            extra += f' onething:requires="{draw(st.sampled_from(ids))}" onething:steps="a,b"'
        if role == "window" and draw(st.booleans()):
            extra += f' onething:files="{",".join(draw(st.lists(st.sampled_from(ids))))}"'
        nodes.append(f'<{kind} id="{ident}" name="{_xml_text(draw(FIELDS))}"{extra}/>')
    refs = st.one_of(st.sampled_from(ids), st.just("nowhere")) if ids else st.just("nowhere")
    if plausible:  # a path from the start to the end, with a few jumps (forward or back)
        flows = [(ids[i], ids[i + 1]) for i in range(n - 1)]
        if n > 2 and not chain:
            more = st.tuples(st.sampled_from(ids[1:-1]), st.sampled_from(ids[1:-1]))
            flows += draw(st.lists(more, max_size=3))
    else:
        flows = draw(st.lists(st.tuples(refs, refs), max_size=20))
    flow_ids = [f"f{i}" for i in range(len(flows))]
    if flow_ids and draw(st.integers(0, 19)) == 0:
        flow_ids[-1] = draw(st.sampled_from([*ids, *flow_ids]) if ids else st.just("f0"))
    flow_xml = "".join(
        f'<sequenceFlow id="{f}" sourceRef="{a}" targetRef="{b}"/>'
        for f, (a, b) in zip(flow_ids, flows, strict=True)
    )
    depth = draw(st.sampled_from([1, 1, 2, 5, 40]))
    in_lanes = n if plausible else draw(st.integers(0, n))
    lane_refs = "".join(f"<flowNodeRef>{i}</flowNodeRef>" for i in ids[:in_lanes])
    lanes = (
        '<lane id="L0" name="office">' + lane_refs
        + "".join(f'<childLaneSet><lane id="L{d}">' for d in range(1, depth))
        + "</lane></childLaneSet>" * (depth - 1) + "</lane>"
    )  # fmt: skip
    levers = draw(st.sampled_from(["", ' onething:levers="parallel_approval,x"']))
    text = (
        f'{BPMN_HEAD}<process id="p"{levers}><laneSet id="ls">{lanes}</laneSet>'
        f"{''.join(nodes)}{flow_xml}</process></definitions>"
    )
    if not chain:
        text = _hostile_xml(draw, text, "definitions")
    params = draw(st.one_of(st.none(), st.none(), _params(ids)))
    return text.encode("utf-8", "surrogatepass"), params


def _params(ids: list[str]) -> st.SearchStrategy[bytes]:
    anything = st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=5)),
        lambda inner: st.one_of(
            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
        ),
        max_leaves=8,
    )
    task = st.sampled_from(ids) if ids else st.just("n0")
    dist = st.fixed_dictionaries(
        {
            "distribution_name": st.sampled_from(
                ["fix", "expon", "lognorm", "norm", "uniform", "gamma", "x"]
            ),
            "distribution_params": st.lists(
                st.fixed_dictionaries(
                    {"value": st.one_of(st.floats(), st.integers(), st.text(max_size=3))}
                ),
                max_size=3,
            ),
        }
    )
    shaped = st.fixed_dictionaries(
        {},
        optional={
            "task_resource_distribution": st.lists(
                st.fixed_dictionaries({"task_id": task, "resources": st.lists(dist, max_size=2)}),
                max_size=4,
            ),
            "arrival_time_distribution": st.one_of(dist, anything),
            "gateway_branching_probabilities": st.lists(
                st.fixed_dictionaries(
                    {
                        "probabilities": st.lists(
                            st.fixed_dictionaries(
                                {
                                    "path_id": st.sampled_from(["f0", "f1"]),
                                    "value": st.one_of(st.floats(), st.text(max_size=3)),
                                }
                            ),
                            max_size=3,
                        )
                    }
                ),
                max_size=2,
            ),
            "resource_profiles": st.one_of(
                anything,
                st.lists(
                    st.fixed_dictionaries(
                        {
                            "resource_list": st.lists(
                                st.fixed_dictionaries(
                                    {
                                        "assignedTasks": st.lists(task, max_size=3),
                                        "amount": st.one_of(
                                            st.integers(), st.floats(), st.text(max_size=3)
                                        ),
                                    }
                                ),
                                max_size=2,
                            )
                        }
                    ),
                    max_size=2,
                ),
            ),
        },
    )
    return st.one_of(
        shaped.map(lambda d: json.dumps(d).encode()),
        anything.map(lambda d: json.dumps(d).encode()),
        st.binary(max_size=30),
        st.integers(1, 50_000).map(lambda n: b"[" * n + b"]" * n),
    )


# --- the check ---------------------------------------------------------------------------


class Hang(Exception):
    pass


def _alarm(signum, frame):  # noqa: ANN001, ANN202
    raise Hang


@dataclass
class Tally:
    inputs: int = 0
    tracebacks: int = 0
    hangs: int = 0
    outside: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def line(self, surface: str) -> str:
        return (
            f"{surface}: {self.inputs} inputs, {self.tracebacks} tracebacks, {self.hangs} hangs "
            f"> {LIMIT_SECONDS} s, {self.outside} files outside out"
        )


def run_once(surface: str, data: bytes, extra: list[str] | bytes | None) -> str:
    """Run one input in a fresh folder; the outcome: 'scenario', 'refused', or what went
    wrong ('traceback: ...', 'hang', 'outside: ...', 'bad refusal: ...')."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "in").mkdir()
        (root / "out").mkdir()
        out = root / "out" / "x.yaml"
        if surface == "import-bpmn":
            model = root / "in" / "m.bpmn"
            model.write_bytes(data)
            argv = ["import-bpmn", str(model), "--out", str(out)]
            if extra is not None:
                (root / "in" / "p.json").write_bytes(extra)
                argv += ["--params", str(root / "in" / "p.json")]
        else:
            log = root / "in" / ("log.csv" if surface == "discover-csv" else "log.xes")
            log.write_bytes(data)
            argv = ["discover", str(log), "--out", str(out), *extra]
        before = sorted(root.rglob("*"))
        err = io.StringIO()
        signal.signal(signal.SIGPROF, _alarm)
        signal.setitimer(signal.ITIMER_PROF, LIMIT_SECONDS)
        started = time.process_time()
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                code = main(argv)
        except Hang:
            return "hang"
        except BaseException as exc:  # noqa: BLE001 - anything but an answer is counted
            where = traceback.extract_tb(exc.__traceback__)[-1]
            place = f"{Path(where.filename).name}:{where.lineno}"
            return f"traceback: {type(exc).__name__}: {exc} at {place}"[:300]
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        if time.process_time() - started > LIMIT_SECONDS:
            return "hang"
        new = [p for p in sorted(root.rglob("*")) if p not in before and p.parent != root / "out"]
        if new or any(p.name != "x.yaml" for p in (root / "out").iterdir()):
            return f"outside: {new or list((root / 'out').iterdir())}"
        if code == 0:
            load_scenario(out)
            return "scenario"
        lines = err.getvalue().splitlines()
        if code != 2 or not lines or out.exists() or not all(": " in x for x in lines):
            return f"bad refusal: exit {code}, out written {out.exists()}: {err.getvalue()[:200]}"
        return "refused"


GENERATORS: dict[str, Callable[[], st.SearchStrategy]] = {
    "discover-csv": csv_logs,
    "discover-xes": xes_logs,
    "import-bpmn": bpmn_models,
}


def fuzz(surface: str, count: int, seed_value: int = 0) -> Tally:
    tally = Tally()

    @seed(seed_value)
    @settings(
        max_examples=count,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(GENERATORS[surface]())
    def one(case: tuple) -> None:
        outcome = run_once(surface, *case)
        tally.inputs += 1
        kind = outcome.split(":")[0]
        tally.outcomes[kind] += 1
        if kind == "traceback" or kind == "bad refusal":
            tally.tracebacks += 1
        elif kind == "hang":
            tally.hangs += 1
        elif kind == "outside":
            tally.outside += 1
        if kind not in ("scenario", "refused") and len(tally.examples) < 5:
            tally.examples.append(f"{outcome}\n  input: {case[0][:300]!r} {case[1]!r}"[:800])
            print(f"  {tally.examples[-1]}", flush=True)
        if tally.inputs % PROGRESS_EVERY == 0:  # a long run that is stopped still tells
            print(f"  so far {tally.line(surface)}", flush=True)

    one()
    return tally


def main_fuzz() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--surface", default=",".join(SURFACES))
    parser.add_argument("--seed", type=int, default=0, help="the same seed, the same inputs")
    args = parser.parse_args()
    for surface in args.surface.split(","):
        started = time.perf_counter()
        tally = fuzz(surface, args.count, args.seed)
        print(tally.line(surface), flush=True)
        seconds = time.perf_counter() - started
        print(f"  {dict(tally.outcomes)} in {seconds:.0f} s", flush=True)


if __name__ == "__main__":
    main_fuzz()
