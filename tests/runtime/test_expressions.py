import pytest

from runtime.engine.expressions import (
    FUNCTIONS,
    ExpressionError,
    check_expression,
    compile_expression,
    diagnose,
    evaluate,
    evaluate_bool,
)

V = {
    "score": 4,
    "channel": "telegram",
    "last_input": "What is the PRICE?",
    "business_hours": False,
    "order": {"status": "shipped", "items": [{"name": "Mug"}]},
    "name": "",
    "tags": ["vip", "new"],
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('score >= 3 and channel == "telegram"', True),
        ("business_hours", False),
        ("not business_hours", True),
        ('contains(lower(last_input), "price")', True),
        ('order.status == "shipped"', True),
        ('order["status"] != "lost"', True),
        ('order.items[0].name == "Mug"', True),
        ("1 < score < 5", True),
        ("score * 2 + 1 == 9", True),
        ("score / 2 == 2", True),
        ("score % 3 == 1", True),
        ("-score == -4", True),
        ('"vip" in tags', True),
        ('"gold" not in tags', True),
        ("empty(name)", True),
        ("len(tags) == 2", True),
        ('int("42") + float("0.5") == 42.5', True),
        ('str(score) == "4"', True),
        ('startswith(upper(channel), "TELE")', True),
        ("true and not false", True),
        ("null == null", True),
        ("(score > 10) or (score < 5)", True),
    ],
)
def test_language(source, expected):
    assert evaluate(source, V) == expected
    assert evaluate_bool(source, V) is expected


@pytest.mark.parametrize(
    "source",
    [
        "__import__('os')",
        "__import__('os').system('echo hi')",
        "().__class__.__bases__[0].__subclasses__()",
        "order.__class__",
        "order._private",
        "_secret",
        "(lambda: 1)()",
        "[x for x in tags]",
        "{x for x in tags}",
        "{k: 1 for k in tags}",
        "(x for x in tags)",
        "open('/etc/passwd')",
        "getattr(order, 'status')",
        "eval('1')",
        "exec('1')",
        "lower(x=1)",
        "lower(*tags)",
        "[1, 2]",
        "{'a': 1}",
        "score ** 999999",
        "score if score else 1",
        "(y := 3)",
        "tags[0:1]",
        "f'{score}'",
        "score.bit_length()",
        "b'bytes'",
        "score; 1",
        "",
        "x" * 2000,
    ],
)
def test_attacks_and_unsupported_syntax_are_rejected(source):
    with pytest.raises(ExpressionError):
        compile_expression(source)
    assert check_expression(source) is not None
    assert evaluate_bool(source, V) is False


@pytest.mark.parametrize(
    "source",
    [
        "unknown_variable == 1",
        "score + 'a' == 1",
        "score / 0 == 1",
        "order.missing == 1",
        "order.items[5].name == 'x'",
        "channel < 3",
        "'a' * 100000000",
        "'%999999999d' % 1",
        "int('not a number') == 1",
    ],
)
def test_runtime_errors_make_the_rule_false(source):
    assert check_expression(source) is None  # syntactically fine
    assert evaluate_bool(source, V) is False
    with pytest.raises(ExpressionError):
        evaluate(source, V)


def test_attribute_syntax_reads_keys_never_python_attributes():
    # "items" is a dict method name; on a json value it must be a key lookup
    assert evaluate("d.items", {"d": {"items": 3}}) == 3
    assert evaluate_bool("d.items", {"d": {}}) is False


def test_too_complex_expression_rejected():
    with pytest.raises(ExpressionError):
        compile_expression(" + ".join(["1"] * 150))


# --- diagnostics: what was expected, and where (1-based column in the source as typed) -------------


@pytest.mark.parametrize(
    ("source", "code", "column", "params"),
    [
        ('topic = "Sales"', "single_equals", 7, {}),
        ('  topic = "Sales"', "single_equals", 9, {}),  # leading spaces count: the column is as typed
        ('тема = "Продажи"', "single_equals", 6, {}),  # characters, not UTF-8 bytes
        ('topic == "Sales', "unclosed_quote", 10, {}),
        ("(topic == 1", "unclosed_paren", 1, {}),
        ("topic == 1)", "unmatched_paren", 11, {}),
        ("score > 1 && ok", "use_word", 11, {"found": "&&", "expected": "and"}),
        ("score > 1 || ok", "use_word", 11, {"found": "||", "expected": "or"}),
        ("!ok", "use_word", 1, {"found": "!", "expected": "not"}),
        ("score >=", "incomplete", 9, {}),
        ("score == 1 2", "syntax", 12, {}),
        ("lowr(topic)", "unknown_function", 1, {"name": "lowr", "functions": list(FUNCTIONS)}),
        ('x == "ф" and len(a, b)', "arguments", 14, {"name": "len", "count": 1}),
        ("[1, 2]", "not_allowed", 1, {"what": "[1, 2]"}),
        ("order.__class__", "underscore_name", 1, {"name": "__class__"}),
        ("", "empty", None, {}),
    ],
)
def test_diagnose_says_what_was_expected_and_where(source, code, column, params):
    problem = diagnose(source)
    assert (problem.code, problem.column, problem.params) == (code, column, params)
    if column:
        assert f"Column {column}" in problem.message
    assert "invalid syntax" not in problem.message


def test_diagnose_lists_unknown_names_only_when_the_known_ones_are_given():
    assert diagnose('topic == Sales and score > 1') is None
    problem = diagnose("topic == Sales and Other", known={"topic"})
    assert (problem.code, problem.column) == ("unknown_name", 10)
    assert problem.params == {"name": "Sales", "names": ["Sales", "Other"], "columns": {"Sales": 10, "Other": 20}}
    assert 'put text in quotes ("Sales")' in problem.message
    assert diagnose('topic == "Sales" and true', known={"topic"}) is None


def test_valid_expressions_have_no_problem_and_compile_errors_keep_their_reason():
    assert diagnose('score >= 3 and channel == "telegram"') is None
    with pytest.raises(ExpressionError) as caught:
        compile_expression("lowr(x)")
    assert caught.value.code == "unknown_function"
