"""A validation finding: what is wrong and where, returned as data (never raised to the user as a 500)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    message: str
    path: str = ""  # JSON pointer into the document, e.g. /nodes/3/data/buttons/0/label
    node_id: str | None = None
    severity: Literal["error", "warning"] = "error"
    # What the editor needs to say it in the user's language (e.g. an expression problem's reason and
    # column); `message` stays the English text for API clients.
    params: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def errors_only(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]
