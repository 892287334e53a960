"""The compiled scenario: frozen dataclasses the interpreter walks.

One dataclass per node type of README "The scenario format"; `NODE_TYPES` records, for each type, its data
field names and its port rule, mirroring the JSON Schema's `x-ports` / `x-ports-from` / `x-ports-extra`
annotations (a test keeps the two equal). The mappings inside `Scenario` are plain dicts for speed;
nothing mutates them after `loader.compile_scenario`.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .effects import Button, Media

OUTSIDE_WINDOW_PORT = "outside_window"
# `data` fields every node type may carry besides its own. `entry`: operators may return the customer to
# this node (the graph check counts it as reachable; the inbox's return-to-bot picker offers it first).
COMMON_FIELDS: tuple[str, ...] = ("entry",)

# Always available, never declared (README "The scenario format"; the schema's `x-builtin-variables`).
BUILTIN_VARIABLES: tuple[str, ...] = (
    "ref", "channel", "contact_name", "contact_phone", "contact_email", "last_input", "business_hours",
    "http_status", "rating", "rating_comment",
)


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    type: str  # string | number | boolean | json
    default: Any = None


@dataclass(frozen=True, slots=True)
class Settings:
    language: str = "en"
    operator_enabled: bool = True
    operator_label: str = "Call operator"
    operator_keywords: tuple[str, ...] | None = None  # None: the workspace's list (StepContext)
    department: str | None = None
    fallback_text: str = "Please choose one of the buttons."
    timezone: str = "UTC"
    # variable → contact field (name | email | phone): storing into one of these variables names the person on
    # the contact, so operators find them (`settings.contact_fields`; defaults: variables named name/email/phone).
    contact_fields: tuple[tuple[str, str], ...] = (("name", "name"), ("email", "email"), ("phone", "phone"))


# --- node types --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MessageNode:
    id: str
    text: str = ""
    media: Media | None = None


@dataclass(frozen=True, slots=True)
class ButtonsNode:
    id: str
    text: str
    buttons: tuple[Button, ...]
    variable: str | None = None


@dataclass(frozen=True, slots=True)
class AskNode:
    id: str
    prompt: str
    variable: str
    kind: str = "text"  # text | number | email | phone | date | choice
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    validation_message: str = ""
    retries: int = 2
    timeout_seconds: int | None = None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    expression: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class ConditionNode:
    id: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True, slots=True)
class Assignment:
    variable: str
    value: str | None = None  # template
    expression: str | None = None  # safe expression; exactly one of value / expression


@dataclass(frozen=True, slots=True)
class SetVariableNode:
    id: str
    assignments: tuple[Assignment, ...]


@dataclass(frozen=True, slots=True)
class ResponseMapping:
    variable: str
    path: str
    steps: tuple[str | int, ...]  # parsed JSON path


@dataclass(frozen=True, slots=True)
class HttpRequestNode:
    id: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str | None = None
    response_mapping: tuple[ResponseMapping, ...] = ()
    timeout_seconds: int = 10


@dataclass(frozen=True, slots=True)
class WaitNode:
    id: str
    seconds: int


@dataclass(frozen=True, slots=True)
class JumpNode:
    id: str
    node: str | None = None
    scenario: str | None = None


@dataclass(frozen=True, slots=True)
class HandoffNode:
    id: str
    department: str | None = None
    message: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class RatingNode:
    id: str
    prompt: str
    ask_comment: bool = False
    comment_prompt: str = ""
    thanks_text: str = ""


@dataclass(frozen=True, slots=True)
class TagNode:
    id: str
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()
    consent: str | None = None


@dataclass(frozen=True, slots=True)
class EndNode:
    id: str
    text: str = ""


@dataclass(frozen=True, slots=True)
class TemplateNode:
    """A WhatsApp template message; `variables` fill its numbered placeholders (templated values)."""

    id: str
    template: str
    language: str
    variables: tuple[tuple[str, str], ...] = ()  # ("1", "{{name}}"), … in placeholder order


Node = (
    MessageNode | ButtonsNode | AskNode | ConditionNode | SetVariableNode | HttpRequestNode | WaitNode
    | JumpNode | HandoffNode | RatingNode | TagNode | EndNode | TemplateNode
)


# --- registry ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NodeSpec:
    """A node type: its IR class, its `data` field names and how its output ports are named.

    Mirrors the schema's annotations on each `node_<type>` definition:
    `ports` ~ `x-ports` (fixed ports); `ports_from` ~ `x-ports-from` ("buttons/*/id": the `id` of each item
    of data.buttons); `ports_extra` ~ `x-ports-extra` (after the derived ones, e.g. condition's `else`);
    `soft_ports` ~ `x-ports-soft` (listed ports that may stay unconnected, a warning in the editor);
    `optional_ports` ~ `x-ports-optional` (extra ports that exist only when drawn, e.g. `outside_window`).
    """

    type: str
    cls: builtins.type[Node]  # `builtins.`: inside this class `type` is the field above
    fields: tuple[str, ...]
    ports: tuple[str, ...] = ()
    ports_from: str | None = None
    ports_extra: tuple[str, ...] = ()
    soft_ports: tuple[str, ...] = ()
    optional_ports: tuple[str, ...] = ()
    interactive: bool = False
    waiting: bool = False


_OW = (OUTSIDE_WINDOW_PORT,)
NODE_TYPES: dict[str, NodeSpec] = {
    spec.type: spec
    for spec in (
        NodeSpec("message", MessageNode, ("text", "media"), ports=("next",), optional_ports=_OW),
        NodeSpec("buttons", ButtonsNode, ("text", "buttons", "variable"), ports_from="buttons/*/id",
                 optional_ports=_OW, interactive=True, waiting=True),
        NodeSpec("ask", AskNode, ("prompt", "variable", "kind", "choices", "min", "max", "validation_message",
                                  "retries", "timeout_seconds"),
                 ports=("next", "invalid", "timeout"), soft_ports=("invalid", "timeout"),
                 interactive=True, waiting=True),
        NodeSpec("condition", ConditionNode, ("rules",), ports_from="rules/*/id", ports_extra=("else",)),
        NodeSpec("set_variable", SetVariableNode, ("assignments",), ports=("next",)),
        NodeSpec("http_request", HttpRequestNode, ("method", "url", "headers", "body", "response_mapping",
                                                   "timeout_seconds"),
                 ports=("ok", "error"), soft_ports=("error",)),
        NodeSpec("wait", WaitNode, ("seconds",), ports=("next",), waiting=True),
        NodeSpec("jump", JumpNode, ("node", "scenario")),
        NodeSpec("handoff", HandoffNode, ("department", "message", "note"), waiting=True),
        NodeSpec("rating", RatingNode, ("prompt", "ask_comment", "comment_prompt", "thanks_text"),
                 ports=("next",), interactive=True, waiting=True),
        NodeSpec("tag", TagNode, ("add", "remove", "consent"), ports=("next",)),
        NodeSpec("end", EndNode, ("text",)),
        NodeSpec("template", TemplateNode, ("template", "language", "variables"), ports=("next",)),
    )
}

SPEC_BY_CLASS: dict[type, NodeSpec] = {spec.cls: spec for spec in NODE_TYPES.values()}


def ports(node: Node) -> tuple[str, ...]:
    """All output ports a node offers, in a stable order."""
    spec = SPEC_BY_CLASS[type(node)]
    derived: tuple[str, ...] = ()
    if isinstance(node, ButtonsNode):
        derived = tuple(b.id for b in node.buttons)
    elif isinstance(node, ConditionNode):
        derived = tuple(r.id for r in node.rules)
    return spec.ports + derived + spec.ports_extra + spec.optional_ports


def node_type(node: Node) -> str:
    return SPEC_BY_CLASS[type(node)].type


@dataclass(frozen=True, slots=True, eq=False)  # identity equality/hash: compiled once per version, never compared
class Scenario:
    name: str
    start: str
    variables: Mapping[str, Variable]
    settings: Settings
    nodes: Mapping[str, Node]
    edges: Mapping[tuple[str, str], str]  # (source node, port) -> target node
    # Same edges grouped per source node: the interpreter's hot path (one dict lookup per transition).
    exits: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # Buttons shown with each interactive node (drawn buttons + the operator button), precomputed.
    node_buttons: Mapping[str, tuple[Button, ...]] = field(default_factory=dict)

    def target(self, node_id: str, port: str) -> str | None:
        exits = self.exits.get(node_id)
        return exits.get(port) if exits else None
