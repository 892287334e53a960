from runtime.engine.templating import json_string_escape, render, render_url, template_names


def test_plain_text_is_returned_unchanged():
    assert render("Hello there", {}) == "Hello there"


def test_variable_with_and_without_spaces():
    v = {"name": "Ann"}
    assert render("Hi {{name}}!", v) == "Hi Ann!"
    assert render("Hi {{ name }}!", v) == "Hi Ann!"


def test_default_used_when_unset_or_empty():
    assert render("Hi {{name|there}}", {}) == "Hi there"
    assert render("Hi {{name|there}}", {"name": ""}) == "Hi there"
    assert render("Hi {{ name | dear friend }}", {"name": None}) == "Hi dear friend"
    assert render("Hi {{name|there}}", {"name": "Bo"}) == "Hi Bo"


def test_unknown_name_renders_empty():
    assert render("[{{missing}}]", {}) == "[]"


def test_nested_json_values():
    v = {"order": {"status": "shipped", "items": [{"name": "Mug"}]}}
    assert render("{{order.status}}", v) == "shipped"
    assert render("{{order.items.0.name}}", v) == "Mug"
    assert render("{{order.nope.deeper|?}}", v) == "?"


def test_value_types_read_naturally():
    assert render("{{n}} {{f}} {{b}} {{x}}", {"n": 3, "f": 2.0, "b": True, "x": 1.5}) == "3 2 true 1.5"
    assert render("{{d}}", {"d": {"a": 1}}) == '{"a": 1}'


def test_no_code_execution_and_non_names_left_literal():
    assert render("{{ 1+1 }} {{__import__('os')}}", {}) == "{{ 1+1 }} {{__import__('os')}}"
    # a value that looks like a template is not rendered again
    assert render("{{a}}", {"a": "{{b}}", "b": "secret"}) == "{{b}}"


def test_escaped_braces():
    assert render(r"literal \{{name}}", {"name": "x"}) == "literal {{name}}"


def test_json_body_escaping_keeps_json_valid():
    import json

    body = render('{"note": "{{note}}"}', {"note": 'He said "hi"\nbye'}, json_string_escape)
    assert json.loads(body) == {"note": 'He said "hi"\nbye'}


def test_url_values_are_percent_encoded_but_base_is_not():
    v = {"q": "a b&c=d", "base": "https://api.example.com/v1"}
    assert render_url("https://x.test/search?q={{q}}", v) == "https://x.test/search?q=a%20b%26c%3Dd"
    assert render_url("{{base}}/orders", v) == "https://api.example.com/v1/orders"


def test_template_names():
    assert template_names("{{a}} and {{ b.c|x }}") == ("a", "b")
