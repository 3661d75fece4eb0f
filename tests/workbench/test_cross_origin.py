"""A hostile page on a second loopback origin, in Chromium, fires ``fetch(..., {mode:
"no-cors"})`` with text/plain bodies at every route that changes state: each is refused
with 403 and nothing changes (the saved scenario, the jobs, the run list, no connection
to the address a live run names).  A foreign Host header is refused too (DNS rebinding)."""

from __future__ import annotations

import functools
import http.client
import http.server
import json
import re
import socket
import threading
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from onething.scenarios.loader import CATALOG
from tests.workbench.conftest import own_post

HOSTILE = """<!doctype html><title>cute cats</title><body><script>
const target = %(target)s, bodies = %(bodies)s;
Promise.allSettled(bodies.map(([path, body]) => fetch(target + path, {
  mode: "no-cors", method: "POST", credentials: "include",
  headers: {"Content-Type": "text/plain"}, body: JSON.stringify(body),
}))).then(() => { document.body.dataset.done = "yes"; });
</script></body>"""


def runs_page(base: str) -> tuple[int, bytes]:
    """How many runs the list shows, and the badge of those running (or queued)."""
    page = urllib.request.urlopen(base + "/runs", timeout=30).read()
    badge = re.search(rb'title="running">(\d+)<', page)
    return page.count(b"data-run"), badge.group(1) if badge else b"0"


@pytest.fixture
def hostile_site(tmp_path):
    """Serves ``tmp_path`` on another loopback port: another origin than the app's."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    site = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{site.server_address[1]}"
    site.shutdown()
    site.server_close()


@pytest.fixture
def kafka_trap():
    """A listening socket where a live run would connect if the request got through."""
    trap = socket.create_server(("127.0.0.1", 0))
    trap.settimeout(0.5)
    yield f"127.0.0.1:{trap.getsockname()[1]}", trap
    trap.close()


def test_a_page_of_another_origin_changes_nothing(server, home, browser, hostile_site, kafka_trap):
    text = (CATALOG / "newborn.yaml").read_text("utf-8").replace("name: newborn", "name: target")
    saved = home / "scenarios" / "target.yaml"
    assert own_post(server + "/api/scenario/save", {"name": "target", "yaml": text})[0] == 200
    before = saved.read_text("utf-8")
    _, long_run = own_post(server + "/api/whatif", {"bundle": "newborn", "replications": 500})
    runs_before = runs_page(server)
    bootstrap, trap = kafka_trap
    bodies = [
        ("/api/scenario/save", {"name": "target", "yaml": "name: target\ntitle: pwned\n"}),
        ("/api/scenario/save", {"name": "other", "yaml": text.replace("target", "other")}),
        ("/api/scenario/validate", {"name": "../evil", "yaml": "a: 1"}),
        ("/api/whatif", {"bundle": "newborn", "replications": 2}),
        ("/api/live", {"bundle": "newborn", "bootstrap": bootstrap}),
        ("/api/study", {"spec": "newborn_levers"}),
        (f"/api/jobs/{long_run['job']}/cancel", {}),
    ]
    folder, origin = hostile_site
    values = {"target": json.dumps(server), "bodies": json.dumps(bodies)}
    (folder / "index.html").write_text(HOSTILE % values, "utf-8")

    context = browser.new_context()
    try:
        tab = context.new_page()
        statuses: dict[str, int] = {}
        tab.on("response", lambda r: statuses.update({urlsplit(r.url).path: r.status}))
        tab.goto(server + "/")  # the user has the workbench open: its session cookie is set
        tab.goto(origin + "/index.html")
        tab.wait_for_selector("body[data-done=yes]", state="attached", timeout=60_000)
    finally:
        context.close()

    assert {path: statuses.get(path) for path, _ in bodies} == {path: 403 for path, _ in bodies}
    assert saved.read_text("utf-8") == before
    assert not (home / "scenarios" / "other.yaml").exists()
    assert not list(home.parent.glob("**/evil.yaml"))
    with pytest.raises(TimeoutError):
        trap.accept()  # no live run connected to the address in the hostile body
    assert runs_page(server) == runs_before  # no run started, none cancelled
    cancelled = own_post(server + f"/api/jobs/{long_run['job']}/cancel", {})
    assert cancelled == (200, {"cancelled": True})
    saved.unlink()  # the session's other tests count the saved bundles


def test_a_direct_request_without_our_origin_and_token_is_refused(server):
    for headers in ({"Content-Type": "text/plain"}, {"Origin": "http://127.0.0.1:1"}):
        request = urllib.request.Request(server + "/api/whatif", b'{"bundle":"newborn"}', headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=30)
        assert refused.value.code == 403
        assert json.loads(refused.value.read())["error"].startswith("refused: ")


def test_a_foreign_host_header_is_refused_as_dns_rebinding_would_send_it(server):
    netloc = urlsplit(server).netloc
    for host in ("attacker.rebind.example", f"attacker.rebind.example:{netloc.split(':')[1]}"):
        connection = http.client.HTTPConnection(netloc, timeout=30)
        connection.request("GET", "/runs/1", headers={"Host": host})
        response = connection.getresponse()
        assert response.status == 421 and b"--allow-host" in response.read(), host
        connection.close()
    for host in (netloc, netloc.replace("127.0.0.1", "localhost")):
        connection = http.client.HTTPConnection(netloc, timeout=30)
        connection.request("GET", "/healthz", headers={"Host": host})
        assert connection.getresponse().status == 200, host
        connection.close()
