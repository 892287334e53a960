"""A database that holds data from before Department moved to builder keeps every row through the new
migrations (builder/0002, runtime/0003, channels_app/0004 change only the migration state: the table stays).

The test rolls its database back to the old leaf migrations, writes rows through the historical models, migrates
forward to the latest and reads the rows through the current models. It runs on SQLite and on PostgreSQL
(DATABASE_URL=postgres://…). It leaves the database migrated to the latest state, whatever happens.
"""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from builder.models import Department
from channels_app.models import AssignmentEvent, CannedReply
from runtime.models import Conversation, DeliveryEvent, Message, MessageTemplate

# The leaf migrations before the move.
OLD = [
    ("builder", "0001_initial"),
    ("runtime", "0002_worker_heartbeat_delivery_states"),
    ("channels_app", "0003_inbox_sockets"),
]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets: list[tuple[str, str]] | None = None):
    """Migrate the apps in `targets` there and every other app to its latest (None = all to the latest);
    return the migration state's apps at that point."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    named = {app for app, _ in targets or ()}
    targets = [leaf for leaf in executor.loader.graph.leaf_nodes() if leaf[0] not in named] + list(targets or ())
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    try:
        yield _migrate(OLD)
    finally:
        _migrate()  # the next test finds the schema it expects even if this one failed half-way


def _old_rows(apps) -> dict[str, int]:
    """Rows of every kind the move touches, written with the models as they were."""
    user = apps.get_model("auth", "User").objects.create(username="olga", password="!")
    workspace = apps.get_model("builder", "Workspace").objects.create(name="Acme", slug="acme")
    department = apps.get_model("channels_app", "Department").objects.create(
        workspace=workspace, name="Support", slug="support", assignment="round_robin",
        business_hours={"timezone": "UTC", "weekly": {"mon": [["09:00", "18:00"]]}},
        out_of_hours_message="Back at nine.",
    )
    department.operators.add(user)
    channel = apps.get_model("runtime", "Channel").objects.create(workspace=workspace, kind="whatsapp", name="WA")
    contact = apps.get_model("runtime", "Contact").objects.create(workspace=workspace, channel=channel,
                                                                   external_id="79990001122")
    conversation = apps.get_model("runtime", "Conversation").objects.create(
        workspace=workspace, channel=channel, contact=contact, mode="queued", department=department)
    message = apps.get_model("runtime", "Message").objects.create(
        conversation=conversation, channel=channel, seq=1, direction="out", sender="bot", text="Hello")
    delivery = apps.get_model("runtime", "DeliveryEvent").objects.create(message=message, kind="attempt",
                                                                          attempt=1, http_status=200)
    template = apps.get_model("runtime", "MessageTemplate").objects.create(
        channel=channel, name="follow_up", language="en", body="Hi {{1}}", status="approved")
    event = apps.get_model("channels_app", "AssignmentEvent").objects.create(
        conversation=conversation, kind="queued", department=department, actor=user)
    canned = apps.get_model("channels_app", "CannedReply").objects.create(
        workspace=workspace, title="Thanks", shortcut="thanks", text="Thank you!")
    content_type = apps.get_model("contenttypes", "ContentType").objects.get_or_create(
        app_label="channels_app", model="department")[0]
    return {"user": user.pk, "department": department.pk, "conversation": conversation.pk, "message": message.pk,
            "delivery": delivery.pk, "template": template.pk, "event": event.pk, "canned": canned.pk,
            "content_type": content_type.pk}


def test_rows_written_before_the_move_read_back_through_the_current_models(old_apps):
    ids = _old_rows(old_apps)

    _migrate()

    department = Department.objects.get(pk=ids["department"])
    assert (department.workspace.slug, department.name, department.slug, department.assignment) == (
        "acme", "Support", "support", "round_robin")
    assert department.business_hours["weekly"] == {"mon": [["09:00", "18:00"]]}
    assert department.out_of_hours_message == "Back at nine."
    assert list(department.operators.values_list("pk", flat=True)) == [ids["user"]]
    conversation = Conversation.objects.get(pk=ids["conversation"])
    assert conversation.department == department
    assert list(department.conversations.all()) == [conversation]
    event = AssignmentEvent.objects.get(pk=ids["event"])
    assert (event.department, event.actor_id, event.conversation_id) == (department, ids["user"], conversation.pk)
    assert Message.objects.get(pk=ids["message"]).text == "Hello"
    assert DeliveryEvent.objects.get(pk=ids["delivery"]).message_id == ids["message"]
    assert MessageTemplate.objects.get(pk=ids["template"]).body == "Hi {{1}}"
    assert CannedReply.objects.get(pk=ids["canned"]).shortcut == "thanks"
    # Permissions and admin history stay attached: the same content type row now names builder.
    ContentType.objects.clear_cache()
    assert ContentType.objects.get_for_model(Department).pk == ids["content_type"]
    # The foreign keys still hold in the database: deleting the department clears both references.
    department.delete()
    assert Conversation.objects.get(pk=ids["conversation"]).department_id is None
    assert AssignmentEvent.objects.get(pk=ids["event"]).department_id is None


def test_the_new_migrations_reverse_without_losing_rows(old_apps):
    ids = _old_rows(old_apps)
    _migrate()

    apps = _migrate(OLD)

    department = apps.get_model("channels_app", "Department").objects.get(pk=ids["department"])
    assert department.slug == "support"
    assert apps.get_model("runtime", "Conversation").objects.get(pk=ids["conversation"]).department_id == department.pk
