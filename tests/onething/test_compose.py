"""`onething compose`: one image for every onething container, and a build context that
holds wherever the file is written."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from onething.cli import main
from onething.compose import IMAGE, SOURCES, build_context


def _compose(capsys, *argv: str) -> dict:
    assert main(["compose", "newborn", *argv]) == 0
    return yaml.safe_load(capsys.readouterr().out)


def _onething_services(doc: dict) -> dict:
    return {name: s for name, s in doc["services"].items() if name != "kafka"}


def test_every_onething_container_runs_the_one_image_built_once(capsys, monkeypatch):
    monkeypatch.chdir(SOURCES)
    services = _onething_services(_compose(capsys, "--replicas", "shared-data=2"))
    assert len(services) == 7  # four departments, the platform, the shared data, the harness
    assert {s["image"] for s in services.values()} == {IMAGE}
    assert {(s["build"]["context"], s["build"]["dockerfile"]) for s in services.values()} == {
        (".", "Dockerfile")
    }


def test_a_file_written_outside_the_sources_builds_from_them(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "elsewhere" / "compose.yml"
    out.parent.mkdir()
    assert main(["compose", "newborn", "--out", str(out)]) == 0
    services = _onething_services(yaml.safe_load(out.read_text(encoding="utf-8")))
    for service in services.values():
        context = Path(service["build"]["context"])
        assert context.is_absolute() and (context / service["build"]["dockerfile"]).is_file()


@pytest.mark.parametrize("inside", ["deploy", "deploy/live"])
def test_a_file_inside_the_sources_names_them_relative_to_itself(inside):
    context = build_context(SOURCES / inside)
    assert not Path(context).is_absolute()
    assert (SOURCES / inside / context / "Dockerfile").resolve() == SOURCES / "Dockerfile"
