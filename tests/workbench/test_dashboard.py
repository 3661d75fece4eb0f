"""What the live dashboard says of each part, read off the processes (no broker needed:
the parts are stand-ins with the same attributes)."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

from onething.workbench.view_model import _Watch


def process(name: str, pid: int, alive: bool = True) -> SimpleNamespace:
    return SimpleNamespace(
        name=name, popen=SimpleNamespace(pid=pid, poll=lambda: None if alive else -9)
    )


def test_a_killed_service_is_killed_then_restarting_then_back():
    fleet = SimpleNamespace(commands={"platform": [], "shared data": []}, processes=[])
    fleet.processes = [process("platform", 10), process("shared data", 11)]
    chaos = SimpleNamespace(blows=[], _thread=None)
    harness = SimpleNamespace(
        hops=defaultdict(list), dead_letters={}, sent=0, received=0, in_flight=0
    )
    watch = _Watch(harness, SimpleNamespace(broker=None, fleet=fleet), chaos, "kill")

    def states() -> dict[str, str]:
        return {s["name"]: s["state"] for s in watch.snapshot(1, 0, 10)["services"]}

    assert states() == {"platform": "up", "shared data": "up"}
    fleet.processes[0] = process("platform", 10, alive=False)
    assert states()["platform"] == "killed"
    fleet.processes[0] = process("platform", 12)
    assert states()["platform"] == "restarting"
    chaos.blows.append(SimpleNamespace(what="platform"))
    assert states() == {"platform": "back", "shared data": "up"}


def test_the_broker_is_paused_while_chaos_holds_it_then_back():
    alive = SimpleNamespace(is_alive=lambda: True)
    chaos = SimpleNamespace(blows=[], _thread=alive)
    harness = SimpleNamespace(
        hops=defaultdict(list), dead_letters={}, sent=0, received=0, in_flight=0
    )
    system = SimpleNamespace(broker=object(), fleet=None)
    watch = _Watch(harness, system, chaos, "pause")
    assert watch.snapshot(1, 0, 10)["services"] == [{"name": "broker", "state": "paused"}]
    chaos._thread = SimpleNamespace(is_alive=lambda: False)
    chaos.blows.append(SimpleNamespace(what="broker"))
    assert watch.snapshot(2, 1, 10)["services"] == [{"name": "broker", "state": "back"}]
    assert watch.snapshot(2, 1, 10)["completed"] == 1
