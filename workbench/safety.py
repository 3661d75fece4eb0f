"""What keeps the workbench safe to leave running: loopback unless told otherwise (then a
token, as Jupyter does), bounded uploads, YAML that cannot explode, saves that stay in the
user's folder."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

import yaml

MAX_UPLOAD_BYTES = 256 * 1024
"""A scenario or spec is a few KiB; anything this large is a mistake or an attack."""
MAX_YAML_NODES = 50_000
"""Nodes after expanding aliases: refuses a 'billion laughs' before anything walks it."""
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


class Refused(ValueError):
    """An input the workbench will not take, with the reason to show (HTTP 400)."""

    status = 400


class NotFound(Refused):
    """No such run, bundle, job or file (HTTP 404)."""

    status = 404


class TooLarge(Refused):
    """An upload over ``MAX_UPLOAD_BYTES`` (HTTP 413)."""

    status = 413


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_yaml_size(text: str) -> None:
    """Refuse text over the upload limit, or whose aliases expand past ``MAX_YAML_NODES``
    (anchors are allowed; only their expansion is bounded)."""
    if len(text.encode("utf-8")) > MAX_UPLOAD_BYTES:
        raise TooLarge(f"{len(text.encode('utf-8'))} bytes; the limit is {MAX_UPLOAD_BYTES}")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return  # the loader reports the syntax error with its line
    sizes: dict[int, int] = {}

    def size(n: yaml.Node) -> int:
        if id(n) in sizes:
            return sizes[id(n)]
        sizes[id(n)] = 1  # a cycle counts once
        if isinstance(n, yaml.SequenceNode):
            total = 1 + sum(size(c) for c in n.value)
        elif isinstance(n, yaml.MappingNode):
            total = 1 + sum(size(k) + size(v) for k, v in n.value)
        else:
            total = 1
        sizes[id(n)] = total
        if total > MAX_YAML_NODES:
            raise TooLarge(f"more than {MAX_YAML_NODES} values once aliases are expanded")
        return total

    if node is not None:
        size(node)


def safe_name(name: str) -> str:
    """A bundle name that is also a safe file name (no folders, no dots)."""
    if not NAME.fullmatch(name or ""):
        raise Refused(
            "use lowercase letters, digits and underscores, starting with a letter (at most 64)"
        )
    return name


def inside(folder: Path, name: str, suffix: str = ".yaml") -> Path:
    """``folder/name+suffix``, refused unless it stays inside ``folder``."""
    path = (folder / f"{safe_name(name)}{suffix}").resolve()
    if path.parent != folder.resolve():
        raise Refused(f"{name}: not inside {folder}")
    return path
