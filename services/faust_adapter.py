"""The services on Kafka: the thin adapter that feeds the plain service classes
(``department``, ``platform``, ``shared_data``) from Faust streams, sends what they return in
scaled real time and dead-letters what they refuse; and the Faust apps that run them.  The
Faust settings and patches are in ``services.faust_runtime``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from collections.abc import Callable
from typing import Any

import faust
import faust.transport.consumer
import faust.transport.producer

from onething.scenarios.model import Scenario
from onething.scenarios.official_calendar import BeyondOfficialCalendar
from onething.services.department import Department
from onething.services.effects import Refused, Send
from onething.services.faust_runtime import make_app, raw_topic
from onething.services.platform import Platform
from onething.services.shared_data import SharedData
from onething.topics.names import (
    APPLICATIONS,
    DATA_REQUESTS,
    DEAD_LETTERS,
    DECISIONS,
    requests_topic,
)
from onething.topics.schemas import (
    Application,
    BadEvent,
    Clock,
    DataRequest,
    DeadLetter,
    Decision,
    ItemRequest,
    Served,
    check_clock,
    check_header_names,
    check_key,
    decode,
    encode,
    hop_ms,
)

log = logging.getLogger("onething.services")


REFUSALS = (BadEvent, Refused, BeyondOfficialCalendar)
"""Why an event is dead-lettered with its own reason: a bad event, one the service
cannot place, or one whose clock runs past the official working calendar."""
MAX_REASON = 1000
"""A dead letter's reason is cut here (a reason can quote the event)."""

FAULT_ENV = "ONETHING_FAULT_DROP"
"""A test-only fault: ``TOPIC:N`` makes every service drop the N-th event it would send
to TOPIC, a lost message, to prove that a run's reconciliation catches and names it."""


def _record(event: Any) -> tuple[str, int, int]:
    """Where an event's record lies: (topic, partition, offset)."""
    message = event.message
    return message.topic, message.partition, message.offset


def _fault() -> tuple[str, int] | None:
    text = os.environ.get(FAULT_ENV, "")
    topic, _, nth = text.rpartition(":")
    return (topic, int(nth)) if topic and nth.isdigit() else None


class Adapter:
    """Runs one plain service (event in, ``Send`` out) on Kafka: parses and stamps each
    event, hands it to the service, dead-letters what it refuses, and sends what it
    returns, each at its simulated minute in scaled real time.  An event is acknowledged
    (so its offset may be committed) only when the broker has everything it caused: a
    crash replays unfinished work instead of losing it, and a send the broker refuses
    is sent again instead of being dropped with its event acknowledged."""

    RESEND_BACKOFF = (0.1, 0.5, 2.0)
    """Seconds before each new attempt at a refused send (the last repeats)."""

    def __init__(self, name: str, app: faust.App):
        self.name = name
        self.app = app
        self.dead = raw_topic(app, DEAD_LETTERS)
        self.topics: dict[str, Any] = {}
        self.fault = _fault()
        self.sent: dict[str, int] = {}
        self.working: dict[tuple[str, int, int], list[Any]] = {}
        """Records being worked on (topic, partition, offset), each with the readings of
        it that came again meanwhile (``feed``)."""

    def topic(self, name: str) -> Any:
        if name not in self.topics:
            self.topics[name] = raw_topic(self.app, name)
        return self.topics[name]

    async def feed(
        self,
        event: Any,
        expected: tuple[type, ...],
        hop: str,
        handle: Callable[[Any], list[Send]],
    ) -> None:
        """Handle one event taken with ``noack()``; acknowledge it when its work is done.
        Nothing an event holds stops the agent: what cannot be taken is dead-lettered.

        A record read again (after a seek or a rebalance) while its first reading is
        still being worked on here is not handled twice: it is acknowledged with the
        first.  Handled as a repeat, it caused nothing and was acknowledged at once, so
        the commit could pass the record while the first reading still had sends to make
        at later simulated minutes; a department replica stopped soon after never made
        them (a case lost in a rebalance chaos run; why the first reading, not yet
        acknowledged, did not hold the commit back is not known)."""
        record = _record(event)
        again = self.working.get(record)
        if again is not None:
            again.append(event)
            return
        self.working[record] = []
        try:
            sends = handle(self.receive(event, expected, hop))
        except REFUSALS as refusal:
            await self.dead_letter(event, str(refusal))
            self._done(event)
            return
        except Exception as exc:  # a bug must not stop the service nor lose the event
            log.exception("%s: failed on an event from %s", self.name, event.message.topic)
            await self.dead_letter(event, f"{self.name} failed on it: {type(exc).__name__}: {exc}")
            self._done(event)
            return
        if all(s.at is None for s in sends):
            await self._send_caused(event, sends)
        else:
            asyncio.ensure_future(self._send_caused(event, sends))

    async def _send_caused(self, event: Any, sends: list[Send]) -> None:
        """Send what an event caused, each at its time, and acknowledge the event when
        the broker has it all."""
        try:
            deliveries = await self._send_all(sends)
        except Exception as exc:  # unreachable on a running service; never leave it unacked
            log.exception("%s: failed while sending %r", self.name, sends)
            await self.dead_letter(event, f"{self.name} failed to send what it caused: {exc!r}")
            self._done(event)
            return
        self._ack_when_delivered(event, deliveries)

    async def _send_all(self, sends: list[Send]) -> list[tuple[Send, Any]]:
        """Hand every send to the producer at its time; each with its delivery."""
        deliveries = []
        for send in sorted(sends, key=lambda s: -math.inf if s.at is None else s.at):
            clock = send.clock
            if send.at is not None and clock is not None and not clock.infra_only:
                delay = clock.seconds(send.at - clock.now())
                if delay > 0:
                    await asyncio.sleep(delay)
            self.sent[send.topic] = self.sent.get(send.topic, 0) + 1
            if self.fault == (send.topic, self.sent[send.topic]):
                log.warning("%s: %s: dropped %r", self.name, FAULT_ENV, send.message)
                continue
            deliveries.append((send, await self._send(send)))
        return deliveries

    async def _send(self, send: Send) -> Any:
        """Hand one send to the producer; its delivery (a future of the broker's answer)."""
        key, value, headers = encode(send.message)
        return await self.topic(send.topic).send(key=key, value=value, headers=headers)

    def _ack_when_delivered(self, event: Any, deliveries: list[tuple[Send, Any]]) -> None:
        """Acknowledge ``event`` once the broker has taken every one of its sends; send
        again what it refuses."""
        waiting = len(deliveries)
        if not waiting:
            self._done(event)
            return

        def delivered(send: Send, delivery: Any, attempt: int) -> None:
            nonlocal waiting
            if delivery.cancelled() or delivery.exception() is not None:
                why = "cancelled" if delivery.cancelled() else repr(delivery.exception())
                asyncio.ensure_future(self._resend(send, why, attempt + 1, delivered))
                return
            waiting -= 1
            if not waiting:
                self._done(event)

        for send, delivery in deliveries:
            delivery.add_done_callback(lambda d, s=send: delivered(s, d, 0))

    def _done(self, event: Any) -> None:
        """Acknowledge ``event`` and every reading of its record that came meanwhile."""
        event.ack()
        for again in self.working.pop(_record(event), ()):
            again.ack()

    async def _resend(
        self, send: Send, why: str, attempt: int, delivered: Callable[[Send, Any, int], None]
    ) -> None:
        """Send again, after a pause, what the broker refused; ``delivered`` hears how the
        new attempt went."""
        backoff = self.RESEND_BACKOFF[min(attempt, len(self.RESEND_BACKOFF)) - 1]
        log.warning(
            "%s: a send to %s failed (%s); sending it again in %g s (attempt %d)",
            self.name,
            send.topic,
            why,
            backoff,
            attempt + 1,
        )
        await asyncio.sleep(backoff)
        delivery = await self._send(send)
        delivery.add_done_callback(lambda d: delivered(send, d, attempt))

    async def dead_letter(self, event: Any, reason: str) -> None:
        payload = event.value if isinstance(event.value, bytes) else str(event.value).encode()
        letter = DeadLetter(
            service=self.name,
            reason=reason[:MAX_REASON],
            source_topic=event.message.topic,
            partition=event.message.partition,
            offset=event.message.offset,
            payload=payload[:2000].decode("utf-8", errors="replace"),
        )
        log.warning(
            "%s: dead letter from %s[%s]@%s: %s",
            self.name,
            letter.source_topic,
            letter.partition,
            letter.offset,
            letter.reason,
        )
        key = event.key if isinstance(event.key, bytes) else None
        await self.dead.send(key=key, value=letter.model_dump_json().encode())

    def receive(self, event: Any, expected: tuple[type, ...], hop: str) -> Any:
        """Parse an event keyed by its case, on a clock a run can have, and record its
        hop; raise ``BadEvent`` if it is bad.  A bad send-time header only costs the
        hop's latency."""
        check_header_names(event.headers)
        message = decode(event.value, expected)
        check_key(event.key, message)
        check_clock(message)
        latency = hop_ms(event.headers)
        if latency is not None:
            message.hops.append((hop, latency))
        return message


def add_department(app: faust.App, scenario: Scenario, department: str) -> None:
    """One department's agent: its requests topic in, decisions out."""
    service = Department(scenario, department)
    adapter = Adapter(f"department {department}", app)

    @app.agent(raw_topic(app, requests_topic(department)), name=f"department-{department}")
    async def take(stream: Any) -> None:
        async for event in stream.noack().events():
            await adapter.feed(
                event,
                (ItemRequest,),
                f"to {department}",
                service.on_request,
            )


def add_platform(app: faust.App, scenario: Scenario, default_clock: Clock) -> None:
    """The platform's agents: applications and decisions in; routes, its window's
    ``served`` and completions out; cases in a table."""
    adapter = Adapter("platform", app)
    cases = app.Table(f"onething-{scenario.name}-platform-cases", default=dict)
    service = Platform(
        scenario, cases, lambda: default_clock.model_copy(update={"origin": time.time()})
    )

    @app.agent(raw_topic(app, APPLICATIONS), name="platform-intake")
    async def intake(stream: Any) -> None:
        async for event in stream.noack().events():
            await adapter.feed(event, (Application,), "to platform", service.on_application)

    @app.agent(raw_topic(app, DECISIONS), name="platform-join")
    async def join(stream: Any) -> None:
        async for event in stream.noack().events():
            await adapter.feed(event, (Served, Decision), "to platform", service.on_decisions)


def add_shared_data(app: faust.App, scenario: Scenario) -> None:
    """The shared data's agent: data requests in, department requests out."""
    adapter = Adapter("shared data", app)
    service = SharedData(scenario)

    @app.agent(raw_topic(app, DATA_REQUESTS), name="shared-data")
    async def serve(stream: Any) -> None:
        async for event in stream.noack().events():
            await adapter.feed(event, (DataRequest,), "to shared data", service.on_request)


def department_app(scenario: Scenario, department: str, bootstrap: str) -> faust.App:
    app = make_app(f"onething-{scenario.name}-{department}", bootstrap)
    add_department(app, scenario, department)
    return app


def platform_app(scenario: Scenario, bootstrap: str, default_clock: Clock) -> faust.App:
    app = make_app(f"onething-{scenario.name}-platform", bootstrap)
    add_platform(app, scenario, default_clock)
    return app


def shared_data_app(scenario: Scenario, bootstrap: str) -> faust.App:
    app = make_app(f"onething-{scenario.name}-shared-data", bootstrap)
    add_shared_data(app, scenario)
    return app


def compact_app(scenario: Scenario, bootstrap: str, default_clock: Clock) -> faust.App:
    """Every service of the bundle in one Faust worker (the compact topology): the same
    classes and topics, one consumer and one producer instead of one per service, for
    load tests on small machines."""
    app = make_app(f"onething-{scenario.name}-services", bootstrap)
    for department in scenario.departments:
        add_department(app, scenario, department)
    add_platform(app, scenario, default_clock)
    add_shared_data(app, scenario)
    return app
