"""Issue 12: the scenario's own variables name the person on the contact (settings.contact_fields), with
defaults for variables named name / email / phone, so operators see and find people."""

from __future__ import annotations

from builder.schema import validate_document
from runtime.engine import effects as fx
from tests.runtime.enginekit import Bot
from tests.support.documents import document as doc
from tests.support.documents import node

VARIABLES = [{"name": n, "type": "string"} for n in ("email", "client_mail", "who", "name")]


def collecting(variable, settings=None):
    return doc([node("q", "ask", prompt="Your e-mail?", variable=variable, kind="email"), node("e", "end")],
               [("q", "next", "e")], settings=settings, variables=VARIABLES)


def updates(bot):
    return [dict(e.fields) for e in bot.of(fx.UpdateContact)]


def test_a_variable_named_email_sets_the_contacts_email_by_default():
    bot = Bot(collecting("email"))
    bot.start()
    bot.say("ann@example.com")
    assert updates(bot) == [{"email": "ann@example.com"}]


def test_the_scenario_chooses_which_variable_names_the_person():
    settings = {"contact_fields": {"email": "client_mail", "name": "who"}}
    bot = Bot(collecting("client_mail", settings))
    bot.start()
    bot.say("bob@example.com")
    assert updates(bot) == [{"email": "bob@example.com"}]
    plain = Bot(collecting("email", settings))  # `email` no longer names anyone in this scenario
    plain.start()
    plain.say("carl@example.com")
    assert updates(plain) == []


def test_an_empty_choice_turns_a_default_off():
    bot = Bot(collecting("email", {"contact_fields": {"email": ""}}))
    bot.start()
    bot.say("dora@example.com")
    assert updates(bot) == []


def test_the_schema_accepts_contact_fields_and_refuses_unknown_ones():
    ok = collecting("email", {"contact_fields": {"name": "who", "email": "", "phone": "phone_var"}})
    assert validate_document(ok) == []
    bad = collecting("email", {"contact_fields": {"nickname": "who"}})
    assert [f.code for f in validate_document(bad)] == ["field_unknown"]
