"""The handoff queue: enqueue, claim (atomic), auto-assignment, transfer, resolve, return to the bot.

Rules (README "Queue rules" explains them to people):
- A queued chat waits in its department's queue, oldest first (`queued_at`).
- Manual claim is one conditional UPDATE (`… WHERE mode='queued'`): of several racing operators exactly one wins.
- Auto-assignment (per department: off | round_robin | least_busy) gives the oldest waiting chat to an online
  operator below capacity; it runs after commit whenever a chat is queued, an operator frees a slot (resolve,
  transfer, return to bot) or comes online. Workers lock queue rows with SKIP LOCKED on PostgreSQL.
- Every write happens in one transaction; websocket events are published only after it commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from builder import business_hours
from builder.departments import resolve_department
from builder.models import Department, Membership, Role
from channels_app.models import AssignmentEvent, OperatorStatus
from runtime.errors import ActionError
from runtime.models import Conversation
from runtime.realtime import publish as realtime
from runtime.services import append_message, release_to_bot

log = logging.getLogger(__name__)

# Roles that may work in the inbox.
INBOX_ROLES = (Role.OPERATOR, Role.EDITOR, Role.ADMIN)
# Expected wait when a department has no claim history yet (seconds per place in the queue).
DEFAULT_WAIT_PER_PLACE = 120
# How many recent claims the wait estimate averages over, and how far back it looks.
WAIT_SAMPLE = 20
WAIT_WINDOW = dt.timedelta(days=7)


def _append(conversation: Conversation, **kwargs: Any):
    # Imported late: runtime.services imports this module (it calls enqueue inside its locked transaction).

    return append_message(conversation, **kwargs)


# --- departments and membership -------------------------------------------------------------------------


def member_role(user: Any, workspace_id: int) -> str | None:
    """The user's inbox role in the workspace, or None (not a member / cannot use the inbox)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    role = Membership.objects.filter(user_id=user.pk, workspace_id=workspace_id).values_list("role", flat=True).first()
    return role if role in INBOX_ROLES else None


def get_conversation(user: Any, conversation_id: Any, *, lock: bool = False,
                     workspace_id: int | None = None) -> Conversation:
    """The conversation if the user works in its workspace (and it belongs to `workspace_id` when given);
    otherwise `not_found` (never confirm that it exists)."""
    try:
        pk = uuid.UUID(str(conversation_id))
    except ValueError:
        raise ActionError("not_found", "Conversation not found.") from None
    if lock:
        qs = Conversation.objects.select_for_update()  # no joins: lock only the conversation row
    else:
        qs = Conversation.objects.select_related("workspace", "channel", "contact", "department", "assignee")
    conversation = qs.filter(pk=pk).first()
    if conversation is None:
        raise ActionError("not_found", "Conversation not found.")
    if (conversation.is_preview or (workspace_id is not None and conversation.workspace_id != workspace_id)
            or member_role(user, conversation.workspace_id) is None):
        raise ActionError("not_found", "Conversation not found.")
    return conversation


# --- queue position and expected wait -------------------------------------------------------------------


def queue_position(conversation: Conversation) -> int:
    """1 + the number of chats in the same department's queue that have waited longer."""
    older = Conversation.objects.filter(
        workspace_id=conversation.workspace_id, mode=Conversation.Mode.QUEUED,
        department_id=conversation.department_id, queued_at__lt=conversation.queued_at,
    )
    return older.count() + 1


def average_wait_seconds(department_id: int | None, now: dt.datetime | None = None) -> float:
    """Average queue wait of the last WAIT_SAMPLE claims in the department (last 7 days); a default without data."""
    now = now or timezone.now()
    rows = (
        Conversation.objects.filter(department_id=department_id, assigned_at__gte=now - WAIT_WINDOW,
                                    queued_at__isnull=False, assigned_at__isnull=False)
        .order_by("-assigned_at").values_list("queued_at", "assigned_at")[:WAIT_SAMPLE]
    )
    waits = [max(0.0, (assigned - queued).total_seconds()) for queued, assigned in rows]
    return sum(waits) / len(waits) if waits else float(DEFAULT_WAIT_PER_PLACE)


def expected_wait_seconds(position: int, average: float) -> int:
    """Expected wait = the recent average wait per claimed chat × the place in the queue."""
    return round(average * max(1, position))


def queue_frame(conversation: Conversation) -> dict[str, Any]:
    position = queue_position(conversation)
    average = average_wait_seconds(conversation.department_id)
    return {"position": position, "expected_wait_seconds": expected_wait_seconds(position, average),
            "department": conversation.department.slug if conversation.department_id else None}


def push_queue_positions(workspace_id: int, department_id: int | None) -> None:
    """Send every waiting customer of the department their (new) place in the queue. Runs after commit."""
    queued = list(
        Conversation.objects.filter(workspace_id=workspace_id, mode=Conversation.Mode.QUEUED,
                                    department_id=department_id)
        .order_by("queued_at", "pk").values_list("pk", flat=True)
    )
    if not queued:
        return
    slug = Department.objects.filter(pk=department_id).values_list("slug", flat=True).first()
    average = average_wait_seconds(department_id)
    for index, conversation_id in enumerate(queued):
        position = index + 1
        realtime.send_now(realtime.conversation_group(conversation_id), {
            "type": "conv.event",
            "frame": {"type": "queue", "position": position, "department": slug,
                      "expected_wait_seconds": expected_wait_seconds(position, average)},
        })


def _after_queue_change(workspace_id: int, department_id: int | None, *, assign: bool = True) -> None:
    """On commit: tell waiting customers their new positions and let auto-assignment run."""
    def run() -> None:
        push_queue_positions(workspace_id, department_id)
        if assign and department_id is not None:
            auto_assign(department_id)

    # robust: the change is committed; a failed follow-up is logged, never turned into the caller's error.
    transaction.on_commit(run, robust=True)


# --- enqueue (called by the pipeline inside its locked transaction) --------------------------------------


def out_of_hours_text(department: Department, now: dt.datetime) -> str:
    """The out-of-hours message with when the customer will be answered ({{opens_at}} in a custom text)."""
    when = business_hours.describe_opening(business_hours.next_opening(department, now), now)
    custom = (department.out_of_hours_message or "").strip()
    if custom:
        if "{{opens_at}}" in custom or "{{ opens_at }}" in custom:
            return custom.replace("{{ opens_at }}", when).replace("{{opens_at}}", when)
        return f"{custom} We will answer you {when}."
    return f"Our operators are not working right now. Your chat is in the queue and we will answer you {when}."


def enqueue(conversation: Conversation, *, department: str | None, reason: str, node_id: str | None,
            note: str = "", message: str = "") -> None:
    """Put a locked conversation in its department's queue (the bot handed off).

    Must be called inside the caller's transaction, with `conversation` locked (select_for_update).
    """
    now = timezone.now()
    dept = resolve_department(conversation.workspace_id, department)
    state = conversation.state if isinstance(conversation.state, dict) else {}
    conversation.mode = Conversation.Mode.QUEUED
    conversation.department = dept
    conversation.queued_at = now
    conversation.assignee = None
    conversation.assigned_at = None
    conversation.closed_at = None
    conversation.handoff = {
        "reason": reason, "node_id": node_id, "note": note, "at": now.isoformat(), "ref": conversation.ref,
        "department": dept.slug if dept else None,
        "variables": dict(state.get("variables") or {}),
    }
    conversation.save(update_fields=["mode", "department", "queued_at", "assignee", "assigned_at", "closed_at",
                                     "handoff", "updated_at"])
    if message:
        _append(conversation, sender="bot", text=message, direction="out", node_id=node_id or "")
    if dept is not None and not business_hours.is_open(dept, now):
        _append(conversation, sender="system", text=out_of_hours_text(dept, now), direction="out",
                payload={"out_of_hours": True}, node_id=node_id or "")
    AssignmentEvent.objects.create(conversation=conversation, kind=AssignmentEvent.Kind.QUEUED, department=dept,
                                   note=note)
    conversation.contact  # noqa: B018  (load for the summary below while we hold the row)
    realtime.publish_inbox(conversation.workspace_id, "queued",
                           {"conversation": realtime.conversation_summary(conversation)})
    _after_queue_change(conversation.workspace_id, dept.pk if dept else None)


# --- claim and auto-assignment -------------------------------------------------------------------------


def _joined(conversation: Conversation, user: Any, *, kind: str, actor: Any) -> None:
    """Bookkeeping shared by claim and auto-assign, inside the transaction that won the UPDATE."""
    name = realtime.operator_display_name(user)
    locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
    _append(locked, sender="system", text=f"{name} joined the chat", direction="out",
            payload={"event": "operator_joined", "operator": name})
    AssignmentEvent.objects.create(conversation=locked, kind=kind, actor=actor, operator=user,
                                   department_id=locked.department_id)
    OperatorStatus.objects.filter(user_id=user.pk, workspace_id=locked.workspace_id).update(
        last_assigned_at=timezone.now())
    locked = Conversation.objects.select_related("channel", "contact", "department").get(pk=locked.pk)
    realtime.publish_conversation(locked.pk, "operator_joined", {"name": name})
    realtime.publish_inbox(locked.workspace_id, "claimed", {
        "conversation_id": str(locked.pk), "operator": {"id": user.pk, "name": name},
        "auto": kind == AssignmentEvent.Kind.AUTO_ASSIGNED, "conversation": realtime.conversation_summary(locked),
    })
    _after_queue_change(locked.workspace_id, locked.department_id, assign=False)


def claim(user: Any, conversation_id: Any, *, workspace_id: int | None = None) -> Conversation:
    """An operator takes a queued chat. Exactly one of several racing claimers wins; the others get
    `already_claimed`."""
    conversation = get_conversation(user, conversation_id, workspace_id=workspace_id)
    now = timezone.now()
    with transaction.atomic():
        won = Conversation.objects.filter(pk=conversation.pk, mode=Conversation.Mode.QUEUED).update(
            mode=Conversation.Mode.LIVE, assignee=user, assigned_at=now, updated_at=now)
        if not won:
            current = Conversation.objects.filter(pk=conversation.pk).values_list("mode", flat=True).first()
            if current == Conversation.Mode.LIVE:
                raise ActionError("already_claimed", "Another operator has already taken this chat.")
            raise ActionError("not_queued", "This chat is not waiting in the queue.")
        _joined(conversation, user, kind=AssignmentEvent.Kind.CLAIMED, actor=user)
    conversation.refresh_from_db()
    return conversation


def _live_load() -> Any:
    return Count("user__assigned_chats", filter=Q(user__assigned_chats__mode=Conversation.Mode.LIVE,
                                                 user__assigned_chats__workspace_id=F("workspace_id")))


def eligible_operators(department: Department) -> list[OperatorStatus]:
    """Online operators of the department below capacity, in the department's strategy order."""
    statuses = OperatorStatus.objects.filter(
        workspace_id=department.workspace_id, presence=OperatorStatus.Presence.ONLINE,
        user__memberships__workspace_id=department.workspace_id, user__memberships__role__in=INBOX_ROLES,
        user__is_active=True,
    )
    if department.operators.exists():
        statuses = statuses.filter(user__in=department.operators.all())
    statuses = statuses.annotate(load=_live_load()).filter(load__lt=F("capacity"))
    if department.assignment == Department.Assignment.LEAST_BUSY:
        order = ["load", F("last_assigned_at").asc(nulls_first=True), "user_id"]
    else:  # round robin: whoever was assigned longest ago
        order = [F("last_assigned_at").asc(nulls_first=True), "user_id"]
    return list(statuses.select_related("user").order_by(*order))


def _current_load(user_id: int, workspace_id: int) -> int:
    return Conversation.objects.filter(assignee_id=user_id, workspace_id=workspace_id,
                                       mode=Conversation.Mode.LIVE).count()


def auto_assign(department_id: int, *, limit: int = 100) -> list[tuple[str, int]]:
    """Give waiting chats of the department to eligible operators, oldest chat first.

    Returns [(conversation_id, user_id)] assigned. Safe to run concurrently in many processes: the operator's
    status row is locked while their load is counted (so capacity holds) and queue rows are locked with
    SKIP LOCKED on PostgreSQL (so workers take different chats instead of waiting on each other).
    """
    assigned: list[tuple[str, int]] = []
    for _ in range(limit):
        with transaction.atomic():
            department = Department.objects.filter(pk=department_id).first()
            if department is None or department.assignment == Department.Assignment.OFF:
                break
            candidates = eligible_operators(department)
            if not candidates:
                break
            # Operator first, then the chat: a worker that holds a chat lock always has someone to give it to,
            # so concurrent workers never leave an older chat waiting behind a newer one.
            chosen = None
            for candidate in candidates:
                statuses = OperatorStatus.objects.filter(pk=candidate.pk)
                statuses = (statuses.select_for_update(skip_locked=True) if settings.IS_POSTGRES
                            else statuses.select_for_update())
                status = statuses.first()
                if (status is not None and status.presence == OperatorStatus.Presence.ONLINE
                        and _current_load(status.user_id, department.workspace_id) < status.capacity):
                    chosen = candidate.user
                    break
            if chosen is None:
                break
            queue = Conversation.objects.filter(
                workspace_id=department.workspace_id, department_id=department.pk, mode=Conversation.Mode.QUEUED,
            ).order_by("queued_at", "pk")
            queue = queue.select_for_update(skip_locked=True) if settings.IS_POSTGRES else queue.select_for_update()
            conversation = queue.first()
            if conversation is None:
                break
            now = timezone.now()
            won = Conversation.objects.filter(pk=conversation.pk, mode=Conversation.Mode.QUEUED).update(
                mode=Conversation.Mode.LIVE, assignee=chosen, assigned_at=now, updated_at=now)
            if not won:
                continue
            _joined(conversation, chosen, kind=AssignmentEvent.Kind.AUTO_ASSIGNED, actor=None)
            assigned.append((str(conversation.pk), chosen.pk))
    return assigned


def auto_assign_for_operator(user_id: int, workspace_id: int) -> None:
    """An operator came online or freed a slot: run auto-assignment in the departments they can serve."""
    departments = Department.objects.filter(workspace_id=workspace_id).exclude(
        assignment=Department.Assignment.OFF)
    for department in departments:
        if not department.operators.exists() or department.operators.filter(pk=user_id).exists():
            auto_assign(department.pk)


# --- transfer, resolve, return to bot -----------------------------------------------------------------


def _require_handler(user: Any, conversation: Conversation, *, allow_closed: bool = False) -> None:
    """Live chats are handled by their assignee (admins may step in); closed chats by nobody, except that the
    operator who resolved a chat (or an admin) may still send the customer back to the bot (e.g. a CSAT rating)."""
    if conversation.mode == Conversation.Mode.CLOSED:
        is_handler = (conversation.assignee_id == user.pk
                      or member_role(user, conversation.workspace_id) == Role.ADMIN)
        if not (allow_closed and is_handler):
            raise ActionError("conversation_closed", "This conversation is resolved.")
        return
    if (conversation.mode == Conversation.Mode.LIVE and conversation.assignee_id != user.pk
            and member_role(user, conversation.workspace_id) != Role.ADMIN):
        raise ActionError("not_assignee", "This chat is assigned to another operator.")
    if conversation.mode == Conversation.Mode.BOT:
        raise ActionError("not_handed_off", "The bot is handling this conversation.")


def transfer(user: Any, conversation_id: Any, *, department: str | None = None, operator: int | None = None,
             note: str = "", workspace_id: int | None = None) -> Conversation:
    """Move a queued or live chat to another department's queue, or directly to another operator."""
    if bool(department) == bool(operator):
        raise ActionError("invalid", "Give either a department or an operator.")
    get_conversation(user, conversation_id, workspace_id=workspace_id)  # not_found before anything else
    freed: int | None = None
    with transaction.atomic():
        conversation = get_conversation(user, conversation_id, lock=True, workspace_id=workspace_id)
        _require_handler(user, conversation)
        previous = conversation.assignee
        previous_department = conversation.department_id
        now = timezone.now()
        name = realtime.operator_display_name(user)
        if department:
            target_dept = Department.objects.filter(workspace_id=conversation.workspace_id, slug=department).first()
            if target_dept is None:
                raise ActionError("department_not_found", f"No department {department!r} in this workspace.")
            conversation.mode = Conversation.Mode.QUEUED
            conversation.department = target_dept
            conversation.assignee = None
            conversation.assigned_at = None
            conversation.queued_at = now
            target_user = None
        else:
            User = get_user_model()
            target_user = User.objects.filter(pk=operator, is_active=True).first()
            if target_user is None or member_role(target_user, conversation.workspace_id) is None:
                raise ActionError("operator_not_found", "No such operator in this workspace.")
            conversation.mode = Conversation.Mode.LIVE
            conversation.assignee = target_user
            conversation.assigned_at = now
            target_dept = conversation.department
        conversation.save(update_fields=["mode", "department", "assignee", "assigned_at", "queued_at", "updated_at"])
        target_text = (f"department {target_dept.name}" if department
                       else realtime.operator_display_name(target_user))
        _append(conversation, sender="operator", direction="internal", user=user,
                text=f"{name} transferred the chat to {target_text}" + (f": {note}" if note else ""),
                payload={"note": True, "event": "transferred", "transfer_note": note})
        AssignmentEvent.objects.create(conversation=conversation, kind=AssignmentEvent.Kind.TRANSFERRED, actor=user,
                                       operator=target_user, department=target_dept, note=note)
        if previous is not None and previous.pk != getattr(target_user, "pk", None):
            realtime.publish_conversation(conversation.pk, "operator_left",
                                          {"name": realtime.operator_display_name(previous)})
            freed = previous.pk
        if target_user is not None and target_user.pk != getattr(previous, "pk", None):
            realtime.publish_conversation(conversation.pk, "operator_joined",
                                          {"name": realtime.operator_display_name(target_user)})
        fresh = Conversation.objects.select_related("channel", "contact", "department").get(pk=conversation.pk)
        realtime.publish_inbox(conversation.workspace_id, "transferred", {
            "conversation_id": str(conversation.pk), "by": {"id": user.pk, "name": name},
            "department": target_dept.slug if target_dept else None,
            "operator": {"id": target_user.pk, "name": realtime.operator_display_name(target_user)} if target_user
            else None,
            "note": note, "conversation": realtime.conversation_summary(fresh),
        })
        if department:
            _after_queue_change(conversation.workspace_id, target_dept.pk)
            if previous_department and previous_department != target_dept.pk:
                _after_queue_change(conversation.workspace_id, previous_department, assign=False)
        if freed is not None:
            workspace_id = conversation.workspace_id
            transaction.on_commit(lambda: auto_assign_for_operator(freed, workspace_id), robust=True)
    return fresh


def resolve(user: Any, conversation_id: Any, *, workspace_id: int | None = None) -> Conversation:
    """Close a queued or live chat: system message, the customer's widget gets `closed`."""
    get_conversation(user, conversation_id, workspace_id=workspace_id)
    with transaction.atomic():
        conversation = get_conversation(user, conversation_id, lock=True, workspace_id=workspace_id)
        _require_handler(user, conversation)
        was_queued = conversation.mode == Conversation.Mode.QUEUED
        previous_id = conversation.assignee_id
        now = timezone.now()
        conversation.mode = Conversation.Mode.CLOSED
        conversation.closed_at = now
        conversation.save(update_fields=["mode", "closed_at", "updated_at"])
        _append(conversation, sender="system", direction="out", text="The conversation was resolved.",
                payload={"event": "resolved"})
        AssignmentEvent.objects.create(conversation=conversation, kind=AssignmentEvent.Kind.RESOLVED, actor=user,
                                       operator_id=previous_id, department_id=conversation.department_id)
        realtime.publish_conversation(conversation.pk, "closed", {"reason": "resolved"})
        fresh = Conversation.objects.select_related("channel", "contact", "department").get(pk=conversation.pk)
        realtime.publish_inbox(conversation.workspace_id, "resolved", {
            "conversation_id": str(conversation.pk), "by": {"id": user.pk, "name": realtime.operator_display_name(user)},
            "conversation": realtime.conversation_summary(fresh),
        })
        workspace_id = conversation.workspace_id
        if was_queued:
            _after_queue_change(workspace_id, conversation.department_id, assign=False)
        if previous_id is not None:
            transaction.on_commit(lambda: auto_assign_for_operator(previous_id, workspace_id), robust=True)
    conversation.refresh_from_db()
    return conversation


def return_to_bot(user: Any, conversation_id: Any, node_id: str | None, *,
                  workspace_id: int | None = None) -> Conversation:
    """Hand the customer back to the bot at `node_id` of the conversation's scenario (e.g. a rating node)."""
    conversation = get_conversation(user, conversation_id, workspace_id=workspace_id)
    _require_handler(user, conversation, allow_closed=True)
    if node_id and not _node_exists(conversation, node_id):
        raise ActionError("node_not_found", f"The scenario has no node {node_id!r}.")
    previous_id = conversation.assignee_id
    was_queued = conversation.mode == Conversation.Mode.QUEUED
    name = realtime.operator_display_name(user)
    with transaction.atomic():
        # Announce and record first, in the same transaction as the pipeline's release (atomic nests).
        locked = get_conversation(user, conversation_id, lock=True, workspace_id=workspace_id)
        _require_handler(user, locked, allow_closed=True)
        was_live = locked.mode == Conversation.Mode.LIVE
        AssignmentEvent.objects.create(conversation=locked, kind=AssignmentEvent.Kind.RETURNED_TO_BOT, actor=user,
                                       operator_id=previous_id, department_id=locked.department_id, note=node_id or "")
        if was_live and previous_id is not None:
            realtime.publish_conversation(locked.pk, "operator_left", {"name": realtime.operator_display_name(
                locked.assignee)})
        release_to_bot(locked.pk, node_id, user)
        # After the release: the summary carries the mode the bot left it in (it may have ended already).
        fresh = Conversation.objects.select_related("channel", "contact", "department").get(pk=locked.pk)
        realtime.publish_inbox(locked.workspace_id, "returned_to_bot", {
            "conversation_id": str(locked.pk), "node_id": node_id, "by": {"id": user.pk, "name": name},
            "conversation": realtime.conversation_summary(fresh)})
        workspace_id = locked.workspace_id
        if was_queued:
            _after_queue_change(workspace_id, locked.department_id, assign=False)
        if was_live and previous_id is not None:
            transaction.on_commit(lambda: auto_assign_for_operator(previous_id, workspace_id), robust=True)
    conversation.refresh_from_db()
    return conversation


def _node_exists(conversation: Conversation, node_id: str) -> bool:
    document = None
    if conversation.version_id:
        document = conversation.version.document
    elif conversation.scenario_id:
        document = conversation.scenario.draft
    if not isinstance(document, dict):
        return False
    return any(isinstance(n, dict) and n.get("id") == node_id for n in document.get("nodes") or [])
