"""Inbox services: the snapshot an operator sees on connect, replies, private notes, canned replies, and the
handoff context of a conversation. Queue moves (claim, transfer, resolve, return to bot) live in queue.py."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone

from builder import business_hours
from builder.models import Department, Workspace
from channels_app import presence
from channels_app.models import CannedReply
from channels_app.queue import get_conversation, member_role
from runtime.connectors import templates
from runtime.connectors.window import ensure_operator_may_reply
from runtime.engine.templating import render
from runtime.errors import ActionError
from runtime.models import Conversation, Message
from runtime.realtime import publish as realtime
from runtime.services import append_message

CLIENT_ID_MAX = 128


def _clean_text(text: Any) -> str:
    if isinstance(text, str):
        text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL
    if not isinstance(text, str) or not text.strip():
        raise ActionError("invalid", "text must be a non-empty string")
    if len(text) > settings.INBOUND_MAX_CHARS:
        raise ActionError("too_long", f"text is longer than {settings.INBOUND_MAX_CHARS} characters")
    return text


def clean_client_id(client_id: Any) -> str | None:
    if client_id is None:
        return None
    if not isinstance(client_id, str) or not 0 < len(client_id) <= CLIENT_ID_MAX:
        raise ActionError("invalid", f"client_id must be a string of 1..{CLIENT_ID_MAX} characters")
    return client_id


def inbox_workspace(user: Any, slug: str) -> Workspace | None:
    """The workspace of an inbox socket, if the user may work in its inbox."""
    workspace = Workspace.objects.filter(slug=slug).first() if slug else None
    if workspace is None or member_role(user, workspace.pk) is None:
        return None
    return workspace


def unread_counts(conversation_ids: list[Any]) -> dict[str, int]:
    """Customer messages since the last operator message (what is waiting for an answer), per conversation."""
    if not conversation_ids:
        return {}
    last_operator = dict(
        Message.objects.filter(conversation_id__in=conversation_ids, sender=Message.Sender.OPERATOR,
                               direction=Message.Direction.OUT)
        .values("conversation_id").annotate(seq=Max("seq")).values_list("conversation_id", "seq")
    )
    counts: dict[str, int] = {}
    for conversation_id in conversation_ids:
        counts[str(conversation_id)] = Message.objects.filter(
            conversation_id=conversation_id, direction=Message.Direction.IN,
            seq__gt=last_operator.get(conversation_id, 0),
        ).count()
    return counts


def snapshot(user: Any, workspace_id: int) -> dict[str, Any]:
    """What an inbox shows on connect: queues per department (oldest first), my live chats, presence, me."""
    base = Conversation.objects.filter(workspace_id=workspace_id, is_preview=False).select_related(
        "channel", "contact", "department")
    queued = list(base.filter(mode=Conversation.Mode.QUEUED).order_by("queued_at", "pk"))
    queues = []
    for department in Department.objects.filter(workspace_id=workspace_id).order_by("name"):
        queues.append({"department": {"id": department.pk, "slug": department.slug, "name": department.name},
                       "chats": [realtime.conversation_summary(c) for c in queued if c.department_id == department.pk]})
    no_department = [realtime.conversation_summary(c) for c in queued if c.department_id is None]
    if no_department:
        queues.append({"department": None, "chats": no_department})
    mine = list(base.filter(mode=Conversation.Mode.LIVE, assignee_id=user.pk).order_by("assigned_at"))
    unread = unread_counts([c.pk for c in mine])
    status = presence.status_for(user, workspace_id)
    return {
        "queues": queues,
        "mine": [{**realtime.conversation_summary(c), "unread": unread.get(str(c.pk), 0)} for c in mine],
        "operators": presence.operators(workspace_id),
        "me": {"user_id": user.pk, "name": realtime.operator_display_name(user), "username": user.get_username(),
               "role": member_role(user, workspace_id), "presence": status.presence, "capacity": status.capacity},
    }


def _existing(conversation_id: Any, user: Any, client_id: str | None, direction: str = "out") -> Message | None:
    """A re-sent frame (same client_id) is acknowledged without storing a second copy.

    The client id is the operator's retry key, so it only ever matches this operator's own message of the same
    kind in this conversation (a note never stands in for a reply)."""
    if not client_id:
        return None
    return Message.objects.filter(conversation_id=conversation_id, sender_user_id=user.pk, direction=direction,
                                  payload__client_id=client_id).first()


def lock_reply_target(user: Any, conversation_id: Any, client_id: str | None, *,
                      workspace_id: int | None = None) -> tuple[Conversation, Message | None]:
    """Lock a chat `user` may answer (only the assignee of a live chat), inside the caller's transaction.

    Also returns the message this operator already sent with `client_id`, if any: a re-sent frame is
    answered with the original instead of a second copy.
    """
    conversation = get_conversation(user, conversation_id, lock=True, workspace_id=workspace_id)
    if conversation.mode == Conversation.Mode.CLOSED:
        raise ActionError("conversation_closed", "This conversation is resolved.")
    if conversation.mode != Conversation.Mode.LIVE:
        raise ActionError("not_claimed", "Claim the chat before replying.")
    if conversation.assignee_id != user.pk:
        raise ActionError("not_assignee", "This chat is assigned to another operator.")
    return conversation, _existing(conversation.pk, user, client_id)


def reply(user: Any, conversation_id: Any, text: Any, client_id: Any = None, *,
          workspace_id: int | None = None) -> Message:
    """An operator's message to the customer. Only the assignee of a live chat may reply."""
    text = _clean_text(text)
    client_id = clean_client_id(client_id)
    get_conversation(user, conversation_id, workspace_id=workspace_id)
    with transaction.atomic():
        conversation, existing = lock_reply_target(user, conversation_id, client_id, workspace_id=workspace_id)
        if existing is not None:
            return existing
        # WhatsApp's 24-hour window: outside it a free-form reply is refused (`window_closed`, with the
        # approved templates the operator may send instead).
        ensure_operator_may_reply(conversation, timezone.now())
        payload = {"client_id": client_id} if client_id else {}
        return append_message(conversation, sender="operator", text=text, payload=payload, direction="out",
                              user=user)


def note(user: Any, conversation_id: Any, text: Any, client_id: Any = None, *,
         workspace_id: int | None = None) -> Message:
    """A private note for colleagues: stored as an internal message, never sent to the customer."""
    text = _clean_text(text)
    client_id = clean_client_id(client_id)
    get_conversation(user, conversation_id, workspace_id=workspace_id)
    with transaction.atomic():
        conversation = get_conversation(user, conversation_id, lock=True, workspace_id=workspace_id)
        existing = _existing(conversation.pk, user, client_id, Message.Direction.INTERNAL)
        if existing is not None:
            return existing
        payload = {"note": True, **({"client_id": client_id} if client_id else {})}
        return append_message(conversation, sender="operator", text=text, payload=payload, direction="internal",
                              user=user)


def canned_text(user: Any, conversation_id: Any, shortcut: Any, *, workspace_id: int | None = None) -> str:
    """A canned reply rendered with the conversation's variables (and contact fields)."""
    conversation = get_conversation(user, conversation_id, workspace_id=workspace_id)
    if not isinstance(shortcut, str):
        raise ActionError("invalid", "shortcut must be a string")
    canned = CannedReply.objects.filter(workspace_id=conversation.workspace_id, shortcut=shortcut.lstrip("/")).first()
    if canned is None:
        raise ActionError("canned_not_found", f"No canned reply /{shortcut.lstrip('/')}.")
    return render(canned.text, template_variables(conversation))


def send_canned(user: Any, conversation_id: Any, shortcut: Any, client_id: Any = None, *,
                workspace_id: int | None = None) -> Message:
    text = canned_text(user, conversation_id, shortcut, workspace_id=workspace_id)
    return reply(user, conversation_id, text, client_id, workspace_id=workspace_id)


def template_variables(conversation: Conversation) -> dict[str, Any]:
    """Variables a canned reply may use: the scenario's variables plus built-ins (contact, ref, channel)."""
    state = conversation.state if isinstance(conversation.state, dict) else {}
    contact = conversation.contact
    variables: dict[str, Any] = {
        "ref": conversation.ref, "channel": conversation.channel.kind,
        "contact_name": contact.name, "contact_phone": contact.phone, "contact_email": contact.email,
    }
    variables.update(state.get("variables") or {})
    if conversation.assignee_id:
        variables.setdefault("operator_name", realtime.operator_display_name(conversation.assignee))
    return variables


def transcript(conversation: Conversation) -> list[dict[str, Any]]:
    """Every message, bot steps and private notes included, in seq order."""
    return [realtime.serialize_message(m) for m in conversation.messages.select_related("sender_user").order_by("seq")]


def open_conversation(user: Any, conversation_id: Any, *, workspace_id: int | None = None) -> dict[str, Any]:
    """The handoff context: transcript, collected variables, where and why the bot handed off, ref, channel."""
    conversation = get_conversation(user, conversation_id, workspace_id=workspace_id)
    state = conversation.state if isinstance(conversation.state, dict) else {}
    handoff = dict(conversation.handoff or {})
    contact = conversation.contact
    return {
        "conversation": realtime.conversation_summary(conversation),
        "transcript": transcript(conversation),
        "variables": dict(state.get("variables") or {}),
        "handoff": {"reason": handoff.get("reason"), "node_id": handoff.get("node_id"), "note": handoff.get("note"),
                    "at": handoff.get("at"), "department": handoff.get("department"),
                    "variables_at_handoff": handoff.get("variables") or {}},
        "ref": conversation.ref,
        "channel": {"id": conversation.channel_id, "kind": conversation.channel.kind,
                    "name": conversation.channel.name},
        "contact": {"id": contact.pk, "external_id": contact.external_id, "name": contact.name,
                    "phone": contact.phone, "email": contact.email, "tags": contact.tags,
                    "attributes": contact.attributes},
        "assignee": ({"id": conversation.assignee_id, "name": realtime.operator_display_name(conversation.assignee)}
                     if conversation.assignee_id else None),
        "history": [
            {"kind": a.kind, "at": a.created_at.isoformat(), "note": a.note,
             "operator": realtime.operator_display_name(a.operator) if a.operator_id else None,
             "actor": realtime.operator_display_name(a.actor) if a.actor_id else None}
            for a in conversation.assignments.select_related("operator", "actor").order_by("created_at", "pk")
        ],
    }


def check_access(user: Any, conversation_id: Any, *, workspace_id: int | None = None) -> str:
    """For cheap per-socket checks (typing): the conversation id if the user may see it."""
    return str(get_conversation(user, conversation_id, workspace_id=workspace_id).pk)


def search_filter(q: str) -> Q:
    """Conversations with a (non-preview) message matching q: PostgreSQL full text, else icontains."""
    q = q.replace("\x00", "")  # PostgreSQL text cannot hold NUL; no stored message contains one either
    if settings.IS_POSTGRES:
        from django.contrib.postgres.search import SearchQuery, SearchVector

        matching = (Message.objects.annotate(search=SearchVector("text", config="simple"))
                    .filter(search=SearchQuery(q, config="simple", search_type="websearch")))
        return Q(pk__in=matching.values("conversation_id"))
    return Q(pk__in=Message.objects.filter(text__icontains=q).values("conversation_id"))


def contact_filter(q: str) -> Q:
    """Conversations of a contact whose name, e-mail or phone contains q (what the bot collected)."""
    q = q.replace("\x00", "")
    return Q(contact__name__icontains=q) | Q(contact__email__icontains=q) | Q(contact__phone__icontains=q)


def create_department(workspace: Workspace, *, name: str, slug: str, business_hours_spec: dict | None = None,
                      out_of_hours_message: str = "", assignment: str = Department.Assignment.OFF,
                      operators: Any = ()) -> Department:
    """A department (the REST API validates its input with the same rules)."""
    problems = business_hours.validate(business_hours_spec or {})
    if problems:
        raise ActionError("invalid_business_hours", problems[0]["message"])
    if assignment not in Department.Assignment.values:
        raise ActionError("invalid", f"assignment must be one of {', '.join(Department.Assignment.values)}")
    with transaction.atomic():
        department = Department.objects.create(workspace=workspace, name=name, slug=slug,
                                               business_hours=business_hours_spec or {},
                                               out_of_hours_message=out_of_hours_message, assignment=assignment)
        if operators:
            department.operators.set(operators)
    return department


def create_canned_reply(workspace: Workspace, *, title: str, shortcut: str, text: str) -> CannedReply:
    return CannedReply.objects.create(workspace=workspace, title=title, shortcut=shortcut, text=text)


# --- Operators: send an approved template (the inbox's answer to `window_closed`) ---------------------


def send_template(
    user: Any,
    conversation_id: Any,
    name: Any,
    language: Any,
    params: Any,
    client_id: Any = None,
    *,
    workspace_id: int | None = None,
) -> Any:
    """An operator sends an approved WhatsApp template (allowed outside the 24-hour window).

    Same rules as a reply: only the assignee of a live chat. `params` fill {{1}}, {{2}}, … in order.
    """
    if not isinstance(params, list) or not all(isinstance(p, str | int | float) for p in params):
        raise ActionError("invalid", "params is a list of texts for {{1}}, {{2}}, …")
    params = [str(p).strip() for p in params]
    client = clean_client_id(str(client_id) if isinstance(client_id, int) else client_id)
    get_conversation(user, conversation_id, workspace_id=workspace_id)
    with transaction.atomic():
        conversation, existing = lock_reply_target(user, conversation_id, client, workspace_id=workspace_id)
        if existing is not None:
            return existing
        channel = conversation.channel
        if channel.kind != "whatsapp":
            raise ActionError("invalid", "Templates are sent on WhatsApp channels only.")
        template = templates.find_approved(channel, str(name or ""), str(language or ""))
        if template is None:
            raise ActionError("template_not_approved", "No approved template with this name and language.")
        expected = templates.placeholders(template.body)
        if len(params) != len(expected) or any(not p or len(p) > 1024 for p in params):
            raise ActionError("template_params", f"This template needs {len(expected)} non-empty values.")
        payload: dict[str, Any] = {"template": templates.template_payload(template.name, template.language, params)}
        if client:
            payload["client_id"] = client
        return append_message(conversation, sender="operator", direction="out", user=user,
                              text=templates.render_body(template.body, params), payload=payload)
