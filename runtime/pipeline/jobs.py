"""Background work for a turn: enqueue tasks so that a rolled-back turn leaves none behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend


def defer(task: Any, *args: Any, run_after: dt.datetime | None = None) -> None:
    """Enqueue `task(*args)` as part of the current transaction.

    With the database backend the task row is written in the turn's own transaction: it commits or rolls
    back with the turn, and no crash between commit and enqueue can lose a timer. Other backends
    (e.g. an immediate one) get the task after commit, so it never sees uncommitted rows.
    """
    configured = task.using(run_after=run_after) if run_after is not None else task
    if isinstance(task_backends[configured.backend], DatabaseBackend):
        configured.enqueue(*args)
    else:
        transaction.on_commit(lambda: configured.enqueue(*args))


# Tasks that are safe to run twice: applying a timer or an HTTP result is checked against the conversation's
# pending token under the row lock, so a second run is a no-op. (Outbound delivery is not: never re-run it.)
IDEMPOTENT_TASKS = ("runtime.tasks.fire_timer", "runtime.tasks.perform_http_request")
ABANDONED_AFTER = dt.timedelta(minutes=10)


def requeue_abandoned(older_than: dt.timedelta = ABANDONED_AFTER) -> int:
    """Put back timer / HTTP tasks left RUNNING by a worker that died mid-task (SIGKILL, OOM, host loss).

    db_worker marks a task RUNNING when it claims it; if the process dies, nothing else ever resets it.
    An HTTP node runs for at most 30 s, so a task still RUNNING after `older_than` has no live worker.
    """
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        status="RUNNING", task_path__in=IDEMPOTENT_TASKS, started_at__lt=timezone.now() - older_than
    ).update(status="READY")
