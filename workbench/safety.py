"""What keeps the workbench safe to leave running: loopback unless told otherwise (then a
token, as Jupyter does), bounded uploads, YAML that cannot explode, saves that stay in the
user's folder."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from onething.scenarios.errors import FileError
from onething.scenarios.loader import TooComplex, parse_yaml
from onething.workbench.labels import message

MAX_UPLOAD_BYTES = 256 * 1024
"""A scenario or spec is a few KiB; anything this large is a mistake or an attack."""
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


class Refused(ValueError):
    """An input the workbench will not take, with the reason to show (HTTP 400); one
    made by ``said`` shows it in the page's language."""

    status = 400

    def __init__(self, reason: str, key: str | None = None, **fields: object):
        super().__init__(reason)
        self.key = key
        self.fields = fields

    @classmethod
    def said(cls, key: str, **fields: object) -> Refused:
        """The refusal ``key`` of the pages' catalogue (``labels.WORDS``)."""
        return cls(message(key, "en", **fields), key, **fields)

    def in_language(self, lang: str) -> str:
        return message(self.key, lang, **self.fields) if self.key else str(self)


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
        raise TooLarge(f"{size} bytes; the limit is {MAX_UPLOAD_BYTES}")
    try:
        parse_yaml(text, Path("upload.yaml"))
    except TooComplex as exc:
        raise TooLarge("; ".join(p.reason for p in exc.problems)) from None
    except FileError:
        return


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
