"""The Faust adapter acknowledges an event only when the broker holds everything the
event caused: a send the broker refuses is sent again, never dropped with its event
acknowledged (which would commit past it and lose the case).  Nothing an event holds
stops the agent: a poison event is dead-lettered with its reason and acknowledged.  No
broker here: the producer's answers are played by futures the test settles."""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace
from typing import Any

import pytest

from onething.services import faust_adapter
from onething.services.effects import Send
from onething.services.faust_runtime import make_app
from onething.topics.names import APPLICATIONS, DECISIONS
from onething.topics.schemas import SENT_NS, Application, Decision
from tests.topics.poison import deep


class Event:
    def __init__(self) -> None:
        self.acks = 0
        self.message = SimpleNamespace(topic=APPLICATIONS, partition=0, offset=7)

    def ack(self) -> None:
        self.acks += 1


def _decision(item: str) -> Decision:
    return Decision(
        case_id="case-1",
        item=item,
        department="hospital",
        started_at=0.0,
        decided_at=1.0,
        routed=True,
    )


def test_a_refused_send_is_sent_again_and_the_event_waits_for_it(monkeypatch):
    monkeypatch.setattr(faust_adapter.Adapter, "RESEND_BACKOFF", (0.0,))

    async def scenario() -> tuple[list[str], list[int]]:
        adapter = faust_adapter.Adapter("test", make_app("onething-t", "127.0.0.1:9"))
        answers: list[asyncio.Future] = []
        sent: list[str] = []

        async def send(one: Send) -> asyncio.Future:
            sent.append(one.message.item)
            answers.append(asyncio.get_running_loop().create_future())
            return answers[-1]

        adapter._send = send
        event = Event()
        deliveries = await adapter._send_all(
            [Send(DECISIONS, _decision("birth")), Send(DECISIONS, _decision("hukou"))]
        )
        adapter._ack_when_delivered(event, deliveries)
        acks = [event.acks]
        answers[0].set_result("ok")
        answers[1].set_exception(RuntimeError("broker said no"))
        await asyncio.sleep(0.01)  # the refusal is seen and the send goes again
        acks.append(event.acks)
        answers[2].set_result("ok")
        await asyncio.sleep(0)
        acks.append(event.acks)
        return sent, acks

    sent, acks = asyncio.run(scenario())
    assert sent == ["birth", "hukou", "hukou"]
    assert acks == [0, 0, 1]  # acknowledged once, and only when all were delivered


def test_an_event_that_causes_nothing_is_acknowledged_at_once():
    event = Event()
    adapter = faust_adapter.Adapter("test", make_app("onething-t2", "127.0.0.1:9"))
    adapter._ack_when_delivered(event, [])
    assert event.acks == 1


class Received(Event):
    """An event as Faust hands it to an agent."""

    def __init__(self, value: Any, key: Any = b"case-1", headers: Any = None) -> None:
        super().__init__()
        self.value, self.key, self.headers = value, key, headers or []


class Letters:
    """The dead-letter topic: what was sent to it."""

    def __init__(self) -> None:
        self.sent: list[tuple[Any, dict]] = []

    async def send(self, key: Any, value: bytes) -> None:
        self.sent.append((key, json.loads(value)))


def _feed(event: Received, handle: Any) -> tuple[list[tuple[Any, dict]], list[Any]]:
    """Feed one event to an adapter; the dead letters it sent and what ``handle`` got."""
    adapter = faust_adapter.Adapter("platform", make_app("onething-t3", "127.0.0.1:9"))
    adapter.dead = Letters()
    handled: list[Any] = []

    def record(message: Any) -> list[Send]:
        handled.append(message)
        return handle(message)

    asyncio.run(adapter.feed(event, (Application,), "to platform", record))
    assert event.acks == 1
    return adapter.dead.sent, handled


MINIMAL = b'{"type": "application", "v": 1, "case_id": "case-1", "bundle": "newborn"}'


def test_a_record_read_again_while_its_first_reading_is_at_work_is_acknowledged_with_it():
    """The case lost in a rebalance chaos run: a department read a request again while
    its first reading still had a decision to send; the second reading, a repeat, caused
    nothing and was acknowledged at once, so the commit passed the request, and the
    replica was stopped before it sent the decision.  Now the second reading waits for
    the first, and is not handled twice."""

    async def scenario() -> tuple[list[list[int]], int]:
        adapter = faust_adapter.Adapter("platform", make_app("onething-t4", "127.0.0.1:9"))
        answers: list[asyncio.Future] = []

        async def send(one: Send) -> asyncio.Future:
            answers.append(asyncio.get_running_loop().create_future())
            return answers[-1]

        adapter._send = send
        handled: list[Any] = []

        def handle(message: Any) -> list[Send]:
            handled.append(message)
            return [Send(DECISIONS, _decision("birth"))]

        first, again, later = Received(MINIMAL), Received(MINIMAL), Received(MINIMAL)
        await adapter.feed(first, (Application,), "to platform", handle)
        await adapter.feed(again, (Application,), "to platform", handle)
        acks = [[first.acks, again.acks]]
        answers[0].set_result("ok")
        await asyncio.sleep(0)
        acks.append([first.acks, again.acks])
        await adapter.feed(later, (Application,), "to platform", handle)  # after: as usual
        answers[1].set_result("ok")
        await asyncio.sleep(0)
        acks.append([later.acks, len(adapter.working)])
        return acks, len(handled)

    acks, handled = asyncio.run(scenario())
    assert acks == [[0, 0], [1, 1], [1, 0]]
    assert handled == 2  # the first reading and the one after it was done


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (Received(deep(20_000)), "nested deeper than 16 levels"),
        (Received(MINIMAL[:-1] + b', "attempt": ' + b"9" * 5_000 + b"}"), "5000 digits"),
        (Received(MINIMAL, key=b"\xff"), "the key (b'\\xff') is not the case id"),
        (Received(MINIMAL, key=None), "the key (none) is not the case id"),
        (Received(None), "empty event"),
        (  # as aiokafka hands it out (``topics.header_names``)
            Received(MINIMAL, headers={"\udcff": b"1"}),
            "a header name is not UTF-8: b'\\xff'",
        ),
    ],
)
def test_a_poison_event_is_dead_lettered_and_the_agent_goes_on(event, reason):
    letters, handled = _feed(event, lambda message: [])
    assert handled == []
    [(key, letter)] = letters
    assert reason in letter["reason"], letter
    assert (letter["source_topic"], letter["offset"]) == (APPLICATIONS, 7)
    assert key == (event.key if isinstance(event.key, bytes) else None)


@pytest.mark.parametrize("headers", [[(SENT_NS, None)], {SENT_NS: b"soon"}, [("名字", b"\xff")]])
def test_a_valid_event_with_a_bad_header_is_taken_without_its_latency(headers):
    letters, handled = _feed(Received(MINIMAL, headers=headers), lambda message: [])
    assert letters == []
    assert [(m.case_id, m.hops) for m in handled] == [("case-1", [])]


def test_a_stamped_event_records_its_hop():
    stamp = [(SENT_NS, str(time.time_ns()).encode())]
    _, [message] = _feed(Received(MINIMAL, headers=stamp), lambda message: [])
    [(hop, ms)] = message.hops
    assert hop == "to platform" and 0 <= ms < 1000


def test_an_event_the_service_fails_on_is_dead_lettered_not_lost():
    def broken(message: Any) -> list[Send]:
        raise KeyError("a bug")

    letters, _ = _feed(Received(MINIMAL), broken)
    [(key, letter)] = letters
    assert key == b"case-1"
    assert letter["reason"] == "platform failed on it: KeyError: 'a bug'"
