"""Errors in user files, reported as ``file: path.to.field: reason``.

One format for every file kind (scenarios, traces, experiment specs), so a user sees at
once which file, which field and why, and never a traceback.  Each reason is also a
message of a two-language catalogue (``Reason``, ``scenarios.reasons``): the CLI prints
its English, a workbench page says it in the page's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from pydantic import ValidationError

from onething.scenarios.reasons import REASONS, say


class Message:
    """A sentence of a two-language catalogue (key -> (English, Chinese) templates) with
    the fields it is written with; what differs between its users is only the catalogue."""

    catalogue: ClassVar[Mapping[str, tuple[str, str]]]
    key: str
    fields: dict[str, Any]

    def keep(self, key: str, fields: dict[str, Any]) -> str:
        """Remember ``key`` and ``fields``; the English sentence."""
        self.key, self.fields = key, fields
        return self.in_language("en")

    def in_language(self, lang: str, names: Mapping[str, str] | None = None) -> str:
        """The sentence in ``lang``; ``names`` (id -> name) for its ``{x!i}`` fields."""
        return say(self.catalogue, self.key, lang, self.fields, names)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled by key and fields (a study's table comes back from a worker process)."""
        return _rebuild, (type(self), self.key, self.fields)


def _rebuild(kind: type[Message], key: str, fields: dict[str, Any]) -> Message:
    return kind(key, **fields)  # type: ignore[call-arg]


class Text(Message, str):
    """A catalogue message that is also its English text, so it goes where a string
    goes (a form's problem, a table's title) and can still be said in another language."""

    def __new__(cls, key: str, **fields: Any) -> Text:
        text = str.__new__(cls, say(cls.catalogue, key, "en", fields))
        text.keep(key, fields)
        return text


class Sentence(Text):
    """A sentence of ``REASONS`` that is no file's problem (a broker that did not start):
    the message of a core error, so that a page can say it in its language."""

    catalogue = REASONS


class Reason(Message, ValueError):
    """Why a value of a scenario or spec is wrong, as a message of ``REASONS``: raised by a
    validator (pydantic keeps it in its error's context) or carried by a ``Problem``."""

    catalogue = REASONS

    def __init__(self, key: str, **fields: Any):
        super().__init__(self.keep(key, fields))


@dataclass(frozen=True)
class Problem:
    """A mistake at ``path``; ``reason`` is its English line.  Made with a ``Reason``
    (``Problem(path, Reason(key, ...))``), it can be said in either language."""

    path: str
    reason: str
    file: str | None = None
    """Set when the problem is in another file than the one loaded (an arrival trace)."""
    said: Message | None = field(default=None, compare=False)
    """The reason as a catalogue message; set from ``reason`` when that is one."""

    def __post_init__(self) -> None:
        if isinstance(self.reason, Message):
            object.__setattr__(self, "said", self.reason)
            object.__setattr__(self, "reason", str(self.reason))

    def in_language(self, lang: str) -> str:
        """The reason in ``lang``; an unkeyed reason (another tool's file) stays English."""
        return self.said.in_language(lang) if self.said and lang != "en" else self.reason


class FileError(Exception):
    """One or more problems in one user file."""

    def __init__(self, file: str | Path, problems: Iterable[Problem]):
        self.file = str(file)
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(
            f"{p.file or self.file}: {_printable(p.path)}: {_printable(p.reason)}"
            for p in self.problems
        )


def _printable(text: str) -> str:
    """A line break or other control character from the file (in a key, or echoed in a
    reason) is escaped, so each problem stays one line."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def dotted(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc) or "(top)"


def _located_path(data: Any, loc: tuple[Any, ...]) -> str:
    """Keep only the parts of a pydantic location that index the user's data.

    Pydantic adds the tag of a discriminated union (``lognormal``) and markers such as
    ``[key]`` to the location; the user never wrote those, so they would only confuse.
    """
    kept: list[Any] = []
    node = data
    for i, part in enumerate(loc):
        indexes_dict = isinstance(node, dict) and part in node
        indexes_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if indexes_dict or indexes_list:
            kept.append(part)
            node = node[part]
        elif part == "[key]" or (isinstance(node, dict) and node.get("dist") == part):
            continue
        elif i == len(loc) - 1 and isinstance(node, dict | list):
            kept.append(part)  # a missing field or an extra key: name it
    return dotted(kept)


def _reason(error: dict[str, Any]) -> str:
    """Pydantic's message as the CLI prints it."""
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    if error["type"] == "missing":
        return "required field is missing"
    if error["type"] == "extra_forbidden":
        return "unknown field (check the spelling)"
    if error["type"] == "union_tag_invalid":
        return f"{message[0].lower()}{message[1:]}"
    if error["type"] == "union_tag_not_found":
        return "required field is missing"
    return message


def _said(error: dict[str, Any]) -> Reason:
    """A pydantic error as a message of ``REASONS``: a validator's own ``Reason``, or
    pydantic's kind of error (``pydantic.<type>``) with its context."""
    context = error.get("ctx") or {}
    if isinstance(context.get("error"), Reason):
        return context["error"]
    fields = {k: v for k, v in context.items() if k != "error"}
    key = f"pydantic.{error['type']}"
    if key not in REASONS:
        key, fields = "pydantic.other", {"message": _reason(error)}
    return Reason(key, **fields)


def from_validation_error(file: str | Path, data: Any, error: ValidationError) -> FileError:
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for item in error.errors():
        loc = tuple(item["loc"])
        if item["type"] == "union_tag_not_found":
            loc = (*loc, item["ctx"]["discriminator"].strip("'"))
        key = (_located_path(data, loc), _reason(item))
        if key not in seen:
            seen.add(key)
            problems.append(Problem(*key, said=_said(item)))
    return FileError(file, problems)
