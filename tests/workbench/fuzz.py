"""Generated HTTP requests for the workbench, and what must hold for every one of them:
an answer below 500 within 10 s, and no file written outside the home folder.

Used by ``test_fuzz.py`` (a few hundred requests) and ``benchmarks/fuzz_workbench.py``
(tens of thousands).  The app runs in-process in a sandbox folder holding its home, the
temporary folder and the working directory, so a file written anywhere but the home
shows up; jobs stay queued (no worker), so a request that would start one is answered
without starting processes.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hypothesis import strategies as st

from onething.scenarios.loader import CATALOG
from tests.workbench.conftest import InProcess

HANG_SECONDS = 10.0
NEWBORN = (CATALOG / "newborn.yaml").read_text(encoding="utf-8")
TRICKY = [
    "newborn", "restaurant", "mine", "", " ", "../evil", "../../evil", "/etc/passwd",
    "/etc/passwd.yaml", "a/b", "..", "²", "١٢", "9" * 30, "-1", "1e309", "nan", "%00",
    "\x00", "é", "新生儿", "<script>", "single_window", "data_sharing", "127.0.0.1:9",
    "kafka", "after", "before", "kill", "pause", "staffing", "newborn_levers",
    "report.html", "results.csv", "x" * 300,
]  # fmt: skip
FIELDS = {
    "/api/whatif": [
        "bundle", "levers", "arrivals_per_day", "windows", "rework_scale", "travel_scale",
        "handling_scale", "replications", "seed", "horizon_days", "warmup_days",
    ],
    "/api/live": [
        "bundle", "mode", "rate", "duration_days", "speedup", "chaos", "bootstrap",
    ],
    "/api/study": ["spec", "upload"],
    "/api/scenario/validate": ["name", "yaml", "fields"],
    "/api/scenario/save": ["name", "yaml", "fields"],
    "/api/jobs/{job}/cancel": [],
}  # fmt: skip
PAGES = [
    "/", "/whatif/{x}", "/map/{x}", "/walk/{x}", "/studies", "/editor", "/runs",
    "/runs/compare", "/runs/{x}", "/runs/{x}/files/{x}", "/live", "/lang/{x}", "/healthz",
    "/api/jobs/{x}/events", "/static/{x}", "/{x}",
]  # fmt: skip
PARAMS = ["levers", "set", "lever", "seed", "from", "a", "b", "next", "download", "token", "lang"]

words = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), words)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(words, inner, max_size=4)),
    max_leaves=10,
)
values_dict = st.dictionaries(words, values, max_size=3)


@st.composite
def scenario_texts(draw) -> str:
    """The newborn bundle with lines dropped or values replaced, or any text."""
    if draw(st.booleans()):
        return draw(st.one_of(words, st.text(max_size=200)))
    lines = NEWBORN.splitlines()
    for _ in range(draw(st.integers(0, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        key = lines[i].split(":", 1)[0]
        lines[i] = f"{key}: {json.dumps(draw(values))}" if draw(st.booleans()) else ""
    return "\n".join(lines)


@st.composite
def spec_texts(draw) -> str:
    """A variants study with generated fields (the bundle a name, a path, anything)."""
    spec = {
        "name": draw(st.one_of(st.just("s"), words)),
        "kind": draw(st.sampled_from(["variants", "staffing", "sweep"])),
        "bundle": draw(st.one_of(words, st.sampled_from(["../../x.yaml", "a\x00.yaml"]))),
        "variants": [{"name": "a", "levers": None}],
        **draw(values_dict),
    }
    return json.dumps(spec)  # JSON is YAML


@st.composite
def bodies(draw, route: str) -> bytes:
    """A JSON body of the route's fields with generated values; sometimes not JSON,
    not an object, or huge."""
    kind = draw(st.sampled_from(["fields"] * 8 + ["raw", "list", "deep", "big"]))
    if kind == "raw":
        return draw(st.binary(max_size=64))
    if kind == "list":
        return json.dumps(draw(st.lists(values, max_size=3))).encode()
    if kind == "deep":
        return b'{"a":' * 5000 + b"1" + b"}" * 5000
    if kind == "big":
        return json.dumps({"name": "mine", "yaml": "x" * 300_000}).encode()
    data: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(FIELDS[route] or ["x"]), unique=True)):
        if key == "yaml":
            data[key] = draw(scenario_texts())
        elif key == "upload":
            data[key] = draw(st.one_of(spec_texts(), scenario_texts()))
        elif key == "fields":
            data[key] = {"run.seed": draw(values), "title": draw(values), **draw(values_dict)}
        else:
            data[key] = draw(values)
    if draw(st.booleans()) and "bundle" in FIELDS[route]:
        data["bundle"] = "newborn"
    return json.dumps(data).encode()


@dataclass
class Request:
    method: str
    path: str
    params: dict[str, str]
    headers: str
    """``own`` (the app's page), ``none``, ``foreign`` (another origin), ``host``
    (a rebinding Host header) or ``token`` (a wrong token)."""
    body: bytes = b""


@st.composite
def requests(draw) -> Request:
    headers = draw(st.sampled_from(["own"] * 6 + ["none", "foreign", "host", "token"]))
    params = draw(st.dictionaries(st.sampled_from(PARAMS), words, max_size=3))
    if draw(st.booleans()):
        route = draw(st.sampled_from(list(FIELDS)))
        path = route.replace("{job}", quote(draw(words), safe=""))
        return Request("POST", path, params, headers, draw(bodies(route)))
    path = draw(st.sampled_from(PAGES))
    while "{x}" in path:
        path = path.replace("{x}", quote(draw(words), safe="/."), 1)
    return Request("GET", path, params, headers)


@dataclass
class Tally:
    inputs: int = 0
    tracebacks: int = 0
    hangs: int = 0
    outside: set[str] = field(default_factory=set)
    first: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"workbench: {self.inputs} inputs, {self.tracebacks} tracebacks (5xx), "
            f"{self.hangs} hangs > {HANG_SECONDS:g} s, {len(self.outside)} files outside home"
        )


class Sandbox:
    """The app in-process with its home, temporary folder and working directory in
    ``root``, answering generated requests."""

    def __init__(self, root: Path):
        self.root = root
        self.home = root / "home"
        (root / "tmp").mkdir(parents=True)
        (root / "cwd").mkdir()
        self.saved = (os.environ.get("ONETHING_HOME"), tempfile.tempdir, os.getcwd())
        os.environ["ONETHING_HOME"] = str(self.home)
        tempfile.tempdir = str(root / "tmp")
        os.chdir(root / "cwd")
        self.app = InProcess(self.home, workers=0)
        self.app.client.app.state.workbench.warm()  # as the server does
        self.tally = Tally()

    def send(self, request: Request) -> str | None:
        """Send one request; what went wrong with it (counted in ``tally``), or None."""
        headers = {
            "own": self.app.own,
            "none": {},
            "foreign": {"Origin": "http://127.0.0.1:1", "X-CSRF-Token": "0" * 64},
            "host": {**self.app.own, "Host": "attacker.rebind.example"},
            "token": {"Origin": "http://testserver", "X-CSRF-Token": "é".encode()},
        }[request.headers]
        started = time.monotonic()
        wrong = []
        try:
            response = self.app.client.request(
                request.method,
                request.path,
                params=request.params,
                content=request.body or None,
                headers={"Content-Type": "application/json", **headers},
            )
            if response.status_code >= 500:
                wrong.append(f"{response.status_code} {response.text[:300]}")
        except Exception:  # the app's own exception, raised through the test client
            wrong.append(traceback.format_exc(limit=-4))
        self.tally.inputs += 1
        self.tally.tracebacks += bool(wrong)
        if time.monotonic() - started > HANG_SECONDS:
            self.tally.hangs += 1
            wrong.append(f"took {time.monotonic() - started:.1f} s")
        outside = {
            str(p) for p in self.root.rglob("*") if p.is_file() and not p.is_relative_to(self.home)
        }
        if outside - self.tally.outside:
            wrong.append(f"wrote {sorted(outside - self.tally.outside)}")
            self.tally.outside |= outside
        if not wrong:
            return None
        said = f"{request}\n  -> " + "\n".join(wrong)
        if len(self.tally.first) < 5:
            self.tally.first.append(said)
        return said

    def close(self) -> None:
        self.app.close()
        home, tempfile.tempdir, cwd = self.saved
        os.chdir(cwd)
        if home is None:
            os.environ.pop("ONETHING_HOME", None)
        else:
            os.environ["ONETHING_HOME"] = home
