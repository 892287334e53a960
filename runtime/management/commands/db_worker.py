"""`manage.py db_worker`: django-tasks-db's worker plus a heartbeat and the recovery sweep.

Same name and options as the package's command (this app is listed before django_tasks_db, so this one wins):
every worker anyone starts keeps a heartbeat, so no worker's tasks can be mistaken for abandoned ones.
"""

from __future__ import annotations

import os
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from runtime.pipeline.leases import Heartbeat
from runtime.realtime import forward


class Command(db_worker.Command):
    help = ("Run a database task worker (--queue-name live|io|bulk|*). It keeps a heartbeat and re-queues tasks "
            "left running by workers whose heartbeat expired (TASK_LEASE_SECONDS).")

    def handle(self, *args: Any, **options: Any) -> None:
        # On the in-memory layer (no REDIS_URL) this process's publishes go to daphne, which owns the sockets.
        forward.enable()
        # With --reload the first process only supervises a child that runs the worker: only that child beats.
        supervising = options["reload"] and not options["batch"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        heartbeat = None if supervising else Heartbeat(options["worker_id"], options["queue_name"].split(","))
        if heartbeat is not None:
            heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            if heartbeat is not None:
                heartbeat.stop()
