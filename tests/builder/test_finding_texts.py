"""Issue 12: every validation finding code the backend can send is enumerated from the source (a new code breaks
this test) and must be known to the editor (frontend/src/editor/findingText.ts FINDING_CODES) with an English
and a Russian text; frontend/src/editor/findingText.test.ts renders each one in both languages and checks that
no internal id or raw key reaches the screen."""

from __future__ import annotations

import re
from pathlib import Path

from builder.schema import _CODES
from tests.channels_app.test_no_internals import dictionary

ROOT = Path(__file__).resolve().parents[2]


def backend_codes() -> set[str]:
    codes = set(_CODES.values())
    schema = (ROOT / "builder/schema.py").read_text()
    codes |= set(re.findall(r'_CODES\.get\([^,]+,\s*"([a-z_]+)"\)', schema))
    codes |= set(re.findall(r'code="([a-z_]+)"', schema))
    codes |= set(re.findall(r'\(path, "([a-z_]+)", f?"', schema))
    graph = (ROOT / "builder/graph.py").read_text()
    codes |= set(re.findall(r'self\.add\(\s*"([a-z_]+)"', graph))
    templates = (ROOT / "runtime/connectors/templates.py").read_text()
    codes |= set(re.findall(r'code="([a-z_]+)"', templates))
    return codes


def editor_codes() -> set[str]:
    text = (ROOT / "frontend/src/editor/findingText.ts").read_text()
    block = re.search(r"FINDING_CODES = \[(.*?)\];", text, re.S)
    assert block, "FINDING_CODES not found"
    return set(re.findall(r'"([a-z_]+)"', block.group(1)))


def test_the_source_scan_sees_graph_schema_and_template_codes():
    codes = backend_codes()
    assert {"port_unconnected", "unreachable_node", "field_missing", "node_type_unknown", "invalid",
            "template_unmapped"} <= codes


def test_the_editor_knows_every_backend_finding_code():
    missing = sorted(backend_codes() - editor_codes())
    assert not missing, f"findingText.ts FINDING_CODES lacks {missing}: add them with texts (en, ru)"


def test_every_finding_code_has_an_english_and_a_russian_text():
    for lang in ("en", "ru"):
        table = dictionary("frontend/src/editor/i18n.ts", lang)
        keys = {k.removeprefix("finding.").split(".")[0] for k in table if k.startswith("finding.") and table[k]}
        missing = sorted(backend_codes() - keys)
        assert not missing, f"{lang}: no editor text for finding code(s) {missing}"


def test_step_and_exit_findings_carry_their_ids_as_parameters_for_the_editor_to_name():
    from builder.graph import check_graph

    doc = {
        "start": "buttons_f4cc8v",
        "nodes": [
            {"id": "buttons_f4cc8v", "type": "buttons",
             "data": {"text": "Pick", "buttons": [{"id": "b_fefv2l", "label": "Sales"}]}},
            {"id": "loop_a", "type": "set_variable", "data": {"assignments": []}},
            {"id": "loop_b", "type": "set_variable", "data": {"assignments": []}},
        ],
        "edges": [{"id": "e1", "source": "loop_a", "source_port": "next", "target": "loop_b"},
                  {"id": "e2", "source": "loop_b", "source_port": "next", "target": "loop_a"}],
    }
    by_code = {f.code: f.params for f in check_graph(doc)}
    assert by_code["port_unconnected"] == {"node": "buttons_f4cc8v", "port": "b_fefv2l"}
    assert by_code["unreachable_node"]["node"] in ("loop_a", "loop_b")
    assert by_code["infinite_loop"] == {"nodes": ["loop_a", "loop_b"]}
