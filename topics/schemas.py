"""Message schemas (version 1): JSON objects with a ``type`` and a version ``v``.

Every message carries its case id (also the Kafka key).  Headers carry the type, the
version and the wall-clock send time in nanoseconds, from which the receiver measures the
hop's latency; each message also carries the ``hops`` measured so far, so the harness
sees every hop of a case.

Simulated time: a run's ``Clock`` maps wall-clock seconds to simulated minutes, so a
department knows whether it is open and how long three working days are, in real time.
Each event carries the simulated minute it was sent (``sent_at``, or a served event's
``served_at``, a decision's ``decided_at``) and its receiver works from that minute, not
from the clock's reading when it arrives: a hop's real time is measured (``hops``), never
added to the simulated story.

The smallest application a plain Kafka client can send (``kcat -P -t
onething.applications -k case-1``)::

    {"type": "application", "v": 1, "case_id": "case-1", "bundle": "newborn"}
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from onething.scenarios.model import MAX_ROUNDS

VERSION = 1
MAX_BYTES = 64 * 1024
"""A larger event is dead-lettered: no legitimate event of a bundle comes near it."""
MAX_DEPTH = 16
"""The deepest nesting of arrays and objects an event may have (onething's own go 3 deep:
hops, a clock's levers).  A deeper one is refused before it is parsed: Python's parser
would exhaust the stack on 20,000 levels, and RecursionError would stop the agent."""
MAX_DIGITS = 20
"""The longest integer an event may write (a nanosecond stamp has 19 digits); Python
refuses past 4,300 digits with a ValueError, and the parse time grows with the square."""
MAX_MINUTES = 1e8
"""The largest simulated minute (about 190 years) or duration an event may carry, or a
clock may read: a service extends its calendars that far."""
MIN_SPEEDUP, MAX_SPEEDUP = 1e-3, 1e6
"""Simulated minutes per real second a clock may run at, so no wait in scaled real time
lasts for ever (real time is 1/60)."""
SENT_NS = "onething-sent-ns"
"""The header with the wall-clock send time in nanoseconds."""

CaseId = Annotated[str, Field(min_length=1, max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Minutes = Annotated[float, Field(ge=-MAX_MINUTES, le=MAX_MINUTES)]
"""Simulated minutes (a time or a duration): finite, and small enough that a service's
calendar and its sleeps in scaled real time stay meaningful."""


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    v: Literal[1] = 1
    case_id: CaseId
    hops: list[tuple[str, float]] = []
    """(hop, milliseconds) measured by the receivers so far."""


class Clock(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)
    origin: float = Field(ge=0, le=1e11)
    """Wall-clock seconds (epoch) at simulated minute 0."""
    minutes_per_second: float = Field(ge=MIN_SPEEDUP, le=MAX_SPEEDUP)
    """Simulated minutes per real second (the speed-up; real time is 1/60): from 0.001 to a
    million, so that no wait in scaled real time lasts for ever."""
    infra_only: bool = False
    """Service times set to zero: measure the pipeline alone."""
    levers: list[Name] = []
    """The levers of the process this run plays (services serve any mode)."""
    seed: int | None = Field(default=None, ge=-(2**63), lt=2**63)
    """The run's seed: each service draws an applicant's numbers from it and the
    applicant's name (``services.office.seeded``), so a run's draws are reproducible;
    none (a plain client's run): a fresh seed."""

    def now(self) -> float:
        return (time.time() - self.origin) * self.minutes_per_second

    def seconds(self, minutes: float) -> float:
        return 0.0 if self.infra_only else minutes / self.minutes_per_second


class Application(Message):
    type: Literal["application"] = "application"
    bundle: Name
    clock: Clock | None = None
    """Absent when sent by a plain client: the platform's own clock and levers apply."""
    opened_at: Minutes | None = None
    """Simulated minute the case opened (the applicant arrived): an item's waiting period
    counts from it (``Item.waiting_period``); none (a plain client): from the filing."""
    file: list[Name] | None = None
    """Items filed; None is the whole bundle (a re-filing after 补正 names the rest)."""
    collect: list[Name] = []
    """Paper results collected at the single window."""
    attempt: int = Field(default=0, ge=0, le=100)
    sent_at: Minutes | None = None
    """Simulated minute the sender sent it: the receiver takes it as now, so the real time
    the hop took is not added to the story (``Clock``); none (a plain client): the
    receiver reads the clock."""


class ItemRequest(Message):
    """Items filed (and results collected) at a department, or routed to its back office."""

    type: Literal["request"] = "request"
    department: Name
    file: list[Name] = []
    collect: list[Name] = []
    at_window: bool = True
    """False when the platform routes the item: no queue at the department's window."""
    not_before: Minutes | None = None
    """Simulated minute the item's paper reaches the back office (a transfer between
    offices); the department holds it until then, so the wait survives a platform crash."""
    opened_at: Minutes | None = None
    """Simulated minute the case opened (the applicant arrived): an item's waiting period
    counts from it (``Item.waiting_period``); none (a plain client): from the filing."""
    attempt: int = Field(default=0, ge=0, le=100)
    held: list[Name] = []
    """Items of this filing accepted at an earlier attempt: a filing goes to the back
    office whole, once nothing of it is sent back (补正) any more."""
    clock: Clock
    sent_at: Minutes | None = None
    """Simulated minute the sender sent it: the receiver takes it as now, so the real time
    the hop took is not added to the story (``Clock``); none (a plain client): the
    receiver reads the clock."""


class Served(Message):
    """The applicant leaves a window: what was accepted and what was sent back (补正)."""

    type: Literal["served"] = "served"
    place: Name
    file: list[Name] = []
    collect: list[Name] = []
    sent_back: list[Name] = []
    attempt: int = 0
    queue_minutes: Minutes = 0.0
    service_minutes: Minutes = 0.0
    served_at: Minutes
    """Simulated minute the service ended."""
    online: bool = False
    """Filed online: no window was busy and nobody queued."""
    clock: Clock | None = None
    """The case's clock, on the single window's own ``served`` (the platform records
    the case when it reads that back, not at intake)."""
    opened_at: Minutes | None = None
    """When the case opened, on the single window's own ``served`` (``Application``)."""


class Decision(Message):
    type: Literal["decision"] = "decision"
    item: Name
    department: Name
    started_at: Minutes
    decided_at: Minutes
    earlier_rounds: list[Minutes] = Field(default=[], max_length=MAX_ROUNDS)
    """When the rounds before the last ended, for an item the back office does again
    (``Item.repeat``); each round is a row of the event log."""
    routed: bool = False
    """The platform routed the item: only the platform's own cases have such decisions."""


class Completion(Message):
    type: Literal["completion"] = "completion"
    decided_at: dict[Name, Minutes]
    completed_at: Minutes
    decisions_applied: int = Field(default=0, ge=0)
    """How many decision events changed the case on the platform: one per item when
    each is applied once, however often it was delivered."""


class DataRequest(Message):
    """Items routed to a department whose materials the shared data supplies: it checks
    them and hands the request on to the department itself (one hop, not two)."""

    type: Literal["data_request"] = "data_request"
    department: Name
    items: list[Name] = Field(min_length=1)
    materials: list[Name]
    """What the items fetch instead of asking the applicant for."""
    issued: list[Name] = []
    """Certificates the case holds (the platform has joined their decisions)."""
    opened_at: Minutes | None = None
    """When the case opened (``ItemRequest.opened_at``), handed on with the items."""
    clock: Clock
    sent_at: Minutes | None = None
    """Simulated minute the sender sent it: the receiver takes it as now, so the real time
    the hop took is not added to the story (``Clock``); none (a plain client): the
    receiver reads the clock."""


class DeadLetter(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["dead_letter"] = "dead_letter"
    v: Literal[1] = 1
    service: str
    reason: str
    source_topic: str
    partition: int
    offset: int
    payload: str
    """The first 2,000 characters of the event as received."""


AnyMessage = Annotated[
    Application | ItemRequest | Served | Decision | Completion | DataRequest,
    Field(discriminator="type"),
]
_ADAPTER: TypeAdapter[Any] = TypeAdapter(AnyMessage)


class BadEvent(ValueError):
    """Why an event cannot be accepted; the text becomes the dead letter's reason."""


def decode(raw: bytes | None, expected: tuple[type, ...] | None = None) -> Any:
    """Parse one event, or raise ``BadEvent`` saying what is wrong with it (and nothing
    else, whatever the bytes: ``tests/topics/test_schemas.py`` holds it to that)."""
    if raw is None:
        raise BadEvent("empty event (no value)")
    if not isinstance(raw, bytes):
        raise BadEvent(f"an event of {type(raw).__name__}, not bytes")
    if len(raw) > MAX_BYTES:
        raise BadEvent(f"oversized: {len(raw)} bytes, the limit is {MAX_BYTES}")
    if _too_deep(raw):
        raise BadEvent(f"nested deeper than {MAX_DEPTH} levels")
    try:
        data = json.loads(raw.decode("utf-8"), parse_int=_short_int, parse_constant=_not_a_constant)
    except UnicodeDecodeError as exc:
        raise BadEvent(f"not UTF-8: {exc}") from None
    except json.JSONDecodeError as exc:
        raise BadEvent(f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadEvent("not a JSON object")
    if data.get("v", VERSION) != VERSION:
        version = repr(data.get("v"))[:40]
        raise BadEvent(f"unknown schema version {version} (this service reads {VERSION})")
    try:
        message = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p)[:40] for p in first["loc"]) or "(event)"
        raise BadEvent(f"{where}: {first['msg']}") from None
    if expected is not None and not isinstance(message, expected):
        names = ", ".join(t.__name__ for t in expected)
        raise BadEvent(f"a {type(message).__name__} event where {names} is expected")
    return message


_NESTING = re.compile(rb'[\[\]{}"\\]')


def _too_deep(raw: bytes) -> bool:
    """Whether the event's arrays and objects nest deeper than ``MAX_DEPTH`` (brackets
    inside strings do not count): one pass, which stops at the first level too deep."""
    if raw.count(b"[") + raw.count(b"{") <= MAX_DEPTH:
        return False  # too few brackets to nest too deep
    depth = 0
    in_string = False
    escaped_until = -1
    for found in _NESTING.finditer(raw):
        at, char = found.start(), found[0]
        if at < escaped_until:
            continue
        if char == b"\\":
            escaped_until = at + 2 if in_string else escaped_until
        elif char == b'"':
            in_string = not in_string
        elif not in_string:
            depth += 1 if char in b"[{" else -1
            if depth > MAX_DEPTH:
                return True
    return False


def _short_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise BadEvent(f"a number of {len(text)} digits (the limit is {MAX_DIGITS})")
    return int(text)


def _not_a_constant(name: str) -> float:
    raise BadEvent(f"{name} is not a JSON number")


def check_clock(message: Message) -> None:
    """Refuse an event whose clock reads, now, a simulated minute beyond ``MAX_MINUTES``
    either way (an origin decades away, a speed-up of a million): no run gets there."""
    clock = getattr(message, "clock", None)
    if clock is not None and not -MAX_MINUTES <= (now := clock.now()) <= MAX_MINUTES:
        raise BadEvent(f"clock: it reads simulated minute {now:.3g}, beyond ±{MAX_MINUTES:g}")


def check_key(key: Any, message: Message) -> None:
    """Refuse an event not keyed by its case id: a case's events keep their order only
    because its key puts them all in one partition."""
    if key != message.case_id.encode():
        shown = repr(key)[:60] if key is not None else "none"
        raise BadEvent(f"the key ({shown}) is not the case id {message.case_id!r}")


def encode(message: BaseModel) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers for producing ``message``."""
    key = getattr(message, "case_id", "").encode()
    value = message.model_dump_json().encode()
    headers = [
        ("onething-type", str(getattr(message, "type", "")).encode()),
        ("onething-v", str(VERSION).encode()),
        (SENT_NS, str(time.time_ns()).encode()),
    ]
    return key, value, headers


def hop_ms(headers: Any) -> float | None:
    """Milliseconds since the sender stamped the event, from its headers; None when the
    stamp is missing, repeated or not a count of nanoseconds.  A bad stamp costs the
    event its latency, never the event: a plain Kafka client sends no headers at all."""
    stamps = [value for name, value in _header_pairs(headers) if name in _SENT_NS_NAMES]
    if len(stamps) != 1:
        return None
    stamp = stamps[0].encode() if isinstance(stamps[0], str) else stamps[0]
    if not isinstance(stamp, bytes) or not stamp.isdigit() or len(stamp) > MAX_DIGITS:
        return None
    return (time.time_ns() - int(stamp)) / 1e6


_SENT_NS_NAMES = (SENT_NS, SENT_NS.encode())


def check_header_names(headers: Any) -> None:
    """Refuse an event with a header name that is not UTF-8: as read by a consumer that
    decodes names leniently (``topics.header_names``), a name whose lone surrogates
    hold the bytes that are not UTF-8; as written, a name in bytes."""
    for name, _ in _header_pairs(headers):
        raw = name
        try:
            if isinstance(name, str):
                raw = name.encode("utf-8", "surrogateescape")
            if isinstance(raw, bytes):
                raw.decode("utf-8")
        except UnicodeError:
            raise BadEvent(f"a header name is not UTF-8: {raw!r:.60}") from None


def _header_pairs(headers: Any) -> list[tuple[Any, Any]]:
    """Headers as (name, value) pairs, whatever shape they come in; none for no shape."""
    try:
        pairs = list(headers.items() if isinstance(headers, Mapping) else headers or ())
    except TypeError:
        return []
    return [tuple(pair) for pair in pairs if isinstance(pair, tuple | list) and len(pair) == 2]
