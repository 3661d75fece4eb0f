"""Safe to leave running: loopback by default, a token for any other address, bounded
uploads, YAML that cannot explode, saves that stay in the user's folder."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from onething.workbench.safety import (
    MAX_UPLOAD_BYTES,
    Refused,
    check_yaml_size,
    inside,
    is_loopback,
)
from tests.workbench.conftest import own_post as post


def test_an_upload_over_the_limit_is_refused_with_the_limit_named(server):
    status, body = post(server + "/api/scenario/validate", b"x" * (MAX_UPLOAD_BYTES + 1))
    assert status == 413 and str(MAX_UPLOAD_BYTES) in body["error"]


def test_a_yaml_bomb_is_refused_before_anything_expands_it():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    with pytest.raises(Refused, match="aliases"):
        check_yaml_size(bomb)


def test_yaml_nested_ten_thousand_deep_is_refused_not_a_recursion_error():
    for text in ("[" * 10_000, "- " * 1_000 + "x"):
        with pytest.raises(Refused, match="nested deeper"):
            check_yaml_size(text)


def test_a_syntax_error_is_left_for_the_loader_to_report_at_its_line():
    check_yaml_size("a: [1, 2\nb: c")


def test_the_editor_reports_a_yaml_bomb_as_a_problem_not_a_hang(server):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    )
    status, body = post(server + "/api/scenario/validate", {"name": "x", "yaml": bomb})
    assert status == 413 or "aliases" in json.dumps(body)


def test_a_save_path_cannot_leave_the_user_folder(tmp_path):
    assert inside(tmp_path, "my_bundle") == (tmp_path / "my_bundle.yaml").resolve()
    for name in ("../up", "a/b", "/etc/passwd", "..", "Upper", ""):
        with pytest.raises(Refused):
            inside(tmp_path, name)


def test_a_save_over_a_catalog_bundle_or_outside_is_refused(server):
    for name in ("newborn", "../escape"):
        status, body = post(server + "/api/scenario/save", {"name": name, "yaml": "name: x\n"})
        assert status == 400 and body["error"], name


def test_form_inputs_are_checked_field_by_field(server):
    status, body = post(
        server + "/api/whatif",
        {"bundle": "newborn", "replications": "many", "windows": {"nowhere": 2}, "seed": -1},
    )
    assert status == 422
    assert body["problems"]["replications"] == "'many' is not a whole number"
    assert "no such place" in body["problems"]["windows.nowhere"]
    assert "seed" in body["problems"]
    status, body = post(server + "/api/live", {"bundle": "nope", "bootstrap": "kafka"})
    assert status == 422 and set(body["problems"]) == {"bundle", "bootstrap"}


def test_a_form_s_problems_are_said_in_the_page_s_language(server):
    data = {"bundle": "newborn", "replications": "many", "windows": {"nowhere": 2}}
    status, body = post(server + "/api/whatif?lang=zh", data)
    assert status == 422
    assert body["problems"]["replications"] == "「many」不是整数"
    assert body["problems"]["windows.nowhere"].startswith("没有这个办理地点")
    status, body = post(
        server + "/api/live?lang=zh", {"bundle": "newborn", "mode": "before", "chaos": "kill"}
    )
    assert status == 422 and "改革后" in body["problems"]["chaos"]


def test_loopback_is_the_default_and_needs_no_token():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def listening(port: int, timeout: float = 60.0) -> None:
    """The URL is printed just before the server listens."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_another_host_requires_the_token_printed_at_start(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "onething.cli", "ui", "--host", "0.0.0.0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "ONETHING_HOME": str(tmp_path)},
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        first, second = process.stdout.readline(), process.stdout.readline()
        match = re.search(r":(\d+)/\?token=([\w-]+)", first)
        assert match, first
        assert "token is required" in second
        port, token = match.groups()
        base = f"http://127.0.0.1:{port}"
        listening(int(port))
        opener = urllib.request.build_opener(NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as refused:
            opener.open(base + "/", timeout=30)
        assert refused.value.code == 403
        with pytest.raises(urllib.error.HTTPError) as wrong:
            opener.open(base + "/?token=wrong", timeout=30)
        assert wrong.value.code == 403
        with pytest.raises(urllib.error.HTTPError) as accepted:
            opener.open(f"{base}/?token={token}", timeout=30)
        assert accepted.value.code == 303
        cookie = accepted.value.headers["set-cookie"].split(";")[0]
        request = urllib.request.Request(base + "/", headers={"Cookie": cookie})
        with opener.open(request, timeout=30) as page:
            assert page.status == 200 and b"Newborn" in page.read()
    finally:
        os.killpg(process.pid, 15)
        process.wait(30)
