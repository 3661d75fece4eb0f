"""What a service's handling of one event amounts to: messages to send, now or at a
simulated minute.  The Faust adapter sends them on Kafka (waiting in scaled real time);
the broker-less loop delivers them on SimPy's clock."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from onething.topics.schemas import Clock


@dataclass(frozen=True)
class Send:
    topic: str
    message: BaseModel
    at: float | None = None
    """Simulated minute to send at (a window's service end, a decision); None: at once."""
    clock: Clock | None = None
    """The clock ``at`` is read on (a live run's scaled real time)."""


class Refused(Exception):
    """An event a service cannot place: it goes to the dead-letter topic with this reason."""
