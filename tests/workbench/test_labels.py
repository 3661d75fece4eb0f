"""The pages' one catalogue of words: every lever, delivery mode and walk activity named in
both languages, a walk step told with the scenario's names, refusals in the page's
language with their HTTP status."""

from __future__ import annotations

import typing

from onething.scenarios.levers import LEVERS
from onething.scenarios.model import Delivery, StepKind
from onething.workbench.labels import WORDS, activity, detail, duration, node_lines

ITEMS = {
    "birth_certificate": "Birth medical certificate 出生医学证明",
    "household_registration": "Household registration 户口登记",
}


def test_every_lever_delivery_mode_and_step_has_words_in_both_languages():
    keys = [f"lever.{k}" for k in LEVERS]
    keys += [f"delivery.{d}" for d in typing.get_args(Delivery)]
    keys += [f"step.{s}" for s in typing.get_args(StepKind)]
    missing = [k for k in keys if k not in WORDS]
    assert missing == []
    assert all(all(pair) for pair in WORDS.values())


def test_a_walk_step_is_told_with_the_scenario_s_names_each_material_once():
    text = (
        "files birth_certificate, household_registration; materials: Parents' ID cards "
        "父母身份证; Parents' ID cards 父母身份证; Marriage certificate 结婚证 | "
        "results: birth_certificate | steps: apply, decide"
    )
    assert detail(text, ITEMS, "zh") == (
        "递交：出生医学证明、户口登记；材料：父母身份证、结婚证；领取结果：出生医学证明；环节：申请、决定"
    )
    assert detail(text, ITEMS, "en") == (
        "files: Birth medical certificate, Household registration; materials: Parents' ID "
        "cards, Marriage certificate; results: Birth medical certificate; steps: apply, decide"
    )
    assert detail("files birth_certificate; materials: none", ITEMS, "zh") == (
        "递交：出生医学证明；材料：无"
    )
    assert activity("decide birth_certificate", ITEMS, "zh") == "审批 出生医学证明"
    assert activity("queue", ITEMS, "zh") == "排队"
    assert activity("sent back (补正): gather missing materials", ITEMS, "zh") == "补正：补齐材料"


def test_a_step_s_length_reads_in_minutes_hours_or_calendar_days():
    assert duration(23.4, "en") == "23 min"
    assert duration(330, "zh") == "5.5 小时"
    assert duration(30100, "en") == "20.9 calendar days"


def test_a_map_node_wraps_a_long_name_on_two_lines_rather_than_cutting_it():
    assert node_lines("Birth medical certificate 出生医学证明", "en") == [
        "Birth medical",
        "certificate",
    ]
    assert node_lines("Birth medical certificate 出生医学证明", "zh") == ["出生医学证明"]


def test_a_refusal_is_in_the_page_s_language_with_its_status(app):
    page = app.client.get("/walk/nosuch", params={"lang": "zh"})
    assert page.status_code == 404 and "没有名为「nosuch」的事项" in page.text
    page = app.client.get("/map/nosuch")
    assert page.status_code == 404 and "no bundle named &#39;nosuch&#39;" in page.text
    page = app.client.get("/map/newborn", params={"lang": "zh", "levers": "nosuch"})
    assert page.status_code == 400 and "未知的改革举措「nosuch」" in page.text
    page = app.client.get("/runs/12345", params={"lang": "zh"})
    assert page.status_code == 404 and "没有这条运行记录" in page.text


def test_the_bundled_font_is_served_from_the_app_s_own_origin(app):
    font = app.client.get("/static/fonts/NotoSansSC-Regular.otf")
    assert font.status_code == 200 and font.headers["content-type"] == "font/otf"
    assert font.content[:4] == b"OTTO"  # OpenType with CFF outlines
    css = app.client.get("/static/app.css").text
    assert 'url("/static/fonts/NotoSansSC-Regular.otf")' in css
