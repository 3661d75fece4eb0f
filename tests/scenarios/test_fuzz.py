"""Mutated catalog files: either a valid scenario or `file: path: reason` lines, never a
crash.  Hypothesis mutates the parsed YAML (drop a key, swap a value for another type,
duplicate or empty a list) and the raw text (cut it, flip a character)."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onething.scenarios.errors import FileError
from onething.scenarios.loader import catalog_names, load_scenario, resolve

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
LINE = re.compile(r"^.+: \S.*: .+$")


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
        action = draw(st.sampled_from(["drop", "replace", "empty", "double"]))
        if action == "drop":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(ODD_VALUES)
        elif action == "empty":
            parent[key] = type(parent[key])() if isinstance(parent[key], list | dict) else ""
        elif isinstance(parent[key], list):
            parent[key] = parent[key] + parent[key]
    return tree


def _check(path: Path) -> None:
    try:
        load_scenario(path)
    except FileError as exc:
        lines = str(exc).splitlines()
        assert lines and all(LINE.match(line) for line in lines), lines
        assert all(line.startswith(f"{path}: ") for line in lines), lines


@pytest.mark.parametrize("bundle", catalog_names())
def test_mutated_catalog_files_load_or_say_why(bundle: str, tmp_path_factory) -> None:
    data = yaml.safe_load(resolve(bundle).read_text(encoding="utf-8"))
    folder = tmp_path_factory.mktemp(bundle)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(mutated(data))
    def check(tree: dict) -> None:
        path = folder / f"{bundle}.yaml"
        path.write_text(yaml.safe_dump(tree, allow_unicode=True), encoding="utf-8")
        _check(path)

    check()


@pytest.mark.parametrize("bundle", catalog_names())
def test_damaged_catalog_text_loads_or_says_why(bundle: str, tmp_path_factory) -> None:
    text = resolve(bundle).read_text(encoding="utf-8")
    folder = tmp_path_factory.mktemp(f"{bundle}-text")

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.integers(0, len(text)), st.integers(0, len(text)), st.characters())
    def check(cut: int, at: int, char: str) -> None:
        damaged = text[:cut] if cut < at else text[:at] + char + text[at + 1 :]
        path = folder / f"{bundle}.yaml"
        path.write_text(damaged, encoding="utf-8", errors="surrogatepass")
        _check(path)

    check()
