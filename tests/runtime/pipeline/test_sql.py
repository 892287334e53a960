"""runtime/pipeline/sql.py: the turn's hand-written statements give exactly what the plain ORM gives."""

from __future__ import annotations

import ast
import datetime as dt
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from runtime.models import Contact, Conversation, Message
from runtime.pipeline import sql
from tests.runtime.pipeline.conftest import say, start


def orm_open(channel_id: int, external_id: str) -> Conversation | None:
    return (Conversation.objects.filter(contact__channel_id=channel_id, contact__external_id=external_id)
            .exclude(mode=Conversation.Mode.CLOSED).order_by("-started_at")
            .select_related("channel", "workspace", "contact").first())


def values(obj) -> dict:
    return {name: getattr(obj, name) for name in (f.attname for f in type(obj)._meta.concrete_fields)}


def test_open_conversation_returns_what_the_orm_returns_with_related_rows_loaded(web):
    start(web, contact="ann")
    say(web, "hello", contact="ann")
    start(web, contact="bob")
    with transaction.atomic():
        fast = sql.open_conversation(web.pk, "ann")
        with CaptureQueriesContext(connection) as queries:
            related = (fast.channel, fast.workspace, fast.contact)
        assert len(queries) == 0  # joined in the one query
    slow = orm_open(web.pk, "ann")
    assert values(fast) == values(slow)  # JSON, UUID and datetime columns converted alike
    assert [values(r) for r in related] == [values(slow.channel), values(slow.workspace), values(slow.contact)]
    # New parameters on every run: another contact, an unknown one, another channel.
    assert sql.open_conversation(web.pk, "bob").contact.external_id == "bob"
    assert sql.open_conversation(web.pk, "nobody") is None
    assert sql.open_conversation(web.pk + 1000, "ann") is None


def test_open_conversation_skips_closed_and_takes_the_newest_open_conversation(web):
    first = start(web, contact="ann")
    contact = Contact.objects.get(external_id="ann")
    Conversation.objects.filter(pk=first.conversation_id).update(mode=Conversation.Mode.CLOSED)
    assert sql.open_conversation(web.pk, "ann") is None
    older = Conversation.objects.create(workspace=web.workspace, channel=web, contact=contact)
    newer = Conversation.objects.create(workspace=web.workspace, channel=web, contact=contact)
    Conversation.objects.filter(pk=older.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
    assert sql.open_conversation(web.pk, "ann").pk == newer.pk == orm_open(web.pk, "ann").pk


def test_the_module_uses_only_public_django_api():
    """The hot path must survive a Django upgrade: no import from the ORM's private modules, none of the
    internals it used to borrow (django.db.models.query's populators, the SQL compiler)."""
    tree = ast.parse(Path(sql.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    django = {name for name in imported if name and name.startswith("django")}
    assert django <= {"django.conf", "django.db", "django.db.backends.base.base", "django.utils",
                      "django.utils.dateparse"}, django
    names = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    names |= {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    internals = {"get_related_populators", "klass_info", "apply_converters", "get_converters", "get_compiler",
                 "compiler", "query"}
    assert not names & internals, names & internals
    # Underscored attributes only where Django documents them (Model._meta, ._state, ._default_manager).
    private = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr.startswith("_")}
    assert private <= {"_meta", "_state", "_default_manager"}, private


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_open_conversation_locks_the_conversation_row_only(workspace, welcome):
    from tests.runtime.pipeline.conftest import make_channel

    web = make_channel(workspace, welcome)
    conv_id = start(web, contact="ann").conversation_id
    contact_id = Contact.objects.get(external_id="ann").pk
    outcome: dict[str, object] = {}

    def other_connection() -> None:  # a second session tries the rows while the first holds its lock
        try:
            with transaction.atomic():
                outcome["contact"] = len(Contact.objects.select_for_update(nowait=True).filter(pk=contact_id))
                try:
                    with transaction.atomic():
                        len(Conversation.objects.select_for_update(nowait=True).filter(pk=conv_id))
                    outcome["conversation"] = "free"
                except OperationalError:
                    outcome["conversation"] = "locked"
        finally:
            connection.close()

    with transaction.atomic():
        assert sql.open_conversation(web.pk, "ann").pk == conv_id
        thread = threading.Thread(target=other_connection)
        thread.start()
        thread.join(timeout=30)
    assert outcome == {"contact": 1, "conversation": "locked"}
    with pytest.raises(transaction.TransactionManagementError):
        sql.open_conversation(web.pk, "ann")  # outside a transaction the lock would be released at once


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
