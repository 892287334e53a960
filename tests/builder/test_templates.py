"""Start from a template: the catalogue per language, creation through the import path, zero findings."""

from __future__ import annotations

import json

import pytest

from builder import scenario_templates
from builder.models import Department, Scenario
from builder.validation import validate
from tests.builder.conftest import url

TEMPLATES = "/api/w/acme/templates/"
KEYS = ["welcome_funnel", "faq", "lead_capture", "order_status", "quiz", "feedback"]


def test_the_catalogue_lists_the_six_examples_in_the_asked_language(api, workspace):
    en = api.get(TEMPLATES, {"lang": "en"}).json()
    ru = api.get(TEMPLATES, {"lang": "ru"}).json()
    assert [t["key"] for t in en] == [t["key"] for t in ru] == KEYS
    assert dict((t["key"], t["title"]) for t in en)["faq"] == "FAQ"
    assert dict((t["key"], t["title"]) for t in ru)["quiz"] == "Викторина"
    assert all(t["description"] and t["nodes"] > 3 for t in en + ru)
    assert api.get(TEMPLATES, {"lang": "de"}).status_code == 400
    assert api.get(TEMPLATES, {"lang": "de"}).json()["errors"][0]["code"] == "unknown_language"


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("key", KEYS)
def test_every_template_in_every_language_creates_a_draft_with_zero_findings(api, workspace, key, lang):
    Department.objects.filter(workspace=workspace).delete()  # departments are created like an import does
    response = api.post(TEMPLATES, {"template": key, "lang": lang}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["findings"] == []
    assert body["published_version"] is None
    assert body["draft"]["settings"]["language"] == lang
    scenario = Scenario.objects.get(pk=body["id"])
    assert validate(scenario.draft, workspace) == []
    wanted = {d["slug"] for d in json.loads(scenario_templates.bundle_path(key, lang).read_text())["requires"]["departments"]}
    assert wanted <= set(Department.objects.filter(workspace=workspace).values_list("slug", flat=True))


@pytest.mark.parametrize("key", KEYS)
def test_both_languages_of_a_template_are_the_same_graph(key):
    en, ru = (json.loads(scenario_templates.bundle_path(key, lang).read_text()) for lang in ("en", "ru"))
    for a, b in zip(en["scenarios"], ru["scenarios"], strict=True):
        da, db = a["document"], b["document"]
        assert [(n["id"], n["type"]) for n in da["nodes"]] == [(n["id"], n["type"]) for n in db["nodes"]]
        assert da["edges"] == db["edges"]
        assert da["variables"] == [{**v, "description": w.get("description")} if "description" in v else v
                                   for v, w in zip(db["variables"], da["variables"], strict=True)]
        # Laid out for the editor: nodes (260 px wide, up to ~230 px tall) do not overlap.
        spots = [(n["position"]["x"], n["position"]["y"]) for n in da["nodes"]]
        for i, (x1, y1) in enumerate(spots):
            for x2, y2 in spots[i + 1:]:
                assert abs(x1 - x2) >= 300 or abs(y1 - y2) >= 240, (key, (x1, y1), (x2, y2))
        # Every text is translated: Cyrillic only in the Russian copy, and the copies differ.
        assert not any("\u0400" <= ch <= "\u04ff" for ch in json.dumps(da, ensure_ascii=False)), key
        assert da != db


def test_a_second_copy_gets_a_free_slug_and_a_numbered_name_and_says_so(api, workspace):
    first = api.post(TEMPLATES, {"template": "quiz", "lang": "en"}, format="json").json()
    second = api.post(TEMPLATES, {"template": "quiz", "lang": "en"}, format="json").json()
    assert (first["name"], second["name"]) == ("Quiz with score", "Quiz with score (2)")
    assert first["slug"] != second["slug"]
    [planned] = second["import"]["scenarios"]
    assert (planned["renamed"], planned["source_name"]) == (True, "Quiz with score")


def test_unknown_template_and_roles(api, client_for, operator, workspace, other_workspace):
    bad = api.post(TEMPLATES, {"template": "nope", "lang": "en"}, format="json")
    assert bad.status_code == 400 and bad.json()["errors"][0]["code"] == "unknown_template"
    assert client_for(operator).post(TEMPLATES, {"template": "quiz"}, format="json").status_code == 403
    assert api.get("/api/w/other/templates/").status_code == 404
    assert Scenario.objects.filter(workspace=workspace).count() == 0


def test_default_language_is_the_workspace_language(api, workspace):
    workspace.settings = {**workspace.settings, "language": "ru"}
    workspace.save(update_fields=["settings"])
    assert api.get(TEMPLATES).json()[0]["title"] == "Воронка приветствия"
    created = api.post(TEMPLATES, {"template": "faq"}, format="json").json()
    assert created["draft"]["settings"]["language"] == "ru"
    assert api.get(url("acme")).json()[0]["name"] == created["name"]
