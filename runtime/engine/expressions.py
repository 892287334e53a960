"""A small, safe expression language for conditions and computed assignments.

The source is parsed with `ast.parse(mode="eval")`, checked against an allowlist and compiled into
closures. Nothing is ever passed to `eval`/`exec`, and Python attributes are never read: `a.b` and
`a["b"]` look up keys of json values. Allowed: literals (numbers, strings, true/false/null), variable
names, `a.b` / `a["b"]` / `a[0]`, `+ - * / %`, comparisons (chains too), `and or not`, `in`, `not in`,
parentheses and the functions in `FUNCTIONS`.

`compile_expression` raises `ExpressionError` for anything outside the language. At run time any error
(unknown name, type mismatch, division by zero) raises `ExpressionError` from `evaluate`;
`evaluate_bool` turns it into False so a broken rule never crashes a conversation.
"""

from __future__ import annotations

import ast
import io
import operator
import tokenize
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

MAX_LENGTH = 1000
MAX_NODES = 200
MAX_STRING = 10_000

Compiled = Callable[[Mapping[str, Any]], Any]


class ExpressionError(Exception):
    """`code` and `params` say what is wrong in words an editor can translate; `node` is where, if known."""

    def __init__(
        self, message: str, code: str = "invalid", node: ast.AST | None = None, **params: Any
    ) -> None:
        super().__init__(message)
        self.code, self.node, self.params = code, node, params


_MISSING = object()


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _to_int(x: Any) -> int:
    if isinstance(x, str):
        return int(float(x.strip().replace(",", ".")))
    return int(x)


def _to_float(x: Any) -> float:
    if isinstance(x, str):
        return float(x.strip().replace(",", "."))
    return float(x)


def _to_str(x: Any) -> str:
    from .templating import to_text

    return to_text(x)


def _contains(haystack: Any, needle: Any) -> bool:
    if haystack is None:
        return False
    if isinstance(haystack, str):
        return str(needle) in haystack
    return needle in haystack


def _empty(x: Any) -> bool:
    if x is None:
        return True
    if isinstance(x, str):
        return x.strip() == ""
    if isinstance(x, list | dict | tuple):
        return len(x) == 0
    return False


def _startswith(s: Any, p: Any) -> bool:
    return isinstance(s, str) and s.startswith(str(p))


FUNCTIONS: dict[str, tuple[Callable[..., Any], int]] = {
    "lower": (lambda x: _to_str(x).lower(), 1),
    "upper": (lambda x: _to_str(x).upper(), 1),
    "len": (lambda x: len(x) if isinstance(x, str | list | dict) else len(_to_str(x)), 1),
    "int": (_to_int, 1),
    "float": (_to_float, 1),
    "str": (_to_str, 1),
    "contains": (_contains, 2),
    "startswith": (_startswith, 2),
    "empty": (_empty, 1),
}

_CONSTANT_NAMES = {"true": True, "false": False, "null": None, "True": True, "False": False, "None": None}


def _add(a: Any, b: Any) -> Any:
    if _num(a) and _num(b):
        return a + b
    if isinstance(a, str) and isinstance(b, str):
        if len(a) + len(b) > MAX_STRING:
            raise ExpressionError("string too long")
        return a + b
    raise ExpressionError("'+' needs two numbers or two strings")


def _arith(op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def apply(a: Any, b: Any) -> Any:
        if not (_num(a) and _num(b)):
            raise ExpressionError("arithmetic needs numbers")
        return op(a, b)

    return apply


_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: _add,
    ast.Sub: _arith(operator.sub),
    ast.Mult: _arith(operator.mul),
    ast.Div: _arith(operator.truediv),
    ast.Mod: _arith(operator.mod),
}

_CMPOPS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: _contains(b, a),
    ast.NotIn: lambda a, b: not _contains(b, a),
}


def _item(container: Any, key: Any) -> Any:
    if isinstance(container, Mapping):
        if not isinstance(key, str):
            raise ExpressionError("object keys are strings")
        if key not in container:
            raise ExpressionError(f"no key {key!r}")
        return container[key]
    if isinstance(container, list | str) and isinstance(key, int) and not isinstance(key, bool):
        return container[key]
    raise ExpressionError("cannot look up a key in this value")


def _snippet(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 40 else text[:39] + "…"


def _compile(node: ast.AST) -> Compiled:
    compiler = _COMPILERS.get(type(node))
    if compiler is None:
        raise ExpressionError(
            f"{type(node).__name__} is not allowed in an expression", "not_allowed", node, what=_snippet(node)
        )
    return compiler(node)


def _c_constant(node: ast.Constant) -> Compiled:
    value = node.value
    if value is not None and not isinstance(value, bool | int | float | str):
        raise ExpressionError(
            "only numbers, strings, true, false and null are allowed", "not_allowed", node, what=_snippet(node)
        )
    return lambda v: value


def _c_name(node: ast.Name) -> Compiled:
    name = node.id
    if name.startswith("_"):
        raise ExpressionError(f"name {name!r} is not allowed", "underscore_name", node, name=name)
    if name in _CONSTANT_NAMES:
        const = _CONSTANT_NAMES[name]
        return lambda v: const

    def load(v: Mapping[str, Any]) -> Any:
        value = v.get(name, _MISSING)
        if value is _MISSING:
            raise ExpressionError(f"unknown variable {name!r}")
        return value

    return load


def _c_attribute(node: ast.Attribute) -> Compiled:
    if node.attr.startswith("_"):
        raise ExpressionError(f"key {node.attr!r} is not allowed", "underscore_name", node, name=node.attr)
    base, attr = _compile(node.value), node.attr
    return lambda v: _item(base(v), attr)


def _c_subscript(node: ast.Subscript) -> Compiled:
    if isinstance(node.slice, ast.Slice):
        raise ExpressionError("slices are not allowed", "not_allowed", node, what=_snippet(node))
    base, key = _compile(node.value), _compile(node.slice)
    return lambda v: _item(base(v), key(v))


def _c_boolop(node: ast.BoolOp) -> Compiled:
    values = [_compile(x) for x in node.values]
    stop_when = not isinstance(node.op, ast.And)  # `and` stops at the first falsy value, `or` at a truthy one

    def combine(v: Mapping[str, Any]) -> Any:
        result: Any = None
        for f in values:
            result = f(v)
            if bool(result) is stop_when:
                return result
        return result

    return combine


def _c_unaryop(node: ast.UnaryOp) -> Compiled:
    operand = _compile(node.operand)
    if isinstance(node.op, ast.Not):
        return lambda v: not operand(v)
    if isinstance(node.op, ast.USub):
        return lambda v: _BINOPS[ast.Sub](0, operand(v))
    if isinstance(node.op, ast.UAdd):
        return lambda v: _BINOPS[ast.Sub](operand(v), 0)
    raise ExpressionError("operator not allowed", "not_allowed", node, what=_snippet(node))


def _c_binop(node: ast.BinOp) -> Compiled:
    op = _BINOPS.get(type(node.op))
    if op is None:
        raise ExpressionError(
            f"operator {type(node.op).__name__} is not allowed", "not_allowed", node, what=_snippet(node)
        )
    left, right = _compile(node.left), _compile(node.right)
    return lambda v: op(left(v), right(v))


def _c_compare(node: ast.Compare) -> Compiled:
    first = _compile(node.left)
    ops = []
    for cmp_op, comparator in zip(node.ops, node.comparators, strict=True):
        fn = _CMPOPS.get(type(cmp_op))
        if fn is None:
            raise ExpressionError(
                f"comparison {type(cmp_op).__name__} is not allowed", "not_allowed", node, what=_snippet(node)
            )
        ops.append((fn, _compile(comparator)))

    def compare(v: Mapping[str, Any]) -> bool:
        left = first(v)
        for fn, right_fn in ops:
            right = right_fn(v)
            if not fn(left, right):
                return False
            left = right
        return True

    return compare


def _c_call(node: ast.Call) -> Compiled:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        name = node.func.id if isinstance(node.func, ast.Name) else _snippet(node.func)
        raise ExpressionError(
            "only the functions " + ", ".join(FUNCTIONS) + " are allowed",
            "unknown_function",
            node,
            name=name,
            functions=list(FUNCTIONS),
        )
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise ExpressionError("function arguments must be plain values", "not_allowed", node, what=_snippet(node))
    func, arity = FUNCTIONS[node.func.id]
    if len(node.args) != arity:
        raise ExpressionError(
            f"{node.func.id}() takes {arity} argument(s)", "arguments", node, name=node.func.id, count=arity
        )
    args = [_compile(a) for a in node.args]
    return lambda v: func(*(a(v) for a in args))


# The allowlist: any AST node type not listed here is refused.
_COMPILERS: dict[type, Callable[[Any], Compiled]] = {
    ast.Constant: _c_constant,
    ast.Name: _c_name,
    ast.Attribute: _c_attribute,
    ast.Subscript: _c_subscript,
    ast.BoolOp: _c_boolop,
    ast.UnaryOp: _c_unaryop,
    ast.BinOp: _c_binop,
    ast.Compare: _c_compare,
    ast.Call: _c_call,
}


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> Compiled:
    """Parse and check `source`; raise ExpressionError when it is outside the language."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("empty expression", "empty")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", "too_long", max=MAX_LENGTH)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}", "syntax") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError("expression too complex", "too_complex")
    return _compile(tree.body)


def check_expression(source: str) -> str | None:
    """The error message for an invalid expression, or None when it is fine (for graph checks)."""
    try:
        compile_expression(source)
    except ExpressionError as exc:
        return str(exc)
    return None


def evaluate(source: str, variables: Mapping[str, Any]) -> Any:
    """Evaluate; any problem raises ExpressionError."""
    fn = compile_expression(source)
    try:
        return fn(variables)
    except ExpressionError:
        raise
    except (TypeError, ValueError, ZeroDivisionError, IndexError, KeyError, OverflowError, RecursionError) as exc:
        raise ExpressionError(str(exc)) from None


def evaluate_bool(source: str, variables: Mapping[str, Any]) -> bool:
    """A rule's truth value; errors count as False."""
    try:
        return bool(evaluate(source, variables))
    except ExpressionError:
        return False


# --- diagnostics for the editor ---------------------------------------------------------------------
# What is wrong, where, and what was expected: a stable `code` with `params` that the editor translates,
# a 1-based `column` into the source as typed, and an English `message` for API clients and logs.

_QUOTES = ("'", '"')


@dataclass(frozen=True, slots=True)
class ExpressionProblem:
    code: str
    message: str
    column: int | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def as_params(self) -> dict[str, Any]:
        """Everything but the message, flat, e.g. for a finding's `params`."""
        return {"reason": self.code, "column": self.column, **self.params}


def _char_column(line: str, byte_offset: int) -> int:
    """AST offsets count UTF-8 bytes; people count characters (a Cyrillic letter is two bytes)."""
    return len(line.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


def _position(text: str, lineno: int, col: int, lead: int) -> int:
    """1-based character position in the original source of (line, 0-based char column) in `text`."""
    lines = text.split("\n")
    return lead + sum(len(x) + 1 for x in lines[: lineno - 1]) + col + 1


def _tokens(text: str) -> list[tokenize.TokenInfo]:
    out: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            out.append(tok)
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass
    return out


def _syntax_problem(text: str, lead: int, exc: SyntaxError) -> ExpressionProblem:
    msg = exc.msg or ""
    line = exc.lineno or 1
    col = _position(text, line, max((exc.offset or 1) - 1, 0), lead) if exc.offset else lead + len(text) + 1
    if msg.startswith("unterminated string"):
        return ExpressionProblem("unclosed_quote", f"Column {col}: the text in quotes is not closed", col)
    if "was never closed" in msg:
        return ExpressionProblem("unclosed_paren", f"Column {col}: '(' is never closed with ')'", col)
    if msg.startswith("unmatched"):
        return ExpressionProblem("unmatched_paren", f"Column {col}: ')' has no matching '('", col)
    tokens = _tokens(text)
    for index, tok in enumerate(tokens):
        where = _position(text, tok.start[0], tok.start[1], lead)
        if tok.type == tokenize.OP and tok.string == "=":
            return ExpressionProblem(
                "single_equals",
                f"Column {where}: use '==' to compare ('=' alone is not allowed); put text in quotes, "
                'e.g. topic == "Sales"',
                where,
            )
        nxt = tokens[index + 1].string if index + 1 < len(tokens) else ""
        if tok.string in ("&", "|") and nxt == tok.string:
            word = "and" if tok.string == "&" else "or"
            return ExpressionProblem(
                "use_word", f"Column {where}: write '{word}' instead of '{tok.string * 2}'", where,
                {"found": tok.string * 2, "expected": word},
            )
        if tok.string == "!" and nxt != "=":
            return ExpressionProblem(
                "use_word", f"Column {where}: write 'not' instead of '!'", where, {"found": "!", "expected": "not"}
            )
    if not exc.offset or (exc.offset - 1) >= len(text.split("\n")[line - 1]):
        col = lead + len(text) + 1
        return ExpressionProblem("incomplete", f"Column {col}: the expression ends too early", col)
    return ExpressionProblem(
        "syntax",
        f"Column {col}: this is not understood; compare with ==, !=, <, >, combine with and / or, "
        'put text in quotes ("Sales")',
        col,
    )


def diagnose(source: Any, known: Iterable[str] | None = None) -> ExpressionProblem | None:
    """The first problem of an expression, with its position, or None when it is fine.

    `known`: the variable names in scope. When given, a name outside it is a problem too (an
    unquoted word is the usual cause: `topic == Sales` meant `topic == "Sales"`).
    """
    if not isinstance(source, str) or not source.strip():
        return ExpressionProblem("empty", "The expression is empty")
    if len(source) > MAX_LENGTH:
        return ExpressionProblem(
            "too_long", f"The expression is longer than {MAX_LENGTH} characters", params={"max": MAX_LENGTH}
        )
    text = source.strip()
    lead = len(source) - len(source.lstrip())
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        return _syntax_problem(text, lead, exc)
    try:
        compile_expression(source)
    except ExpressionError as exc:
        column = None
        # Only some AST nodes (expressions, keywords) carry a position.
        lineno: int | None = getattr(exc.node, "lineno", None)
        if lineno is not None:
            line = text.split("\n")[lineno - 1]
            column = _position(text, lineno, _char_column(line, getattr(exc.node, "col_offset", 0)), lead)
        where = f"Column {column}: " if column else ""
        return ExpressionProblem(exc.code, f"{where}{exc}", column, dict(exc.params))
    if known is None:
        return None
    known_set = set(known)
    unknown: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in _CONSTANT_NAMES and node.id not in known_set:
            line = text.split("\n")[node.lineno - 1]
            unknown.append((node.id, _position(text, node.lineno, _char_column(line, node.col_offset), lead)))
    if not unknown:
        return None
    unknown.sort(key=lambda item: item[1])
    columns: dict[str, int] = {}
    for name, column in unknown:
        columns.setdefault(name, column)
    name, column = unknown[0]
    return ExpressionProblem(
        "unknown_name",
        f"Column {column}: '{name}' is not a variable; put text in quotes (\"{name}\") "
        f"or declare the variable",
        column,
        {"name": name, "names": list(columns), "columns": columns},
    )
