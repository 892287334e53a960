"""Background work for a turn: enqueue tasks so that a rolled-back turn leaves none behind.

Tasks a dead worker left running are recovered by runtime.pipeline.leases."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django_tasks import task_backends
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend

# The pipeline names its tasks by path (what the database backend stores as `task_path`). runtime.tasks
# registers them when it is imported (RuntimeConfig.ready), so the pipeline enqueues work without importing
# the module whose tasks call back into the pipeline.
FIRE_TIMER = "runtime.tasks.fire_timer"
PERFORM_HTTP_REQUEST = "runtime.tasks.perform_http_request"
DELIVER_MESSAGE = "runtime.tasks.deliver_message"

_tasks: dict[str, Task] = {}


def register(task: Task) -> Task:
    """Make `task` enqueueable by its path (a decorator over @task)."""
    _tasks[task.module_path] = task
    return task


def task_named(path: str) -> Task:
    try:
        return _tasks[path]
    except KeyError:
        raise LookupError(f"No task {path!r} is registered (is the runtime app installed?)") from None


def defer(task: Task | str, *args: Any, run_after: dt.datetime | None = None) -> None:
    """Enqueue `task(*args)` (a task or its registered path) as part of the current transaction.

    With the database backend the task row is written in the turn's own transaction: it commits or rolls
    back with the turn, and no crash between commit and enqueue can lose a timer. Other backends
    (e.g. an immediate one) get the task after commit, so it never sees uncommitted rows.
    """
    if isinstance(task, str):
        task = task_named(task)
    configured = task.using(run_after=run_after) if run_after is not None else task
    if isinstance(task_backends[configured.backend], DatabaseBackend):
        configured.enqueue(*args)
    else:
        transaction.on_commit(lambda: configured.enqueue(*args))
