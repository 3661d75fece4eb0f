"""What every request passes before the app sees it: the Host it names, the token of a
non-loopback server, and, for anything that changes state, a same-origin request carrying
the session's CSRF token; every response leaves with the security headers.

The CSRF token is bound to the session: ``HMAC(key, session cookie)`` with a key that only
this server process knows.  A page of another origin, even one on another loopback port
(which shares the cookies, whose ports do not count), can neither read the token off our
pages nor compute it, so double-submitting a cookie would not do here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
SESSION_COOKIE = "onething_session"
TOKEN_COOKIE = "onething_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
PORT = re.compile(r":[0-9]+$")
SESSION = re.compile(r"[A-Za-z0-9_-]{43}")
"""What ``secrets.token_urlsafe(32)`` makes; any other cookie value starts a new session."""

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""No inline script anywhere (plotly.js sets style attributes, hence inline styles)."""
REPORT_CSP = (
    "sandbox allow-scripts; default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; img-src data:; font-src data:; frame-ancestors 'self'"
)
"""A study's report is one self-contained file with its own small script: it runs in a
sandbox of its own (an opaque origin, so it cannot call the API) inside our page."""
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def host_allowed(host: str, allowed: Iterable[str]) -> bool:
    """An ``allowed`` entry is ``name`` (any port) or ``name:port``; names are compared
    without case."""
    host = host.strip().lower()
    allowed = {a.lower() for a in allowed}
    any_port = {a for a in allowed if not PORT.search(a)}
    name = PORT.sub("", host)
    return host in allowed or (bool(name) and name in any_port)


def same(a: str, b: str) -> bool:
    """A comparison of secrets in constant time, for any text (``compare_digest`` takes
    only ASCII ``str``)."""
    return hmac.compare_digest(a.encode("utf-8", "surrogatepass"), b.encode("utf-8"))


class Guard:
    """The ASGI app around the workbench (see the module's docstring)."""

    def __init__(self, app: Any, hosts: Iterable[str], token: str | None = None):
        self.app = app
        self.state = app.state
        self.hosts = tuple(hosts)
        self.token = token
        self.key = secrets.token_bytes(32)

    def csrf_token(self, session: str) -> str:
        return hmac.new(self.key, session.encode(), hashlib.sha256).hexdigest()

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                given = {k.decode().lower() for k, _ in headers}
                added = {k: v for k, v in HEADERS.items() if k not in given}
                headers += [(k.encode(), v.encode()) for k, v in added.items()]
                headers += [(b"set-cookie", c.encode()) for c in cookies]
                message = {**message, "headers": headers}
            await send(message)

        cookies: list[str] = []
        request = Request(scope)
        refusal = self.refusal(request)
        if refusal is not None:
            await refusal(scope, receive, send_with_headers)
            return
        session = request.cookies.get(SESSION_COOKIE, "")
        if not SESSION.fullmatch(session):
            session = secrets.token_urlsafe(32)
            cookies.append(f"{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict")
        if request.method not in SAFE_METHODS:
            refusal = self.cross_site(request, session)
            if refusal is not None:
                await refusal(scope, receive, send_with_headers)
                return
        scope.setdefault("state", {})["csrf_token"] = self.csrf_token(session)
        await self.app(scope, receive, send_with_headers)

    def refusal(self, request: Request) -> Response | None:
        """A foreign Host (DNS rebinding), or no token where one is needed."""
        host = request.headers.get("host", "")
        if not host_allowed(host, self.hosts):
            return PlainTextResponse(
                "onething workbench: this server answers only to "
                f"{', '.join(self.hosts)} (start it with --allow-host NAME to add a name)",
                421,
            )
        if self.token is None:
            return None
        given = request.query_params.get("token")
        if given is not None and same(given, self.token):
            response = RedirectResponse(request.url.remove_query_params("token"), 303)
            response.set_cookie(TOKEN_COOKIE, self.token, httponly=True, samesite="strict")
            return response
        if not same(request.cookies.get(TOKEN_COOKIE, ""), self.token):
            return PlainTextResponse(
                "onething workbench: open the URL with the token printed at start", 403
            )
        return None

    def cross_site(self, request: Request, session: str) -> Response | None:
        """A change of state needs a request of our own origin with the session's token."""
        origin = request.headers.get("origin")
        if origin is not None:
            try:
                parts = urlsplit(origin)
            except ValueError:
                return forbidden(f"a request from {origin!r} cannot change anything here")
            own = parts.netloc.lower() == request.headers.get("host", "").strip().lower()
            if parts.scheme not in ("http", "https") or not own:
                return forbidden(f"a request from {origin} cannot change anything here")
        elif request.headers.get("sec-fetch-site") != "same-origin":
            return forbidden("a request with neither Origin nor Sec-Fetch-Site: same-origin")
        if not same(request.headers.get(CSRF_HEADER, ""), self.csrf_token(session)):
            return forbidden(
                f"no valid {CSRF_HEADER} header for this session (reload the page and try again)"
            )
        return None


def forbidden(reason: str) -> Response:
    body = json.dumps({"error": f"refused: {reason}"})
    return Response(body, 403, media_type="application/json")
