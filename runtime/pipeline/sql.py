"""A bot turn's statements, written by hand on the public cursor.

Why by hand: profiling a saturated server showed Django compiling SQL, not PostgreSQL and not the engine, as the
largest cost of a bot turn (the locked select with its joins and ordering alone was ~45% of the turn's CPU,
README "Performance"). The same three statements run on every turn of an open conversation, so their text is
built once per process from the models' metadata and re-run with new parameters: the turn costs 6 statements
(BEGIN, this select, one insert, two updates, COMMIT) instead of 9, and 2.4 ms of CPU instead of 5.5 ms.
Measured again for this module (tests/benchmarks/turn_cpu.py --lookups, PostgreSQL, 2026-11-30): the locked
open-conversation select costs 0.36 ms of CPU written here against 1.75 ms when the ORM builds it, in a turn of
~3.6 ms; the compiled-once ORM plan this replaced (private compiler internals) cost the same 0.36–0.38 ms.

Only public Django API is used: `connection.cursor()`, `connection.ops.quote_name`, `connection.vendor`,
`Model._meta` (table and column names, `get_fields()`), `Model.from_db`, the related-object descriptors, and the
documented field hooks (`from_db_value`, `pre_save`, `get_db_prep_save`, `get_db_prep_value`); plus one backend
feature flag (`connection.features.can_return_rows_from_bulk_insert`) to choose RETURNING. Names formatted into the SQL are quoted names from the models'
metadata; every value is a parameter. tests/runtime/pipeline/test_sql.py keeps the results equal to the plain
ORM's on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from runtime.models import Conversation

# Field and model metadata are typed loosely here: the statements only read names and call documented hooks.
Field = Any

Converter = Callable[[Any], Any]


def _concrete_fields(model: type[models.Model]) -> list[Field]:
    """The model's columns in `Model.__init__` order, which is the order `Model.from_db` takes values in."""
    return [f for f in model._meta.get_fields() if f.concrete and not f.many_to_many]


def _storage_type(field: Field) -> str:
    """The internal type of the column's stored value: a foreign key stores its target's (a UUID key)."""
    while field.is_relation:
        field = field.target_field
    return field.get_internal_type()


def _converter(field: Field, connection: BaseDatabaseWrapper) -> Converter | None:
    """What turns one column's database value into the model's Python value, as the ORM would.

    PostgreSQL returns native values (aware datetimes, UUIDs, booleans); only a field's own `from_db_value`
    applies (JSONField's parses the jsonb text Django asks psycopg for). SQLite has no UUID or time-zone types:
    a UUID is stored as 32 hex digits and a datetime as naive UTC text (parsed by the sqlite3 module), so those
    are converted here first, exactly as Django's SQLite backend does.
    """
    steps: list[Converter] = []
    if connection.vendor == "sqlite":
        kind = _storage_type(field)
        if kind == "UUIDField":
            steps.append(lambda v: v if v is None or isinstance(v, uuid.UUID) else uuid.UUID(v))
        elif kind == "DateTimeField" and settings.USE_TZ:
            tz = connection.timezone or dt.UTC  # set whenever USE_TZ is on
            steps.append(lambda v: _aware(v, tz))
        elif kind in ("DecimalField", "DurationField", "DateField", "TimeField"):
            # Not on the hot path today; refuse loudly rather than return a value the ORM would not.
            raise NotImplementedError(f"{field} ({kind}) has no SQLite converter in runtime/pipeline/sql.py")
    from_db_value = getattr(field, "from_db_value", None)
    if from_db_value is not None:
        steps.append(lambda v: from_db_value(v, field, connection))
    if not steps:
        return None
    if len(steps) == 1:
        return steps[0]
    first, second = steps
    return lambda v: second(first(v))


def _aware(value: Any, tz: dt.tzinfo) -> Any:
    if isinstance(value, str):  # a column the sqlite3 module did not parse (declared type other than datetime)
        value = parse_datetime(value)
    return timezone.make_aware(value, tz) if isinstance(value, dt.datetime) and value.tzinfo is None else value


class _Columns:
    """One model's columns in a select list: the quoted names, and how to turn a row slice into an instance."""

    def __init__(self, model: type[models.Model], connection: BaseDatabaseWrapper, start: int) -> None:
        qn = connection.ops.quote_name
        fields = _concrete_fields(model)
        self.model = model
        self.table = qn(model._meta.db_table)
        self.select = ", ".join(f"{self.table}.{qn(f.column)}" for f in fields)
        self.attnames = [f.attname for f in fields]
        self.start, self.end = start, start + len(fields)
        self.converters = [(start + i, fn) for i, f in enumerate(fields) if (fn := _converter(f, connection))]


class _OpenConversation:
    """The statement of `open_conversation` for one database, built on first use."""

    def __init__(self, alias: str) -> None:
        connection = connections[alias]
        qn = connection.ops.quote_name
        meta: Any = Conversation._meta

        def column(model_meta: Any, name: str) -> str:
            return f"{qn(model_meta.db_table)}.{qn(model_meta.get_field(name).column)}"

        self.alias = alias
        # Conversation first, then the rows it joins, as `select_related("channel", "workspace", "contact")`.
        self.conv = _Columns(Conversation, connection, 0)
        self.related: list[tuple[str, _Columns]] = []
        joins = []
        start = self.conv.end
        for name in ("channel", "workspace", "contact"):
            field = meta.get_field(name)
            columns = _Columns(field.related_model, connection, start)
            joins.append(f"INNER JOIN {columns.table} ON {columns.table}.{qn(field.related_model._meta.pk.column)}"
                         f" = {column(meta, name)}")
            self.related.append((name, columns))
            start = columns.end
        contact_meta: Any = meta.get_field("contact").related_model._meta
        # Only PostgreSQL locks rows (SQLite locks the whole database for the writing transaction). `OF` the
        # conversation only: the joined channel, workspace and contact rows stay free for other turns.
        self.locks = connection.vendor == "postgresql"
        lock = f" FOR UPDATE OF {self.conv.table}" if self.locks else ""
        self.sql = (
            f"SELECT {self.conv.select}, {', '.join(c.select for _, c in self.related)} "  # noqa: S608
            f"FROM {self.conv.table} {' '.join(joins)} "
            f"WHERE {column(contact_meta, 'channel')} = %s AND {column(contact_meta, 'external_id')} = %s "
            f"AND NOT ({column(meta, 'mode')} = %s) "
            f"ORDER BY {column(meta, 'started_at')} DESC LIMIT 1{lock}"
        )

    def run(self, channel_id: int, external_id: str) -> Conversation | None:
        if self.locks and transaction.get_autocommit(self.alias):
            # As the ORM's select_for_update: a lock outside a transaction would be released at once.
            raise transaction.TransactionManagementError("open_conversation must run inside a transaction")
        with connections[self.alias].cursor() as cursor:
            cursor.execute(self.sql, [channel_id, external_id, Conversation.Mode.CLOSED.value])
            row = cursor.fetchone()
        if row is None:
            return None
        values = list(row)
        for index, convert in self.conv.converters:
            values[index] = convert(values[index])
        for _, columns in self.related:
            for index, convert in columns.converters:
                values[index] = convert(values[index])
        conv = self.conv
        conversation = Conversation.from_db(self.alias, conv.attnames, values[conv.start:conv.end])
        for name, columns in self.related:
            # The public descriptor: checks the type and caches the row, as select_related's populator does.
            setattr(conversation, name, columns.model.from_db(self.alias, columns.attnames,
                                                             values[columns.start:columns.end]))
        return conversation


_open_statements: dict[str, _OpenConversation] = {}
_open_lock = threading.Lock()


def open_conversation(channel_id: int, external_id: str) -> Conversation | None:
    """The contact's newest conversation that is not closed, locked until the transaction ends, with its
    channel, workspace and contact loaded; None if the contact or an open conversation does not exist.

    Statement: one SELECT … INNER JOIN contact, channel, workspace … WHERE contact.channel_id = %s AND
    contact.external_id = %s AND NOT mode = 'closed' ORDER BY started_at DESC LIMIT 1 FOR UPDATE OF
    conversation. It is the ORM's `Conversation.objects.filter(contact__channel_id=…, contact__external_id=…)
    .exclude(mode=CLOSED).order_by("-started_at").select_for_update(of=("self",)).select_related("channel",
    "workspace", "contact").first()`: built by the ORM on every call it costs 1.75 ms of CPU,
    written here 0.36 ms (module docstring); still one statement per turn.
    """
    alias = router.db_for_write(Conversation)
    statement = _open_statements.get(alias)
    if statement is None:
        with _open_lock:
            statement = _open_statements.get(alias) or _OpenConversation(alias)
            _open_statements[alias] = statement
    return statement.run(channel_id, external_id)


_update_sql: dict[tuple[str, type, tuple[str, ...]], tuple[str, list[Field]]] = {}
_insert_sql: dict[tuple[str, type, int], tuple[str, list[Field]]] = {}


def update_fields(obj: models.Model, names: Sequence[str]) -> None:
    """`obj.save(update_fields=names)` for a row the caller has locked: one cached UPDATE, no signals.

    Statement: UPDATE table SET col = %s, … WHERE pk = %s. `save()` would run the same UPDATE but compile it
    and send the model signals on every call; the turn runs two of these (conversation, contact), so
    compilation was the larger part of their cost.
    """
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    connection = connections[alias]
    key = (alias, model, tuple(names))
    cached = _update_sql.get(key)
    if cached is None:
        meta: Any = model._meta
        fields = [meta.get_field(name) for name in names]
        qn = connection.ops.quote_name
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        # Only quoted names from the model's metadata are formatted in; every value is a parameter.
        cached = (f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s",  # noqa: S608
                  fields)
        _update_sql[key] = cached
    sql, fields = cached
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in fields]
    values.append(model._meta.pk.get_db_prep_value(obj.pk, connection))
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


def insert(objs: Sequence[models.Model]) -> None:
    """Insert new rows of one model in one statement and set their primary keys.

    Statement: INSERT INTO table (cols) VALUES (%s, …), (%s, …) RETURNING pk — what `bulk_create` sends,
    without compiling it on every call: the turn's customer message and the bot's replies go in this one
    statement. Where the database cannot return the new ids (SQLite before 3.35), or the key is not
    generated by the database, it is the ORM's own bulk_create.
    """
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta: Any = model._meta
    pk: Field = meta.pk
    if not connection.features.can_return_rows_from_bulk_insert or not isinstance(pk, models.AutoField):
        model._default_manager.bulk_create(objs)
        return
    key = (alias, model, len(objs))
    cached = _insert_sql.get(key)
    if cached is None:
        fields = [f for f in _concrete_fields(model) if f is not pk]
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
    for obj, new_pk in zip(objs, ids, strict=True):
        obj.pk = new_pk
        obj._state.adding = False
        obj._state.db = alias
