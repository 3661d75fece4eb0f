"""BPMN out and in: every catalog process exports as structurally valid BPMN 2.0 with
Prosimos parameters and comes back with its journey (trips, items) intact; a diagram
written by another tool imports, and what has no counterpart is listed."""

from __future__ import annotations

import json
import math
import random
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from benchmarks.fuzz_logs import bpmn_models, run_once
from onething.cli import main
from onething.scenarios import bpmn, prosimos
from onething.scenarios.counts import steps, trips
from onething.scenarios.levers import Process
from onething.scenarios.loader import catalog_names, load_scenario
from onething.scenarios.model import Scenario
from tests.builders import choices_bundle

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


# --- hostile diagrams: a scenario that loads, or one line per problem with exit 2 --------

HEAD = '<?xml version="1.0"?><definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">'


def _chain(n: int, lanes: str = "") -> str:
    tasks = "".join(f'<task id="t{i}" name="step {i}"/>' for i in range(1, n + 1))
    ids = ["s", *(f"t{i}" for i in range(1, n + 1)), "e"]
    flows = "".join(
        f'<sequenceFlow id="f{i}" sourceRef="{a}" targetRef="{b}"/>'
        for i, (a, b) in enumerate(zip(ids, ids[1:], strict=False))
    )
    return (
        f'{HEAD}<process id="p">{lanes}<startEvent id="s"/>{tasks}<endEvent id="e"/>{flows}'
        "</process></definitions>"
    )


def _import(tmp_path: Path, xml: str, *options: str) -> int:
    model = tmp_path / "m.bpmn"
    model.write_text(xml, encoding="utf-8")
    return main(["import-bpmn", str(model), "--out", str(tmp_path / "s.yaml"), *options])


def test_a_chain_of_200_tasks_imports_and_one_of_2000_is_one_line(tmp_path, capsys):
    assert _import(tmp_path, _chain(200)) == 0
    s = load_scenario(tmp_path / "s.yaml")
    assert list(s.items["step_200"].requires) == ["step_199"]
    started = time.perf_counter()
    assert _import(tmp_path, _chain(2000)) == 2  # no RecursionError on the way
    assert time.perf_counter() - started < 5
    err = capsys.readouterr().err
    reason = "2000 tasks read as items; a scenario holds at most 200"
    assert err == f"{tmp_path / 'm.bpmn'}: process: {reason}\n"


@pytest.mark.parametrize(
    ("change", "where", "reason"),
    [
        (("targetRef=\"e\"", "targetRef=\"gone\""), "sequenceFlow 'f2'",
         "targetRef 'gone' is no flow node of the process"),
        (('<endEvent', '<task id="t1"/><endEvent'), "task 't1'", "id used twice"),
        (('<sequenceFlow id="f1"', '<sequenceFlow id="f0"'), "sequenceFlow 'f0'", "id used twice"),
        (('<sequenceFlow id="f1"', '<sequenceFlow id="t2"'), "sequenceFlow 't2'",
         "id of a flow node too"),
    ],
)  # fmt: skip
def test_a_flow_to_nowhere_or_an_id_used_twice_is_one_line(tmp_path, capsys, change, where, reason):
    assert _import(tmp_path, _chain(2).replace(*change)) == 2
    assert capsys.readouterr().err == f"{tmp_path / 'm.bpmn'}: {where}: {reason}\n"
    assert not (tmp_path / "s.yaml").exists()


def test_100000_nested_lanes_are_refused_at_once(tmp_path, capsys):
    n = 100_000
    lanes = (
        '<laneSet id="ls">'
        + "".join(f'<lane id="l{i}"><childLaneSet id="c{i}">' for i in range(n))
        + "</childLaneSet></lane>" * n
        + "</laneSet>"
    )
    started = time.perf_counter()
    assert _import(tmp_path, _chain(2, lanes)) == 2
    assert time.perf_counter() - started < 5
    assert "elements nested more than 128 deep: not BPMN" in capsys.readouterr().err


def test_sixty_levels_of_lanes_are_read_with_the_innermost_lane_winning(tmp_path):
    n = 60
    lanes = (
        '<laneSet id="ls">'
        + "".join(f'<lane id="l{i}" name="office {i}"><childLaneSet id="c{i}">' for i in range(n))
        + '<lane id="inner" name="inner office"><flowNodeRef>t1</flowNodeRef></lane>'
        + "</childLaneSet></lane>" * n
        + "</laneSet>"
    )
    assert _import(tmp_path, _chain(1, lanes)) == 0
    s = load_scenario(tmp_path / "s.yaml")
    assert s.departments[s.items["step_1"].department].name == "inner office"


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "(file): nested too deep"),
        (b"[1, 2]", "(top): expected an object of Prosimos parameters"),
        (b"{", "(file): not JSON: Expecting property name"),
        (
            b'{"task_resource_distribution": [{"task_id": "t1", "resources": 5}]}',
            "(file): not Prosimos parameters: TypeError",
        ),
        (
            b'{"gateway_branching_probabilities": [{"probabilities": [{"value": "x"}]}]}',
            "(file): not Prosimos parameters: ValueError",
        ),
    ],
)
def test_bad_params_are_one_line_naming_the_params_file(tmp_path, capsys, params, reason):
    (tmp_path / "p.json").write_bytes(params)
    assert _import(tmp_path, _chain(2), "--params", str(tmp_path / "p.json")) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{tmp_path / 'p.json'}: {reason}") and err.count("\n") == 1
    assert not (tmp_path / "s.yaml").exists()


def test_export_to_a_file_in_place_of_the_folder_is_one_line(tmp_path, capsys):
    (tmp_path / "taken").write_text("")
    assert main(["export", "restaurant", "--bpmn", str(tmp_path / "taken")]) == 2
    assert capsys.readouterr().err.startswith("onething: --bpmn ")


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(bpmn_models())
def test_any_diagram_and_params_give_a_scenario_or_one_line_per_problem(case):
    """Generated graphs (cycles, unknown references, duplicate ids, long chains, deep
    lanes, DTDs) with garbage Prosimos parameters; the long run is
    benchmarks/fuzz_logs.py."""
    assert run_once("import-bpmn", *case) in ("scenario", "refused")


@pytest.mark.parametrize("mode", ["before", "after"])
def test_optional_items_alternatives_and_repeats_go_out_as_gateways_and_come_back(tmp_path, mode):
    original = choices_bundle()
    process = Process.of(original, mode)
    exported = bpmn.export(process)
    assert bpmn.structural_problems(exported.xml) == []
    kinds = Counter(n.kind for n in exported.graph.nodes)
    assert kinds["inclusiveGateway"] >= 2  # a fork and its join
    roles = Counter(n.role for n in exported.graph.nodes if "Gateway" in n.kind)
    # four loops, merge and split: the fire check's in both options that hold it
    assert roles["alternative"] >= 1 and roles["repeat"] == 8
    assert any("fire_check: the deadline on its rounds" in note for note in exported.notes)
    assert any("signboard: its waiting period" in note for note in exported.notes)
    for gateway, chances in exported.graph.probabilities.items():
        node = next(n for n in exported.graph.nodes if n.id == gateway)
        if node.kind == "exclusiveGateway":
            assert sum(chances.values()) == pytest.approx(1.0)
    params, _ = prosimos.parameters(process, exported.graph)
    model = tmp_path / "model.bpmn"
    model.write_text(exported.xml, encoding="utf-8")
    for given_params in (None, json.loads(json.dumps(params))):
        imported = bpmn.import_bpmn(model, given_params)
        again = Scenario.model_validate(imported.scenario)
        assert {k: i.take_up for k, i in again.items.items()} == {
            k: i.take_up for k, i in original.items.items()
        }
        assert {k: i.repeat for k, i in again.items.items()} == {
            k: i.repeat for k, i in original.items.items()
        }
        assert again.alternatives == original.alternatives
        if given_params is not None:  # the back office's calendar: round the clock
            assert again.items["fire_check"].processing.unit == "calendar_days"
            assert again.items["signboard"].processing.unit != "calendar_days"


def test_a_wait_that_the_levels_of_parallel_approval_add_is_named():
    # the signboard needs the licence check only, but its level comes after the
    # health certificates' (which the food permit needs)
    notes = bpmn.export(Process.of(load_scenario("restaurant"), "after")).notes
    assert any("signboard also waits for health_certificates" in n for n in notes)
    assert not any("food_permit also waits" in n for n in notes)


def test_a_visits_rework_loop_returns_as_often_as_onething_re_files():
    # onething re-files only the items sent back, each drawn again: counted here by
    # drawing, against the geometric returns of the exported loop's one chance
    process = Process.of(load_scenario("restaurant"), "after")
    (window,) = [n for n in bpmn.export(process).graph.nodes if n.role == "window"]
    chances = [process.rework(key) for key in window.items]
    rng, returns, applicants = random.Random(1), 0, 40_000
    for _ in range(applicants):
        pending = chances
        while pending := [p for p in pending if rng.random() < p]:
            returns += 1
    loop = bpmn._rework_chance(process, tuple(window.items))
    assert loop / (1 - loop) == pytest.approx(returns / applicants, rel=0.03)
    assert loop < 1 - math.prod(1 - p for p in chances)  # fewer than re-filing it all
    # a diagram's loop comes back as the items' chances that give it
    same = bpmn._item_chance(loop, len(chances))
    assert bpmn._returns([same] * len(chances)) == pytest.approx(loop / (1 - loop))
