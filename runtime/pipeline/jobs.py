"""Background work for a turn: enqueue tasks so that a rolled-back turn leaves none behind.

Tasks a dead worker left running are recovered by runtime.pipeline.leases."""

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
