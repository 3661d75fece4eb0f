"""Every reason the core gives about a scenario, an arrival trace or an experiment spec is
a message of one catalogue (``scenarios.reasons``) in English and Chinese: the CLI prints
the English it always printed, a 中文 page says the Chinese, with the fields by their
labels and the file's own names, never a code name."""

from __future__ import annotations

import pickle
import re
import string
import typing
from pathlib import Path

import pydantic
import pytest
from hypothesis import HealthCheck, given, settings

from onething.experiments.spec_file import load_spec
from onething.experiments.studies import KINDS
from onething.experiments.studies.words import FINDINGS, Finding
from onething.scenarios.errors import FileError, Problem, Reason
from onething.scenarios.loader import load_scenario
from onething.scenarios.model import Scenario
from onething.scenarios.reasons import FIELDS, REASONS, UNITS, WHERE, field_path, say
from tests.scenarios.fuzzing import scenario_texts, spec_texts, write
from tests.scenarios.test_validation import MISTAKES, Mistake, build

ENGLISH_SENTENCE = re.compile(r"[A-Za-z]+(?:[ ,;:'’()-]+[A-Za-z]+){2,}")
"""Three English words in a row."""
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
CJK = re.compile(r"[\u4e00-\u9fff]")
QUOTED = re.compile(r"「[^」]*」")
TYPED = {"arrival_minutes"}
"""Names the user must type as they are (a trace's column), so a page names them."""


def sample_fields(*templates: str) -> dict[str, object]:
    """A value for each field the templates name (a number where one is formatted as
    such, a field name where one is written by its label)."""
    fields: dict[str, object] = {}
    for template in templates:
        for _, name, spec, conversion in string.Formatter().parse(template):
            if name is None:
                continue
            if conversion == "u":
                fields[name] = "working_days"
            elif conversion == "w":
                fields[name] = "time"
            elif conversion == "i":
                fields[name] = "newborn"
            elif conversion in ("f", "p"):
                fields[name] = "per_working_day"
            else:
                fields.setdefault(name, 2.5 if spec else "x")
    return fields


@pytest.mark.parametrize(
    ("message", "key"),
    [(Reason, key) for key in sorted(REASONS)] + [(Finding, key) for key in sorted(FINDINGS)],
)
def test_each_message_renders_in_both_languages_with_its_fields(message, key: str) -> None:
    """The core's reasons, and what a study's table says (``experiments.studies.words``)."""
    english, chinese = message.catalogue[key]
    fields = sample_fields(english, chinese)
    said = {lang: say(message.catalogue, key, lang, fields) for lang in ("en", "zh")}
    assert said["en"] and "{" not in said["en"], said
    assert CJK.search(said["zh"]), said  # it is Chinese...
    assert not ENGLISH_SENTENCE.search(said["zh"]), said  # ...with no English sentence
    assert set(IDENTIFIER.findall(said["zh"])) <= TYPED, said
    assert str(message(key, **fields)) == said["en"]
    assert message(key, **fields).in_language("zh") == said["zh"]


def test_every_field_unit_and_place_has_a_chinese_label() -> None:
    for catalogue in (FIELDS, UNITS, WHERE):
        for key, (english, chinese) in catalogue.items():
            assert english and CJK.search(chinese) or chinese == "YAML", key


def model_fields(model: type[pydantic.BaseModel], seen: set) -> set[str]:
    """Every field name of ``model`` and of the models inside it."""
    if model in seen:
        return set()
    seen.add(model)
    names = set(model.model_fields)

    def inner(annotation: object) -> None:
        if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
            names.update(model_fields(annotation, seen))
        for argument in typing.get_args(annotation):
            inner(argument)

    for info in model.model_fields.values():
        inner(info.annotation)
    return names


def test_every_field_of_a_scenario_and_of_each_spec_kind_has_a_label() -> None:
    seen: set = set()
    names = model_fields(Scenario, seen)
    for kind in KINDS.values():
        names |= model_fields(kind.model, seen)
    assert sorted(names - set(FIELDS)) == []


def test_a_field_path_reads_in_chinese_with_the_file_s_own_names() -> None:
    names = {"items": {"birth_certificate": "出生医学证明"}, "departments": {"hrss": "人社局"}}
    path = "items.birth_certificate.materials.0"
    assert field_path(path, "en", names) == path
    assert field_path(path, "zh", names) == "事项 › 出生医学证明 › 材料 › 第 1 项"
    assert field_path("variants.1.overrides.windows.hrss", "zh", names) == (
        "方案 › 第 2 项 › 参数调整 › 窗口数 › 人社局"
    )
    assert field_path("line 3.arrival", "zh") == "第 3 行 › 到达时间"
    assert field_path("(top)", "zh") == "整个文件"


def said_problems(load, path: Path) -> list[Problem]:
    try:
        load(path)
    except FileError as exc:
        return exc.problems
    return []


def assert_keyed(problems: list[Problem]) -> None:
    """Each problem carries a reason of the catalogue, and a specific one: none fell
    through to the fallback for pydantic errors, none is a plain ValueError's text."""
    for problem in problems:
        assert problem.said is not None, problem
        assert problem.said.key in REASONS, problem
        assert problem.said.key != "pydantic.other", problem
        chinese = QUOTED.sub("", problem.in_language("zh"))  # a value as the file has it
        assert not ENGLISH_SENTENCE.search(chinese), (problem, chinese)


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_of_the_validation_corpus_has_a_keyed_reason(
    mistake: Mistake, tmp_path: Path
) -> None:
    problems = said_problems(load_scenario, build(mistake, tmp_path))
    assert problems
    assert_keyed(problems)


SUITE = settings(deadline=None, database=None, suppress_health_check=list(HealthCheck))


def test_mutated_catalog_files_and_specs_say_every_reason_from_the_catalogue(tmp_path):
    @settings(SUITE, max_examples=40)
    @given(scenario_texts())
    def scenarios(text: str) -> None:
        assert_keyed(said_problems(load_scenario, write(tmp_path / "scenario.yaml", text)))

    @settings(SUITE, max_examples=40)
    @given(spec_texts())
    def specs(text: str) -> None:
        assert_keyed(said_problems(load_spec, write(tmp_path / "spec.yaml", text)))

    scenarios()
    specs()


def test_the_english_of_a_reason_is_the_cli_s_line(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    variants = "variants: [{name: a, levers: null}]"
    spec.write_text(f"name: x\nkind: variants\nbundle: nosuch\n{variants}\n", encoding="utf-8")
    with pytest.raises(FileError) as caught:
        load_spec(spec)
    assert str(caught.value).startswith(f"{spec}: bundle: unknown bundle 'nosuch' (known: ")
    assert caught.value.problems[0].in_language("zh") == "未知的事项「nosuch」"


def test_a_message_crosses_a_process_boundary_whole() -> None:
    """A study's table and a worker's reasons are pickled back to the workbench."""
    for message in (Reason("unknown_item", item="x"), Finding("word.before")):
        back = pickle.loads(pickle.dumps(message))
        assert (type(back), back.key, back.fields) == (type(message), message.key, message.fields)
        assert back.in_language("zh") == message.in_language("zh")
