"""A 中文 page that refuses a scenario or a spec says why in Chinese, with the right HTTP
status: the core's own reasons (``scenarios.reasons``) under the fields' labels and the
file's own names, no code name and no English sentence.  In-process (Starlette's
TestClient); the rendered editor is checked in ``test_chinese.py``'s browser crawl."""

from __future__ import annotations

import re

import yaml

from onething.scenarios.loader import CATALOG
from tests.workbench.test_chinese import ENGLISH_SENTENCE, IDENTIFIER

NEWBORN = (CATALOG / "newborn.yaml").read_text(encoding="utf-8")
QUOTED = re.compile(r"「[^」]*」")
"""A value as the user typed it, shown as typed."""
CJK = re.compile(r"[\u4e00-\u9fff]")


def assert_chinese(text: str) -> None:
    assert CJK.search(text), text
    bare = QUOTED.sub("", text)
    assert not IDENTIFIER.search(bare), text
    assert not ENGLISH_SENTENCE.search(bare), text


def test_the_editor_says_a_bad_value_under_its_field_in_chinese(app):
    text = NEWBORN.replace("rework: 0.", "rework: 9.", 1)
    body = app.post(
        "/api/scenario/validate?lang=zh",
        {"name": "mine", "yaml": text, "fields": {"departments.hospital.windows": "0"}},
    ).json()
    by_path = {p["path"]: p for p in body["problems"]}
    assert by_path["departments.hospital.windows"]["reason"] == "须大于 0"
    assert by_path["departments.hospital.windows"]["line"] == "部门 › 医院 › 窗口数：须大于 0"
    assert by_path["items.birth_certificate.rework"]["reason"] == "须不大于 0.95"
    for problem in body["problems"]:
        assert_chinese(problem["line"])
    english = app.post(
        "/api/scenario/validate", {"name": "mine", "yaml": text, "fields": {}}
    ).json()
    assert english["problems"][0]["line"] == (
        "mine.yaml: items.birth_certificate.rework: Input should be less than or equal to 0.95"
    )


def test_the_editor_says_cross_checks_and_a_bad_name_in_chinese(app):
    data = yaml.safe_load(NEWBORN)
    data["items"]["birth_certificate"]["requires"] = ["household_registration"]
    data["items"]["birth_certificate"]["materials"].append("no_such_paper")
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    body = app.post("/api/scenario/validate?lang=zh", {"name": "../Mine", "yaml": text}).json()
    lines = [p["line"] for p in body["problems"]]
    assert lines[0].startswith("名称："), lines
    assert any(
        line.startswith("事项 › 出生医学证明 › 前置事项：前置事项循环依赖") for line in lines
    )
    assert any("未知的材料「no_such_paper」" in line for line in lines), lines
    for line in lines:
        assert_chinese(line)


def test_saving_a_bundle_that_does_not_load_is_a_400_in_chinese(app):
    text = NEWBORN.replace("rework: 0.", "rework: 9.", 1)
    response = app.post("/api/scenario/save?lang=zh", {"name": "mine", "yaml": text})
    assert response.status_code == 400
    assert response.json()["error"].startswith("场景有误，未保存：")
    assert_chinese(response.json()["error"])
    catalog = app.post("/api/scenario/save?lang=zh", {"name": "newborn", "yaml": NEWBORN})
    assert catalog.status_code == 400
    assert_chinese(catalog.json()["error"])


def test_a_bad_uploaded_spec_is_a_422_in_chinese(app):
    spec = {
        "name": "bad",
        "kind": "staffing",
        "bundle": "newborn",
        "replications": 0,
        "places": ["hospital", "hospital"],
        "arrivals_per_day": 100,
    }
    response = app.post("/api/study?lang=zh", {"upload": yaml.safe_dump(spec)})
    assert response.status_code == 422
    said = response.json()["problems"]["spec"]
    assert said.startswith("研究规格有误：\n"), said
    assert "重复次数：须大于 0" in said
    assert_chinese(said)
    spec["replications"] = 2
    response = app.post("/api/study?lang=zh", {"upload": yaml.safe_dump(spec)})
    assert response.status_code == 422
    assert "办理地点：同一办理地点列了两次" in response.json()["problems"]["spec"]
    spec["bundle"] = "nosuch"
    response = app.post("/api/study?lang=zh", {"upload": yaml.safe_dump(spec)})
    assert "事项：未知的事项「nosuch」" in response.json()["problems"]["spec"]


def test_a_what_if_warm_up_past_the_horizon_is_a_422_in_chinese(app):
    response = app.post(
        "/api/whatif?lang=zh", {"bundle": "newborn", "horizon_days": 10, "warmup_days": 20}
    )
    assert response.status_code == 422, response.text
    assert response.json()["problems"] == {"warmup_days": "须短于模拟天数（10 天）"}


def test_a_broken_saved_bundle_is_listed_in_chinese_on_the_catalog(app):
    folder = app.home / "scenarios"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "broken.yaml").write_text(
        NEWBORN.replace("name: newborn", "name: broken").replace("rework: 0.", "rework: 9.", 1),
        encoding="utf-8",
    )
    page = app.client.get("/?lang=zh")
    assert page.status_code == 200
    assert "事项 › 出生医学证明 › 补正概率：须不大于 0.95" in page.text
    assert "Input should be" not in page.text


def test_the_workbench_s_own_refusals_are_in_chinese_with_their_status(app):
    not_json = app.client.post("/api/scenario/validate?lang=zh", content=b"{", headers=app.own)
    assert not_json.status_code == 400
    assert not_json.json()["error"] == "请求不是 JSON"
    missing = app.client.get("/walk/nosuch?lang=zh")
    assert missing.status_code == 404
    assert "没有名为「nosuch」的事项" in missing.text
