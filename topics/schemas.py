"""Message schemas (version 1): JSON objects with a ``type`` and a version ``v``.

Every message carries its case id (also the Kafka key).  Headers carry the type, the
version and the wall-clock send time in nanoseconds, from which the receiver measures the
hop's latency; each message also carries the ``hops`` measured so far, so the harness
sees every hop of a case.

Simulated time: a run's ``Clock`` maps wall-clock seconds to simulated minutes, so a
department knows whether it is open and how long three working days are, in real time.

The smallest application a plain Kafka client can send (``kcat -P -t
onething.applications -k case-1``)::

    {"type": "application", "v": 1, "case_id": "case-1", "bundle": "newborn"}
"""

from __future__ import annotations

import json
import time
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, TypeAdapter, ValidationError

VERSION = 1
MAX_BYTES = 64 * 1024
"""A larger event is dead-lettered: no legitimate event of a bundle comes near it."""

CaseId = Annotated[str, Field(min_length=1, max_length=200)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class Message(BaseModel):
    model_config = ConfigDict(extra="forbid")
    v: Literal[1] = 1
    case_id: CaseId
    hops: list[tuple[str, float]] = []
    """(hop, milliseconds) measured by the receivers so far."""


class Clock(BaseModel):
    model_config = ConfigDict(extra="forbid")
    origin: float
    """Wall-clock seconds (epoch) at simulated minute 0."""
    minutes_per_second: PositiveFloat
    """Simulated minutes per real second (the speed-up)."""
    infra_only: bool = False
    """Service times set to zero: measure the pipeline alone."""
    levers: list[Name] = []
    """The levers of the process this run plays (services serve any mode)."""

    def now(self) -> float:
        return (time.time() - self.origin) * self.minutes_per_second

    def seconds(self, minutes: float) -> float:
        return 0.0 if self.infra_only else minutes / self.minutes_per_second


class Application(Message):
    type: Literal["application"] = "application"
    bundle: Name
    clock: Clock | None = None
    """Absent when sent by a plain client: the platform's own clock and levers apply."""
    file: list[Name] | None = None
    """Items filed; None is the whole bundle (a re-filing after 补正 names the rest)."""
    collect: list[Name] = []
    """Paper results collected at the single window."""
    attempt: int = Field(default=0, ge=0, le=100)


class ItemRequest(Message):
    """Items filed (and results collected) at a department, or routed to its back office."""

    type: Literal["request"] = "request"
    department: Name
    file: list[Name] = []
    collect: list[Name] = []
    at_window: bool = True
    """False when the platform routes the item: no queue at the department's window."""
    not_before: float | None = None
    """Simulated minute the item's paper reaches the back office (a transfer between
    offices); the department holds it until then, so the wait survives a platform crash."""
    attempt: int = Field(default=0, ge=0, le=100)
    held: list[Name] = []
    """Items of this filing accepted at an earlier attempt: a filing goes to the back
    office whole, once nothing of it is sent back (补正) any more."""
    clock: Clock


class Served(Message):
    """The applicant leaves a window: what was accepted and what was sent back (补正)."""

    type: Literal["served"] = "served"
    place: Name
    file: list[Name] = []
    collect: list[Name] = []
    sent_back: list[Name] = []
    attempt: int = 0
    queue_minutes: float = 0.0
    service_minutes: float = 0.0
    served_at: float
    """Simulated minute the service ended."""
    online: bool = False
    """Filed online: no window was busy and nobody queued."""
    clock: Clock | None = None
    """The case's clock, on the single window's own ``served`` (the platform records
    the case when it reads that back, not at intake)."""


class Decision(Message):
    type: Literal["decision"] = "decision"
    item: Name
    department: Name
    started_at: float
    decided_at: float
    routed: bool = False
    """The platform routed the item: only the platform's own cases have such decisions."""


class Completion(Message):
    type: Literal["completion"] = "completion"
    decided_at: dict[Name, float]
    completed_at: float
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
    clock: Clock


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
    """Parse one event, or raise ``BadEvent`` saying what is wrong with it."""
    if raw is None:
        raise BadEvent("empty event (no value)")
    if len(raw) > MAX_BYTES:
        raise BadEvent(f"oversized: {len(raw)} bytes, the limit is {MAX_BYTES}")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadEvent(f"malformed JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadEvent("not a JSON object")
    if data.get("v", VERSION) != VERSION:
        raise BadEvent(f"unknown schema version {data.get('v')!r} (this service reads {VERSION})")
    try:
        message = _ADAPTER.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(event)"
        raise BadEvent(f"{where}: {first['msg']}") from None
    if expected is not None and not isinstance(message, expected):
        names = ", ".join(t.__name__ for t in expected)
        raise BadEvent(f"a {type(message).__name__} event where {names} is expected")
    return message


def encode(message: BaseModel) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """Key, value and headers for producing ``message``."""
    key = getattr(message, "case_id", "").encode()
    value = message.model_dump_json().encode()
    headers = [
        ("onething-type", str(getattr(message, "type", "")).encode()),
        ("onething-v", str(VERSION).encode()),
        ("onething-sent-ns", str(time.time_ns()).encode()),
    ]
    return key, value, headers


def hop_ms(headers: Any) -> float | None:
    """Milliseconds since the sender stamped the event, from its headers."""
    pairs = headers.items() if isinstance(headers, dict) else headers or ()
    for name, value in pairs:
        name = name.decode() if isinstance(name, bytes) else name
        if name == "onething-sent-ns":
            try:
                return (time.time_ns() - int(value)) / 1e6
            except ValueError:
                return None
    return None
