"""Background tasks (django-tasks, run by `manage.py db_worker`): timers, HTTP nodes, delivery, cleanup.

Each task is a thin wrapper over a service function, so the logic is testable without a worker. Tasks are
enqueued inside the turn's transaction (runtime.pipeline.jobs.defer): a rolled-back turn leaves none behind.

Queues by latency class (settings.TASK_QUEUES), each served by its own workers: LIVE (deliveries, timers) never
waits behind IO (HTTP nodes, integrations, up to their timeout) or BULK (broadcasts, clean-ups). Every task may
run again after its worker died (runtime.pipeline.leases), so each one is safe to re-run.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from runtime import http_fetch, services
from runtime.pipeline import jobs
from runtime.preview import purge_expired

LIVE, IO, BULK = "live", "io", "bulk"


def idempotency_key(conversation_id: str, token: str | None, request_id: str) -> str:
    """Stable for one execution of an HTTP node (the token is drawn per execution), so a request re-run after
    a worker died carries the same key and the receiving system can drop the duplicate."""
    return f"{conversation_id}.{token or request_id}"


@jobs.register
@task(queue_name=LIVE)
def fire_timer(conversation_id: str, timer_id: str, token: str | None = None) -> bool:
    """A wait node or an ask timeout came due; a timer the conversation no longer waits for is a no-op."""
    return services.fire_timer(conversation_id, timer_id, token)


@jobs.register
@task(queue_name=IO)
def perform_http_request(conversation_id: str, request_id: str, token: str | None, spec: dict[str, Any]) -> str:
    """Run an http_request node off the request path, then feed the result back through the locked step."""
    headers = [(str(h[0]), str(h[1])) for h in spec.get("headers") or []]
    if not any(name.lower() == "idempotency-key" for name, _ in headers):  # a key the author set wins
        headers.append(("Idempotency-Key", idempotency_key(conversation_id, token, request_id)))
    result = http_fetch.fetch(
        spec["method"],
        spec["url"],
        headers=headers,
        body=spec.get("body"),
        timeout_seconds=float(spec.get("timeout_seconds") or 10),
    )
    services.apply_http_result(conversation_id, request_id, token, result.as_dict())
    return result.error or "ok"


@jobs.register
@task(queue_name=LIVE)
def deliver_message(message_id: int, attempt: int = 1) -> str:
    """Send an outbound message through its channel's connector (Telegram, WhatsApp, …), with retries."""
    return services.deliver(message_id, attempt)


@jobs.register
@task(queue_name=BULK)
def purge_previews() -> int:
    """Delete expired draft-preview conversations (also run by `manage.py purge_previews`)."""
    return purge_expired()
