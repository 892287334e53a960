"""A bot turn's statements, built once per process instead of once per turn.

Profiling a saturated server showed Django compiling SQL, not PostgreSQL and not the engine, as the largest
cost of a bot turn (the locked select with its joins and ordering alone was ~45% of the turn's CPU). The same
three statements run on every turn, so they are built once from the models' metadata and re-run with new
parameters; results are the ORM's own (its converters and related populators), and
tests/runtime/pipeline/test_sql.py keeps them equal to the plain ORM on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators


class CompiledQuery:
    """A model query compiled once per database and re-run with new parameters.

    `build(**markers)` returns the QuerySet; it is called once per database alias with marker values, which
    are found among the compiled parameters and replaced by the real ones at each run. Only plain equality
    lookups may take parameters (a lookup that transforms its value would hide the marker: that fails loudly
    at the first run, not silently).
    """

    def __init__(self, build: Callable[..., QuerySet], **markers: Any) -> None:
        self._build = build
        self._markers = markers
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()
        self._model: type[Model] | None = None

    def first(self, **params: Any) -> Any:
        if self._model is None:  # building the QuerySet is the cost this class avoids: only once
            self._model = self._build(**self._markers).model
        return self._plan(router.db_for_read(self._model)).first(params)

    def _plan(self, alias: str) -> _Plan:
        plan = self._plans.get(alias)
        if plan is None:
            with self._lock:
                plan = self._plans.get(alias) or _Plan(self._build(**self._markers), alias, self._markers)
                self._plans[alias] = plan
        return plan


class _Plan:
    """What Django's ModelIterable derives from a compiled query, kept for reuse."""

    def __init__(self, queryset: QuerySet, alias: str, markers: dict[str, Any]) -> None:
        compiler = queryset.query.chain().get_compiler(using=alias)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots: dict[str, int] = {}
        for name, marker in markers.items():
            hits = [i for i, value in enumerate(self.params) if type(value) is type(marker) and value == marker]
            if len(hits) != 1:
                raise ValueError(f"parameter {name!r} must appear exactly once in the compiled query")
            self.slots[name] = hits[0]
        self.alias = alias
        self.compiler = compiler
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start:self.end]]
        self.related = get_related_populators(klass_info, select, alias)
        self.converters = compiler.get_converters([column[0] for column in select])

    def first(self, values: dict[str, Any]) -> Any:
        params = list(self.params)
        for name, slot in self.slots.items():
            params[slot] = values[name]
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if self.converters:
            row = next(iter(self.compiler.apply_converters([row], self.converters)))
        obj = self.model.from_db(self.alias, self.init_list, row[self.start:self.end])
        for populator in self.related:
            populator.populate(row, obj)
        return obj


_update_sql: dict[tuple[str, type, tuple[str, ...]], tuple[str, list[Any]]] = {}
_insert_sql: dict[tuple[str, type, int], tuple[str, list[Any]]] = {}


def update_fields(obj: Model, names: Sequence[str]) -> None:
    """`obj.save(update_fields=names)` for a row the caller has locked: one cached UPDATE, no signals."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    key = (alias, model, tuple(names))
    cached = _update_sql.get(key)
    if cached is None:
        meta = model._meta
        fields = [meta.get_field(name) for name in names]
        qn = connection.ops.quote_name
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        # Only quoted names from the model's metadata are formatted in; every value is a parameter.
        cached = (f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s", fields)  # noqa: S608
        _update_sql[key] = cached
    sql, fields = cached
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    values.append(model._meta.pk.get_db_prep_value(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def insert(objs: Sequence[Model]) -> None:
    """Insert new rows of one model in one statement and set their primary keys (`bulk_create` without the
    per-call compilation; the ORM's own bulk_create where the database cannot return the new ids)."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    if not connection.features.can_return_rows_from_bulk_insert or model._meta.auto_field is None:
        model.objects.bulk_create(objs)
        return
    key = (alias, model, len(objs))
    cached = _insert_sql.get(key)
    if cached is None:
        meta = model._meta
        fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
        qn = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        cached = (
            f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "  # noqa: S608
            f"VALUES {', '.join([row] * len(objs))} RETURNING {qn(meta.pk.column)}",
            fields,
        )
        _insert_sql[key] = cached
    sql, fields = cached
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for obj in objs for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        # One statement takes its ids in VALUES order; RETURNING's own row order is not promised (SQLite).
        ids = sorted(r[0] for r in cursor.fetchall())
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias
