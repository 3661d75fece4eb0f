"""Long work (what-if runs, studies, live runs) in worker processes, off the request path.

Each job is its own process (its own session, so Cancel reaches the simulation pool it
starts) that reports progress on a queue; a thread of the server reads the queue into
the job's event list, which the page follows as server-sent events.  Cancel sends
SIGTERM, which the worker turns into an exception so that a live run shuts its services
and broker down cleanly; SIGKILL follows only if it has not ended after a grace period.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onething.workbench import labels, view_model
from onething.workbench.store import Store, StoreError

CANCEL_GRACE_SECONDS = 30.0
"""A live run stops its services (up to 10 s) and the broker before exiting."""
FINISHED = ("done", "error", "cancelled")
MAX_WAITING = 100
"""Jobs queued beyond the running ones; more is a flood, not a plan."""


class Stopped(Exception):
    """Raised in a worker by SIGTERM (the page's Cancel or Stop)."""


def _stop(signum: int, frame: Any) -> None:
    raise Stopped()


def _whatif(inputs: dict[str, Any], emit: view_model.Emit) -> dict[str, Any]:
    w = view_model.WhatIf(**inputs)
    replications = w.replications or view_model.load(w.bundle).run.replications
    total, done = 2 * replications, 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        emit({"done": done, "total": total})

    emit({"done": 0, "total": total})
    return view_model.whatif(w, progress)


def _study(inputs: dict[str, Any], emit: view_model.Emit) -> dict[str, Any]:
    spec = Path(inputs["spec"])
    total, done = len(view_model.study_plan(spec).jobs), 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        emit({"done": done, "total": max(total, done)})

    emit({"done": 0, "total": total})
    return view_model.study(spec, Path(inputs["out"]), progress)


def _live(inputs: dict[str, Any], emit: view_model.Emit) -> dict[str, Any]:
    return view_model.live(view_model.LiveRun(**inputs), emit)


RUNNERS = {"whatif": _whatif, "study": _study, "live": _live}


def _worker(kind: str, inputs: dict[str, Any], queue: Any) -> None:
    os.setsid()  # Cancel signals the whole group: this worker and its simulation pool
    signal.signal(signal.SIGTERM, _stop)
    try:
        result = RUNNERS[kind](inputs, lambda event: queue.put(("progress", event)))
        queue.put(("done", result))
    except Stopped:
        queue.put(("cancelled", None))
    except Exception as exc:  # shown on the page in its language; the log keeps the rest
        from onething.scenarios.errors import FileError

        if not isinstance(exc, FileError | ValueError | RuntimeError):
            traceback.print_exc()
        queue.put(("error", labels.failure(exc, _titles(inputs))))


def _titles(inputs: dict[str, Any]) -> dict[str, str]:
    """The job's bundle id -> its bilingual title, for the words of its failure."""
    try:
        scenario = view_model.load(inputs["bundle"])
    except Exception:  # a study (no bundle), or the bundle is what failed
        return {}
    return {scenario.name: scenario.title}


@dataclass
class Job:
    id: str
    kind: str
    bundle: str
    inputs: dict[str, Any]
    status: str = "queued"
    events: list[dict[str, Any]] = field(default_factory=list)
    run_id: int | None = None
    cancelling: bool = False
    process: Any = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def _why(said: dict[str, str] | None) -> dict[str, Any]:
    """A failure for the store and the page: ``message`` in English (what the CLI says)
    and ``messages`` in every language; a cancelled job has none."""
    if said is None:
        return {"message": None}
    return {"message": said["en"], "messages": said}


class QueueFull(RuntimeError):
    """More jobs waiting than ``MAX_WAITING``: refused (HTTP 429) rather than kept."""


class Jobs:
    """At most ``workers`` jobs run at once (default: the core count); the others wait
    in order, each told how many are ahead of it (a ``queued`` event)."""

    def __init__(self, store: Store, workers: int | None = None):
        self.store = store
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.context = multiprocessing.get_context("spawn")  # nothing of the server's threads
        self.jobs: dict[str, Job] = {}
        self.waiting: deque[Job] = deque()
        self.lock = threading.RLock()

    def start(self, kind: str, bundle: str, inputs: dict[str, Any]) -> Job:
        """The job, started now or queued; ``QueueFull`` if too many wait already."""
        with self.lock:
            if len(self.waiting) >= MAX_WAITING:
                raise QueueFull(f"{len(self.waiting)} jobs are waiting; try again later")
            job = Job(uuid.uuid4().hex[:12], kind, bundle, inputs)
            self.jobs[job.id] = job
            self.waiting.append(job)
            self._next()
        return job

    def _next(self) -> None:
        """Start waiting jobs while there is room; tell the others their place."""
        with self.lock:
            running = sum(1 for j in self.jobs.values() if j.status == "running")
            while self.waiting and running < self.workers:
                self._launch(self.waiting.popleft())
                running += 1
            for ahead, job in enumerate(self.waiting):
                told = [e for e in job.events if e["type"] == "queued"]
                if not told or told[-1]["ahead"] != ahead:
                    job.events.append({"type": "queued", "ahead": ahead, "running": running})

    def _launch(self, job: Job) -> None:
        queue = self.context.Queue()
        job.process = self.context.Process(
            target=_worker, args=(job.kind, job.inputs, queue), name=f"onething-{job.kind}"
        )
        job.process.start()
        job.status = "running"
        threading.Thread(target=self._follow, args=(job, queue), daemon=True).start()

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def running(self) -> list[Job]:
        """The jobs not finished: running or queued."""
        return [j for j in self.jobs.values() if not j.finished]

    def _follow(self, job: Job, queue: Any) -> None:
        while True:
            try:
                kind, payload = queue.get(timeout=1.0)
            except Exception:  # queue.Empty: is the worker still there?
                if job.process.is_alive():
                    continue
                code = job.process.exitcode
                if job.cancelling:  # struck before it could say so (still starting)
                    kind, payload = "cancelled", None
                else:
                    kind = "error"
                    payload = {
                        lang: labels.message("failed.worker_ended", lang, code=code)
                        for lang in labels.LANGUAGES
                    }
            if kind == "progress":
                job.events.append({"type": "progress", **payload})
                continue
            self._finish(job, kind, payload)
            job.process.join(timeout=CANCEL_GRACE_SECONDS)
            self._next()
            return

    def _finish(self, job: Job, kind: str, payload: Any) -> None:
        """Keep the run, then tell the page how it ended (with why the store could not
        keep it, if so: the result is then in a file beside the store)."""
        result = payload if kind == "done" else None
        if result is not None and job.kind == "live":  # the dashboard, replayable
            ticks = [e for e in job.events if e.get("phase") == "running"]
            result["timeline"] = ticks[:: max(1, len(ticks) // 600)]
        event: dict[str, Any] = {"type": kind}
        try:
            job.run_id = self.store.add(
                job.kind,
                job.bundle,
                kind,
                job.inputs,
                result if kind == "done" else _why(payload),
            )
        except StoreError as exc:
            said = {lang: exc.in_language(lang) for lang in labels.LANGUAGES}
            if kind == "error":  # why it failed, then why it is not in the list
                said = {
                    "en": f"{payload['en']}; {said['en']}",
                    "zh": f"{payload['zh']}；{said['zh']}",
                }
            event.update(_why(said))
        else:
            if kind == "error":
                event.update(_why(payload))
        event["run_id"] = job.run_id
        if kind == "done":
            event["result"] = result
        job.events.append(event)
        job.status = kind

    def cancel(self, job_id: str) -> bool:
        with self.lock:
            job = self.jobs.get(job_id)
            if job is None or job.finished:
                return False
            if job.status == "queued":
                self.waiting.remove(job)
                self._finish(job, "cancelled", None)
                self._next()
                return True
        pid = job.process.pid
        job.cancelling = True
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:  # not yet its own group: it is still starting
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        threading.Thread(target=self._finish_off, args=(job, pid), daemon=True).start()
        return True

    def _finish_off(self, job: Job, pid: int) -> None:
        deadline = time.monotonic() + CANCEL_GRACE_SECONDS
        while time.monotonic() < deadline and not job.finished:
            time.sleep(0.2)
        if not job.finished:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def shutdown(self) -> None:
        with self.lock:
            self.waiting.clear()
        for job in self.running():
            if job.status == "running":
                self.cancel(job.id)
