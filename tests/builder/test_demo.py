"""`manage.py load_demo`: what it creates, that a second run changes nothing, and DEBUG-only users."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.test import override_settings

from builder.models import Department, Membership, Scenario, ScenarioVersion, Workspace
from runtime.models import Channel

pytestmark = pytest.mark.django_db

SLUGS = {"welcome", "faq", "lead-capture", "order-status", "quiz", "feedback"}


def load_demo() -> str:
    out = StringIO()
    call_command("load_demo", stdout=out, stderr=StringIO())
    return out.getvalue()


def snapshot() -> dict:
    return {
        "workspaces": list(Workspace.objects.values_list("slug", "name", "settings")),
        "departments": list(
            Department.objects.order_by("slug").values_list(
                "slug", "name", "business_hours", "out_of_hours_message"
            )
        ),
        "operators": sorted(
            Department.operators.through.objects.values_list("department__slug", "user__username")
        ),
        "users": list(get_user_model().objects.order_by("username").values_list("username", "password")),
        "members": sorted(Membership.objects.values_list("user__username", "role")),
        "scenarios": sorted(Scenario.objects.values_list("slug", "revision", "published_version__number")),
        "versions": ScenarioVersion.objects.count(),
        "channels": list(Channel.objects.values_list("key", "kind", "scenario__slug", "config")),
    }


@override_settings(DEBUG=True)
def test_load_demo_creates_everything_and_prints_working_passwords():
    out = load_demo()
    ws = Workspace.objects.get(slug="demo")
    assert ws.name == "Demo"

    support = Department.objects.get(workspace=ws, slug="support")
    assert support.business_hours["timezone"] == "Europe/Moscow"
    assert support.business_hours["weekly"]["mon"] == [["09:00", "18:00"]]
    assert "sat" not in support.business_hours["weekly"] and support.out_of_hours_message
    assert Department.objects.filter(workspace=ws, slug="sales").exists()

    roles = dict(Membership.objects.filter(workspace=ws).values_list("user__username", "role"))
    assert roles == {"admin": "admin", "editor": "editor", "operator": "operator"}
    assert get_user_model().objects.get(username="admin").is_superuser
    operator = get_user_model().objects.get(username="operator")
    assert set(operator.departments.values_list("slug", flat=True)) == {"sales", "support"}
    for username in ("admin", "editor", "operator"):
        match = re.search(rf"user {username}\s+password: (\S+)", out)
        assert match, out
        assert authenticate(username=username, password=match.group(1)) is not None

    scenarios = Scenario.objects.filter(workspace=ws)
    assert set(scenarios.values_list("slug", flat=True)) >= SLUGS
    assert all(s.published_version is not None for s in scenarios)

    widget = Channel.objects.get(key="demo-widget")
    assert widget.workspace == ws and widget.kind == Channel.Kind.WEB
    assert widget.scenario.slug == "welcome"
    assert widget.config["allowed_origins"] == ["http://127.0.0.1:8000", "http://localhost:8000"]
    assert widget.config["title"] and widget.config["color"]
    assert "demo-widget" in out and "/ws/widget/demo-widget/" in out


@override_settings(DEBUG=True)
def test_load_demo_twice_changes_nothing():
    load_demo()
    before = snapshot()
    out = load_demo()
    assert snapshot() == before
    assert "password:" not in out
    assert "already exists (password unchanged)" in out and "already loaded" in out


@override_settings(DEBUG=True)
def test_the_demo_widget_follows_the_host_and_port_make_run_serves_on():
    """`make run PORT=8101` passes SITE_URL=http://127.0.0.1:8101: the demo channel's origins gain it on every
    run (the demo page's widget would otherwise be refused) and the printed links use it."""
    load_demo()
    with override_settings(SITE_URL="http://127.0.0.1:8101"):
        out = load_demo()
    widget = Channel.objects.get(key="demo-widget")
    assert widget.config["allowed_origins"] == ["http://127.0.0.1:8000", "http://127.0.0.1:8101",
                                                "http://localhost:8000"]
    assert "http://127.0.0.1:8101/demo/" in out and ":8000" not in out.split("allowed origins")[0]
    assert "ws://127.0.0.1:8101/ws/widget/demo-widget/" in out


@override_settings(DEBUG=True)
def test_load_demo_brings_back_a_deleted_example_without_touching_the_others():
    load_demo()
    Scenario.objects.get(slug="quiz").delete()
    faq = Scenario.objects.get(slug="faq")
    load_demo()
    assert Scenario.objects.get(slug="quiz").published_version.number == 1
    assert Scenario.objects.get(slug="faq").revision == faq.revision


@override_settings(DEBUG=False)
def test_without_debug_no_passworded_users_are_created():
    out = load_demo()
    assert not get_user_model().objects.exists()
    assert "DEBUG is off" in out and "password:" not in out
    # The rest of the demo still loads, so the widget works.
    assert set(Scenario.objects.filter(workspace__slug="demo").values_list("slug", flat=True)) >= SLUGS
    assert Channel.objects.filter(key="demo-widget").exists()
    assert load_demo() and Scenario.objects.count() == len(SLUGS)
