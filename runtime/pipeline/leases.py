"""Recovery of the work a killed worker leaves behind: a heartbeat per worker, a sweep run by every worker.

db_worker marks a task RUNNING when it claims it, and nothing resets it if the process dies (SIGKILL, OOM, a
lost host). So each worker (runtime's `db_worker` command) keeps a `WorkerHeartbeat` row fresh from a background
thread, and every worker also sweeps: a task RUNNING under a worker whose heartbeat is older than
`TASK_LEASE_SECONDS` goes back to READY and runs again on a live worker. Re-running is safe for every task kind:
a timer or an HTTP result is applied only while the conversation still waits for its token (and the HTTP call
carries the same Idempotency-Key), and a delivery goes through the message's state machine
(`services.deliver`), which never calls the provider twice for one message unless configured to.

The heartbeat proves the process is alive, not that its task progresses: every task here is bounded by its own
timeouts (HTTP nodes, provider calls), so a live worker always finishes its task.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from runtime.models import WorkerHeartbeat

log = logging.getLogger(__name__)

RUNNING, READY, FAILED = "RUNNING", "READY", "FAILED"

# Other periodic clean-ups run by the same sweep, registered by higher layers in AppConfig.ready()
# (channels_app: open inbox sockets of a crashed server process).
_sweeps: list[Callable[[], Any]] = []


class WorkerLost(Exception):
    """Recorded on a task whose worker died under it too many times (it is not re-queued again)."""


def register_sweep(sweep: Callable[[], Any]) -> None:
    if sweep not in _sweeps:
        _sweeps.append(sweep)


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.TASK_LEASE_SECONDS)


def beat(worker_id: str, queues: Iterable[str] = (), now: dt.datetime | None = None) -> None:
    """Create or renew this worker's heartbeat row."""
    now = now or timezone.now()
    if not WorkerHeartbeat.objects.filter(worker_id=worker_id).update(seen_at=now):
        # First beat, or the row was swept while this process stalled longer than the lease: come back.
        WorkerHeartbeat.objects.update_or_create(worker_id=worker_id, defaults={
            "seen_at": now, "queues": ",".join(queues)[:200], "host": socket.gethostname()[:255], "pid": os.getpid()})


def requeue_expired(now: dt.datetime | None = None, *, orphans: bool = False) -> int:
    """Put back tasks left RUNNING by workers whose heartbeat expired; returns how many were re-queued.

    Cheap when nothing died (one query on the small heartbeat table); the task table is scanned only when some
    worker's heartbeat expired, or with `orphans=True` (a worker's start, `recover_tasks`), which also takes
    tasks whose worker left no heartbeat at all (e.g. run by a version without heartbeats) once they are older
    than the lease.
    """
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - lease()
    beats = dict(WorkerHeartbeat.objects.values_list("worker_id", "seen_at"))
    dead = {worker for worker, seen in beats.items() if seen < cutoff}
    if not dead and not orphans:
        return 0
    count = 0
    running = DBTaskResult.objects.filter(status=RUNNING).only("id", "worker_ids", "started_at", "task_path")
    for task in running.iterator():
        last = task.worker_ids[-1] if task.worker_ids else None
        if last in dead or (orphans and last not in beats and task.started_at and task.started_at < cutoff):
            count += _recover(task, now)
    # The dead workers' tasks are handled; forget them (a stalled but live worker re-creates its row).
    WorkerHeartbeat.objects.filter(worker_id__in=dead, seen_at__lt=cutoff).delete()
    return count


def _recover(task: Any, now: dt.datetime) -> int:
    from django_tasks_db.models import DBTaskResult

    # Conditional on the row still being this claim, so two workers sweeping at once recover it once.
    claim = DBTaskResult.objects.filter(pk=task.pk, status=RUNNING, started_at=task.started_at)
    attempts = len(task.worker_ids)
    if attempts >= settings.TASK_MAX_ATTEMPTS:
        failed = claim.update(
            status=FAILED, finished_at=now, return_value=None,
            exception_class_path=f"{WorkerLost.__module__}.{WorkerLost.__qualname__}",
            traceback=f"WorkerLost: its worker died {attempts} times while running it; not re-queued again.\n")
        if failed:
            log.error("task %s (%s) failed: its worker died %s times", task.pk, task.task_path, attempts)
        return 0
    requeued = claim.update(status=READY)
    if requeued:
        log.warning("re-queued task %s (%s) left running by dead worker %s", task.pk, task.task_path,
                    task.worker_ids[-1] if task.worker_ids else "?")
    return requeued


def sweep(*, orphans: bool = False) -> int:
    """Everything a worker does periodically besides running tasks; returns the number of re-queued tasks."""
    count = requeue_expired(orphans=orphans)
    for extra in _sweeps:
        try:
            extra()
        except Exception:  # one failing clean-up must not stop task recovery
            log.exception("sweep %r failed", extra)
    return count


class Heartbeat:
    """Keeps a worker's heartbeat fresh and runs the sweep, from a daemon thread of the worker process.

    A thread, not the worker loop: the loop is busy for the whole run of a task (an HTTP node may take 30 s),
    and a heartbeat must not stop while a task legitimately runs.
    """

    def __init__(self, worker_id: str, queues: Iterable[str]) -> None:
        self.worker_id = worker_id
        self.queues = list(queues)
        self.interval = max(0.5, settings.TASK_LEASE_SECONDS / 3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{worker_id[:8]}", daemon=True)

    def start(self) -> None:
        # Synchronously, before the first claim: a task is never RUNNING under a worker without a heartbeat.
        beat(self.worker_id, self.queues)
        self._thread.start()

    def stop(self) -> None:
        """Clean exit: stop beating and remove the row (its tasks, if any, finished or were interrupted)."""
        self._stop.set()
        self._thread.join(timeout=self.interval + 5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except Exception:
            log.exception("could not remove the heartbeat of worker %s", self.worker_id)

    def _run(self) -> None:
        first = True
        try:
            while True:
                try:
                    close_old_connections()
                    beat(self.worker_id, self.queues)
                    sweep(orphans=first)
                    first = False
                except Exception:  # the database may be away for a moment; keep beating
                    log.exception("heartbeat of worker %s failed", self.worker_id)
                if self._stop.wait(self.interval):
                    return
        finally:
            connection.close()
