"""Plain SQL on the hottest paths (the API's token lookup, the owner's bills API): prepared
statements, and rows made into model instances as the ORM would make them.

Django's psycopg cursors bind parameters on the client, and PostgreSQL plans every query it
receives again: for those small queries the planning costs more than the execution (docs/bench.md,
issue 4). A cursor of `prepared_cursor()` binds on the server, and psycopg prepares each of its
statements on first use and keeps it for the life of the connection (CONN_MAX_AGE), so later
executions skip the planning. Only these queries are prepared: every other query keeps
Django's default cursor.

Off when `DB_PREPARED_STATEMENTS=0` (a connection pooler in transaction mode that does not
track protocol-level prepared statements, see docs/deploy.md) and on other databases: then it
is the connection's ordinary cursor."""

from __future__ import annotations

import weakref

from django.db import connections


def prepared_enabled(connection) -> bool:
    # the settings give PostgreSQL a prepare_threshold unless DB_PREPARED_STATEMENTS=0;
    # without one psycopg prepares nothing (Django's default)
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict.get("OPTIONS", {}).get("prepare_threshold") is not None
    )


def prepared_cursor(connection):
    """A cursor (use it in a `with`) whose statements are prepared on the server; wrapped by
    Django as any cursor (errors, query logging and counting in tests, execute wrappers)."""
    if not prepared_enabled(connection):
        return connection.cursor()
    from django.db.backends.postgresql.base import (
        TIMESTAMPTZ_OID,
        ServerBindingCursor,
        register_tzloader,
    )
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        # as Django's create_cursor makes one, with the server-binding class
        cursor = ServerBindingCursor(connection.connection)
        tzloader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != tzloader.timezone:
            register_tzloader(connection.timezone, cursor)
    if connection.queries_logged:
        return connection.make_debug_cursor(cursor)
    return connection.make_cursor(cursor)


# the converters a compiled ORM query applies to each column (SQLite hands decimals,
# datetimes and booleans back raw), per connection since they are bound to its operations
_converters: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _as_is(row):
    return row


def row_converter(connection, fields: tuple):
    """A function that converts a plain query's row of the columns of `fields` (model fields,
    in order) as the ORM would convert them, ready for Model.from_db; made once per
    connection and fields (rows as they come where the backend needs no conversion)."""
    connection = connections[connection.alias]  # the thread's wrapper, not django.db's proxy
    per_connection = _converters.get(connection)
    if per_connection is None:
        per_connection = _converters[connection] = {}
    convert = per_connection.get(fields)
    if convert is None:
        found = []
        for i, field in enumerate(fields):
            col = field.get_col(field.model._meta.db_table)
            convs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if convs:
                found.append((i, convs, col))

        def convert(row, found=found, connection=connection):
            values = list(row)
            for i, convs, col in found:
                for one in convs:
                    values[i] = one(values[i], col, connection)
            return values

        convert = per_connection[fields] = convert if found else _as_is
    return convert
