"""The README's code blocks, run: a Python example or an ``onething`` command that stops
working fails here, so the README cannot rot.  Each block runs in a temporary folder on the
embedded defaults; what is not run says why, and even then an ``onething`` command is
parsed by the real command line and the files it names must exist."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from onething.cli import build_parser, main
from onething.scenarios.model import CalendarSpec

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"

SETUP = ("python3.11 -m venv", ". .venv/bin/activate", "pip install", "apt-get ", "pytest")
"""Commands that set up a machine or run this very suite: the suite does not run them."""

NOT_RUN = {
    "onething experiment run": "a whole study (20-30 s each on two cores); every study kind "
    "runs at a small size in tests/experiments",
    "onething live": "a live run on Kafka for minutes; tests/onething/test_live.py runs small ones",
    "onething ui": "serves until Ctrl-C; tests/workbench starts the app",
}
"""``onething`` commands only parsed, each with the reason."""

PYTHON_NOT_RUN = {
    "from confluent_kafka import": "needs a running Kafka: tests/onething/test_live.py"
    "::test_an_application_filed_with_librdkafka_completes takes the same steps against one",
}
"""Python blocks not run (found by a line they contain), each with the reason."""


@dataclass(frozen=True)
class Block:
    language: str
    line: int
    """Where the block's first line of code is in the README."""
    text: str


def readme_blocks() -> list[Block]:
    fence = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
    text = README.read_text(encoding="utf-8")
    return [
        Block(m.group(1), text.count("\n", 0, m.start()) + 2, m.group(2))
        for m in fence.finditer(text)
    ]


BLOCKS = readme_blocks()


def _id(block: Block) -> str:
    return f"README.md:{block.line}:{block.language}"


def commands(block: Block) -> list[str]:
    """A shell block's commands: one a line, ``&&`` chains split, comments dropped."""
    found = []
    for line in block.text.splitlines():
        line = re.sub(r"\s+#.*$", "", line).strip()
        found += [part.strip() for part in line.split("&&") if part.strip()]
    return found


def _reason(command: str) -> str | None:
    return next((why for start, why in NOT_RUN.items() if command.startswith(start)), None)


def _parsed(command: str) -> list[str]:
    """The ``onething`` command's arguments, refused here if the CLI would refuse them."""
    argv = shlex.split(command)[1:]
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse's usage error, or --version's exit 0
        if exc.code:
            pytest.fail(f"the CLI refuses the README's `{command}`")
    for arg in argv:
        if arg.endswith((".yaml", ".yml")):
            assert (ROOT / arg).is_file(), f"`{command}` names a file the repository lacks"
    return argv


def test_the_readme_has_a_block_of_each_kind_the_suite_reads():
    assert {b.language for b in BLOCKS} == {"sh", "python", "yaml"}


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.language == "python"], ids=_id)
def test_python_block_runs(block, tmp_path, monkeypatch):
    skipped = [why for marker, why in PYTHON_NOT_RUN.items() if marker in block.text]
    if skipped:
        pytest.skip(skipped[0])
    monkeypatch.chdir(tmp_path)
    code = compile(block.text, f"README.md:{block.line}", "exec")
    exec(code, {"__name__": "readme"})


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.language == "sh"], ids=_id)
def test_shell_block_runs(block, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    ran = []
    for command in commands(block):
        if re.sub(r"^(\w+=\S+ )+", "", command).startswith(SETUP):  # VAR=value apt-get
            continue
        assert command.startswith("onething "), f"an unknown kind of command: `{command}`"
        argv = _parsed(command)
        if _reason(command) is None:
            assert main(argv) == 0, capsys.readouterr().err
            ran.append(command)
    if not ran:
        reasons = {_reason(c) or "sets up a machine or runs this suite" for c in commands(block)}
        pytest.skip("; ".join(sorted(reasons)))


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.language == "yaml"], ids=_id)
def test_yaml_block_is_a_valid_scenario_section(block):
    (section, value), *rest = yaml.safe_load(block.text).items()
    assert not rest and section == "calendar"
    CalendarSpec.model_validate(value)


def test_every_reason_not_to_run_is_still_used():
    """A reason whose block is gone from the README goes too."""
    shell = [c for b in BLOCKS if b.language == "sh" for c in commands(b)]
    for start in NOT_RUN:
        assert any(c.startswith(start) for c in shell), start
    for marker in PYTHON_NOT_RUN:
        assert any(marker in b.text for b in BLOCKS if b.language == "python"), marker
