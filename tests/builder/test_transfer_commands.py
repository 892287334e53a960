"""`export_scenarios` / `import_scenarios` management commands."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from builder import services
from builder.models import Department, Scenario
from channels_app.services import create_department
from tests.support.users import make_user
from tests.support.world import make_workspace

pytestmark = pytest.mark.django_db


def make_doc(name: str, department: str = "support") -> dict:
    return {
        "format": "botflow/scenario",
        "version": 1,
        "name": name,
        "start": "ask",
        "variables": [{"name": "order", "type": "string"}],
        "settings": {"language": "ru"},
        "nodes": [
            {
                "id": "ask",
                "type": "ask",
                "position": {"x": 0, "y": 0},
                "data": {"prompt": "Номер заказа?", "variable": "order", "kind": "text"},
            },
            {
                "id": "op",
                "type": "handoff",
                "position": {"x": 280, "y": 0},
                "data": {"department": department, "note": "Заказ {{order}}"},
            },
        ],
        "edges": [{"id": "e1", "source": "ask", "source_port": "next", "target": "op"}],
    }


@pytest.fixture
def user():
    return make_user("owner")


@pytest.fixture
def source(user):
    ws = make_workspace("source", user)
    create_department(ws, name="Поддержка", slug="support")
    for name, slug in (("Заказы", "orders"), ("Возвраты", "returns")):
        services.create_scenario(ws, name, user=user, slug=slug, document=make_doc(name))
    return ws


@pytest.fixture
def target(user):
    return services.create_workspace("Target", "target", user)


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **kwargs)
    return out.getvalue()


def test_export_to_stdout_and_file(source, tmp_path):
    data = json.loads(run("export_scenarios", "--workspace", "source"))
    assert [s["slug"] for s in data["scenarios"]] == ["orders", "returns"]
    path = tmp_path / "one.json"
    run("export_scenarios", "--workspace", "source", "--scenario", "returns", "-o", str(path))
    text = path.read_text(encoding="utf-8")
    assert "Номер заказа?" in text and "\\u" not in text
    assert [s["slug"] for s in json.loads(text)["scenarios"]] == ["returns"]


def test_export_errors(source):
    with pytest.raises(CommandError, match="workspace 'nope' does not exist"):
        run("export_scenarios", "--workspace", "nope")
    with pytest.raises(CommandError, match="no scenario 'ghost'"):
        run("export_scenarios", "--workspace", "source", "--scenario", "orders", "--scenario", "ghost")


def test_dry_run_then_import_with_create_missing_and_publish(source, target, tmp_path, user):
    path = tmp_path / "bundle.json"
    run("export_scenarios", "--workspace", "source", "-o", str(path))

    out = run("import_scenarios", str(path), "--workspace", "target", "--dry-run")
    assert "Dry run: 2 scenario(s), 4 node(s)" in out
    assert "create  orders" in out and "create  returns" in out
    assert "Missing departments: support (Поддержка) — pass --create-missing to create them" in out
    assert not Scenario.objects.filter(workspace=target).exists()
    assert not Department.objects.filter(workspace=target).exists()

    out = run(
        "import_scenarios",
        str(path),
        "--workspace",
        "target",
        "--create-missing",
        "--publish",
        "--user",
        "owner",
    )
    assert "Imported 2 scenario(s) into 'target'." in out
    imported = Scenario.objects.filter(workspace=target).order_by("slug")
    assert [s.slug for s in imported] == ["orders", "returns"]
    assert all(s.published_version.number == 1 and s.published_version.author == user for s in imported)
    assert Department.objects.get(workspace=target, slug="support").name == "Поддержка"

    # Again: the slugs are taken now, so the copies are remapped.
    out = run("import_scenarios", str(path), "--workspace", "target", "--json", "--dry-run")
    plan = json.loads(out)
    assert plan["slug_remaps"] == {"orders": "orders-2", "returns": "returns-2"}


def test_import_into_existing_scenario(source, tmp_path):
    path = tmp_path / "orders.json"
    run("export_scenarios", "--workspace", "source", "--scenario", "orders", "-o", str(path))
    returns = Scenario.objects.get(workspace=source, slug="returns")
    out = run("import_scenarios", str(path), "--workspace", "source", "--into", "returns")
    assert f"Imported returns (id {returns.pk}, revision 2)" in out
    returns.refresh_from_db()
    assert returns.revision == 2 and returns.draft["name"] == "Заказы"


def test_import_errors_are_command_errors_and_change_nothing(source, target, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "botflow/bundle",\n "version": 1\n "scenarios": []}', encoding="utf-8")
    with pytest.raises(CommandError, match=r"line 3, column 2"):
        run("import_scenarios", str(bad), "--workspace", "target")
    with pytest.raises(CommandError, match="workspace 'nope' does not exist"):
        run("import_scenarios", str(bad), "--workspace", "nope")
    with pytest.raises(CommandError, match="cannot read"):
        run("import_scenarios", str(tmp_path / "missing.json"), "--workspace", "target")
    with pytest.raises(CommandError, match="no scenario 'ghost'"):
        run("import_scenarios", str(bad), "--workspace", "target", "--into", "ghost")
    future = tmp_path / "future.json"
    future.write_text(
        json.dumps({"format": "botflow/bundle", "version": 9, "scenarios": []}), encoding="utf-8"
    )
    with pytest.raises(
        CommandError, match=r"bundle version 9 is newer than this installation supports \(1\)"
    ):
        run("import_scenarios", str(future), "--workspace", "target")
    with override_settings(IMPORT_MAX_BYTES=1024):
        big = tmp_path / "big.json"
        big.write_text(" " * 2000 + "{}", encoding="utf-8")
        with pytest.raises(CommandError, match="2002 bytes; the import limit is 1024 bytes"):
            run("import_scenarios", str(big), "--workspace", "target")
    assert not Scenario.objects.filter(workspace=target).exists()


def test_a_failed_publish_rolls_back_the_whole_command(source, target, tmp_path):
    path = tmp_path / "bundle.json"
    run("export_scenarios", "--workspace", "source", "-o", str(path))
    # Without --create-missing the "support" department is missing here, so publishing fails.
    with pytest.raises(CommandError, match=r"import failed, nothing was changed.*department_missing"):
        run("import_scenarios", str(path), "--workspace", "target", "--publish")
    assert not Scenario.objects.filter(workspace=target).exists()


def test_large_bundles_show_a_progress_bar(target, tmp_path, capsys):
    scenarios = [{"slug": f"s{i}", "name": f"S{i}", "document": make_doc(f"S{i}")} for i in range(5)]
    path = tmp_path / "five.json"
    path.write_text(
        json.dumps({"format": "botflow/bundle", "version": 1, "scenarios": scenarios}), encoding="utf-8"
    )
    run("import_scenarios", str(path), "--workspace", "target", "--create-missing")
    err = capsys.readouterr().err
    assert "Importing" in err and "10/10" in err
    assert Scenario.objects.filter(workspace=target).count() == 5
