"""BPMN out and in: every catalog process exports as structurally valid BPMN 2.0 with
Prosimos parameters and comes back with its journey (trips, items) intact; a diagram
written by another tool imports, and what has no counterpart is listed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from onething.cli import main
from onething.scenarios import bpmn, prosimos
from onething.scenarios.counts import steps, trips
from onething.scenarios.levers import Process
from onething.scenarios.loader import catalog_names, load_scenario
from onething.scenarios.model import Scenario

FIXTURE = Path(__file__).parent / "fixtures" / "shop_permit.bpmn"


@pytest.mark.parametrize("mode", ["before", "after"])
@pytest.mark.parametrize("bundle", catalog_names())
def test_export_is_valid_bpmn_and_import_keeps_the_journey(tmp_path, bundle, mode):
    process = Process.of(load_scenario(bundle), mode)
    exported = bpmn.export(process)
    assert bpmn.structural_problems(exported.xml) == []
    params, _ = prosimos.parameters(process, exported.graph)
    model = tmp_path / "model.bpmn"
    model.write_text(exported.xml, encoding="utf-8")
    imported = bpmn.import_bpmn(model, json.loads(json.dumps(params)))
    again = Process.of(Scenario.model_validate(imported.scenario), "after")
    assert trips(again) == trips(process)
    assert steps(again) == steps(process)  # parallel approval read from the named levers
    # each decision names the item's steps, which no BPMN construct shows
    assert {k: again.item(k).steps for k in again.order} == {
        k: process.item(k).steps for k in process.order
    }
    # the same items, in an order the original dependencies allow (items that do not
    # depend on each other may swap: the file's order breaks such ties)
    assert sorted(again.order) == sorted(process.order)
    position = {key: n for n, key in enumerate(again.order)}
    for key in process.order:
        assert all(position[d] < position[key] for d in process.item(key).requires), key
    assert imported.unmapped == []


BUNDLES_WITH_DEPENDENCIES = [
    name
    for name in catalog_names()
    if any(item.requires for item in load_scenario(name).items.values())
]


@pytest.mark.parametrize("mode", ["before", "after"])
@pytest.mark.parametrize("bundle", BUNDLES_WITH_DEPENDENCIES)
def test_export_then_import_keeps_every_items_dependencies(tmp_path, bundle, mode):
    original = load_scenario(bundle)
    model = tmp_path / "model.bpmn"
    model.write_text(bpmn.export(Process.of(original, mode)).xml, encoding="utf-8")
    imported = Scenario.model_validate(bpmn.import_bpmn(model).scenario)
    assert {k: set(i.requires) for k, i in imported.items.items()} == {
        k: set(i.requires) for k, i in original.items.items()
    }


def test_parallel_approval_is_a_parallel_gateway_and_rework_an_exclusive_loop():
    process = Process.of(load_scenario("newborn"), "after")
    graph = bpmn.export(process).graph
    kinds = [n.kind for n in graph.nodes]
    assert "parallelGateway" in kinds
    splits = [g for g in graph.probabilities.values() if len(g) == 2]
    assert splits and all(abs(sum(p.values()) - 1) < 1e-9 for p in splits)
    lanes = {n.lane for n in graph.nodes}
    assert {"applicant", "single_window", "hospital"} <= lanes


def test_the_structural_check_catches_a_dangling_flow():
    xml = bpmn.export(Process.of(load_scenario("newborn"), "before")).xml
    broken = re.sub(r'targetRef="[^"]+"', 'targetRef="nowhere"', xml, count=1)
    assert any("unknown nodes" in p for p in bpmn.structural_problems(broken))


def test_a_hand_written_diagram_imports_and_lists_what_does_not_map(tmp_path, capsys):
    out = tmp_path / "shop.yaml"
    assert main(["import-bpmn", str(FIXTURE), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "intermediateCatchEvent 'Timer_wait'" in printed
    assert "Ask for corrections" in printed  # the rework loop's task, read as rework
    s = load_scenario(out)
    assert set(s.items) == {
        "accept_application", "check_business_licence", "fire_safety_inspection", "issue_permit"
    }  # fmt: skip
    assert s.items["fire_safety_inspection"].department == "fire_rescue"
    assert set(s.items["issue_permit"].requires) == {
        "fire_safety_inspection", "check_business_licence"
    }  # fmt: skip
    assert s.items["accept_application"].rework == 0.1
    assert "parallel_approval" in s.after
    assert "items.accept_application.rework" in s.placeholders
    assert "items.issue_permit.steps" in s.placeholders  # so the steps count is unknown


def test_export_cli_writes_both_files(tmp_path, capsys):
    assert main(["export", "restaurant", "--mode", "before", "--bpmn", str(tmp_path)]) == 0
    assert (tmp_path / "restaurant-before.bpmn").is_file()
    params = json.loads((tmp_path / "restaurant-before.prosimos.json").read_text())
    assert {"resource_profiles", "task_resource_distribution", "resource_calendars"} <= set(params)
    assert "not mapped exactly" in capsys.readouterr().out


def test_a_file_that_is_not_bpmn_is_one_clear_line(tmp_path, capsys):
    bad = tmp_path / "x.bpmn"
    bad.write_text("<notbpmn/>", encoding="utf-8")
    assert main(["import-bpmn", str(bad), "--out", str(tmp_path / "s.yaml")]) == 2
    assert "no BPMN 2.0 <process>" in capsys.readouterr().err
