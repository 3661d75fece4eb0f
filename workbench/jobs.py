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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from onething.workbench import adapter
from onething.workbench.store import Store

CANCEL_GRACE_SECONDS = 30.0
"""A live run stops its services (up to 10 s) and the broker before exiting."""
FINISHED = ("done", "error", "cancelled")


class Stopped(Exception):
    """Raised in a worker by SIGTERM (the page's Cancel or Stop)."""


def _stop(signum: int, frame: Any) -> None:
    raise Stopped()


def _whatif(inputs: dict[str, Any], emit: adapter.Emit) -> dict[str, Any]:
    w = adapter.WhatIf(**inputs)
    replications = w.replications or adapter.load(w.bundle).run.replications
    total, done = 2 * replications, 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        emit({"done": done, "total": total})

    emit({"done": 0, "total": total})
    return adapter.whatif(w, progress)


def _study(inputs: dict[str, Any], emit: adapter.Emit) -> dict[str, Any]:
    spec = Path(inputs["spec"])
    total, done = adapter.check_spec(spec), 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        emit({"done": done, "total": max(total, done)})

    emit({"done": 0, "total": total})
    return adapter.study(spec, Path(inputs["out"]), progress)


def _live(inputs: dict[str, Any], emit: adapter.Emit) -> dict[str, Any]:
    return adapter.live(adapter.LiveRun(**inputs), emit)


RUNNERS = {"whatif": _whatif, "study": _study, "live": _live}


def _worker(kind: str, inputs: dict[str, Any], queue: Any) -> None:
    os.setsid()  # Cancel signals the whole group: this worker and its simulation pool
    signal.signal(signal.SIGTERM, _stop)
    try:
        result = RUNNERS[kind](inputs, lambda event: queue.put(("progress", event)))
        queue.put(("done", result))
    except Stopped:
        queue.put(("cancelled", None))
    except Exception as exc:  # shown on the page as one line; the log keeps the rest
        from onething.scenarios.errors import FileError

        if not isinstance(exc, FileError | ValueError | RuntimeError):
            traceback.print_exc()
        queue.put(("error", str(exc) or type(exc).__name__))


@dataclass
class Job:
    id: str
    kind: str
    bundle: str
    inputs: dict[str, Any]
    status: str = "running"
    events: list[dict[str, Any]] = field(default_factory=list)
    run_id: int | None = None
    cancelling: bool = False
    process: Any = field(default=None, repr=False)

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


class Jobs:
    def __init__(self, store: Store):
        self.store = store
        self.context = multiprocessing.get_context("spawn")  # nothing of the server's threads
        self.jobs: dict[str, Job] = {}

    def start(self, kind: str, bundle: str, inputs: dict[str, Any]) -> Job:
        job = Job(uuid.uuid4().hex[:12], kind, bundle, inputs)
        queue = self.context.Queue()
        job.process = self.context.Process(
            target=_worker, args=(kind, inputs, queue), name=f"onething-{kind}"
        )
        job.process.start()
        self.jobs[job.id] = job
        threading.Thread(target=self._follow, args=(job, queue), daemon=True).start()
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def running(self) -> list[Job]:
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
                    kind, payload = "error", f"the worker ended unexpectedly (exit {code})"
            if kind == "progress":
                job.events.append({"type": "progress", **payload})
                continue
            result = payload if kind == "done" else None
            if result is not None and job.kind == "live":  # the dashboard, replayable
                ticks = [e for e in job.events if e.get("phase") == "running"]
                result["timeline"] = ticks[:: max(1, len(ticks) // 600)]
            job.run_id = self.store.add(
                job.kind,
                job.bundle,
                kind,
                job.inputs,
                result if kind == "done" else {"message": payload},
            )
            event: dict[str, Any] = {"type": kind, "run_id": job.run_id}
            if kind == "done":
                event["result"] = result
            elif kind == "error":
                event["message"] = payload
            job.events.append(event)
            job.status = kind
            job.process.join(timeout=CANCEL_GRACE_SECONDS)
            return

    def cancel(self, job_id: str) -> bool:
        job = self.jobs.get(job_id)
        if job is None or job.finished or job.process.pid is None:
            return False
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
        for job in self.running():
            self.cancel(job.id)
