"""Operator presence and capacity.

Presence is set by the operator (online / away) and derived from open inbox sockets: the first socket (in any
process) brings an offline operator online, closing the last one takes them offline. Socket counts change with
F() expressions in single UPDATEs, so concurrent connects/disconnects in different processes lose no update.

Each open socket is also a row (`InboxSocket`) owned by its server process, written in the same transaction as
the count, so the count always equals the rows. A live process renews its rows' `seen_at` from a heartbeat
thread; a crashed one cannot close its sockets, and `sweep_sockets` (run by every task worker, see
runtime.pipeline.leases) deletes its expired rows and takes the counts down with them.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections import Counter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from builder.models import Membership
from channels_app.models import InboxSocket, OperatorStatus
from channels_app.queue import INBOX_ROLES, auto_assign_for_operator
from runtime.errors import ActionError
from runtime.models import Conversation
from runtime.realtime import publish as realtime

log = logging.getLogger(__name__)

PRESENCES = {c.value for c in OperatorStatus.Presence}

# This server process, as the owner of its socket rows. Process-local on purpose: other processes only see rows.
PROCESS_ID = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
_open_here = 0  # sockets this process holds open: the heartbeat renews only while there are some
_heartbeat: threading.Thread | None = None
_lock = threading.Lock()


def status_for(user: Any, workspace_id: int) -> OperatorStatus:
    """The operator's status row in the workspace, created on first use (safe against a concurrent create)."""
    try:
        with transaction.atomic():
            status, _ = OperatorStatus.objects.get_or_create(user_id=user.pk, workspace_id=workspace_id)
    except IntegrityError:
        status = OperatorStatus.objects.get(user_id=user.pk, workspace_id=workspace_id)
    return status


def presence_frame(status: OperatorStatus) -> dict[str, Any]:
    return {"user_id": status.user_id, "name": realtime.operator_display_name(status.user),
            "presence": status.presence, "capacity": status.capacity}


def _publish(status_pk: int) -> None:
    status = OperatorStatus.objects.select_related("user").get(pk=status_pk)
    realtime.publish_inbox(status.workspace_id, "presence", {"operator": presence_frame(status)})


def _assign_when_online(user_id: int, workspace_id: int) -> None:
    transaction.on_commit(lambda: auto_assign_for_operator(user_id, workspace_id), robust=True)


def socket_opened(user: Any, workspace_id: int) -> OperatorStatus:
    """An inbox socket connected: count it; an offline operator comes online (and may get chats assigned)."""
    status = status_for(user, workspace_id)
    now = timezone.now()
    with transaction.atomic():
        InboxSocket.objects.create(status_id=status.pk, process=PROCESS_ID, seen_at=now)
        OperatorStatus.objects.filter(pk=status.pk).update(open_sockets=F("open_sockets") + 1, last_seen_at=now)
        came_online = OperatorStatus.objects.filter(pk=status.pk, presence=OperatorStatus.Presence.OFFLINE).update(
            presence=OperatorStatus.Presence.ONLINE)
        if came_online:
            _publish(status.pk)
            _assign_when_online(user.pk, workspace_id)
    _track(+1)
    status.refresh_from_db()
    return status


def socket_closed(user: Any, workspace_id: int) -> None:
    """An inbox socket disconnected: uncount it; at zero open sockets the operator goes offline."""
    _track(-1)
    with transaction.atomic():
        # Any one of this process's rows for the operator: they are interchangeable. None left means the sweep
        # took this process for dead (it stalled past the expiry) and already uncounted the socket.
        row = InboxSocket.objects.filter(status__user_id=user.pk, status__workspace_id=workspace_id,
                                         process=PROCESS_ID).values_list("pk", flat=True).first()
        if row is None or not InboxSocket.objects.filter(pk=row).delete()[0]:
            return
        OperatorStatus.objects.filter(user_id=user.pk, workspace_id=workspace_id, open_sockets__gt=0).update(
            open_sockets=F("open_sockets") - 1, last_seen_at=timezone.now())
        went_offline = OperatorStatus.objects.filter(
            user_id=user.pk, workspace_id=workspace_id, open_sockets=0,
        ).exclude(presence=OperatorStatus.Presence.OFFLINE).update(presence=OperatorStatus.Presence.OFFLINE)
        if went_offline:
            pk = OperatorStatus.objects.filter(user_id=user.pk, workspace_id=workspace_id).values_list(
                "pk", flat=True).first()
            if pk is not None:
                _publish(pk)


# --- crash healing ------------------------------------------------------------------------------------------


def _track(delta: int) -> None:
    """Count this process's open sockets and start its heartbeat with the first one."""
    global _open_here, _heartbeat
    with _lock:
        _open_here = max(0, _open_here + delta)
        if delta > 0 and _heartbeat is None:
            _heartbeat = threading.Thread(target=_beat_forever, name="inbox-presence-heartbeat", daemon=True)
            _heartbeat.start()


def renew(process: str = PROCESS_ID, now: dt.datetime | None = None) -> int:
    """Mark this process's socket rows as still open; returns how many."""
    return InboxSocket.objects.filter(process=process).update(seen_at=now or timezone.now())


def _beat_forever() -> None:
    while True:
        time.sleep(settings.PRESENCE_HEARTBEAT_SECONDS)
        if not _open_here:
            continue  # nothing to renew: no write at all
        try:
            close_old_connections()
            renew()
        except Exception:  # the database may be away for a moment; the next beat tries again
            log.exception("inbox presence heartbeat failed")
        finally:
            connection.close()


def sweep_sockets(now: dt.datetime | None = None) -> int:
    """Forget sockets of server processes that stopped renewing them (crashed); operators left with no open
    socket go offline, and the inbox hears it. Safe to run from several workers at once."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.PRESENCE_EXPIRY_SECONDS)
    with transaction.atomic():
        stale = list(InboxSocket.objects.select_for_update(skip_locked=True).filter(seen_at__lt=cutoff)
                     .values_list("pk", "status_id"))
        if not stale:
            return 0
        InboxSocket.objects.filter(pk__in=[pk for pk, _ in stale]).delete()
        per_status = Counter(status_id for _, status_id in stale)
        for status_id, count in per_status.items():
            OperatorStatus.objects.filter(pk=status_id).update(open_sockets=Greatest(F("open_sockets") - count, 0))
        offline = list(OperatorStatus.objects.filter(pk__in=per_status, open_sockets=0)
                       .exclude(presence=OperatorStatus.Presence.OFFLINE).values_list("pk", flat=True))
        OperatorStatus.objects.filter(pk__in=offline).update(presence=OperatorStatus.Presence.OFFLINE)
        for pk in offline:
            _publish(pk)
    log.warning("forgot %s inbox socket(s) of crashed server process(es); %s operator(s) now offline",
                len(stale), len(offline))
    return len(stale)


def set_presence(user: Any, workspace_id: int, presence: str) -> OperatorStatus:
    """The operator chose online / away / offline. Going online may assign waiting chats."""
    if presence not in PRESENCES:
        raise ActionError("invalid", f"presence must be one of {', '.join(sorted(PRESENCES))}")
    status = status_for(user, workspace_id)
    with transaction.atomic():
        changed = OperatorStatus.objects.filter(pk=status.pk).exclude(presence=presence).update(
            presence=presence, last_seen_at=timezone.now())
        if changed:
            _publish(status.pk)
            if presence == OperatorStatus.Presence.ONLINE:
                _assign_when_online(user.pk, workspace_id)
    status.refresh_from_db()
    return status


def set_capacity(user: Any, workspace_id: int, capacity: int) -> OperatorStatus:
    """Max concurrent live chats for auto-assignment (manual claims may exceed it)."""
    if not isinstance(capacity, int) or isinstance(capacity, bool) or not 0 <= capacity <= 1000:
        raise ActionError("invalid", "capacity must be an integer between 0 and 1000")
    status = status_for(user, workspace_id)
    with transaction.atomic():
        OperatorStatus.objects.filter(pk=status.pk).update(capacity=capacity)
        _publish(status.pk)
        _assign_when_online(user.pk, workspace_id)
    status.refresh_from_db()
    return status


def operators(workspace_id: int) -> list[dict[str, Any]]:
    """Presence list of the workspace's inbox members (members without a status row are offline)."""
    statuses = {s.user_id: s for s in OperatorStatus.objects.filter(workspace_id=workspace_id).select_related("user")}
    out = []
    memberships = Membership.objects.filter(workspace_id=workspace_id, role__in=INBOX_ROLES).select_related("user")
    loads: dict[int, int] = {}
    for user_id in Conversation.objects.filter(workspace_id=workspace_id, mode=Conversation.Mode.LIVE).values_list(
            "assignee_id", flat=True):
        loads[user_id] = loads.get(user_id, 0) + 1
    for membership in memberships.order_by("user__username"):
        status = statuses.get(membership.user_id)
        out.append({
            "user_id": membership.user_id, "name": realtime.operator_display_name(membership.user),
            "username": membership.user.get_username(), "role": membership.role,
            "presence": status.presence if status else OperatorStatus.Presence.OFFLINE,
            "capacity": status.capacity if status else OperatorStatus._meta.get_field("capacity").default,
            "load": loads.get(membership.user_id, 0),
        })
    return out
