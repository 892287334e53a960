"""Timers through the real `manage.py db_worker` process, including a worker killed and replaced.

The worker is a separate process, so it needs the test database by name: on PostgreSQL that is the test
database itself; on SQLite (an in-memory test database) the test copies the database into a file for the
worker and copies it back to look at the outcome (sqlite3's online backup API).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from runtime.models import Message
from tests.runtime.pipeline.conftest import make_channel, start
from tests.support.documents import document, node
from tests.support.processes import DbWorker, database_env
from tests.support.world import publish_document

WAIT_LIMIT = 90  # seconds; generous for a loaded CI machine, never reached when things work


class WorkerDatabase:
    def __init__(self, tmp_path: Path) -> None:
        self.sqlite = connection.vendor == "sqlite"
        self.path = tmp_path / "worker.sqlite3"

    def env(self) -> dict[str, str]:
        env = {**os.environ, **database_env(), "DEBUG": "1"}
        if self.sqlite:  # the copy (push/pull), not the test's in-memory database
            env["SQLITE_PATH"] = str(self.path)
        return env

    def push(self) -> None:
        """Make the worker see what the test wrote."""
        if self.sqlite:
            connection.ensure_connection()
            target = sqlite3.connect(self.path)
            connection.connection.backup(target)
            target.close()

    def pull(self) -> None:
        """Make the test see what the worker wrote."""
        if self.sqlite:
            source = sqlite3.connect(self.path)
            source.backup(connection.connection)
            source.close()


@pytest.fixture
def worker_db(tmp_path):
    return WorkerDatabase(tmp_path)


@pytest.fixture
def workers():
    started: list[DbWorker] = []

    def spawn(env):
        worker = DbWorker(env, interval=0.2)
        started.append(worker)
        return worker

    yield spawn
    for worker in started:
        worker.kill()


def _timer_done(db: WorkerDatabase) -> DBTaskResult | None:
    db.pull()
    task = DBTaskResult.objects.filter(task_path="runtime.tasks.fire_timer").first()
    return task if task is not None and task.status in ("SUCCESSFUL", "FAILED") else None


def _wait_for_timer(db: WorkerDatabase) -> DBTaskResult:
    deadline = time.monotonic() + WAIT_LIMIT
    while time.monotonic() < deadline:
        task = _timer_done(db)
        if task is not None:
            return task
        time.sleep(0.3)
    raise AssertionError("the timer never ran")


def _waiter(workspace, owner, seconds: int):
    doc = document([node("hold", "message", text="Please wait"), node("pause", "wait", seconds=seconds),
                    node("done", "message", text="Done waiting"), node("bye", "end")],
                   [("hold", "next", "pause"), ("pause", "next", "done"), ("done", "next", "bye")])
    return make_channel(workspace, publish_document(workspace, "waiter", doc, owner))


@pytest.mark.django_db(transaction=True)
def test_wait_node_fires_in_the_worker(workspace, owner, worker_db, workers):
    channel = _waiter(workspace, owner, seconds=1)
    result = start(channel)
    worker_db.push()
    workers(worker_db.env()).wait_started()
    task = _wait_for_timer(worker_db)
    assert task.status == "SUCCESSFUL" and task.return_value is True
    texts = list(Message.objects.filter(conversation_id=result.conversation_id).order_by("seq")
                 .values_list("text", flat=True))
    assert texts == ["Please wait", "Done waiting"]


@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_loses_no_timer(workspace, owner, worker_db, workers):
    channel = _waiter(workspace, owner, seconds=3600)
    result = start(channel)
    worker_db.push()

    first = workers(worker_db.env())
    first.wait_started()
    time.sleep(0.5)  # let it poll the queue at least once: the timer is not due, so it stays queued
    first.kill()

    worker_db.pull()
    task = DBTaskResult.objects.get(task_path="runtime.tasks.fire_timer")
    assert task.status == "READY" and task.worker_ids == []
    assert not Message.objects.filter(text="Done waiting").exists()

    # The hour passes while no worker runs (the task row is the timer: nothing lived in the dead process).
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now() - dt.timedelta(seconds=1))
    worker_db.push()
    second = workers(worker_db.env())
    second.wait_started()
    task = _wait_for_timer(worker_db)
    assert task.status == "SUCCESSFUL" and len(task.worker_ids) == 1
    assert Message.objects.filter(conversation_id=result.conversation_id, text="Done waiting").count() == 1
