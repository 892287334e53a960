"""runtime/pipeline/sql.py: the turn's cached statements give exactly what the plain ORM gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from runtime.models import Contact, Conversation, Message
from runtime.pipeline import sql
from runtime.pipeline.sql import CompiledQuery
from runtime.services import _open_for_contact
from tests.runtime.pipeline.conftest import say, start


def orm_open(channel_id: int, external_id: str) -> Conversation | None:
    return (Conversation.objects.filter(contact__channel_id=channel_id, contact__external_id=external_id)
            .exclude(mode=Conversation.Mode.CLOSED).order_by("-started_at")
            .select_related("channel", "workspace", "contact").first())


def values(obj) -> dict:
    return {name: getattr(obj, name) for name in (f.attname for f in type(obj)._meta.concrete_fields)}


def test_compiled_query_returns_what_the_orm_returns_with_related_rows_loaded(web):
    start(web, contact="ann")
    say(web, "hello", contact="ann")
    start(web, contact="bob")
    with transaction.atomic():
        fast = _open_for_contact.first(channel_id=web.pk, external_id="ann")
        with CaptureQueriesContext(connection) as queries:
            related = (fast.channel, fast.workspace, fast.contact)
        assert len(queries) == 0  # joined in the one query
    slow = orm_open(web.pk, "ann")
    assert values(fast) == values(slow)  # JSON, UUID and datetime columns converted alike
    assert [values(r) for r in related] == [values(slow.channel), values(slow.workspace), values(slow.contact)]
    # New parameters on every run: another contact, an unknown one, another channel.
    assert _open_for_contact.first(channel_id=web.pk, external_id="bob").contact.external_id == "bob"
    assert _open_for_contact.first(channel_id=web.pk, external_id="nobody") is None
    assert _open_for_contact.first(channel_id=web.pk + 1000, external_id="ann") is None


def test_compiled_query_skips_closed_and_takes_the_newest_open_conversation(web):
    first = start(web, contact="ann")
    contact = Contact.objects.get(external_id="ann")
    Conversation.objects.filter(pk=first.conversation_id).update(mode=Conversation.Mode.CLOSED)
    assert _open_for_contact.first(channel_id=web.pk, external_id="ann") is None
    older = Conversation.objects.create(workspace=web.workspace, channel=web, contact=contact)
    newer = Conversation.objects.create(workspace=web.workspace, channel=web, contact=contact)
    Conversation.objects.filter(pk=older.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
    assert _open_for_contact.first(channel_id=web.pk, external_id="ann").pk == newer.pk == orm_open(web.pk, "ann").pk


def test_a_parameter_the_query_transforms_is_refused_loudly(db):
    query = CompiledQuery(lambda name: Contact.objects.filter(external_id__contains=name), name="\x00marker\x00")
    with pytest.raises(ValueError, match="'name' must appear exactly once"):
        query.first(name="ann")


def test_update_fields_writes_only_the_named_columns_and_auto_now(web):
    result = start(web, contact="ann")
    conv = Conversation.objects.get(pk=result.conversation_id)
    before = conv.updated_at
    conv.ref = "changed"
    conv.state = {"node_id": "x", "variables": {"name": "Ann \"A\" ünïcode"}}
    conv.last_seq = 41  # not named: must stay as stored
    sql.update_fields(conv, ["ref", "state", "updated_at"])
    stored = Conversation.objects.get(pk=conv.pk)
    assert stored.ref == "changed"
    assert stored.state == {"node_id": "x", "variables": {"name": "Ann \"A\" ünïcode"}}
    assert stored.last_seq == 1
    assert stored.updated_at > before


def test_insert_sets_primary_keys_in_order_and_stores_every_column(web):
    result = start(web, contact="ann")
    conv = Conversation.objects.get(pk=result.conversation_id)
    batch = [
        Message(conversation=conv, channel_id=web.pk, seq=10 + i, direction=Message.Direction.OUT,
                sender=Message.Sender.BOT, text=f"reply {i}", payload={"buttons": [{"id": str(i)}]}, node_id="n")
        for i in range(3)
    ]
    sql.insert(batch)
    assert all(m.pk and not m._state.adding for m in batch)
    for message in batch:
        stored = Message.objects.get(pk=message.pk)
        assert (stored.seq, stored.text, stored.payload) == (message.seq, message.text, message.payload)
        assert stored.created_at == message.created_at is not None
    single = Message(conversation=conv, channel_id=web.pk, seq=20, direction=Message.Direction.IN,
                     sender=Message.Sender.CUSTOMER, text="one", external_id="ext-1")
    sql.insert([single])
    assert Message.objects.get(pk=single.pk).external_id == "ext-1"


def test_insert_meets_the_dedupe_constraint_like_the_orm(web):
    from django.db import IntegrityError

    say(web, "hello", contact="ann", external_id="same")
    conv = Conversation.objects.get(contact__external_id="ann")
    copy = Message(conversation=conv, channel_id=web.pk, seq=99, direction=Message.Direction.IN,
                   sender=Message.Sender.CUSTOMER, text="hello", external_id="same")
    with pytest.raises(IntegrityError), transaction.atomic():
        sql.insert([copy])


def test_a_turn_in_an_open_conversation_costs_one_select(web):
    start(web, contact="ann")
    with CaptureQueriesContext(connection) as queries:
        say(web, "Sales", contact="ann")
    selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, selects
