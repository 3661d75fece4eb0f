"""``onething ui``: serve the workbench on loopback (or, with a token, elsewhere)."""

from __future__ import annotations

import secrets
import socket
from collections.abc import Sequence

from onething.workbench.guard import LOOPBACK_NAMES
from onething.workbench.safety import is_loopback


def claim_port(host: str, port: int) -> int:
    """The port (a free one for 0), checked by binding it: a taken port or an address
    that is not this machine's raises ``OSError`` here, before anything is printed."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        return s.getsockname()[1]


def serve(
    host: str = "127.0.0.1",
    port: int = 0,
    allow_hosts: Sequence[str] = (),
    workers: int | None = None,
) -> None:
    """Print the URL, then serve until Ctrl-C.  Another host than loopback is reachable
    by others on the network, so it asks for a token printed here (as Jupyter does).
    The server answers to the loopback names and the address it listens on (with its
    port), and to ``allow_hosts``: a page of another name is refused (DNS rebinding)."""
    import uvicorn

    from onething.workbench.app import create_app

    token = None if is_loopback(host) else secrets.token_urlsafe(24)
    port = claim_port(host, port)
    shown = f"[{host}]" if ":" in host else host
    names = [*LOOPBACK_NAMES, *([] if host in ("0.0.0.0", "::") else [shown])]
    hosts = [*(f"{n}:{port}" for n in dict.fromkeys(names)), *allow_hosts]
    url = f"http://{shown}:{port}/"
    if token is None:
        print(f"onething workbench: {url}", flush=True)
    else:
        print(
            f"onething workbench: {url}?token={token}\n"
            f"  listening on {host}, not only this machine: the token is required "
            "(open the URL above once; the browser keeps it)",
            flush=True,
        )
        print(
            f"  it answers to {', '.join(hosts)}: add the names others reach it by "
            "with --allow-host NAME",
            flush=True,
        )
    app = create_app(token=token, hosts=hosts, workers=workers)
    app.state.workbench.warm()
    uvicorn.run(app, host=host, port=port, log_level="warning")
