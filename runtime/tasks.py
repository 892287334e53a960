"""Background tasks (django-tasks, run by `manage.py db_worker`): timers, HTTP nodes, delivery, cleanup.

Each task is a thin wrapper over a service function, so the logic is testable without a worker. Tasks are
enqueued inside the turn's transaction (runtime.pipeline.jobs.defer): a rolled-back turn leaves none behind.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from runtime import http_fetch, services


@task()
def fire_timer(conversation_id: str, timer_id: str, token: str | None = None) -> bool:
    """A wait node or an ask timeout came due; a timer the conversation no longer waits for is a no-op."""
    return services.fire_timer(conversation_id, timer_id, token)


@task()
def perform_http_request(conversation_id: str, request_id: str, token: str | None, spec: dict[str, Any]) -> str:
    """Run an http_request node off the request path, then feed the result back through the locked step."""
    result = http_fetch.fetch(
        spec["method"],
        spec["url"],
        headers=[tuple(h) for h in spec.get("headers") or []],
        body=spec.get("body"),
        timeout_seconds=float(spec.get("timeout_seconds") or 10),
    )
    services.apply_http_result(conversation_id, request_id, token, result.as_dict())
    return result.error or "ok"


@task()
def deliver_message(message_id: int, attempt: int = 1) -> str:
    """Send an outbound message through its channel's connector (Telegram, WhatsApp, …), with retries."""
    return services.deliver(message_id, attempt)


@task()
def purge_previews() -> int:
    """Delete expired draft-preview conversations (also run by `manage.py purge_previews`)."""
    from runtime.preview import purge_expired

    return purge_expired()
