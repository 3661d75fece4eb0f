"""docs/catalog.md is the planner's index of the catalog: it must not drift from the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from onething.scenarios.loader import catalog_names, load_scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "catalog.md"


def _rows() -> dict[str, str]:
    rows = {}
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            name = line.split("`")[1]
            rows[name] = line
    return rows


def test_the_doc_has_one_line_per_catalog_bundle():
    assert sorted(_rows()) == catalog_names()


@pytest.mark.parametrize("name", catalog_names())
def test_each_line_names_the_sources_its_bundle_cites(name):
    line = _rows()[name]
    cited = {figure.source for figure in load_scenario(name).published}
    for source in cited:
        assert f"`{source}`" in line, (name, source)
    if not cited:
        assert "none" in line.split("|")[3], name  # says so instead of leaving it blank
