"""builder.transfer: export, parse (limits, errors, upgrades), plan (dry run), apply (all-or-nothing)."""

from __future__ import annotations

import copy
import json

import pytest

from builder import services, transfer
from builder.models import Department, Scenario, ScenarioVersion
from builder.transfer import TransferError
from tests.support.users import make_user

pytestmark = pytest.mark.django_db

LIMITS = {"max_bytes": 5 * 1024 * 1024, "max_nodes": 10_000}


def make_doc(name: str = "Welcome", *, jump_to: str | None = None, department: str = "sales") -> dict:
    """A small valid scenario: a Russian menu, a handoff, and either a jump to another scenario or an end."""
    second = (
        {"id": "to_faq", "type": "jump", "position": {"x": 280, "y": 170}, "data": {"scenario": jump_to}}
        if jump_to
        else {"id": "bye", "type": "end", "position": {"x": 280, "y": 170}, "data": {"text": "Пока!"}}
    )
    return {
        "format": "botflow/scenario",
        "version": 1,
        "name": name,
        "start": "menu",
        "variables": [],
        "settings": {"language": "ru"},
        "nodes": [
            {
                "id": "menu",
                "type": "buttons",
                "position": {"x": 0, "y": 0},
                "data": {
                    "text": "Привет! Чем помочь?",
                    "buttons": [{"id": "sales", "label": "Отдел продаж"}, {"id": "other", "label": "Другое"}],
                },
            },
            {
                "id": "to_sales",
                "type": "handoff",
                "position": {"x": 280, "y": 0},
                "data": {"department": department, "message": "Соединяю с менеджером…"},
            },
            second,
        ],
        "edges": [
            {"id": "e1", "source": "menu", "source_port": "sales", "target": "to_sales"},
            {"id": "e2", "source": "menu", "source_port": "other", "target": second["id"]},
        ],
    }


@pytest.fixture
def user():
    return make_user("ed")


@pytest.fixture
def source(user):
    """Workspace "acme": welcome (jumps to faq) and faq, department sales."""
    ws = services.create_workspace("Acme", "acme", user)
    Department.objects.create(workspace=ws, slug="sales", name="Отдел продаж")
    services.create_scenario(ws, "FAQ", user=user, slug="faq", document=make_doc("FAQ"))
    services.create_scenario(
        ws,
        "Welcome",
        user=user,
        slug="welcome",
        description="Первый контакт",
        document=make_doc(jump_to="faq"),
    )
    return ws


@pytest.fixture
def target(user):
    return services.create_workspace("Other", "other", user)


def export_text(ws, slugs: list[str]) -> str:
    scenarios = [Scenario.objects.get(workspace=ws, slug=s) for s in slugs]
    return transfer.dumps_bundle(
        transfer.export_bundle(scenarios, installation="https://a.example", workspace=ws)
    )


def normalised(text: str) -> dict:
    bundle = json.loads(text)
    bundle.pop("exported_at")
    bundle.pop("source")
    for entry in bundle["scenarios"]:
        entry.pop("id")
    return bundle


# --- export -------------------------------------------------------------------------------------------


def test_export_writes_readable_utf8_with_stable_key_order_and_requirements(source):
    text = export_text(source, ["welcome"])
    assert "Привет! Чем помочь?" in text and "\\u" not in text
    assert text.startswith('{\n  "format": "botflow/bundle",\n  "version": 1,')
    bundle = json.loads(text)
    assert list(bundle) == ["format", "version", "exported_at", "source", "scenarios", "requires"]
    assert list(bundle["scenarios"][0]) == ["id", "slug", "name", "description", "document"]
    assert list(bundle["scenarios"][0]["document"])[:4] == ["format", "version", "name", "start"]
    assert list(bundle["scenarios"][0]["document"]["nodes"][0]) == ["id", "type", "position", "data"]
    assert bundle["source"] == {"installation": "https://a.example", "workspace": "acme"}
    assert bundle["requires"]["departments"] == [{"slug": "sales", "name": "Отдел продаж"}]
    # faq is referenced by a jump but not in the bundle; the operator button relies on workspace keywords.
    assert bundle["requires"]["scenarios"] == ["faq"]
    assert "оператор" in bundle["requires"]["workspace_settings"]["operator_keywords"]
    # Exporting twice gives the same text apart from the time.
    assert normalised(export_text(source, ["welcome"])) == normalised(text)


def test_export_of_both_scenarios_needs_no_external_scenario(source):
    bundle = json.loads(export_text(source, ["welcome", "faq"]))
    assert bundle["requires"]["scenarios"] == []
    assert [s["slug"] for s in bundle["scenarios"]] == ["welcome", "faq"]


# --- round trip -----------------------------------------------------------------------------------------


def test_round_trip_into_another_workspace_gives_an_equal_bundle(source, target, user):
    first = export_text(source, ["welcome", "faq"])
    plan = transfer.plan_import(transfer.parse_bundle(first, **LIMITS), target, create_missing=True)
    imported = transfer.apply_import(plan, user)
    assert [s.slug for s in imported] == ["welcome", "faq"]
    assert all(s.workspace_id == target.pk for s in imported)
    assert {str(s.pk) for s in imported}.isdisjoint(
        str(s.pk) for s in Scenario.objects.filter(workspace=source)
    )
    # The missing department was created with the exported name.
    assert Department.objects.get(workspace=target, slug="sales").name == "Отдел продаж"
    second = export_text(target, ["welcome", "faq"])
    assert normalised(second) == normalised(first)


# --- parse errors -----------------------------------------------------------------------------------------


def bundle_text(*docs: dict, version: int = 1, slugs: list[str] | None = None) -> str:
    slugs = slugs or [f"s{i}" for i in range(len(docs))]
    return json.dumps(
        {
            "format": "botflow/bundle",
            "version": version,
            "scenarios": [
                {"slug": slug, "name": d["name"], "document": d} for slug, d in zip(slugs, docs, strict=True)
            ],
        },
        ensure_ascii=False,
        indent=2,
    )


def parse_error(raw, **limits) -> TransferError:
    with pytest.raises(TransferError) as info:
        transfer.parse_bundle(raw, **{**LIMITS, **limits})
    return info.value


def test_oversized_bundle_is_refused_as_too_large():
    raw = bundle_text(make_doc()).encode()
    err = parse_error(raw, max_bytes=len(raw) - 1)
    assert err.code == "too_large" and err.status == 413
    assert str(len(raw)) in err.errors[0].message and str(len(raw) - 1) in err.errors[0].message
    # Cyrillic counts in bytes, not characters.
    text = bundle_text(make_doc())
    assert parse_error(text, max_bytes=len(text)).code == "too_large"


def test_too_many_nodes_is_refused():
    err = parse_error(bundle_text(make_doc(), make_doc()), max_nodes=5)
    assert err.code == "too_many_nodes" and err.status == 413
    assert "6 nodes" in err.errors[0].message


def test_malformed_json_reports_line_and_column():
    raw = '{\n  "format": "botflow/bundle",\n  "version": 1,,\n}'
    err = parse_error(raw)
    assert err.status == 400 and err.code == "json_invalid"
    assert err.errors[0].path == ""
    assert "line 3, column 16" in err.errors[0].message


def test_not_utf8_and_not_an_object_are_clear_errors():
    assert parse_error(b'{"format": "\xff"}').code == "encoding_invalid"
    assert parse_error("[1, 2]").code == "type"
    assert parse_error("   ").code == "json_invalid"


def test_wrong_format_is_refused():
    err = parse_error(json.dumps({"format": "typebot", "version": 1}))
    assert err.code == "format_unknown" and err.errors[0].path == "/format"
    assert "botflow/bundle" in err.errors[0].message


def test_future_version_is_refused_naming_both_versions():
    err = parse_error(bundle_text(make_doc(), version=7))
    assert err.status == 400 and err.code == "version_unsupported"
    assert err.errors[0].message == (
        "bundle version 7 is newer than this installation supports (1); upgrade botflow"
    )


def test_unknown_node_type_is_reported_with_a_pointer_into_the_bundle():
    doc = make_doc()
    doc["nodes"][1]["type"] = "teleport"
    err = parse_error(bundle_text(make_doc(), doc))
    assert err.status == 400
    [finding] = err.errors
    assert finding.code == "node_type_unknown"
    assert finding.path == "/scenarios/1/document/nodes/1/type"
    assert finding.node_id == "to_sales"


def test_missing_field_wrong_type_and_dangling_edge_are_reported():
    doc = make_doc()
    del doc["nodes"][0]["data"]["text"]
    doc["nodes"][1]["position"]["x"] = "left"
    paths = {(f.code, f.path) for f in parse_error(bundle_text(doc)).errors}
    assert ("field_missing", "/scenarios/0/document/nodes/0/data/text") in paths
    assert ("wrong_type", "/scenarios/0/document/nodes/1/position/x") in paths

    dangling = make_doc()
    dangling["edges"][0]["target"] = "nowhere"
    [finding] = parse_error(bundle_text(dangling)).errors
    assert (finding.code, finding.path) == ("edge_target_missing", "/scenarios/0/document/edges/0/target")


def test_bundle_entries_are_checked():
    raw = json.dumps(
        {
            "format": "botflow/bundle",
            "version": 1,
            "scenarios": [
                {"slug": "a b", "name": "", "document": make_doc()},
                {"slug": "x", "name": "X", "document": make_doc(), "id": "nope"},
                {"slug": "x", "name": "X2", "document": "not an object"},
            ],
        }
    )
    codes = {(f.code, f.path) for f in parse_error(raw).errors}
    assert codes == {
        ("slug_invalid", "/scenarios/0/slug"),
        ("required", "/scenarios/0/name"),
        ("id_invalid", "/scenarios/1/id"),
        ("duplicate_slug", "/scenarios/2/slug"),
        ("required", "/scenarios/2/document"),
    }
    assert (
        parse_error(json.dumps({"format": "botflow/bundle", "version": 1, "scenarios": []})).code
        == "required"
    )


def test_a_bare_scenario_document_imports_as_a_one_scenario_bundle():
    bundle = transfer.parse_bundle(json.dumps(make_doc("Lead capture")), **LIMITS)
    assert [(s.slug, s.name) for s in bundle.scenarios] == [("lead-capture", "Lead capture")]
    # A name with no Latin letters still gets a usable slug.
    bundle = transfer.parse_bundle(json.dumps(make_doc("Лиды")), **LIMITS)
    assert [(s.slug, s.name) for s in bundle.scenarios] == [("imported", "Лиды")]


# --- upgrades ------------------------------------------------------------------------------------------


def v0_bundle() -> dict:
    """The pre-release format: `kind`, x/y, edges from/to/port, `dependencies`."""
    return {
        "format": "botflow/bundle",
        "version": 0,
        "exported_at": "2026-01-01T00:00:00Z",
        "scenarios": [
            {
                "slug": "legacy",
                "name": "Legacy",
                "document": {
                    "version": 0,
                    "name": "Legacy",
                    "start": "hi",
                    "nodes": [
                        {"id": "hi", "kind": "message", "x": 0, "y": 0, "data": {"text": "Здравствуйте"}},
                        {"id": "op", "kind": "handoff", "x": 280, "y": 0, "data": {"department": "support"}},
                    ],
                    "edges": [{"from": "hi", "port": "next", "to": "op"}],
                },
            }
        ],
        "dependencies": {"departments": ["support"]},
    }


def test_version_0_bundle_is_upgraded_and_imports(target, user):
    bundle = transfer.parse_bundle(json.dumps(v0_bundle()), **LIMITS)
    assert bundle.upgraded_from == 0
    doc = bundle.scenarios[0].document
    assert doc["format"] == "botflow/scenario" and doc["version"] == 1
    assert doc["nodes"][1] == {
        "id": "op",
        "type": "handoff",
        "data": {"department": "support"},
        "position": {"x": 280, "y": 0},
    }
    assert doc["edges"] == [{"id": "e1", "source": "hi", "source_port": "next", "target": "op"}]
    assert bundle.requires["departments"] == [{"slug": "support", "name": "Support"}]
    plan = transfer.plan_import(bundle, target, create_missing=True)
    assert plan.upgraded_from == 0
    [scenario] = transfer.apply_import(plan, user, publish=True)
    assert scenario.published_version.document["nodes"][0]["type"] == "message"


def test_upgrade_chain_runs_each_step_in_order(monkeypatch):
    seen = []

    def step(version):
        def run(data):
            seen.append(version)
            return {**data, "version": version + 1}

        return run

    monkeypatch.setattr(transfer, "BUNDLE_VERSION", 3)
    monkeypatch.setattr(transfer, "UPGRADES", {0: step(0), 1: step(1), 2: step(2)})
    assert transfer.upgrade_bundle({"version": 0})["version"] == 3
    assert seen == [0, 1, 2]
    monkeypatch.setattr(transfer, "UPGRADES", {1: step(1), 2: step(2)})
    with pytest.raises(TransferError, match="too old"):
        transfer.upgrade_bundle({"version": 0})


# --- plan (dry run) ------------------------------------------------------------------------------------------


def test_dry_run_reports_creates_replaces_and_missing_references_and_writes_nothing(source, target):
    bundle = transfer.parse_bundle(export_text(source, ["welcome"]), **LIMITS)
    plan = transfer.plan_import(bundle, target, create_missing=False)
    report = plan.as_dict()
    assert [(s["action"], s["slug"]) for s in report["scenarios"]] == [("create", "welcome")]
    assert report["missing"]["departments"] == [{"slug": "sales", "name": "Отдел продаж"}]
    assert report["missing"]["scenarios"] == ["faq"]
    codes = {f["code"] for f in report["scenarios"][0]["findings"]}
    assert {"department_missing", "jump_target_missing"} <= codes
    assert report["create_missing"] is False
    assert not Scenario.objects.filter(workspace=target).exists()
    assert not Department.objects.filter(workspace=target).exists()

    # With create_missing the department is no longer a finding (it will exist).
    plan = transfer.plan_import(bundle, target, create_missing=True)
    codes = {f.code for f in plan.scenarios[0].findings}
    assert "department_missing" not in codes and "jump_target_missing" in codes

    into = Scenario.objects.get(workspace=source, slug="faq")
    report = transfer.plan_import(bundle, source, into=into).as_dict()
    assert [(s["action"], s["slug"], s["id"]) for s in report["scenarios"]] == [
        ("replace", "faq", str(into.pk))
    ]
    assert report["missing"]["departments"] == []


def test_into_must_be_in_the_workspace_and_the_bundle_must_hold_one_scenario(source, target):
    two = transfer.parse_bundle(export_text(source, ["welcome", "faq"]), **LIMITS)
    into = Scenario.objects.get(workspace=source, slug="faq")
    with pytest.raises(TransferError) as info:
        transfer.plan_import(two, source, into=into)
    assert info.value.code == "into_needs_one_scenario"
    one = transfer.parse_bundle(export_text(source, ["welcome"]), **LIMITS)
    with pytest.raises(TransferError) as info:
        transfer.plan_import(one, target, into=into)
    assert info.value.code == "not_found" and info.value.status == 404


# --- apply ----------------------------------------------------------------------------------------------------


def test_import_into_existing_keeps_id_slug_and_links_and_bumps_revision(source, user):
    production = Scenario.objects.get(workspace=source, slug="faq")
    services.publish(production, user, "v1")
    production.refresh_from_db()
    before_revision, before_version = production.revision, production.published_version_id

    staged = make_doc("FAQ staged")
    staged["nodes"][0]["data"]["text"] = "Новое приветствие"
    raw = bundle_text(staged, slugs=["faq-staging"])
    plan = transfer.plan_import(transfer.parse_bundle(raw, **LIMITS), source, into=production)
    assert plan.slug_remaps == {"faq-staging": "faq"}
    [result] = transfer.apply_import(plan, user)

    assert result.pk == production.pk and result.slug == "faq" and result.name == "FAQ"
    assert result.revision == before_revision + 1
    assert result.draft["nodes"][0]["data"]["text"] == "Новое приветствие"
    assert result.published_version_id == before_version  # publishing stays a separate step
    assert Scenario.objects.filter(workspace=source).count() == 2


def test_slug_collisions_are_remapped_and_jumps_inside_the_bundle_follow(source, user):
    raw = export_text(source, ["welcome", "faq"])
    plan = transfer.plan_import(transfer.parse_bundle(raw, **LIMITS), source)
    assert plan.slug_remaps == {"welcome": "welcome-2", "faq": "faq-2"}
    imported = transfer.apply_import(plan, user)
    assert [s.slug for s in imported] == ["welcome-2", "faq-2"]
    jump = next(n for n in imported[0].draft["nodes"] if n["type"] == "jump")
    assert jump["data"]["scenario"] == "faq-2"
    # The originals are untouched.
    original = Scenario.objects.get(workspace=source, slug="welcome")
    assert next(n for n in original.draft["nodes"] if n["type"] == "jump")["data"]["scenario"] == "faq"

    # A third copy takes -3; a jump to a scenario outside the bundle is left as it is.
    plan = transfer.plan_import(transfer.parse_bundle(export_text(source, ["welcome"]), **LIMITS), source)
    assert plan.slug_remaps == {"welcome": "welcome-3"}
    assert (
        next(n for n in plan.scenarios[0].document["nodes"] if n["type"] == "jump")["data"]["scenario"]
        == "faq"
    )


def test_a_failure_half_way_changes_nothing(source, target, user):
    """The second scenario's slug is taken after the plan was made: the first one must not stay."""
    raw = export_text(source, ["welcome", "faq"])
    plan = transfer.plan_import(transfer.parse_bundle(raw, **LIMITS), target, create_missing=True)
    services.create_scenario(target, "Someone else's FAQ", user=user, slug="faq")
    with pytest.raises(TransferError) as info:
        transfer.apply_import(plan, user)
    assert info.value.code == "slug_taken" and info.value.errors[0].path == "/scenarios/1/slug"
    assert info.value.status == 409
    assert list(Scenario.objects.filter(workspace=target).values_list("slug", flat=True)) == ["faq"]
    assert not Department.objects.filter(workspace=target).exists()  # created for the import, rolled back


def test_a_refused_publish_rolls_back_every_scenario(source, target, user):
    broken = make_doc("Broken")
    broken["edges"].pop()  # port "other" unconnected: fine for a draft, an error for publishing
    raw = bundle_text(make_doc("Good"), broken, slugs=["good", "broken"])
    plan = transfer.plan_import(transfer.parse_bundle(raw, **LIMITS), target, create_missing=True)
    assert [f.code for f in plan.scenarios[1].findings] == ["port_unconnected", "unreachable_node"]
    with pytest.raises(TransferError) as info:
        transfer.apply_import(plan, user, publish=True)
    assert info.value.code == "port_unconnected"
    assert info.value.errors[0].path == "/scenarios/1/document/nodes/0"
    assert not Scenario.objects.filter(workspace=target).exists()
    assert not ScenarioVersion.objects.filter(scenario__workspace=target).exists()
    assert not Department.objects.filter(workspace=target).exists()
    # Without publish the same bundle imports: drafts may have errors.
    assert len(transfer.apply_import(plan, user)) == 2


def test_missing_workspace_settings_are_copied_only_when_asked(source, user):
    bare = services.create_workspace("Bare", "bare", user)
    bare.settings = {}
    bare.save(update_fields=["settings"])
    bundle = transfer.parse_bundle(export_text(source, ["faq"]), **LIMITS)
    plan = transfer.plan_import(bundle, bare)
    assert "operator_keywords" in plan.missing_settings
    transfer.apply_import(plan, user)
    bare.refresh_from_db()
    assert bare.settings == {}
    plan = transfer.plan_import(bundle, bare, create_missing=True)
    transfer.apply_import(plan, user)
    bare.refresh_from_db()
    assert bare.settings["operator_keywords"] == source.settings["operator_keywords"]


def test_parse_does_not_mutate_and_plan_copies_documents(source):
    bundle = transfer.parse_bundle(export_text(source, ["welcome", "faq"]), **LIMITS)
    before = copy.deepcopy(bundle.scenarios[0].document)
    transfer.plan_import(bundle, source)
    assert bundle.scenarios[0].document == before
