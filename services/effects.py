"""What a service's handling of one event amounts to: messages to send, now or at a
simulated minute.  The Faust adapter sends them on Kafka (waiting in scaled real time);
the broker-less loop delivers them on SimPy's clock."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


@dataclass(frozen=True)
class Send:
    topic: str
    message: BaseModel
    at: float | None = None
    """Simulated minute to send at (a window's service end, a decision); None: at once."""


class Refused(Exception):
    """An event a service cannot place: it goes to the dead-letter topic with this reason."""
