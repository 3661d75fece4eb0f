"""The live engine without a broker: the load harness and the plain services (every
department, the platform, the shared data) in one process on SimPy's clock.

Every event goes through the topics' encoding, as on Kafka, and is delivered the moment
it is sent (no transport delay unless asked), so the same service code that runs behind
Faust tells, case by case, the story the DES tells (the drift test holds the two
together).  Also a quick way to watch the services work without starting anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import simpy
from pydantic import BaseModel

from onething.scenarios.levers import Process
from onething.scenarios.mechanics import Draws
from onething.services.department import Department
from onething.services.effects import Refused, Send
from onething.services.office import DrawsFor
from onething.services.platform import Platform
from onething.services.shared_data import SharedData
from onething.sim.engine import Recorder
from onething.sim.harness import Harness, LiveCase, LiveResult, LiveSettings
from onething.topics.names import (
    APPLICATIONS,
    COMPLETIONS,
    DATA_REQUESTS,
    DECISIONS,
    requests_topic,
)
from onething.topics.schemas import decode, encode


class Table(dict):
    """A service's table in memory, counting its writes (each is a changelog record on
    Kafka)."""

    writes = 0

    def __setitem__(self, key: Any, value: Any) -> None:
        self.writes += 1
        super().__setitem__(key, value)


@dataclass
class LocalRun:
    result: LiveResult
    refused: list[tuple[str, str]] = field(default_factory=list)
    """(topic, reason) of every event a service refused (would be dead-lettered)."""
    sent: Counter[str] = field(default_factory=Counter)
    """Events sent per topic, by the harness and the services."""
    consumed: Counter[str] = field(default_factory=Counter)
    """Events read by services per topic (the harness's reads not counted)."""
    table_writes: int = 0

    def per_case(self) -> dict[str, float]:
        """Records a case costs: what Kafka would carry for it."""
        cases = len(self.result.cases) or 1
        sent = sum(self.sent.values())
        return {
            "sent": sent / cases,
            "table_writes": self.table_writes / cases,
            "produced": (sent + self.table_writes) / cases,
            "consumed_by_services": sum(self.consumed.values()) / cases,
        }


class LocalServices:
    """Every service of a bundle, wired by topic, delivering on ``env``'s clock."""

    def __init__(
        self,
        env: simpy.Environment,
        process: Process,
        draws_for: DrawsFor | None = None,
        hop_minutes: float = 0.0,
    ):
        """``hop_minutes``: every event arrives that long after it is sent (a broker's hop
        at a live clock's scale); none by default."""
        scenario = process.scenario
        self.env = env
        self.hop_minutes = hop_minutes

        def now_of(_clock: Any) -> float:
            return env.now

        self.cases = Table()
        platform = Platform(
            scenario, self.cases, plain_clock=_no_plain_clients, now_of=now_of, draws_for=draws_for
        )
        shared = SharedData(scenario)
        self.handlers: dict[str, list[Callable[[Any], list[Send]]]] = {
            APPLICATIONS: [platform.on_application],
            DECISIONS: [platform.on_decisions],
            DATA_REQUESTS: [shared.on_request],
            COMPLETIONS: [],
        }
        for department in scenario.departments:
            office = Department(scenario, department, now_of, draws_for)
            self.handlers[requests_topic(department)] = [office.on_request]
        self.listeners: list[Callable[[Any], None]] = []
        """Who else reads decisions and completions (the harness)."""
        self.refused: list[tuple[str, str]] = []
        self.sent: Counter[str] = Counter()
        self.consumed: Counter[str] = Counter()

    def send(self, topic: str, message: BaseModel) -> None:
        """A client sends an event: it arrives at once, after everything already due."""
        self.env.process(self._deliver(Send(topic, message)))

    def _deliver(self, send: Send) -> Any:
        wait = send.at - self.env.now if send.at is not None and send.at > self.env.now else 0.0
        yield self.env.timeout(wait + self.hop_minutes)
        key, value, headers = encode(send.message)
        message = decode(value, (type(send.message),))
        self.sent[send.topic] += 1
        self.consumed[send.topic] += len(self.handlers[send.topic])
        for handle in self.handlers[send.topic]:
            try:
                sends = handle(message)
            except Refused as refusal:
                self.refused.append((send.topic, str(refusal)))
                continue
            for effect in sends:
                self.env.process(self._deliver(effect))
        if send.topic in (DECISIONS, COMPLETIONS):
            for listener in self.listeners:
                listener(message)


def _no_plain_clients() -> Any:
    raise Refused("an application without a clock: the broker-less loop has no plain clients")


def run_local(
    process: Process,
    settings: LiveSettings,
    draws: Draws | None = None,
    draws_for: DrawsFor | None = None,
    recorder: Recorder | None = None,
    measured_until: float | None = None,
    hop_minutes: float = 0.0,
) -> LocalRun:
    """Replay the applicants of ``settings`` against the services with no broker;
    ``draws`` feeds the applicants, ``draws_for`` the offices, ``recorder`` hears the
    event rows; utilisation is measured until ``measured_until`` (default: the last
    arrival); each event takes ``hop_minutes`` to arrive."""
    env = simpy.Environment()
    services = LocalServices(env, process, draws_for, hop_minutes)
    harness = Harness(process, settings, draws, recorder)
    harness.transport = services.send
    harness.clock = harness.clock_from(0.0, 1.0)
    services.listeners.append(harness.apply)
    times = harness.arrival_times()
    cases: list[LiveCase] = []
    harness.start(env, times, cases, measured_until)
    env.run()
    return LocalRun(
        harness.result(cases, times, 0.0),
        services.refused,
        services.sent,
        services.consumed,
        services.cases.writes,
    )
