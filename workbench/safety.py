"""What keeps the workbench safe to leave running: loopback unless told otherwise (then a
token, as Jupyter does), bounded uploads, YAML that cannot explode, saves that stay in the
user's folder."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from onething.scenarios.errors import FileError, Message
from onething.scenarios.loader import TooComplex, parse_yaml
from onething.workbench.labels import WORDS

MAX_UPLOAD_BYTES = 256 * 1024
"""A scenario or spec is a few KiB; anything this large is a mistake or an attack."""
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


class Refused(Message, ValueError):
    """An input the workbench will not take (HTTP 400): the refusal ``key`` of the pages'
    catalogue (``labels.WORDS``) with its fields, said in the page's language."""

    catalogue = WORDS
    status = 400

    def __init__(self, key: str, **fields: object):
        super().__init__(self.keep(key, fields))


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
    """Refuse text over the upload limit, or that the loader's guards refuse (nested too
    deep, too many values once aliases are expanded) before anything else parses it; a
    mere syntax error passes, for the loader to report at its line."""
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_UPLOAD_BYTES:
        raise TooLarge("too_large", size=size, limit=MAX_UPLOAD_BYTES)
    try:
        parse_yaml(text, Path("upload.yaml"))
    except TooComplex as exc:
        raise TooLarge("too_complex", reasons="; ".join(p.reason for p in exc.problems)) from None
    except FileError:
        return


def safe_name(name: str) -> str:
    """A bundle name that is also a safe file name (no folders, no dots)."""
    if not NAME.fullmatch(name or ""):
        raise Refused("bad_name")
    return name


def inside(folder: Path, name: str, suffix: str = ".yaml") -> Path:
    """``folder/name+suffix``, refused unless it stays inside ``folder``."""
    path = (folder / f"{safe_name(name)}{suffix}").resolve()
    if path.parent != folder.resolve():
        raise Refused("not_inside", name=name, folder=folder)
    return path
