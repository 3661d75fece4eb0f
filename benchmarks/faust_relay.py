"""A bare Faust relay: one agent that sends every event of one topic on to another,
with the services' app settings (``services.faust_runtime.make_app``): what an event costs Faust
and aiokafka on this broker before any onething work.  ``live_infra.py`` starts it as
a process of its own and compares the services' CPU per event with it.

    python benchmarks/faust_relay.py BOOTSTRAP
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import faust  # noqa: E402

from onething.live import READY  # noqa: E402
from onething.services.faust_runtime import make_app, raw_topic, run_worker  # noqa: E402

RELAY_IN = "onething.bench.relay.in"
RELAY_OUT = "onething.bench.relay.out"


def relay_app(bootstrap: str) -> faust.App:
    app = make_app("onething-bench-relay", bootstrap)
    out = raw_topic(app, RELAY_OUT)

    @app.agent(raw_topic(app, RELAY_IN), name="relay")
    async def relay(stream: Any) -> None:
        async for event in stream.events():
            await out.send(key=event.key, value=event.value)

    announced: list[bool] = []

    @app.on_rebalance_complete.connect
    async def ready(sender: object, **kwargs: object) -> None:
        if not announced:
            announced.append(True)
            print(READY, file=sys.__stdout__, flush=True)

    return app


if __name__ == "__main__":
    bootstrap = sys.argv[1]
    sys.argv[1:] = []  # the Faust worker reads the command line too
    run_worker(relay_app(bootstrap))
