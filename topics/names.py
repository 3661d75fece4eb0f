"""Topic names and partitioning.

Every message is keyed by its case id, so all events of one case land in the same
partition of each topic and keep their order.
"""

from __future__ import annotations

import os
import zlib

from onething.scenarios.model import Scenario

PARTITIONS_ENV = "ONETHING_PARTITIONS"
DEFAULT_PARTITIONS = 4


def partitions() -> int:
    """Partitions of every topic: ``ONETHING_PARTITIONS`` (default 4), which every service
    and the harness read, so one setting reaches the processes a run starts.  The
    replicas of a service share its partitions: more replicas than partitions sit idle."""
    text = os.environ.get(PARTITIONS_ENV, "")
    if not text:
        return DEFAULT_PARTITIONS
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise ValueError(f"{PARTITIONS_ENV}={text!r}: a whole number from 1 to 256")
    return int(text)


def window_partition(department: str) -> int:
    """The partition of a department's requests topic that carries its window visits:
    the windows are one queue, so one consumer (one replica) serves them all."""
    return zlib.crc32(department.encode()) % partitions()


FETCH_WAIT_MS = 25
"""How long every consumer's fetch may wait for data.  Tansu holds a fetch for the whole
wait even when data is there, so this bounds a hop's latency from below (about half of
it on average); shorter waits cost the broker and every consumer CPU when idle (measured
on 2 cores: 5 ms saturated them at 40 cases/s, 25 ms did not)."""

TOPIC_PREFIX = "onething."
"""Every topic onething names starts so (Faust's changelog topics, named after the app
id, do not)."""
APPLICATIONS = "onething.applications"
"""One application for the whole bundle, filed with the integrated platform (after)."""
DATA_REQUESTS = "onething.data.requests"
"""Routed items whose materials the shared-data service supplies; it hands them on to
the department."""
DECISIONS = "onething.decisions"
"""Window services and decisions from departments and the platform's single window."""
COMPLETIONS = "onething.completions"
"""One per case: every item decided (after)."""
DEAD_LETTERS = "onething.deadletter"
"""Events a service could not accept, with the reason and where they came from."""

JOBS = "onething.jobs"
"""Experiment replications to run (``experiments.distributed``): one JSON job each, spread
over the partitions in turn; the ``onething-workers`` consumer group shares them."""
JOB_RESULTS = "onething.job-results"
"""Each job's measures row (``experiments.wire``) under the job's cache key and run id;
the experiment that sent the jobs reads every partition and keeps the first per key."""
JOB_PARTITIONS = 16
"""Partitions of the job topics: the most ``onething worker`` processes one run can use."""


def requests_topic(department: str) -> str:
    """Items filed at (before) or routed to (after) one department."""
    return f"onething.requests.{department}"


def all_topics(scenario: Scenario) -> dict[str, int]:
    """Every topic a live run of this scenario uses, with its partition count."""
    names = [APPLICATIONS, DATA_REQUESTS, DECISIONS, COMPLETIONS, DEAD_LETTERS]
    names += [requests_topic(d) for d in scenario.departments]
    return dict.fromkeys(names, partitions())
