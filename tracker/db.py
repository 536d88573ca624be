"""Database plumbing for the derived rows: plain tuples in and out, numpy columns.

A full rebuild reads a million observations and writes hundreds of thousands of derived
rows; the ORM's per-row cost was most of that time, so these functions bypass it. Nothing
here knows the domain.
"""

import gc
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

import numpy as np
from django.db import connection

BATCH = 2000


def as_columns(rows, *dtypes) -> list[np.ndarray]:
    """Rows as numpy columns of these dtypes, converted a chunk at a time, with Python's
    cyclic garbage collector paused. A rebuild reads a million rows: kept as tuples, they
    were walked again and again by the collector; read in chunks, each chunk's tuples still
    set off collections that walked everything else the process held (1.4 s of a 4.9 s read
    at 1M). Tuples of plain values make no cycles: reference counting frees every chunk."""
    chunks = []
    rows = iter(rows)
    with _collector_paused():
        while chunk := list(islice(rows, BATCH * 10)):
            columns = zip(*chunk, strict=True)
            chunks.append([np.array(c, dtype=t) for c, t in zip(columns, dtypes, strict=True)])
    return joined(chunks, dtypes)


@contextmanager
def _collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def joined(parts, dtypes) -> list[np.ndarray]:
    """Columns of these dtypes joined from parts (each a list of columns)."""
    if not parts:
        return [np.zeros(0, dtype=t) for t in dtypes]
    return [np.concatenate(column) for column in zip(*parts, strict=True)]


def one_row(sql: str, params: Sequence = ()) -> tuple | None:
    """The first row of `sql` (with %s placeholders). On PostgreSQL its parameters are bound
    by the server, so that a statement every request asks is planned once per connection:
    psycopg prepares it from its `prepare_threshold`th run (settings: PREPARED_STATEMENTS).
    Django's own cursors bind on the client and are never prepared; planning the page
    version's eighteen subqueries each time was 1 ms of a 1.3 ms query. Logged and its
    errors wrapped as Django's own queries are."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    import psycopg

    connection.ensure_connection()  # the raw connection, which Django opens lazily
    raw: Any = psycopg.Cursor(connection.connection)  # Django's wrappers take any DB-API cursor
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if connection.queries_logged and connection.queries_log[-1]["sql"] is None:
        # psycopg keeps no text of a prepared run: the log shows the statement as asked.
        postgresql: Any = connection.ops
        connection.queries_log[-1]["sql"] = postgresql.compose_sql(sql, params)
    return row


def plain_rows(queryset):
    """A values_list queryset's rows as the database driver returns them, without the ORM's
    per-row machinery (a third of a full rebuild's time at a million observations). Dates
    still come back as dates on SQLite and PostgreSQL: their drivers convert them."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(BATCH * 10):
            yield from chunk


def bulk_insert(model, fields: Sequence[str], rows: Iterable[tuple], *, upsert=False) -> None:
    """Insert plain tuples, without building model instances; with `upsert`, a row whose
    first field (the primary key) exists is updated in place.

    Derived rows run to hundreds of thousands in a full rebuild, and the ORM's per-object
    cost (bulk_create) was most of its time, so these bypass it: batched executemany on
    SQLite, COPY on PostgreSQL (where executemany was twenty times slower still).
    ON CONFLICT ... DO UPDATE is the same on both.
    """
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(model._meta.get_field(f).column) for f in fields)
    conflict = ""
    if upsert:
        first, *rest = [quote(model._meta.get_field(f).column) for f in fields]
        updates = ", ".join(f"{column} = excluded.{column}" for column in rest)
        conflict = f" ON CONFLICT ({first}) DO UPDATE SET {updates}"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            types = [model._meta.get_field(f).db_type(connection).split("(")[0] for f in fields]
            _copy(cursor.cursor, table, columns, types, rows, conflict)
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        rows = iter(rows)
        while batch := list(islice(rows, BATCH)):
            cursor.executemany(sql + conflict, batch)


def _copy(cursor, table, columns, types, rows, conflict) -> None:
    """Binary COPY of rows into `table` (psycopg 3); for an upsert, via a temporary table."""
    target = table
    if conflict:
        target = "entente_bulk_rows"
        cursor.execute(f"DROP TABLE IF EXISTS {target}")
        cursor.execute(f"CREATE TEMP TABLE {target} (LIKE {table}) ON COMMIT DROP")
    with cursor.copy(f"COPY {target} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
        copy.set_types(types)
        for row in rows:
            copy.write_row(row)
    if conflict:
        cursor.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {target}{conflict}")
        cursor.execute(f"DROP TABLE {target}")
