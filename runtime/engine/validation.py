"""Answer validation for `ask` nodes: each kind returns (ok, normalised value)."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from .ir import AskNode

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_PHONE_JUNK = re.compile(r"[\s\-().]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY_DATE = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")


def normalise_choice(text: str) -> str:
    """Case-, space- and width-insensitive comparison key for labels and choices."""
    return " ".join(text.casefold().split())


def _in_range(value: float, node: AskNode) -> bool:
    return (node.min is None or value >= node.min) and (node.max is None or value <= node.max)


def validate_text(text: str, node: AskNode) -> tuple[bool, Any]:
    value = text.strip()
    return (bool(value) and _in_range(len(value), node), value)


def validate_number(text: str, node: AskNode) -> tuple[bool, Any]:
    raw = text.strip().replace(" ", "").replace("\u00a0", "").replace("_", "")
    if not _NUMBER.match(raw):
        return False, None
    value = float(raw.replace(",", "."))
    if not math.isfinite(value) or not _in_range(value, node):
        return False, None
    return True, int(value) if value.is_integer() and abs(value) < 2**53 else value


def validate_email(text: str, node: AskNode) -> tuple[bool, Any]:
    value = text.strip()
    if len(value) > 254 or not _EMAIL.match(value):
        return False, None
    local, _, domain = value.rpartition("@")
    return True, f"{local}@{domain.lower()}"


def normalise_phone(text: str) -> str | None:
    """International (E.164) form: `+44 (20) 7946-0958` → `+442079460958`; None when it is not one."""
    value = _PHONE_JUNK.sub("", text.strip())
    if value.startswith("00"):
        value = "+" + value[2:]
    return value if _E164.match(value) else None


def validate_phone(text: str, node: AskNode) -> tuple[bool, Any]:
    value = normalise_phone(text)
    return value is not None, value


def validate_date(text: str, node: AskNode) -> tuple[bool, Any]:
    value = text.strip()
    m = _ISO_DATE.match(value)
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    else:
        m = _DMY_DATE.match(value)
        if not m:
            return False, None
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    try:
        return True, date(y, mo, d).isoformat()
    except ValueError:
        return False, None


def validate_choice(text: str, node: AskNode) -> tuple[bool, Any]:
    key = normalise_choice(text)
    for choice in node.choices:
        if normalise_choice(choice) == key:
            return True, choice
    if key.isdigit() and 1 <= int(key) <= len(node.choices):
        return True, node.choices[int(key) - 1]
    return False, None


VALIDATORS = {
    "text": validate_text,
    "number": validate_number,
    "email": validate_email,
    "phone": validate_phone,
    "date": validate_date,
    "choice": validate_choice,
}


def validate(node: AskNode, text: str) -> tuple[bool, Any]:
    if len(text) > 10_000:
        return False, None
    return VALIDATORS[node.kind](text, node)
