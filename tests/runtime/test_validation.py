import pytest

from runtime.engine.ir import AskNode
from runtime.engine.validation import normalise_phone, validate


def ask(kind, **kw):
    return AskNode("q", "?", "v", kind=kind, **kw)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("+1 (415) 555-2671", "+14155552671"),
        ("0049 151-2345-6789", "+4915123456789"),
        ("+7 999 123-45-67", "+79991234567"),
    ],
)
def test_phone_international_normalised(text, value):
    assert normalise_phone(text) == value
    assert validate(ask("phone"), text) == (True, value)


@pytest.mark.parametrize("text", ["12345", "020 7946 0958", "+0 123 4567", "+12", "call me", "+1234567890123456"])
def test_phone_rejected(text):
    assert validate(ask("phone"), text)[0] is False


@pytest.mark.parametrize(("text", "value"), [("ann@Example.COM", "ann@example.com"), (" a.b+c@x.io ", "a.b+c@x.io")])
def test_email_ok(text, value):
    assert validate(ask("email"), text) == (True, value)


@pytest.mark.parametrize("text", ["ann", "ann@", "@x.io", "a b@x.io", "ann@x", "a@b.c"])
def test_email_rejected(text):
    assert validate(ask("email"), text)[0] is False


@pytest.mark.parametrize(("text", "value"), [("42", 42), ("3,5", 3.5), (" -1.25 ", -1.25), ("1 000", 1000)])
def test_number_ok(text, value):
    assert validate(ask("number"), text) == (True, value)


@pytest.mark.parametrize("text", ["abc", "1e400", "nan", "inf", "", "1.2.3"])
def test_number_rejected(text):
    assert validate(ask("number"), text)[0] is False


def test_number_min_max():
    node = ask("number", min=1, max=10)
    assert validate(node, "1")[0] and validate(node, "10")[0]
    assert not validate(node, "0")[0] and not validate(node, "10.5")[0]


@pytest.mark.parametrize(
    ("text", "value"), [("2026-12-31", "2026-12-31"), ("31.12.2026", "2026-12-31"), ("1.2.2027", "2027-02-01")]
)
def test_date_ok(text, value):
    assert validate(ask("date"), text) == (True, value)


@pytest.mark.parametrize("text", ["2026-02-30", "31.13.2026", "tomorrow", "12/31"])
def test_date_rejected(text):
    assert validate(ask("date"), text)[0] is False


def test_choice_by_label_case_space_insensitive_or_number():
    node = ask("choice", choices=("Small", "Extra Large"))
    assert validate(node, "  extra   LARGE ") == (True, "Extra Large")
    assert validate(node, "1") == (True, "Small")
    assert validate(node, "3")[0] is False
    assert validate(node, "medium")[0] is False


def test_text_length_bounds():
    node = ask("text", min=2, max=5)
    assert validate(node, " ab ") == (True, "ab")
    assert not validate(node, "a")[0]
    assert not validate(node, "abcdef")[0]
    assert not validate(ask("text"), "   ")[0]
