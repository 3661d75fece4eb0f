"""`ui`: the workbench in the browser."""

from __future__ import annotations

import argparse
import re

from onething.cli.arguments import UsageError, non_negative, positive


def cmd_ui(args: argparse.Namespace) -> int:
    from onething.workbench.server import serve

    try:
        serve(args.host, args.port, args.allow_host, args.jobs)
    except OSError as exc:  # the port is taken, or the address is not this machine's
        raise UsageError(f"ui: cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    return 0


def _host_name(text: str) -> str:
    """A name the workbench may be reached by: ``name``, ``name:port``, ``[v6]:port``."""
    if not re.fullmatch(r"(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?", text):
        raise argparse.ArgumentTypeError(f"{text!r}: give a host name, optionally :PORT")
    return text


def _port(text: str) -> int:
    value = non_negative(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text}: a port is at most 65535")
    return value


def add_ui(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ui", help="the workbench: onething in the browser, on this machine")
    p.add_argument("--port", type=_port, default=0, help="port (default: a free one)")
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; any other requires a printed token)",
    )
    p.add_argument(
        "--allow-host",
        type=_host_name,
        action="append",
        default=[],
        metavar="NAME",
        help="also answer to this Host name (NAME: any port, NAME:PORT: that one; "
        "repeatable); others are refused, against DNS rebinding",
    )
    p.add_argument(
        "--jobs",
        type=positive,
        default=None,
        help="run at most this many simulations and studies at once, queueing the rest "
        "(default: the core count)",
    )
    p.set_defaults(func=cmd_ui)
