"""XML from users (XES logs, BPMN diagrams) read with limits, as it streams.

``defusedxml`` refuses DTDs, and so entity expansion ("billion laughs") and external
entities.  Two more limits hold as the bytes arrive, before the parser sees them:
one token (a tag with its attributes, or a run of text) longer than ``MAX_TOKEN`` bytes,
on which the system's expat (before 2.6) spends time quadratic in its length, and
elements nested deeper than the caller allows, which any recursive reader would follow.
Each is one line: ``file: line N: reason``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from onething.scenarios.errors import FileError, Problem

MAX_TOKEN = 1_000_000
"""Bytes between two ``<``: one tag with all its attributes, or one text, at most 1 MB."""


class _TooLong(Exception):
    def __init__(self, line: int):
        self.line = line


class _Bounded:
    """A binary stream whose reads fail once ``MAX_TOKEN`` bytes pass without a ``<``
    (an attribute value or a text cannot hold one unescaped)."""

    def __init__(self, raw: IO[bytes]):
        self.raw, self.run, self.line = raw, 0, 1

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size)
        parts = chunk.split(b"<")
        for i, part in enumerate(parts):
            self.run = self.run + len(part) if i == 0 else len(part)
            if self.run > MAX_TOKEN:
                raise _TooLong(self.line)
            self.line += part.count(b"\n")
        return chunk


def elements(
    path: Path | str, raw: IO[bytes], max_depth: int, kind: str
) -> Iterator[tuple[str, Element, int]]:
    """``(event, element, depth)`` for every ``start`` and ``end`` of ``raw``, the XML
    of ``path`` (``kind`` names it in errors: XES, BPMN); the caller clears what it has
    read.  Depth 1 is the root."""
    stream = _Bounded(raw)
    depth = 0
    try:
        for event, element in iterparse(stream, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                depth += 1
                if depth > max_depth:
                    reason = f"elements nested more than {max_depth} deep: not {kind}"
                    raise FileError(path, [Problem(f"line {stream.line}", reason)])
                yield event, element, depth
            else:
                yield event, element, depth
                depth -= 1
    except _TooLong as exc:
        reason = f"a tag or text longer than {MAX_TOKEN:,} bytes: not {kind}"
        raise FileError(path, [Problem(f"line {exc.line}", reason)]) from None
    except ParseError as exc:
        raise FileError(path, [Problem(f"line {exc.position[0]}", f"not {kind}: {exc}")]) from None
    except DefusedXmlException:
        reason = f"a DTD (<!DOCTYPE>), whose entities could expand without bound: {kind} needs none"
        raise FileError(path, [Problem("(file)", reason)]) from None
