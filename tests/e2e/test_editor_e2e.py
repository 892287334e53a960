"""The scenario editor in a real browser against the real server (issue 6, tests 1 and 4): a marketer
builds a flow by dragging blocks from the palette and connecting them with the mouse, fills the
inspector, watches the server's error badges go away, publishes; two tabs editing one scenario get a
clear conflict message instead of silently losing work."""

from __future__ import annotations

import json
import os
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e._browser import ScenariosApi, browser_context
from tests.e2e._server import ROOT, login
from tests.support import documents as docs

pytestmark = pytest.mark.e2e

# `E2E_DOCS_SCREENSHOTS=1 pytest tests/e2e/test_editor_e2e.py` refreshes docs/screenshots/editor.png.
DOCS_SCREENSHOTS = os.environ.get("E2E_DOCS_SCREENSHOTS") == "1"


def node(page, node_type: str):
    return page.locator(f".react-flow__node-{node_type}")


def drag_from_palette(page, node_type: str, x: int, y: int) -> None:
    before = node(page, node_type).count()
    canvas = page.get_by_test_id("canvas")
    page.get_by_test_id(f"palette-{node_type}").drag_to(canvas, target_position={"x": x, "y": y})
    expect(node(page, node_type)).to_have_count(before + 1)


def connect(page, source, port: str, target) -> None:
    """Drag with the mouse from a labelled output handle to the target node's input handle."""
    handle = source.locator(f'.react-flow__handle.source[data-handleid="{port}"]')
    goal = target.locator(".react-flow__handle.target")
    start = handle.bounding_box()
    end = goal.bounding_box()
    assert start and end
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move((start["x"] + end["x"]) / 2, (start["y"] + end["y"]) / 2, steps=8)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=8)
    page.mouse.up()


def create_scenario(page, base_url: str, name: str) -> str:
    page.goto(f"{base_url}/")
    page.get_by_test_id("new-scenario-name").fill(name)
    page.get_by_test_id("create-scenario").click()
    page.get_by_test_id("template-blank").click()  # "New scenario" offers a blank canvas or a template
    page.wait_for_url(re.compile(r"/editor/[0-9a-f-]{36}/$"))
    expect(page.get_by_test_id("save-state")).to_have_text("All changes saved")
    return urlsplit(page.url).path.split("/")[2]


def test_editor_builds_a_flow_by_drag_and_drop_and_publishes(e2e_server, e2e_browser, editor_account, steps):
    with browser_context(e2e_browser) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("editor logs in and sees the scenario list"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            expect(page.get_by_role("heading", name="Scenarios")).to_be_visible()
            expect(page.get_by_test_id("scenario-table")).to_contain_text("welcome")

        with steps.step("editor creates a scenario and clears the starter blocks"):
            scenario_id = create_scenario(page, e2e_server.url, "Spring promo")
            expect(page.locator(".react-flow__node")).not_to_have_count(0)
            page.locator(".react-flow__pane").click()
            page.keyboard.press("Control+a")
            page.keyboard.press("Delete")
            expect(page.locator(".react-flow__node")).to_have_count(0)
            expect(page.get_by_text("Drag a block from the left to start your bot")).to_be_visible()

        with steps.step("editor drags a message, a buttons node and a handoff node onto the canvas"):
            drag_from_palette(page, "message", 120, 160)
            drag_from_palette(page, "buttons", 470, 160)
            drag_from_palette(page, "handoff", 840, 200)
            message, buttons, handoff = node(page, "message"), node(page, "buttons"), node(page, "handoff")
            expect(message.locator(".bf-chip-start")).to_have_text("Start")
            # Nodes show their content and one labelled handle per output port.
            expect(buttons).to_contain_text("How can we help?")
            expect(buttons.locator(".bf-port--required")).to_have_text(["Option 1", "Option 2"])
            expect(message.locator('.react-flow__handle.source[data-handleid="next"]')).to_have_count(1)
            expect(handoff.locator(".react-flow__handle.source")).to_have_count(0)

        with steps.step("the server's findings show as error badges on unconnected nodes"):
            expect(page.get_by_test_id("save-state")).to_have_text("All changes saved", timeout=15_000)
            expect(message.get_by_test_id("error-badge")).to_be_visible(timeout=15_000)
            expect(buttons.get_by_test_id("error-badge")).to_have_text("2")
            expect(page.get_by_test_id("publish")).to_be_disabled()

        with steps.step("editor fills the inspector"):
            message.click()
            inspector = page.get_by_test_id("inspector")
            expect(inspector).to_contain_text("Message")
            text = inspector.get_by_test_id("field-text")
            text.fill("Hi {{contact")
            expect(page.get_by_role("option", name="{{contact_name}}")).to_be_visible()
            page.get_by_role("option", name="{{contact_name}}").click()
            text.press("End")
            text.type("! Spring sale: -20% on all beans.")
            expect(message).to_contain_text("Hi {{contact_name}}! Spring sale")

            buttons.click()
            inspector.get_by_test_id("field-text").fill("Would you like to order?")
            inspector.get_by_test_id("button-label-0").fill("Talk to sales")
            inspector.get_by_test_id("button-label-1").fill("Ask support")
            expect(buttons.locator(".bf-port--required")).to_have_text(["Talk to sales", "Ask support"])

            handoff.click()
            inspector.get_by_test_id("department-select").select_option("sales")
            inspector.get_by_test_id("field-message").fill("A manager will answer in a minute.")
            expect(handoff).to_contain_text("sales")

        with steps.step("editor connects the nodes with the mouse"):
            connect(page, message, "next", buttons)
            connect(page, buttons, buttons.locator(".bf-port").nth(0).get_attribute("data-port"), handoff)
            connect(page, buttons, buttons.locator(".bf-port").nth(1).get_attribute("data-port"), handoff)
            expect(page.locator(".react-flow__edge")).to_have_count(3)

        with steps.step("undo and redo with the keyboard"):
            page.locator(".react-flow__pane").click(position={"x": 600, "y": 650})
            page.keyboard.press("Control+z")
            expect(page.locator(".react-flow__edge")).to_have_count(2)
            page.keyboard.press("Control+Shift+z")
            expect(page.locator(".react-flow__edge")).to_have_count(3)

        with steps.step("the error badges disappear once the graph is complete"):
            expect(page.get_by_test_id("save-state")).to_have_text("All changes saved", timeout=15_000)
            expect(page.get_by_test_id("error-badge")).to_have_count(0, timeout=15_000)
            expect(page.get_by_test_id("publish")).to_be_enabled()

        with steps.step("editor publishes with a note"):
            page.get_by_test_id("publish").click()
            page.get_by_test_id("publish-note").fill("Spring promo launch")
            page.get_by_test_id("publish-confirm").click()
            expect(page.get_by_test_id("toast")).to_have_text("Published version 1")

        with steps.step("the published version is what the editor drew"):
            response = page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/{scenario_id}/versions/1/")
            assert response.ok, response.text()
            version = response.json()
            assert version["note"] == "Spring promo launch"
            document = version["document"]
            kinds = {n["type"]: n for n in document["nodes"]}
            assert set(kinds) == {"message", "buttons", "handoff"}
            assert document["start"] == kinds["message"]["id"]
            assert kinds["message"]["data"]["text"] == "Hi {{contact_name}}! Spring sale: -20% on all beans."
            assert [b["label"] for b in kinds["buttons"]["data"]["buttons"]] == [
                "Talk to sales",
                "Ask support",
            ]
            assert kinds["handoff"]["data"]["department"] == "sales"
            edges = {(e["source"], e["source_port"], e["target"]) for e in document["edges"]}
            button_ids = [b["id"] for b in kinds["buttons"]["data"]["buttons"]]
            assert edges == {
                (kinds["message"]["id"], "next", kinds["buttons"]["id"]),
                (kinds["buttons"]["id"], button_ids[0], kinds["handoff"]["id"]),
                (kinds["buttons"]["id"], button_ids[1], kinds["handoff"]["id"]),
            }

        with steps.step("the scenario list shows it live"):
            page.goto(f"{e2e_server.url}/")
            row = page.get_by_role("row", name=re.compile("Spring promo"))
            expect(row).to_contain_text("Live: v1")

        if DOCS_SCREENSHOTS:
            take_docs_screenshots(page, e2e_server.url)


def take_docs_screenshots(page, base_url: str) -> None:
    """README pictures: the demo's welcome funnel with the inspector, then with the preview running."""
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    page.goto(f"{base_url}/")
    page.get_by_role("link", name="Welcome funnel").click()
    expect(page.get_by_test_id("save-state")).to_have_text("All changes saved")
    page.get_by_role("button", name="Tidy up").click()
    node(page, "buttons").first.click()
    page.get_by_role("button", name="Fit View").click()
    page.wait_for_timeout(500)
    page.screenshot(path=str(out / "editor.png"))
    page.get_by_test_id("preview-toggle").click()
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_test_id("preview").get_by_role("button", name="Talk to sales")).to_be_visible()
    page.get_by_test_id("preview").get_by_role("button", name="Talk to sales").click()
    expect(page.locator(".bf-node.is-active")).to_have_count(1)
    page.wait_for_timeout(300)
    page.screenshot(path=str(out / "editor-preview.png"))


def test_two_tabs_editing_one_scenario_get_a_conflict_message(e2e_server, e2e_browser, editor_account, steps):
    with browser_context(e2e_browser) as context:
        first = steps.page("tab1", context.new_page())
        with steps.step("editor opens the same scenario in two tabs"):
            login(first, e2e_server.url, *editor_account, next_path="/")
            scenario_id = create_scenario(first, e2e_server.url, "Shared draft")
            second = steps.page("tab2", context.new_page())
            second.goto(f"{e2e_server.url}/editor/{scenario_id}/")
            expect(second.get_by_test_id("save-state")).to_have_text("All changes saved")

        with steps.step("the first tab saves a change"):
            drag_from_palette(first, "message", 200, 120)
            expect(first.get_by_test_id("save-state")).to_have_text("All changes saved", timeout=15_000)

        with steps.step("the second tab's save is refused with a clear message"):
            drag_from_palette(second, "end", 300, 300)
            banner = second.get_by_test_id("conflict")
            expect(banner).to_be_visible(timeout=15_000)
            expect(banner).to_contain_text(re.compile(r"Someone else \(editor\) saved this scenario at .+"))
            expect(second.get_by_test_id("save-state")).to_have_text("Not saved: conflict")
            expect(second.get_by_role("button", name="Reload their version")).to_be_visible()
            expect(second.get_by_test_id("publish")).to_be_disabled()

        with steps.step("nothing was lost: the server still has the first tab's draft"):
            draft = second.request.get(f"{e2e_server.url}/api/w/demo/scenarios/{scenario_id}/").json()[
                "draft"
            ]
            assert sorted(n["type"] for n in draft["nodes"]) == ["end", "message", "message"]

        with steps.step("overwriting knowingly saves the second tab's version"):
            second.get_by_role("button", name="Overwrite with mine").click()
            expect(banner).to_be_hidden()
            expect(second.get_by_test_id("save-state")).to_have_text("All changes saved", timeout=15_000)
            draft = second.request.get(f"{e2e_server.url}/api/w/demo/scenarios/{scenario_id}/").json()[
                "draft"
            ]
            assert sorted(n["type"] for n in draft["nodes"]) == ["end", "end", "message"]

        with steps.step("the first tab now gets the conflict, and reloading shows the other version"):
            node(first, "message").first.click()
            first.get_by_test_id("inspector").get_by_test_id("field-text").fill("Changed in tab one")
            expect(first.get_by_test_id("conflict")).to_be_visible(timeout=15_000)
            first.get_by_role("button", name="Reload their version").click()
            expect(first.get_by_test_id("conflict")).to_be_hidden()
            expect(node(first, "end")).to_have_count(2)
            expect(node(first, "message")).to_have_count(1)
            expect(first.get_by_test_id("save-state")).to_have_text("All changes saved")


def test_copy_paste_between_scenarios_in_two_tabs_remaps_ids(e2e_server, e2e_browser, editor_account, steps):
    with browser_context(e2e_browser) as context:
        source = steps.page("source", context.new_page())
        with steps.step("editor copies every block of one scenario"):
            login(source, e2e_server.url, *editor_account, next_path="/")
            create_scenario(source, e2e_server.url, "Copy source")
            expect(source.locator(".react-flow__node")).to_have_count(2)
            source.locator(".react-flow__node").first.click()
            source.keyboard.press("Control+a")
            expect(source.locator(".react-flow__node.selected")).to_have_count(2)
            source.keyboard.press("Control+c")
            expect(source.get_by_test_id("toast")).to_have_text("Copied 2 block(s)")

        target = steps.page("target", context.new_page())
        with steps.step("and pastes them into another scenario in another tab"):
            target_id = create_scenario(target, e2e_server.url, "Paste target")
            target.mouse.move(500, 650)
            target.keyboard.press("Control+v")
            expect(target.get_by_test_id("toast")).to_have_text("Pasted 2 block(s)")
            expect(target.locator(".react-flow__node")).to_have_count(4)
            expect(target.locator(".react-flow__edge")).to_have_count(2)
            expect(target.get_by_test_id("save-state")).to_have_text("All changes saved", timeout=15_000)

        with steps.step("the pasted blocks got new ids and keep their connection"):
            draft = target.request.get(f"{e2e_server.url}/api/w/demo/scenarios/{target_id}/").json()["draft"]
            ids = [n["id"] for n in draft["nodes"]]
            assert len(ids) == 4 and len(set(ids)) == 4
            pasted = set(ids[2:])
            assert {"start", "end"}.isdisjoint(pasted)
            assert sum(1 for e in draft["edges"] if e["source"] in pasted and e["target"] in pasted) == 1

        with steps.step("undo removes the pasted blocks"):
            target.locator(".react-flow__pane").click(position={"x": 700, "y": 120})
            target.keyboard.press("Control+z")
            expect(target.locator(".react-flow__node")).to_have_count(2)


def large_document(count: int = 500) -> dict:
    """A chain of `count` message and buttons nodes on a grid, ending in an end node."""
    nodes, edges = [], []
    for i in range(count):
        if i % 5 == 0:
            data = {"text": f"Choice {i}", "buttons": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]}
            kind, ports = "buttons", ["a", "b"]
        else:
            data, kind, ports = {"text": f"Step {i}"}, "message", ["next"]
        nodes.append(
            {
                "id": f"n{i}",
                "type": kind,
                "position": {"x": (i % 25) * 320, "y": (i // 25) * 240},
                "data": data,
            }
        )
        target = f"n{i + 1}" if i + 1 < count else "fin"
        edges += [{"id": f"e{i}-{p}", "source": f"n{i}", "source_port": p, "target": target} for p in ports]
    nodes.append({"id": "fin", "type": "end", "position": {"x": 0, "y": (count // 25 + 1) * 240}, "data": {}})
    return {
        "format": "botflow/scenario",
        "version": 1,
        "name": "Big",
        "start": "n0",
        "nodes": nodes,
        "edges": edges,
    }


def test_a_500_node_scenario_opens_and_a_drag_saves_just_that_node(
    e2e_server, e2e_browser, editor_account, steps
):
    with browser_context(e2e_browser) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("a 500-node scenario opens with every node drawn"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            scenario_id = ScenariosApi(page, e2e_server.url).create("Five hundred", large_document())["id"]
            page.goto(f"{e2e_server.url}/editor/{scenario_id}/")
            expect(page.locator(".react-flow__node")).to_have_count(501, timeout=30_000)
            expect(page.get_by_test_id("save-state")).to_have_text("All changes saved")

        with steps.step("one node is dragged in the overview"):
            moved_id = "n1"
            moved = page.locator(f'.react-flow__node[data-id="{moved_id}"]')
            box = moved.bounding_box()
            assert box
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 4)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + 64, steps=20)
            page.mouse.up()
            expect(page.get_by_test_id("save-state")).to_have_text("All changes saved", timeout=15_000)

        with steps.step("the saved draft moved that node only"):
            draft = page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/{scenario_id}/").json()["draft"]
            original = {n["id"]: n["position"] for n in large_document()["nodes"]}
            changed = {n["id"] for n in draft["nodes"] if n["position"] != original[n["id"]]}
            assert changed == {moved_id}
            assert len(draft["edges"]) == len(large_document()["edges"])


def test_scenario_list_exports_and_imports_with_a_dry_run_plan_first(
    e2e_server, e2e_browser, editor_account, steps, tmp_path
):
    with browser_context(e2e_browser, accept_downloads=True) as context:
        page = steps.page("list", context.new_page())
        with steps.step("editor exports a scenario from the list"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            row = page.get_by_role("row", name=re.compile("Lead capture"))
            with page.expect_download() as download:
                row.get_by_role("link", name="Export").click()
            bundle_path = tmp_path / "bundle.json"
            download.value.save_as(bundle_path)
            bundle = json.loads(bundle_path.read_text())
            assert bundle["format"] == "botflow/bundle"
            assert bundle["scenarios"][0]["slug"] == "lead-capture"

        with steps.step("importing it shows the dry-run plan before anything changes"):
            before = len(page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/").json())
            page.get_by_test_id("import-file").set_input_files(bundle_path)
            plan = page.get_by_test_id("import-plan")
            expect(plan).to_be_visible()
            expect(plan).to_contain_text("Lead capture")
            expect(plan).to_contain_text("Create")
            expect(plan).to_contain_text("Renamed to avoid clashes")
            assert len(page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/").json()) == before

        with steps.step("confirming imports it as a new scenario and opens it"):
            plan.get_by_test_id("import-confirm").click()
            page.wait_for_url(re.compile(r"/editor/[0-9a-f-]{36}/$"))
            expect(page.locator(".react-flow__node")).to_have_count(
                len(bundle["scenarios"][0]["document"]["nodes"])
            )
            assert len(page.request.get(f"{e2e_server.url}/api/w/demo/scenarios/").json()) == before + 1


def test_version_history_shows_a_visual_diff_and_rolls_back(e2e_server, e2e_browser, editor_account, steps):
    with browser_context(e2e_browser) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("a scenario is published twice through the API"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            api = ScenariosApi(page, e2e_server.url)
            v1 = docs.document([docs.node("hello", "message", text="Hi"), docs.node("old", "end", x=320, text="Bye")],
                               [("hello", "next", "old")], name="Versions")
            scenario = api.create("Versions", v1)
            api.call("POST", f"{scenario['id']}/publish/", {"note": "first"})
            v2 = docs.document([docs.node("hello", "message", text="Hello!"),
                                docs.node("new", "end", x=320, text="See you")],
                               [("hello", "next", "new")], name="Versions")
            v2["nodes"][1]["position"]["y"] = 120
            saved = api.call("PUT", f"{scenario['id']}/draft/", {"document": v2, "revision": scenario["revision"]})
            api.call("POST", f"{scenario['id']}/publish/", {"note": "second", "revision": saved["revision"]})

        with steps.step("the history drawer lists both versions"):
            page.goto(f"{e2e_server.url}/editor/{scenario['id']}/")
            page.get_by_role("button", name="History").click()
            drawer = page.get_by_test_id("versions")
            expect(drawer.locator("li")).to_have_count(2)
            expect(drawer.locator("li").first).to_contain_text("second")
            expect(drawer.locator("li").first).to_contain_text("live")

        with steps.step("comparing v1 and v2 highlights added, removed and changed nodes"):
            drawer.get_by_role("button", name="Compare").click()
            diff = page.get_by_test_id("diff")
            expect(diff).to_contain_text("Comparing v1 → v2")
            expect(diff).to_contain_text("1 added")
            expect(diff).to_contain_text("1 removed")
            expect(diff).to_contain_text("1 changed")
            expect(diff.locator('.react-flow__node[data-id="new"] .bf-node.diff-added')).to_have_count(1)
            expect(diff.locator('.react-flow__node[data-id="old"] .bf-node.diff-removed')).to_have_count(1)
            expect(diff.locator('.react-flow__node[data-id="hello"] .bf-node.diff-changed')).to_have_count(1)
            diff.get_by_role("button", name="Back to editing").click()
            expect(diff).to_be_hidden()

        with steps.step("rolling back to v1 publishes it again"):
            page.once("dialog", lambda dialog: dialog.accept())
            drawer.locator("li").nth(1).get_by_role("button", name="Roll back to this").click()
            expect(page.get_by_test_id("toast")).to_have_text("Rolled back: now live as version 3")
            detail = page.request.get(f"{api.url}{scenario['id']}/").json()
            assert detail["published_version"] == 3
            live = page.request.get(f"{api.url}{scenario['id']}/versions/3/").json()
            assert [n["id"] for n in live["document"]["nodes"]] == ["hello", "old"]


def test_edges_from_optional_ports_are_drawn(e2e_server, e2e_browser, editor_account, steps):
    """The "outside the 24h window" port is hidden until needed, but an edge drawn from it always shows."""
    with browser_context(e2e_browser) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("a scenario with an edge from the outside_window port opens with every edge drawn"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            window = docs.document([docs.node("m", "message", text="Hi"), docs.node("in", "end", x=340),
                                    docs.node("out", "end", x=340, text="Template")],
                                   [("m", "next", "in"), ("m", "outside_window", "out")])
            window["nodes"][2]["position"]["y"] = 160
            created = ScenariosApi(page, e2e_server.url).create("Window", window)
            page.goto(f"{e2e_server.url}/editor/{created['id']}/")
            expect(page.get_by_test_id("save-state")).to_have_text("All changes saved")
            expect(page.locator(".react-flow__edge")).to_have_count(2)
            message = node(page, "message")
            expect(message.locator(".bf-port")).to_have_text(["Next", "Outside 24h window"])


def test_http_node_test_request_shows_the_servers_answer(e2e_server, e2e_browser, editor_account, steps):
    """"Test request" asks for the node's template variables and shows what the server's fetch answered:
    here a loopback address, which the production policy refuses (nothing is fetched)."""
    with browser_context(e2e_browser) as context:
        page = steps.page("editor", context.new_page())
        with steps.step("the inspector's Test request sends the filled-in variables and shows the refusal"):
            login(page, e2e_server.url, *editor_account, next_path="/")
            url = "http://127.0.0.1:9/orders/{{order_number}}"
            lookup = docs.document([docs.node("h", "http_request", method="GET", url=url), docs.node("ok", "end", x=340)],
                                   [("h", "ok", "ok")])
            created = ScenariosApi(page, e2e_server.url).create("Test request", lookup)
            page.goto(f"{e2e_server.url}/editor/{created['id']}/")
            node(page, "http_request").first.click()
            page.get_by_test_id("test-request-open").click()
            page.get_by_test_id("test-request-var-order_number").fill("A 1")
            page.get_by_test_id("test-request-send").click()
            expect(page.get_by_test_id("test-request-status")).to_contain_text(
                "GET http://127.0.0.1:9/orders/A%201")
            expect(page.get_by_test_id("test-request-error")).to_contain_text("refused_private_address")
