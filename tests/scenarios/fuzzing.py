"""Generated bad input for the scenario and experiment-spec loaders, and what must come of
it: a loaded file (a scenario then runs a tiny simulation) or one clear line per problem.

The suite's property tests (``test_fuzz.py``) draw a few dozen inputs from here;
``benchmarks/fuzz_scenarios.py`` draws ten thousand per surface.  Catalog files and the
shipped specs are mutated: a key dropped, a value swapped for an extreme (0, -1, 1e308,
nan, 10**30, a 5,000-digit number, a huge string, a wrong type, 10,000 nested brackets,
a date in year 1 or 9999), a list emptied or doubled, the text cut or a character
flipped.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from onething import api
from onething.experiments import runner
from onething.experiments.spec_file import load_spec
from onething.scenarios.calendar import TooFarAhead
from onething.scenarios.errors import FileError
from onething.scenarios.loader import CATALOG, catalog_names, load_scenario
from onething.scenarios.official_calendar import BeyondOfficialCalendar

SPECS = Path(runner.__file__).parent
SPEC_NAMES = sorted(p.stem for p in SPECS.glob("*.yaml"))

CLEAR_ERRORS = (FileError, api.RunError, BeyondOfficialCalendar, TooFarAhead)
"""What bad input may raise: each prints as one line per problem, exit code 2."""
LINE = re.compile(r"^.+: \S.*: .+$")

TINY_RUN = api.RunOptions(replications=1, horizon_days=3, warmup_days=0, jobs=1)

RAW = {
    "__deep_list__": "[" * 10_000 + "]" * 10_000,
    "__deep_map__": "{a: " * 10_000 + "1" + "}" * 10_000,
    "__digits__": "9" * 5_000,
    "__month_13__": "2026-13-45",
    "__year_0__": "0000-01-01",
    "__laughs__": "&l0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]",
    "__self__": "&me [*me]",
    "__set_key__": "{? !!set {a: null} : 1}",
    "__binary__": "!!binary AAAA",
    "__python__": "!!python/object:os.system {}",
}
"""Values YAML can say but a Python value cannot be dumped as: written into the text."""

EXTREMES = st.sampled_from(
    [
        0,
        -1,
        1,
        0.5,
        1e-320,
        1e308,
        -1e308,
        float("nan"),
        float("inf"),
        float("-inf"),
        10**30,
        2**64,
        -(2**63),
        "x" * 100_000,
        "",
        "08:00",
        "24:00",
        "99:99",
        True,
        None,
        [],
        {},
        [[[[[[[[[[1]]]]]]]]]],
        dt.date(1, 1, 1),
        dt.date(9999, 12, 31),
        "0001-01-01",
        "9999-12-31",
        {"dist": "lognormal", "mean": 5, "sd": 1e200},
        {"dist": "lognormal", "mean": 1e-300, "sd": 1},
        {"dist": "fixed", "value": 1e15, "unit": "working_days"},
        {"dist": "empirical", "values": [1.0] * 2_000},
        {"dist": "empirical", "values": [1.0, 2.0], "weights": [1e308, 1e308]},
        *RAW,
    ]
)
ODD_VALUES = st.one_of(
    EXTREMES,
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.dates(),
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _paths(value, (*prefix, i))
    return found


@st.composite
def mutated(draw: st.DrawFn, data: dict) -> dict:
    """``data`` with one to three mutations at paths of its own."""
    tree = copy.deepcopy(data)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(tree)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = tree
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        action = draw(st.sampled_from(["drop", "replace", "replace", "empty", "double", "scale"]))
        value = parent[key]
        if action == "drop":
            del parent[key]
        elif action == "replace":
            parent[key] = copy.deepcopy(draw(ODD_VALUES))  # the extremes are shared
        elif action == "empty":
            parent[key] = type(value)() if isinstance(value, list | dict) else ""
        elif action == "double" and isinstance(value, list):
            parent[key] = value + value
        elif action == "scale" and isinstance(value, int | float) and not isinstance(value, bool):
            parent[key] = value * draw(st.sampled_from([-1, 0, 1000, 10**6, 10**12, 1e300]))
    return tree


def as_text(tree: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's when built with it
    text = yaml.dump(tree, Dumper=dumper, allow_unicode=True, sort_keys=False)
    for token, raw in RAW.items():
        text = text.replace(token, raw)
    return text


@st.composite
def damaged(draw: st.DrawFn, text: str) -> str:
    """``text`` cut short or with one character replaced."""
    cut, at = draw(st.integers(0, len(text))), draw(st.integers(0, len(text)))
    if cut < at:
        return text[:cut]
    return text[:at] + draw(st.characters()) + text[at + 1 :]


def scenario_texts() -> st.SearchStrategy[str]:
    """A catalog scenario, mutated as data or damaged as text."""
    sources = {
        name: (CATALOG / f"{name}.yaml").read_text(encoding="utf-8") for name in catalog_names()
    }
    trees = [yaml.safe_load(text) for text in sources.values()]
    return st.one_of(
        st.sampled_from(trees).flatmap(mutated).map(as_text),
        st.sampled_from(list(sources.values())).flatmap(damaged),
    )


def spec_texts() -> st.SearchStrategy[str]:
    """A shipped experiment spec, mutated as data or damaged as text."""
    sources = [(SPECS / f"{name}.yaml").read_text(encoding="utf-8") for name in SPEC_NAMES]
    trees = [yaml.safe_load(text) for text in sources]
    return st.one_of(
        st.sampled_from(trees).flatmap(mutated).map(as_text),
        st.sampled_from(sources).flatmap(damaged),
    )


WALL_FACTOR = 12


class Hang(BaseException):
    """An input ran past its limit (a BaseException, so no handler under test eats it)."""


@contextmanager
def limited(seconds: int) -> Iterator[None]:
    """Raise ``Hang`` after ``seconds`` of CPU time (wall time on a shared machine would
    count others' work), or ``WALL_FACTOR`` times as long on the wall clock for an input
    that hangs without computing (a blocking read)."""

    def ring(signum: int, frame: object) -> None:
        raise Hang(f"past {seconds} s")

    previous = {sig: signal.signal(sig, ring) for sig in (signal.SIGPROF, signal.SIGALRM)}
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.alarm(seconds * WALL_FACTOR)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.alarm(0)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def run_scenario(path: Path) -> str:
    """Load the file and run one replication of three days: ``"ran"``, or ``"refused"``
    with one ``file: field: reason`` line per problem.  Anything else propagates."""
    try:
        scenario = load_scenario(path)
        api.simulate(scenario, "after", None, TINY_RUN)
        api.simulate(scenario, "before", None, TINY_RUN)
    except CLEAR_ERRORS as exc:
        return _refused(exc)
    return "ran"


def run_spec(path: Path) -> str:
    """Load the spec and plan its jobs: ``"planned"`` or ``"refused"`` (as above)."""
    try:
        runner.plan(load_spec(path))
    except CLEAR_ERRORS as exc:
        return _refused(exc)
    return "planned"


def _refused(exc: Exception) -> str:
    lines = str(exc).splitlines()
    assert lines, f"an empty message from {type(exc).__name__}"
    if isinstance(exc, FileError):
        assert all(LINE.match(line) for line in lines), lines
    else:
        assert len(lines) == 1, lines
    return "refused"
