"""An experiment's replications on any number of machines, through Kafka.

``onething experiment run SPEC --bootstrap HOST:PORT`` sends every replication that is not
cached as a JSON job to ``topics.names.JOBS``; ``onething worker --bootstrap HOST:PORT``
processes (a Faust app, consumer group ``onething-workers``, so each job goes to one of
them) run them and answer on ``topics.names.JOB_RESULTS`` with the measures row in the
cache's own format (``experiments.wire``).  The results equal a local run's: a job
carries the seeds, horizon and warm-up of the local plan, and the worker runs the very
function the local process pool runs (``job.measure_job``).

Nothing is unpickled from the network: a job describes its variant the way the spec does
(the bundle reference, the mode, the levers, the overrides) and the worker rebuilds the
process with ``experiments.variants`` from its own copy of the bundle, then checks it
against the scenario digest and the cache version the job carries, so a worker with a
different bundle or engine answers with an error instead of different numbers.  A
catalog bundle is looked up in the worker's catalog; a bundle file is read from the
absolute path it has on the machine that runs the experiment, so file bundles (and
arrival traces) need the same path on every worker.

Delivery is at-least-once: a job redelivered after a rebalance is run again and its
second result is ignored (the first result for a key wins); results of other runs, on
the same topic, are skipped by their run id.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
import time
import uuid
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from onething.experiments.job import CACHE_VERSION, Job, measure_job, scenario_digest
from onething.experiments.spec import Experiment, Overrides
from onething.experiments.variants import Variant, apply_overrides
from onething.experiments.wire import decode_row, encode_row
from onething.scenarios.levers import Mode, Process
from onething.scenarios.loader import catalog_names, load_scenario
from onething.scenarios.model import Scenario
from onething.topics.connection import security
from onething.topics.header_names import kafka_python_reads_bad_header_names
from onething.topics.names import JOB_PARTITIONS, JOB_RESULTS, JOBS

log = logging.getLogger("onething.worker")

WORKER_GROUP = "onething-workers"
"""The workers' Faust app id and consumer group: every worker shares the jobs."""
MAX_MESSAGE_BYTES = 1 << 20
IDLE_TIMEOUT = 300.0
"""Seconds without any new result before a remote run gives up."""
HINT_AFTER = 30.0
"""Seconds without a first result before a remote run says what it is waiting for."""


class RemoteError(RuntimeError):
    """A remote run could not finish: missing results or a worker's error."""


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Description(_Message):
    """A variant as the spec defines it: ``Process.of(apply_overrides(bundle, overrides),
    mode, levers)``."""

    bundle: str
    """As the spec gives it: a catalog name or a scenario file."""
    bundle_path: str | None = None
    """A scenario file's absolute path on the machine that runs the experiment."""
    mode: Mode = "before"
    levers: list[str] | None = None
    overrides: dict[str, Any] = {}


class JobMessage(_Message):
    type: Literal["experiment-job"] = "experiment-job"
    v: Literal[1] = 1
    run: str
    key: str
    """The job's cache key: the result comes back under it."""
    variant: str
    replication: int
    seed: int
    horizon_days: int
    warmup_days: int
    cache_version: int
    scenario_digest: str
    description: Description


class ResultMessage(_Message):
    type: Literal["experiment-result"] = "experiment-result"
    v: Literal[1] = 1
    run: str
    key: str
    worker: str
    """``host:pid`` of the worker that ran it."""
    seconds: float
    row: str | None = None
    """The measures row as ``experiments.wire.encode_row`` writes it (cache format)."""
    error: str | None = None


# -- the variant descriptions ----------------------------------------------------------


def description(experiment: Experiment, variant: Variant) -> Description:
    """The variant's recipe (``Variant.of``) with the bundle as the spec names it."""
    spec = experiment.spec
    bundle_path = None
    if Path(spec.bundle).suffix in (".yaml", ".yml"):
        bundle_path = str((experiment.path.parent / spec.bundle).resolve())
    return Description(
        bundle=spec.bundle,
        bundle_path=bundle_path,
        mode=variant.mode,
        levers=None if variant.levers is None else list(variant.levers),
        overrides=variant.overrides.model_dump(mode="json", exclude_defaults=True),
    )


def describe(experiment: Experiment, variants: list[Variant]) -> dict[str, Description]:
    """Each variant's description, by variant name, checked here before anything is sent:
    it must rebuild the very same process (same scenario digest, same levers)."""
    found = {}
    for variant in variants:
        found[variant.name] = description(experiment, variant)
        rebuilt = build(found[variant.name], experiment.scenario)
        key = (scenario_digest(variant.process), variant.process.levers)
        if (scenario_digest(rebuilt), rebuilt.levers) != key:
            raise RemoteError(
                f"variant {variant.name} of a {experiment.spec.kind} spec cannot be described "
                "for a worker: run this spec without --bootstrap"
            )
    return found


def build(description: Description, scenario: Scenario) -> Process:
    overrides = Overrides.model_validate(description.overrides)
    return Process.of(apply_overrides(scenario, overrides), description.mode, description.levers)


def _bundle(description: Description) -> Scenario:
    path = description.bundle_path
    if path is not None:
        if not Path(path).is_file():
            raise RemoteError(
                f"bundle file {path} is not readable on this worker "
                "(file bundles need the same path on every worker)"
            )
        return load_scenario(path)
    if description.bundle not in catalog_names():
        raise RemoteError(f"bundle {description.bundle!r} is not in this worker's catalog")
    return load_scenario(description.bundle)


@lru_cache(maxsize=64)
def _process(description_json: str) -> Process:
    description = Description.model_validate_json(description_json)
    return build(description, _bundle(description))


# -- the side that runs the experiment -------------------------------------------------


def job_messages(
    experiment: Experiment, variants: list[Variant], jobs: list, run_id: str
) -> list[JobMessage]:
    """One message per job (``job.Job``) of these variants."""
    descriptions = describe(experiment, variants)
    digests = {v.name: scenario_digest(v.process) for v in variants}
    return [
        JobMessage(
            run=run_id,
            key=job.key,
            variant=job.variant,
            replication=job.replication,
            seed=job.seed,
            horizon_days=job.horizon_days,
            warmup_days=job.warmup_days,
            cache_version=CACHE_VERSION,
            scenario_digest=digests[job.variant],
            description=descriptions[job.variant],
        )
        for job in jobs
    ]


def run_remote(
    experiment: Experiment,
    variants: list[Variant],
    jobs: list,
    bootstrap: str,
    idle_timeout: float = IDLE_TIMEOUT,
) -> Iterator[tuple[str, dict[str, float]]]:
    """Send ``jobs`` (``job.Job`` of these variants) to the workers at ``bootstrap``;
    yield ``(key, row)`` as results come in, like the local pool, until every job has one.
    Raise
    ``RemoteError`` when no result came for ``idle_timeout`` seconds or a worker failed."""
    from kafka import KafkaConsumer, TopicPartition

    from onething.services.broker import create_topics, wait_for_broker

    if not jobs:
        return
    kafka_python_reads_bad_header_names()
    run_id = uuid.uuid4().hex
    messages = job_messages(experiment, variants, jobs, run_id)
    wait_for_broker(bootstrap, timeout=5)
    create_topics(bootstrap, {JOBS: JOB_PARTITIONS, JOB_RESULTS: JOB_PARTITIONS})
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap,
        **security().kafka_python(),
        group_id=None,  # manual assignment: kafka-python groups hang on Tansu
        enable_auto_commit=False,
        fetch_max_wait_ms=100,
        client_id=f"onething-experiment-{run_id[:8]}",
    )
    try:
        partitions = [
            TopicPartition(JOB_RESULTS, p) for p in sorted(_partitions(consumer, JOB_RESULTS))
        ]
        consumer.assign(partitions)
        consumer.seek_to_end(*partitions)
        for tp in partitions:  # resolve the end offsets now, before any result can arrive
            consumer.position(tp)
        _send(bootstrap, messages)
        yield from _gather(consumer, {m.key for m in messages}, run_id, bootstrap, idle_timeout)
    finally:
        consumer.close()


def _partitions(consumer: Any, topic: str, timeout: float = 10.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while True:
        found = consumer.partitions_for_topic(topic)
        if found:
            return found
        if time.monotonic() > deadline:
            raise RemoteError(f"topic {topic} has no partitions")
        time.sleep(0.1)


def _send(bootstrap: str, messages: list[JobMessage]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(
        bootstrap_servers=bootstrap, acks=1, linger_ms=5, **security().kafka_python()
    )
    try:
        count = len(producer.partitions_for(JOBS)) or 1
        for i, message in enumerate(messages):  # in turn: every worker's partitions get work
            producer.send(
                JOBS,
                key=message.key.encode(),
                value=message.model_dump_json().encode(),
                partition=i % count,
            )
        producer.flush()
    finally:
        producer.close()


def _gather(
    consumer: Any, missing: set[str], run_id: str, bootstrap: str, idle_timeout: float
) -> Iterator[tuple[str, dict[str, float]]]:
    total = len(missing)
    last = time.monotonic()
    hinted = False
    while missing:
        batches = consumer.poll(timeout_ms=500)
        for records in batches.values():
            for record in records:
                result = _parse_result(record.value)
                if result is None or result.run != run_id or result.key not in missing:
                    continue  # another run's, a duplicate, or garbage
                if result.error is not None:
                    raise RemoteError(f"worker {result.worker}: {result.error}")
                assert result.row is not None
                missing.discard(result.key)
                last = time.monotonic()
                yield result.key, decode_row(result.row)
        idle = time.monotonic() - last
        if not hinted and len(missing) == total and idle > HINT_AFTER:
            hinted = True
            print(
                f"onething: no result yet after {idle:.0f} s: is `onething worker "
                f"--bootstrap {bootstrap}` running?",
                file=sys.stderr,
            )
        if missing and idle > idle_timeout:
            raise RemoteError(
                f"{len(missing)} of {total} jobs missing after {idle:.0f} s without a result: "
                f"at least one `onething worker --bootstrap {bootstrap}` must be running"
            )


def _parse_result(value: bytes | None) -> ResultMessage | None:
    if not value or len(value) > MAX_MESSAGE_BYTES:
        return None
    try:
        result = ResultMessage.model_validate_json(value)
        if result.row is not None:
            decode_row(result.row)
    except (ValidationError, ValueError, RecursionError):  # a row nested thousands deep
        log.warning("ignored a malformed job result")
        return None
    if (result.row is None) == (result.error is None):
        return None
    return result


# -- the worker ------------------------------------------------------------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def handle(payload: bytes) -> ResultMessage | None:
    """Run one job (bytes off the job topic); ``None`` for a message that is not a job."""
    if not payload or len(payload) > MAX_MESSAGE_BYTES:
        log.warning("ignored a job of %d bytes", len(payload or b""))
        return None
    try:
        job = JobMessage.model_validate_json(payload)
    except ValidationError as exc:
        log.warning("ignored a malformed job: %s", exc.errors()[:1])
        return None
    start = time.monotonic()

    def reply(**outcome: Any) -> ResultMessage:
        seconds = round(time.monotonic() - start, 3)
        return ResultMessage(
            run=job.run, key=job.key, worker=worker_name(), seconds=seconds, **outcome
        )

    try:
        if job.cache_version != CACHE_VERSION:
            raise RemoteError(
                f"cache version {job.cache_version} asked, this worker's engine is "
                f"{CACHE_VERSION}: update it"
            )
        description = job.description.model_dump_json()
        process = _process(description)
        if scenario_digest(process) != job.scenario_digest:  # the bundle file changed?
            _process.cache_clear()
            process = _process(description)
        if scenario_digest(process) != job.scenario_digest:
            raise RemoteError(
                f"bundle {job.description.bundle!r} differs on this worker "
                f"(variant {job.variant}): use the same bundle everywhere"
            )
        _, row = measure_job(
            Job(
                job.variant,
                job.replication,
                process,
                job.seed,
                job.horizon_days,
                job.warmup_days,
                job.key,
            )
        )
    except Exception as exc:  # a worker answers with the error and keeps serving
        log.warning("job %s (%s #%d) failed: %s", job.key[:12], job.variant, job.replication, exc)
        return reply(error=f"{type(exc).__name__}: {exc}")
    print(
        f"job {job.key[:12]} {job.variant} #{job.replication} done in "
        f"{time.monotonic() - start:.2f} s by {worker_name()}",
        file=sys.stderr,
        flush=True,
    )
    return reply(row=encode_row(row))


def worker_app(bootstrap: str) -> Any:
    """The Faust app of ``onething worker``: one job at a time per process, run in a
    thread so the event loop keeps the group membership alive during a long job."""
    from onething.services.faust_runtime import make_app

    app = make_app(WORKER_GROUP, bootstrap)
    raw = {"key_type": bytes, "value_type": bytes, "key_serializer": "raw"}
    jobs = app.topic(JOBS, **raw, value_serializer="raw", partitions=JOB_PARTITIONS)
    results = app.topic(JOB_RESULTS, **raw, value_serializer="raw", partitions=JOB_PARTITIONS)

    @app.agent(jobs, concurrency=1)
    async def work(stream: Any) -> None:
        loop = asyncio.get_running_loop()
        async for payload in stream:
            result = await loop.run_in_executor(None, handle, payload)
            if result is not None:
                await results.send(key=result.key.encode(), value=result.model_dump_json().encode())

    return app
