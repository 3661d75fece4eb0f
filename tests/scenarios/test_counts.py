"""The four counts follow from the process and the levers, never from typed-in results."""

from __future__ import annotations

import pytest

from onething.scenarios.counts import counts, form_factor, promise_working_days
from onething.scenarios.journey import journey
from onething.scenarios.levers import Process, UnknownLever, parse_levers


def test_newborn_reproduces_qinghai_counts(newborn):
    assert (
        counts(Process.of(newborn, "before"))["steps"] == 16
        and counts(Process.of(newborn, "before"))["materials"] == 9
    )
    assert counts(Process.of(newborn, "before"))["trips"] == 4
    assert {
        k: counts(Process.of(newborn, "after"))[k] for k in ("steps", "materials", "trips")
    } == {
        "steps": 3,
        "materials": 2,
        "trips": 1,
    }


def test_restaurant_reproduces_sichuan_counts(restaurant):
    before, after = (
        counts(Process.of(restaurant, "before")),
        counts(Process.of(restaurant, "after")),
    )
    assert (before["steps"], before["materials"], before["form_fields"], before["trips"]) == (
        17,
        35,
        100,
        6,
    )
    assert (after["steps"], after["materials"], after["form_fields"], after["trips"]) == (
        2,
        17,
        58,
        1,
    )


def _alone(scenario, lever: str) -> dict[str, int]:
    return counts(Process.of(scenario, levers=[lever]))


def test_data_sharing_alone_removes_shared_and_produced_materials_only(newborn):
    before = counts(Process.of(newborn, "before"))
    shared = _alone(newborn, "data_sharing")
    # left: the bank card and the child's photo, handed at their own items
    assert shared["materials"] == 2
    assert (shared["steps"], shared["trips"], shared["form_fields"]) == (
        before["steps"],
        before["trips"],
        before["form_fields"],
    )


def test_one_form_alone_asks_each_field_group_once(restaurant):
    assert _alone(restaurant, "one_form")["form_fields"] == 58
    # and the five application forms become one merged form
    assert _alone(restaurant, "one_form")["materials"] == 35 - 5 + 1


def test_single_window_alone_takes_each_material_once_and_one_intake(restaurant):
    alone = _alone(restaurant, "single_window")
    assert alone["trips"] == 2  # file once, collect the paper results together once
    # one apply instead of five; three delivery steps become one
    assert alone["steps"] == 17 - 4 - 2


def test_e_certificate_alone_removes_pickup_trips(newborn):
    # before: police filing, police pickup, medical insurance, social security
    assert _alone(newborn, "e_certificate")["trips"] == 3


def test_parallel_approval_alone_merges_approval_steps(newborn):
    # 16 steps, of which 1 review and 6 decide become one joint approval
    assert _alone(newborn, "parallel_approval")["steps"] == 16 - 7 + 1


def test_notify_commit_drops_review_before_the_licence(restaurant):
    # the food permit's review and inspection move after the licence
    assert _alone(restaurant, "notify_commit")["steps"] == 17 - 2


def test_online_intake_alone_leaves_only_pickup_trips(restaurant):
    # the food permit and the health certificates are still collected in person
    assert _alone(restaurant, "online_intake")["trips"] == 2


def test_adding_a_material_to_an_item_adds_one_before(newborn):
    items = dict(newborn.items)
    photo = items["social_security_card"]
    items["social_security_card"] = photo.model_copy(
        update={"materials": ["child_photo", "bank_card"]}
    )
    changed = newborn.model_copy(update={"items": items})
    assert counts(Process.of(changed, "before"))["materials"] == 10
    assert counts(Process.of(changed, "after"))["materials"] == 2  # bank card: once at the window


def test_one_form_shortens_the_desk_in_proportion_to_fields(restaurant):
    assert form_factor(Process.of(restaurant, "before")) == 1.0
    assert form_factor(Process.of(restaurant, levers=["one_form"])) == pytest.approx(0.58)


def test_promise_adds_up_in_sequence_and_follows_the_longest_chain_in_parallel(newborn):
    # 5 + 1 + 1 + 7 + 5 + 15 + 15 in sequence; 5 + 7 + 15 along the longest chain
    assert promise_working_days(Process.of(newborn, "before")) == 49
    assert promise_working_days(Process.of(newborn, levers=["parallel_approval"])) == 27


def test_siloed_journey_visits_departments_in_dependency_order(newborn):
    places = [v.place for v in journey(Process.of(newborn, "before"))]
    assert places == ["hospital", "public_security", "public_security", "medical_insurance", "hrss"]
    first = journey(Process.of(newborn, "before"))[0]
    assert not first.trip  # the family is already at the hospital


def test_unknown_levers_are_named():
    with pytest.raises(UnknownLever, match="'teleport'"):
        parse_levers("single_window,teleport")
    assert parse_levers(" data_sharing , ") == frozenset({"data_sharing"})
