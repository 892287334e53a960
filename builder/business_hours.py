"""Department business hours: pure functions over a JSON spec, no database, no clock.

Spec (Department.business_hours)::

    {"timezone": "Europe/Moscow",
     "weekly": {"mon": [["09:00", "18:00"]], "sat": [["10:00", "14:00"]], ...},
     "holidays": ["2026-12-31", "2027-01-01"]}

- An empty spec (``{}``) means always open.
- Times are local wall-clock times in ``timezone`` (IANA; default UTC). ``"24:00"`` ends a day; an interval whose
  end is not after its start runs past midnight (``["22:00", "02:00"]``).
- An interval belongs to the day it starts on; a holiday (local date) cancels every interval starting that day.
- A weekday missing from ``weekly`` is closed all day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead next_opening() looks; a schedule with no opening in a year is treated as "never".
HORIZON_DAYS = 400


@dataclass(frozen=True, slots=True)
class Schedule:
    tz: ZoneInfo
    weekly: dict[int, tuple[tuple[dt.time, dt.time | None], ...]]  # weekday → (start, end|None=24:00)
    holidays: frozenset[dt.date]
    always_open: bool


def _parse_time(raw: str) -> dt.time | None:
    """"HH:MM" → time; "24:00" → None (end of day)."""
    if raw == "24:00":
        return None
    hours, _, minutes = raw.partition(":")
    return dt.time(int(hours), int(minutes))


def validate(spec: Any) -> list[dict[str, str]]:
    """Errors in a business-hours spec as ``[{path, code, message}]`` (empty = valid)."""
    errors: list[dict[str, str]] = []
    if spec in (None, {}):
        return errors
    if not isinstance(spec, dict):
        return [{"path": "", "code": "invalid", "message": "business_hours must be an object"}]
    unknown = set(spec) - {"timezone", "weekly", "holidays"}
    for key in sorted(unknown):
        errors.append({"path": f"/{key}", "code": "unknown_field", "message": f"unknown field {key!r}"})
    tz = spec.get("timezone", "UTC")
    try:
        ZoneInfo(str(tz))
    except (ZoneInfoNotFoundError, ValueError):
        errors.append({"path": "/timezone", "code": "invalid_timezone", "message": f"unknown time zone {tz!r}"})
    weekly = spec.get("weekly", {})
    if not isinstance(weekly, dict):
        errors.append({"path": "/weekly", "code": "invalid", "message": "weekly must be an object"})
        weekly = {}
    for day, intervals in weekly.items():
        path = f"/weekly/{day}"
        if day not in DAYS:
            errors.append({"path": path, "code": "invalid_day", "message": f"day must be one of {', '.join(DAYS)}"})
            continue
        if not isinstance(intervals, list):
            errors.append({"path": path, "code": "invalid", "message": "a list of [start, end] pairs"})
            continue
        for i, pair in enumerate(intervals):
            ok = isinstance(pair, list | tuple) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
            if ok:
                try:
                    start = _parse_time(pair[0])
                    _parse_time(pair[1])
                    ok = start is not None
                except ValueError:
                    ok = False
            if not ok:
                errors.append({"path": f"{path}/{i}", "code": "invalid_interval",
                               "message": 'an interval is ["HH:MM", "HH:MM"] (end may be "24:00")'})
    holidays = spec.get("holidays", [])
    if not isinstance(holidays, list):
        errors.append({"path": "/holidays", "code": "invalid", "message": "holidays must be a list of dates"})
    else:
        for i, raw in enumerate(holidays):
            try:
                dt.date.fromisoformat(str(raw))
            except ValueError:
                errors.append({"path": f"/holidays/{i}", "code": "invalid_date", "message": "a date YYYY-MM-DD"})
    return errors


def parse(spec: Any) -> Schedule:
    """Spec → Schedule. Raises ValueError on an invalid spec (validate() first for user input)."""
    if not spec:
        return Schedule(ZoneInfo("UTC"), {}, frozenset(), always_open=True)
    problems = validate(spec)
    if problems:
        raise ValueError(problems[0]["message"])
    weekly: dict[int, tuple[tuple[dt.time, dt.time | None], ...]] = {}
    for day, intervals in (spec.get("weekly") or {}).items():
        parsed = []
        for start, end in intervals:
            parsed.append((_parse_time(start), _parse_time(end)))
        weekly[DAYS.index(day)] = tuple(sorted(parsed, key=lambda p: p[0]))
    holidays = frozenset(dt.date.fromisoformat(str(d)) for d in spec.get("holidays") or [])
    return Schedule(ZoneInfo(str(spec.get("timezone") or "UTC")), weekly, holidays, always_open=False)


def _spec_of(department_or_spec: Any) -> Any:
    return getattr(department_or_spec, "business_hours", department_or_spec)


def _intervals_starting(schedule: Schedule, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """Aware [start, end) intervals that start on local date `day`."""
    if day in schedule.holidays:
        return []
    out = []
    for start, end in schedule.weekly.get(day.weekday(), ()):
        start_at = dt.datetime.combine(day, start, tzinfo=schedule.tz)
        if end is None:
            end_at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=schedule.tz)
        else:
            end_day = day if end > start else day + dt.timedelta(days=1)
            end_at = dt.datetime.combine(end_day, end, tzinfo=schedule.tz)
        out.append((start_at, end_at))
    return out


def is_open(department_or_spec: Any, now: dt.datetime) -> bool:
    """Is the department open at aware datetime `now`? Accepts a Department or its business_hours dict."""
    schedule = parse(_spec_of(department_or_spec))
    if schedule.always_open:
        return True
    local = now.astimezone(schedule.tz)
    for day in (local.date() - dt.timedelta(days=1), local.date()):
        for start_at, end_at in _intervals_starting(schedule, day):
            if start_at <= now < end_at:
                return True
    return False


def next_opening(department_or_spec: Any, now: dt.datetime) -> dt.datetime | None:
    """When the department next opens (aware, in its time zone); `now` if open now; None if it never opens."""
    schedule = parse(_spec_of(department_or_spec))
    if schedule.always_open or is_open(department_or_spec, now):
        return now.astimezone(schedule.tz)
    local_day = now.astimezone(schedule.tz).date()
    for offset in range(HORIZON_DAYS):
        for start_at, _end in _intervals_starting(schedule, local_day + dt.timedelta(days=offset)):
            if start_at > now:
                return start_at
    return None


def describe_opening(opening: dt.datetime | None, now: dt.datetime) -> str:
    """Human text for when the customer will be answered, e.g. "today at 09:00" or "on Mon 23 Nov at 09:00"."""
    if opening is None:
        return "as soon as an operator is available"
    local_now = now.astimezone(opening.tzinfo)
    zone = opening.tzname() or ""
    clock = opening.strftime("%H:%M")
    if opening.date() == local_now.date():
        when = f"today at {clock}"
    elif opening.date() == local_now.date() + dt.timedelta(days=1):
        when = f"tomorrow at {clock}"
    else:
        when = f"on {opening.strftime('%a')} {opening.day} {opening.strftime('%b')} at {clock}"
    return f"{when} ({zone})" if zone else when
