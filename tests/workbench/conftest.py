"""The workbench in a real browser: ``onething ui`` in a subprocess with its own home
folder, and Debian's Chromium driven by Playwright (no browser download); and in-process,
through Starlette's TestClient, for what needs no browser."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(os.environ.get("ONETHING_SHOTS", "/tmp/workbench-shots"))
WIDTHS = (1280, 390)
STATUS = "document.getElementById('status').textContent"
"""The status line of a page with a Run button.  Waits are written as functions: the
page's CSP forbids the eval Playwright uses for a bare expression."""


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("onething-home")


@pytest.fixture(scope="session")
def server(home: Path):
    """The URL of a running ``onething ui`` (loopback, a free port)."""
    env = {**os.environ, "ONETHING_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "onething.cli", "ui"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    assert match, line
    url = match.group(1).rstrip("/")
    wait_until_up(url)
    yield url
    os.killpg(process.pid, 15)
    try:
        process.wait(40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)


def wait_until_up(url: str, timeout: float = 60.0) -> None:
    """The URL is printed just before the server listens."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def session_headers(base: str, opener: urllib.request.OpenerDirector | None = None) -> dict:
    """What the app's own page sends with a change of state: its origin, the session
    cookie and the session's CSRF token (read off a page, as the page's script does)."""
    with (opener or urllib.request.build_opener()).open(base + "/", timeout=30) as page:
        cookie = page.headers["set-cookie"].split(";")[0]
        token = CSRF_META.search(page.read().decode()).group(1)
    return {"Origin": base, "Cookie": cookie, "X-CSRF-Token": token}


def own_post(url: str, data: dict | bytes) -> tuple[int, dict]:
    """A POST as the app's own page sends it (its origin, session and token)."""
    body = data if isinstance(data, bytes) else json.dumps(data).encode()
    parts = urlparse(url)
    headers = session_headers(f"{parts.scheme}://{parts.netloc}")
    request = urllib.request.Request(url, body, {"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


class InProcess:
    """The app in this process (``testserver`` is its host), with a session: ``own``
    holds the headers of the app's own page."""

    def __init__(self, home: Path, **options):
        from starlette.testclient import TestClient

        from onething.workbench.app import create_app

        self.home = home
        app = create_app(home, hosts=("testserver",), **options)
        self.client = TestClient(app)
        self.client.__enter__()
        entry = {"token": options["token"]} if options.get("token") else None
        token = CSRF_META.search(self.client.get("/", params=entry).text).group(1)
        self.own = {"Origin": "http://testserver", "X-CSRF-Token": token}

    def post(self, path: str, data=None, **kwargs):
        return self.client.post(path, json=data, headers={**self.own, **kwargs.pop("headers", {})})

    def close(self) -> None:
        self.client.__exit__(None, None, None)


def _in_process(tmp_path: Path, monkeypatch, workers: int) -> Iterator[InProcess]:
    home = tmp_path / "home"
    monkeypatch.setenv("ONETHING_HOME", str(home))
    running = InProcess(home, workers=workers)
    yield running
    running.close()


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The workbench in-process, jobs held in the queue (none runs: no worker)."""
    yield from _in_process(tmp_path, monkeypatch, workers=0)


@pytest.fixture
def working_app(tmp_path, monkeypatch):
    """The workbench in-process with one worker: jobs really run."""
    yield from _in_process(tmp_path, monkeypatch, workers=1)


_driver: list = []
"""The running Playwright, and how many hold it."""


@contextlib.contextmanager
def playwright_driver() -> Iterator:
    """One Playwright at a time in the test process, shared by whoever needs a browser
    (a second sync one cannot start while another runs) and stopped when the last of
    them is done: a running one holds an event loop in the main thread, and later tests
    (the services') call asyncio.run there."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("no chromium: apt-get install chromium")
    if not _driver:
        _driver[:] = [sync_api.sync_playwright().start(), 0]
    _driver[1] += 1
    try:
        yield _driver[0]
    finally:
        _driver[1] -= 1
        if not _driver[1]:
            _driver.pop(0).stop()
            _driver.clear()


@pytest.fixture(scope="session")
def browser():
    with playwright_driver() as driver:
        b = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


class Requests:
    """Every URL the browser asked for, to check that none leaves the app's origin."""

    def __init__(self, origin: str):
        self.origin = origin
        self.urls: list[str] = []

    def record(self, request) -> None:
        self.urls.append(request.url)

    def foreign(self) -> list[str]:
        own = urlparse(self.origin).netloc
        return [
            u
            for u in self.urls
            if not u.startswith(("data:", "blob:", "about:")) and urlparse(u).netloc != own
        ]


@pytest.fixture
def page(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = context.new_page()
    requests = Requests(server)
    tab.on("request", requests.record)
    tab.requests = requests
    tab.base = server
    refused = []  # what the Content-Security-Policy blocked: nothing of the app's own
    tab.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    yield tab
    assert requests.foreign() == [], requests.foreign()
    assert refused == [], refused
    context.close()


OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const e of document.querySelectorAll('body *')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || getComputedStyle(e).visibility === 'hidden') continue;
    let p = e.parentElement, clipped = false;
    while (p && p !== document.body) {
      const o = getComputedStyle(p).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
      p = p.parentElement;
    }
    if (!clipped && r.right > width + 1) wide.push(e.tagName + '.' + e.className);
  }
  return {scroll: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


def no_overflow(tab, name: str) -> None:
    """At each width, nothing sticks out of the page (tables scroll in their own box);
    a screenshot of each is kept in ``SHOTS``."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        tab.set_viewport_size({"width": width, "height": 900})
        time.sleep(0.3)  # let responsive charts relayout
        found = tab.evaluate(OVERFLOW)
        assert found["scroll"] <= found["width"] and not found["wide"], (name, width, found)
        tab.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    tab.set_viewport_size({"width": 1280, "height": 900})


FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>/usr/share/fonts/truetype/dejavu</dir><cachedir>{cache}</cachedir></fontconfig>
"""
"""A fontconfig that knows DejaVu only: the browser has no CJK font of the system."""

GLYPHS = """async () => {
  await document.fonts.ready;
  const frameText = (d) => d.body.innerText + " " +
    [...d.querySelectorAll("svg text, option")].map((t) => t.textContent).join(" ");
  const text = frameText(document);
  const chars = [...new Set(text.match(/[\\u3400-\\u9fff\\uff01-\\uff5e\\u3001-\\u3011]/g) || [])];
  const family = getComputedStyle(document.body).fontFamily;
  await document.fonts.load(`24px ${family}`, chars.join(""));
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 32;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  const draw = (ch, font) => {
    g.clearRect(0, 0, 32, 32);
    g.font = `24px ${font}`;
    g.fillText(ch, 2, 26);
    return g.getImageData(0, 0, 32, 32).data.join(",");
  };
  // U+10FFFD is in no font: whatever a font draws for it is its missing-glyph box
  const missing = (font) => draw("\\u{10FFFD}", font);
  const box = missing(family);
  return {
    chars: chars.length,
    family,
    fontsHidden: draw("\\u4e00", '"DejaVu Sans"') === missing('"DejaVu Sans"'),
    boxes: chars.filter((ch) => draw(ch, family) === box),
  };
}"""
"""The page's Chinese characters (its text, its charts' and map's SVG, its menus), each
drawn in the page's font: one that comes out as the box that font draws for a character
no font has is tofu.  ``fontsHidden`` is the control: without the page's font a Chinese
character is that box, so the browser really has no system font to fall back on."""


@contextlib.contextmanager
def fontless_chromium(folder: Path) -> Iterator:
    """Chromium (Playwright) whose fontconfig knows DejaVu only: no system CJK font."""
    conf = folder / "fonts.conf"
    conf.write_text(FONTS_CONF.format(cache=folder / "cache"))
    with playwright_driver() as driver:
        browser = driver.chromium.launch(
            executable_path=CHROMIUM,
            args=FLAGS,
            headless=True,
            env={"FONTCONFIG_FILE": str(conf), "HOME": str(folder)},
        )
        try:
            yield browser
        finally:
            browser.close()
