"""Installed, onething is one namespace: the repository's folders are its subpackages."""

from __future__ import annotations

import subprocess
import sys


def _python(code: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_folders_are_subpackages_of_onething_not_top_level_packages(tmp_path):
    # run away from the checkout: Python puts the working folder on the import path
    for name in ("sim", "services", "topics", "experiments", "scenarios"):
        assert _python(f"import {name}", tmp_path).returncode != 0, name
        assert _python(f"import onething.{name}", tmp_path).returncode == 0, name


def test_the_catalog_ships_inside_the_namespace(tmp_path):
    done = _python(
        "from onething.scenarios.loader import catalog_names; print(len(list(catalog_names())))",
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 6
