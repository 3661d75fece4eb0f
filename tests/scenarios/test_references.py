"""Cross-references the shape alone cannot check."""

from __future__ import annotations

import pytest
import yaml

from onething.scenarios.errors import FileError
from onething.scenarios.loader import load_scenario, resolve


def test_a_certificate_is_asked_for_only_after_the_item_that_produces_it(tmp_path):
    data = yaml.safe_load(resolve("newborn").read_text())
    data["items"]["household_registration"]["requires"] = []
    path = tmp_path / "early.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    with pytest.raises(FileError) as caught:
        load_scenario(path)
    assert str(caught.value) == (
        f"{path}: items.household_registration.materials.0: 'birth_medical_certificate' is "
        "produced by 'birth_certificate', which 'household_registration' does not require"
    )
