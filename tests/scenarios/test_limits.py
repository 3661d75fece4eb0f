"""Sizes that would exhaust memory or run for days are refused with the limit named."""

from __future__ import annotations

import pytest
import yaml

from onething.cli import main
from onething.scenarios.errors import FileError
from onething.scenarios.loader import load_scenario, resolve


@pytest.mark.parametrize(
    ("section", "field", "value"),
    [("run", "horizon_days", 100_000), ("run", "replications", 1_000_000)],
)
def test_run_sizes_over_the_limit_are_refused(tmp_path, section, field, value):
    data = yaml.safe_load(resolve("newborn").read_text())
    data.setdefault(section, {})[field] = value
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(FileError, match=rf"{section}\.{field}: Input should be less than"):
        load_scenario(path)


def test_an_arrival_rate_over_the_limit_is_refused(tmp_path):
    data = yaml.safe_load(resolve("newborn").read_text())
    data["applicants"]["arrivals"]["per_working_day"] = 5e9
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(FileError, match=r"applicants\.arrivals\.per_working_day: Input should"):
        load_scenario(path)


@pytest.mark.parametrize("flag", ["--replications", "--horizon-days"])
def test_command_line_sizes_over_the_limit_are_usage_errors(capsys, flag):
    with pytest.raises(SystemExit) as exit_:
        main(["simulate", "newborn", flag, "99999999"])
    assert exit_.value.code == 2
    assert "over the limit" in capsys.readouterr().err
