"""Run enqueued django-tasks in-process, the way db_worker does, inside a test's transaction."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_ready_tasks(limit: int = 50) -> list[DBTaskResult]:
    """Run every task that is due now (and those they enqueue), oldest first; return what ran.

    Uses the worker's own run_task(), not its loop: the loop calls close_old_connections(), which would
    close the test's transaction-wrapped connection.
    """
    worker = Worker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                    max_tasks=None, worker_id="test-worker", excluded_queue_names=[])
    ran = []
    for _ in range(limit):
        task = DBTaskResult.objects.ready().first()
        if task is None:
            break
        task.claim(worker.worker_id)
        worker.run_task(task)
        task.refresh_from_db()
        ran.append(task)
    return ran
