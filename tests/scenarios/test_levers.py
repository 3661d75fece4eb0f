"""Levers are plug-ins: one module each says what it changes, and everything that names,
checks or applies levers asks the registry.  (What each lever does to the four counts is
in ``test_counts.py``; here, what else each module changes.)"""

from __future__ import annotations

import pkgutil
from importlib import import_module

import pytest

from onething.experiments.present import lever as lever_label
from onething.experiments.studies.kind import lever_checks
from onething.scenarios import levers as package
from onething.scenarios.counts import counts
from onething.scenarios.errors import FileError
from onething.scenarios.levers import (
    LEVERS,
    MERGED_FORM,
    REGISTERED,
    SINGLE_WINDOW,
    Lever,
    Process,
    parse_levers,
)
from onething.scenarios.loader import with_changes
from onething.workbench.view_model import lever_names


def _alone(scenario, lever: str) -> Process:
    return Process.of(scenario, levers=[lever])


def test_each_lever_module_registers_one_lever_under_its_own_name():
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)} - {"lever"}
    assert set(REGISTERED) == modules
    for name in modules:
        assert import_module(f"{package.__name__}.{name}").LEVER is REGISTERED[name]
    assert dict(LEVERS) == {n: lever.description for n, lever in REGISTERED.items()}
    assert all(lever.label for lever in REGISTERED.values())


# --- a lever added in a test reaches every reader ------------------------------------


def _no_forms(groups: list[str]) -> list[str]:
    return []


PREFILLED = Lever(
    name="prefilled",
    description="forms come filled in from the databases; filing online",
    label="prefilled forms",
    online=True,
    field_groups=_no_forms,
)


@pytest.fixture
def prefilled(monkeypatch):
    monkeypatch.setitem(REGISTERED, PREFILLED.name, PREFILLED)
    return PREFILLED.name


def test_a_registered_lever_needs_no_edit_anywhere_else(prefilled, restaurant):
    assert parse_levers("prefilled,one_form") == {"prefilled", "one_form"}
    assert LEVERS[prefilled] == PREFILLED.description
    assert prefilled in lever_names()  # the workbench's lever switches
    assert lever_label(prefilled) == "prefilled forms"  # a report's sentences
    assert list(lever_checks("levers", [prefilled])) == []  # experiment specs
    process = Process.of(restaurant, levers=[prefilled])
    assert process.online and not process.integrated
    own = sum(i.form.own_fields for i in restaurant.items.values())
    before = counts(Process.of(restaurant, "before"))
    after = counts(process)
    assert after["form_fields"] == own < before["form_fields"]
    assert after["trips"] < before["trips"]  # filed online
    changed = with_changes(restaurant, {"after": ["prefilled"]})  # a scenario's after
    assert Process.of(changed).levers == {"prefilled"}


def test_a_lever_no_module_registers_is_refused_with_the_known_ones(restaurant):
    with pytest.raises(ValueError, match=r"unknown lever 'prefilled' \(known: single_window"):
        parse_levers("prefilled")
    with pytest.raises(FileError, match=r"after\.0: unknown lever 'prefilled'"):
        with_changes(restaurant, {"after": ["prefilled"]})


# --- what each lever module changes besides the counts -------------------------------


def test_single_window_queues_everyone_at_it_and_returns_results_there(newborn):
    process = _alone(newborn, "single_window")
    assert process.integrated and process.places == (SINGLE_WINDOW,)
    assert process.windows(SINGLE_WINDOW) == newborn.levers.single_window.windows
    before = Process.of(newborn, "before")
    on_the_spot = [k for k in before.order if before.delivery(k) == "on_the_spot"]
    assert on_the_spot and all(process.delivery(k) == "pickup" for k in on_the_spot)


def test_one_form_hands_the_merged_form_once_a_case(restaurant):
    process = _alone(restaurant, "one_form")
    order = process.order
    first = process.handover(order[:1])
    assert MERGED_FORM in first
    later = process.handover(order[1:], first)
    assert MERGED_FORM not in later
    kinds = {k: m.kind for k, m in restaurant.materials.items()}
    assert "form" not in {kinds.get(m) for m in first + later}


def test_data_sharing_fetches_materials_speeds_checks_and_moves_no_paper(newborn):
    process = _alone(newborn, "data_sharing")
    assert process.shares_data
    assert not Process.of(newborn, levers=["single_window"]).shares_data
    key = next(k for k, i in newborn.items.items() if i.processing_with_data_sharing)
    assert process.processing(key) == newborn.items[key].processing_with_data_sharing
    fetched = [m for k in process.order for m in process.fetched(k)]
    assert fetched and all(m not in process.handed(k) for k in process.order for m in fetched)
    assert all(process.rework(k) <= newborn.items[k].rework for k in process.order)


def test_parallel_approval_and_online_intake_switch_their_journey_on(newborn):
    assert _alone(newborn, "parallel_approval").parallel
    assert _alone(newborn, "online_intake").online
    before = Process.of(newborn, "before")
    assert not (before.parallel or before.online or before.integrated or before.shares_data)


def test_e_certificate_makes_results_electronic_and_mails_physical_ones(newborn):
    process = _alone(newborn, "e_certificate")
    for key, item in newborn.items.items():
        if item.result.physical:
            assert process.delivery(key) in ("mail", "on_the_spot")
        else:
            assert process.delivery(key) == "electronic"


def test_notify_commit_decides_on_commitment_even_with_data_sharing(restaurant):
    key = next(k for k, i in restaurant.items.items() if i.commitment)
    committed = restaurant.items[key].commitment.processing
    assert _alone(restaurant, "notify_commit").processing(key) == committed
    both = Process.of(restaurant, levers=["data_sharing", "notify_commit"])
    assert both.processing(key) == committed
    assert "review" not in both.item_steps(key)


def test_staffing_sets_windows_where_the_scenario_says_and_nowhere_else(restaurant):
    staffing = restaurant.levers.staffing
    process = Process.of(restaurant, levers=["single_window", "staffing"])
    assert process.windows(SINGLE_WINDOW) == staffing[SINGLE_WINDOW]
    alone = _alone(restaurant, "staffing")
    for dept, d in restaurant.departments.items():
        assert alone.windows(dept) == staffing.get(dept, d.windows)
