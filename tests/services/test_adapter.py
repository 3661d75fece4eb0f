"""The Faust adapter acknowledges an event only when the broker holds everything the
event caused: a send the broker refuses is sent again, never dropped with its event
acknowledged (which would commit past it and lose the case).  No broker here: the
producer's answers are played by futures the test settles."""

from __future__ import annotations

import asyncio

from onething.services import app as services_app
from onething.services.effects import Send
from onething.topics.names import DECISIONS
from onething.topics.schemas import Decision


class Event:
    def __init__(self) -> None:
        self.acks = 0

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
    monkeypatch.setattr(services_app.Adapter, "RESEND_BACKOFF", (0.0,))

    async def scenario() -> tuple[list[str], list[int]]:
        adapter = services_app.Adapter("test", services_app.make_app("onething-t", "127.0.0.1:9"))
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
    adapter = services_app.Adapter("test", services_app.make_app("onething-t2", "127.0.0.1:9"))
    adapter._ack_when_delivered(event, [])
    assert event.acks == 1
