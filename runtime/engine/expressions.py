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
import operator
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

MAX_LENGTH = 1000
MAX_NODES = 200
MAX_STRING = 10_000

Compiled = Callable[[Mapping[str, Any]], Any]


class ExpressionError(Exception):
    pass


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


def _compile(node: ast.AST) -> Compiled:
    compiler = _COMPILERS.get(type(node))
    if compiler is None:
        raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")
    return compiler(node)


def _c_constant(node: ast.Constant) -> Compiled:
    value = node.value
    if value is not None and not isinstance(value, bool | int | float | str):
        raise ExpressionError("only numbers, strings, true, false and null are allowed")
    return lambda v: value


def _c_name(node: ast.Name) -> Compiled:
    name = node.id
    if name.startswith("_"):
        raise ExpressionError(f"name {name!r} is not allowed")
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
        raise ExpressionError(f"key {node.attr!r} is not allowed")
    base, attr = _compile(node.value), node.attr
    return lambda v: _item(base(v), attr)


def _c_subscript(node: ast.Subscript) -> Compiled:
    if isinstance(node.slice, ast.Slice):
        raise ExpressionError("slices are not allowed")
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
    raise ExpressionError("operator not allowed")


def _c_binop(node: ast.BinOp) -> Compiled:
    op = _BINOPS.get(type(node.op))
    if op is None:
        raise ExpressionError(f"operator {type(node.op).__name__} is not allowed")
    left, right = _compile(node.left), _compile(node.right)
    return lambda v: op(left(v), right(v))


def _c_compare(node: ast.Compare) -> Compiled:
    first = _compile(node.left)
    ops = []
    for cmp_op, comparator in zip(node.ops, node.comparators, strict=True):
        fn = _CMPOPS.get(type(cmp_op))
        if fn is None:
            raise ExpressionError(f"comparison {type(cmp_op).__name__} is not allowed")
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
        raise ExpressionError("only the functions " + ", ".join(FUNCTIONS) + " are allowed")
    if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
        raise ExpressionError("function arguments must be plain values")
    func, arity = FUNCTIONS[node.func.id]
    if len(node.args) != arity:
        raise ExpressionError(f"{node.func.id}() takes {arity} argument(s)")
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
        raise ExpressionError("empty expression")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"syntax error: {exc.msg}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError("expression too complex")
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
