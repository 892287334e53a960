"""The recovery sweep (runtime.pipeline.leases) and the HTTP node's Idempotency-Key, in process.

The same mechanisms with real, killed db_worker processes: test_recovery.py."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from runtime import tasks
from runtime.models import WorkerHeartbeat
from runtime.pipeline import leases
from tests.runtime.pipeline.conftest import http_document, make_channel, start, waiter_document
from tests.runtime.pipeline.tasks_helper import run_ready_tasks
from tests.support.world import publish_document

LEASE = 60


def _claimed_timer(workspace, owner, worker_id: str, contact: str) -> DBTaskResult:
    channel = make_channel(workspace, publish_document(workspace, "waiter", waiter_document(1), owner))
    result = start(channel, contact=contact)
    task = DBTaskResult.objects.get(task_path="runtime.tasks.fire_timer", args_kwargs__args__0=str(result.conversation_id))
    task.claim(worker_id)
    return task


@override_settings(TASK_LEASE_SECONDS=LEASE)
def test_only_tasks_of_workers_whose_heartbeat_expired_are_requeued(workspace, owner):
    now = timezone.now()
    leases.beat("alive", ["live"], now=now)
    leases.beat("dead", ["live"], now=now - dt.timedelta(seconds=LEASE + 1))
    alive = _claimed_timer(workspace, owner, "alive", "c1")
    dead = _claimed_timer(workspace, owner, "dead", "c2")

    assert leases.requeue_expired(now) == 1
    alive.refresh_from_db()
    dead.refresh_from_db()
    assert (alive.status, dead.status) == ("RUNNING", "READY")
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]  # the dead one forgotten
    assert leases.requeue_expired(now) == 0  # nothing twice


@override_settings(TASK_LEASE_SECONDS=LEASE)
def test_a_task_claimed_just_before_its_worker_died_is_requeued_too(workspace, owner):
    now = timezone.now()
    leases.beat("dead", ["live"], now=now - dt.timedelta(seconds=LEASE + 1))
    task = _claimed_timer(workspace, owner, "dead", "c1")  # started after the worker's last beat
    assert leases.requeue_expired(now) == 1
    task.refresh_from_db()
    assert task.status == "READY"


@override_settings(TASK_LEASE_SECONDS=LEASE)
def test_tasks_without_any_heartbeat_are_recovered_only_by_the_orphan_sweep_once_older_than_the_lease(
        workspace, owner):
    task = _claimed_timer(workspace, owner, "a-worker-from-before-heartbeats", "c1")
    assert leases.requeue_expired() == 0  # the periodic sweep does not scan for them
    assert leases.requeue_expired(orphans=True) == 0  # too recent: maybe a worker that is starting
    assert leases.requeue_expired(timezone.now() + dt.timedelta(seconds=LEASE + 1), orphans=True) == 1
    task.refresh_from_db()
    assert task.status == "READY"


@override_settings(TASK_LEASE_SECONDS=LEASE, TASK_MAX_ATTEMPTS=2)
def test_a_task_that_keeps_killing_its_worker_is_failed_not_requeued_forever(workspace, owner):
    task = _claimed_timer(workspace, owner, "w1", "c1")
    past = timezone.now() - dt.timedelta(seconds=LEASE + 1)
    leases.beat("w1", now=past)
    assert leases.requeue_expired() == 1
    task.refresh_from_db()
    task.claim("w2")
    leases.beat("w2", now=past)
    assert leases.requeue_expired() == 0
    task.refresh_from_db()
    assert task.status == "FAILED" and task.exception_class_path == "runtime.pipeline.leases.WorkerLost"


def test_a_worker_whose_row_was_swept_while_it_stalled_comes_back(db):
    leases.beat("w1", ["io"])
    WorkerHeartbeat.objects.all().delete()
    leases.beat("w1", ["io"])
    assert WorkerHeartbeat.objects.get().queues == "io"


@override_settings(HTTP_NODE_ALLOW_PRIVATE=True)
def test_an_http_node_sends_an_idempotency_key_stable_for_its_execution(workspace, owner, httpserver):
    httpserver.expect_request("/orders/42").respond_with_json({"order": {"status": "shipped"}})
    channel = make_channel(workspace, publish_document(
        workspace, "orders", http_document(httpserver.url_for("/orders/42")), owner))
    first, second = start(channel, contact="c1"), start(channel, contact="c2")
    http_tasks = {t.args_kwargs["args"][0]: t for t in DBTaskResult.objects.filter(
        task_path="runtime.tasks.perform_http_request")}
    run_ready_tasks()
    keys = [request.headers["Idempotency-Key"] for request, _ in httpserver.log]
    assert len(set(keys)) == 2  # one per node execution
    for result in (first, second):
        conversation_id, request_id, token, _spec = http_tasks[str(result.conversation_id)].args_kwargs["args"]
        assert tasks.idempotency_key(conversation_id, token, request_id) in keys


@override_settings(HTTP_NODE_ALLOW_PRIVATE=True)
def test_an_idempotency_key_set_by_the_scenario_author_is_kept(workspace, owner, httpserver):
    httpserver.expect_request("/orders/42").respond_with_json({"order": {"status": "shipped"}})
    doc = http_document(httpserver.url_for("/orders/42"))
    doc["nodes"][0]["data"]["headers"] = [{"name": "Idempotency-Key", "value": "order-42"}]
    start(make_channel(workspace, publish_document(workspace, "orders", doc, owner)))
    run_ready_tasks()
    assert [request.headers.get_all("Idempotency-Key") for request, _ in httpserver.log] == [["order-42"]]
