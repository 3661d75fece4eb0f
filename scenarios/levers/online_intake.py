"""Online intake (网上申办): filing online, no trip, no queue."""

from __future__ import annotations

from onething.scenarios.levers.lever import Lever

DESCRIPTION = "filing online: no trip, no queue"
LABEL = "online intake"
ONLINE = True

LEVER = Lever.of(__name__, "online_intake")
