"""What every request passes (in-process, no browser): the Host it names, a same-origin
request with the session's token for any change of state, the security headers; each
refusal in its own status, and nothing written where it should not be."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest

from onething.cli import main
from onething.scenarios.loader import CATALOG
from onething.workbench.guard import host_allowed
from onething.workbench.safety import MAX_UPLOAD_BYTES
from tests.workbench.conftest import InProcess

HERE = Path(__file__).parents[2] / "workbench"


def newborn(**changes: str) -> str:
    text = (CATALOG / "newborn.yaml").read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text
        text = text.replace(old, new)
    return text


def state_changes(app: InProcess) -> list[tuple[str, dict]]:
    """Every route that changes state, each with a body it would act on."""
    queued = app.post("/api/whatif", {"bundle": "newborn"}).json()["job"]
    return [
        ("/api/scenario/save", {"name": "mine", "yaml": newborn()}),
        ("/api/scenario/validate", {"name": "mine", "yaml": "name: x\n"}),
        ("/api/whatif", {"bundle": "newborn"}),
        ("/api/live", {"bundle": "newborn", "bootstrap": "127.0.0.1:9"}),
        ("/api/study", {"spec": "staffing"}),
        (f"/api/jobs/{queued}/cancel", {}),
    ]


def test_a_foreign_host_is_refused_with_421_whatever_the_path(app):
    for path in ("/", "/runs/1", "/healthz", "/static/app.js"):
        response = app.client.get(path, headers={"Host": "attacker.rebind.example"})
        assert response.status_code == 421 and "--allow-host" in response.text, path
    assert app.client.get("/healthz").status_code == 200


def test_a_host_is_a_name_with_any_port_or_a_name_with_its_port():
    bound = ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "office.example"]
    for host in ("127.0.0.1:8000", "LOCALHOST:8000", "[::1]:8000", "office.example:443"):
        assert host_allowed(host, bound), host
    for host in ("127.0.0.1:9000", "attacker.example:8000", "", "[::1]", "127.0.0.1:8000:1"):
        assert not host_allowed(host, bound), host


def test_every_change_of_state_needs_our_origin_and_the_session_token(app, tmp_path):
    from starlette.testclient import TestClient

    routes = state_changes(app)
    own, token = app.own["Origin"], app.own["X-CSRF-Token"]
    other_session = TestClient(app.client.app)  # its own cookie: the token is not its
    other_session.get("/")
    for path, body in routes:
        text = {"content": json.dumps(body), "headers": {"Content-Type": "text/plain"}}
        assert app.client.post(path, **text).status_code == 403, path  # a form, no-cors
        refused = [
            {"Origin": "http://127.0.0.1:8001", "X-CSRF-Token": token},
            {"Origin": "null", "X-CSRF-Token": token},
            {"X-CSRF-Token": token},  # neither Origin nor Sec-Fetch-Site
            {"Sec-Fetch-Site": "same-site", "X-CSRF-Token": token},
            {"Origin": own},
            {"Origin": own, "X-CSRF-Token": "0" * 64},
            {"Origin": own, "X-CSRF-Token": "é".encode()},
        ]
        for headers in refused:
            response = app.client.post(path, json=body, headers=headers)
            assert response.status_code == 403, (path, headers)
            assert response.json()["error"].startswith("refused: "), (path, headers)
        stolen = other_session.post(path, json=body, headers=app.own)
        assert stolen.status_code == 403, path
    assert [j.status for j in app.client.app.state.workbench.jobs.jobs.values()] == ["queued"]
    assert not (app.home / "scenarios").exists()
    same_origin = {"Sec-Fetch-Site": "same-origin", "X-CSRF-Token": token}
    saved = app.client.post(routes[0][0], json=routes[0][1], headers=same_origin)
    assert saved.status_code == 200 and (app.home / "scenarios" / "mine.yaml").is_file()


def test_every_response_carries_the_security_headers(app):
    for path in ("/", "/runs", "/runs/9", "/static/app.js", "/api/jobs/nope/events", "/nope"):
        headers = app.client.get(path).headers
        assert "script-src 'self';" in headers["content-security-policy"], path
        assert "frame-ancestors 'none'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY", path
        assert headers["referrer-policy"] == "no-referrer", path
    refused = app.client.post("/api/whatif", json={})
    assert refused.status_code == 403 and refused.headers["x-frame-options"] == "DENY"


def test_no_template_or_script_runs_inline_code():
    for template in (HERE / "templates").glob("*.html"):
        text = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script[^>]*>", text):
            assert "src=" in tag or 'type="application/json"' in tag, (template.name, tag)
        assert not re.search(r"\son[a-z]+=", text), template.name
        assert "javascript:" not in text, template.name


@pytest.mark.parametrize(
    "path, status",
    [
        ("/runs/99999999999999999999999999", 404),
        ("/runs/0", 404),
        ("/runs/abc", 404),
        ("/runs/compare?a=1&b=²", 404),
        ("/runs/7/files/report.html", 404),
        ("/whatif/nowhere", 404),
        ("/editor?from=../../etc/passwd", 404),
        ("/walk/newborn?seed=²", 400),
        ("/walk/newborn?seed=99999999999999999999", 400),
        ("/map/newborn?levers=nope", 400),
        ("/api/jobs/nope/events", 404),
    ],
)
def test_a_page_that_cannot_be_shown_answers_its_status_not_200(app, path, status):
    response = app.client.get(path)
    assert response.status_code == status, response.text[:300]


@pytest.mark.parametrize(
    "path, body, status",
    [
        ("/api/study", {"spec": ["x"]}, 422),
        ("/api/study", {"upload": ["x"]}, 422),
        ("/api/scenario/save", {"name": ["x"], "yaml": "x"}, 400),
        ("/api/scenario/save", {"name": "mine", "yaml": ["x"]}, 400),
        ("/api/scenario/validate", {"name": "mine", "fields": ["x"]}, 400),
        ("/api/whatif", {"bundle": "newborn", "levers": "x"}, 422),
        ("/api/whatif", [1, 2], 400),
        ("/api/jobs/nope/cancel", {}, 200),  # {"cancelled": false}
    ],
)
def test_a_wrong_request_answers_its_status_never_500(app, path, body, status):
    response = app.post(path, body)
    assert response.status_code == status, response.text[:300]


def test_an_upload_over_the_limit_answers_413(app):
    big = {"name": "mine", "yaml": "x" * MAX_UPLOAD_BYTES}
    assert app.post("/api/scenario/validate", big).status_code == 413


def test_the_editor_writes_nothing_before_the_name_is_checked(app, tmp_path, monkeypatch):
    scratch = tmp_path / "scratch" / "tmp"
    scratch.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    for name in ("../evil", "../../evil", "/tmp/evil", "a/b"):
        body = app.post("/api/scenario/validate", {"name": name, "yaml": "a: 1\n"}).json()
        assert body["problems"][0]["path"] == "name"
        assert all(p["line"].startswith(("name:", "scenario.yaml:")) for p in body["problems"])
    assert list((tmp_path / "scratch").rglob("*")) == [scratch]


def test_a_trace_outside_the_user_folder_is_refused_without_saying_if_it_exists(app):
    said = set()
    for trace in ("/etc/passwd", "/no/such/file", "../../../etc/hostname"):
        text = newborn(**{"per_working_day: ": f"trace: {trace}\n    # was: "})
        problems = app.post("/api/scenario/validate", {"name": "mine", "yaml": text}).json()
        said.add(json.dumps(problems["problems"]))
    assert len(said) == 1 and "reads its trace from" in said.pop()


def test_an_uploaded_spec_reaches_only_the_catalog_the_saved_bundles_and_its_folder(app):
    spec = "name: s\nkind: variants\nbundle: {}\nvariants:\n  - name: a\n    levers: null\n"
    for bundle in ("/etc/os-release.yaml", "../../../runs.yaml", "../spec-upload.yaml"):
        problems = app.post("/api/study", {"upload": spec.format(bundle)}).json()["problems"]
        assert "name a catalog or saved bundle" in problems["spec"], bundle
    assert list((app.home / "studies").iterdir()) == []  # refused: nothing left behind
    assert app.post("/api/scenario/save", {"name": "mine", "yaml": newborn()}).status_code == 200
    started = app.post("/api/study", {"upload": spec.format("mine")}).json()
    assert started["status"] == "queued"
    assert [p.name for p in (app.home / "studies").rglob("*.yaml")] == ["spec-upload.yaml"]


def test_a_job_over_the_cap_waits_queued_and_the_page_is_told(app):
    job = app.post("/api/whatif", {"bundle": "newborn"}).json()
    assert job["status"] == "queued"
    assert app.post(f"/api/jobs/{job['job']}/cancel", {}).json() == {"cancelled": True}
    events = app.client.get(f"/api/jobs/{job['job']}/events").text
    assert events.index("event: queued") < events.index("event: cancelled")
    assert '"ahead": 0' in events
    assert "cancelled" in app.client.get("/runs").text


def test_the_language_switch_never_redirects_off_this_origin(app):
    for target in ("//evil.example/", "/\\evil.example/", "https://evil.example/", "evil"):
        response = app.client.get("/lang/zh", params={"next": target}, follow_redirects=False)
        assert response.headers["location"] == "/", target


def test_a_token_of_any_text_is_compared_without_a_traceback(tmp_path):
    token_app = InProcess(tmp_path, token="s3cret")
    try:
        token_app.client.cookies.clear()  # a visitor without the token's cookie
        get = token_app.client.get
        for given in ("é", "\u65b0", "s3cret\x00", ""):
            assert get("/", params={"token": given}, follow_redirects=False).status_code == 403
        assert get("/", params={"token": "s3cret"}, follow_redirects=False).status_code == 303
    finally:
        token_app.close()


def test_the_ui_command_takes_allowed_host_names_and_refuses_others(capsys):
    for wrong in ("evil/x", "a b", "host:port:1", ""):
        with pytest.raises(SystemExit) as caught:
            main(["ui", "--allow-host", wrong])
        assert caught.value.code == 2, wrong
        assert "give a host name" in capsys.readouterr().err
