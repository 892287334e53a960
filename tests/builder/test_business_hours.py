"""Business hours are pure functions of a spec and an aware datetime (fixed datetimes, no clock)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from builder import business_hours as bh

UTC = dt.UTC
MSK = ZoneInfo("Europe/Moscow")  # UTC+3 all year: no DST
BERLIN = ZoneInfo("Europe/Berlin")

OFFICE = {
    "timezone": "Europe/Moscow",
    "weekly": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-12-31"],
}


def at(y, mo, d, h, mi=0, tz=MSK):
    return dt.datetime(y, mo, d, h, mi, tzinfo=tz)


def test_empty_spec_is_always_open():
    assert bh.is_open({}, at(2026, 11, 22, 3))
    assert bh.next_opening({}, at(2026, 11, 22, 3)) == at(2026, 11, 22, 3)


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (at(2026, 11, 23, 9, 0), True),  # Monday opening minute
        (at(2026, 11, 23, 8, 59), False),
        (at(2026, 11, 23, 17, 59), True),
        (at(2026, 11, 23, 18, 0), False),  # end is exclusive
        (at(2026, 11, 22, 12), False),  # Sunday
        (at(2026, 12, 31, 12), False),  # Thursday, but a holiday
        (dt.datetime(2026, 11, 23, 6, 30, tzinfo=UTC), True),  # 09:30 in Moscow
        (dt.datetime(2026, 11, 23, 5, 30, tzinfo=UTC), False),  # 08:30 in Moscow
    ],
)
def test_is_open_in_the_departments_time_zone(when, expected):
    assert bh.is_open(OFFICE, when) is expected


def test_next_opening_over_the_weekend_and_a_holiday():
    friday_evening = at(2026, 11, 27, 19)
    assert bh.next_opening(OFFICE, friday_evening) == at(2026, 11, 30, 9)
    # 31 Dec 2026 is a Thursday holiday: from Wednesday evening the next opening is Friday 1 Jan.
    assert bh.next_opening(OFFICE, at(2026, 12, 30, 20)) == at(2027, 1, 1, 9)
    # Before opening on a working day: the same morning.
    assert bh.next_opening(OFFICE, at(2026, 11, 24, 7)) == at(2026, 11, 24, 9)


def test_overnight_intervals_and_end_of_day():
    night = {"timezone": "UTC", "weekly": {"fri": [["22:00", "02:00"]], "sat": [["20:00", "24:00"]]}}
    assert bh.is_open(night, dt.datetime(2026, 11, 27, 23, tzinfo=UTC))  # Friday 23:00
    assert bh.is_open(night, dt.datetime(2026, 11, 28, 1, 59, tzinfo=UTC))  # Saturday 01:59, Friday's shift
    assert not bh.is_open(night, dt.datetime(2026, 11, 28, 2, tzinfo=UTC))
    assert bh.is_open(night, dt.datetime(2026, 11, 28, 23, 59, tzinfo=UTC))
    assert not bh.is_open(night, dt.datetime(2026, 11, 29, 0, tzinfo=UTC))


def test_dst_zone_uses_local_wall_clock():
    spec = {"timezone": "Europe/Berlin", "weekly": {"sun": [["09:00", "17:00"]], "mon": [["09:00", "17:00"]]}}
    # 29 Mar 2026: clocks go forward at 02:00 → 09:00 local is 07:00 UTC (it was 08:00 UTC the day before).
    assert bh.is_open(spec, dt.datetime(2026, 3, 29, 7, 0, tzinfo=UTC))
    assert not bh.is_open(spec, dt.datetime(2026, 3, 29, 6, 59, tzinfo=UTC))
    opening = bh.next_opening(spec, dt.datetime(2026, 3, 29, 20, tzinfo=UTC))
    assert opening == dt.datetime(2026, 3, 30, 9, tzinfo=BERLIN)
    assert opening.utcoffset() == dt.timedelta(hours=2)


def test_never_opening_schedule_and_its_description():
    closed = {"timezone": "UTC", "weekly": {}}
    now = dt.datetime(2026, 11, 23, 12, tzinfo=UTC)
    assert not bh.is_open(closed, now)
    assert bh.next_opening(closed, now) is None
    assert bh.describe_opening(None, now) == "as soon as an operator is available"


def test_describe_opening_names_the_day_and_zone():
    friday_evening = at(2026, 11, 27, 19)
    text = bh.describe_opening(bh.next_opening(OFFICE, friday_evening), friday_evening)
    assert text == "on Mon 30 Nov at 09:00 (MSK)"
    sunday_night = at(2026, 11, 29, 23)
    assert bh.describe_opening(bh.next_opening(OFFICE, sunday_night), sunday_night) == "tomorrow at 09:00 (MSK)"


@pytest.mark.parametrize(
    ("spec", "path", "code"),
    [
        ({"timezone": "Mars/Olympus"}, "/timezone", "invalid_timezone"),
        ({"weekly": {"funday": []}}, "/weekly/funday", "invalid_day"),
        ({"weekly": {"mon": [["9am", "5pm"]]}}, "/weekly/mon/0", "invalid_interval"),
        ({"weekly": {"mon": [["24:00", "10:00"]]}}, "/weekly/mon/0", "invalid_interval"),
        ({"holidays": ["31.12.2026"]}, "/holidays/0", "invalid_date"),
        ({"opening": "always"}, "/opening", "unknown_field"),
    ],
)
def test_validate_reports_path_and_code(spec, path, code):
    problems = bh.validate(spec)
    assert [(p["path"], p["code"]) for p in problems] == [(path, code)]
    with pytest.raises(ValueError):
        bh.parse(spec)


def test_validate_accepts_a_full_spec():
    assert bh.validate(OFFICE) == []
