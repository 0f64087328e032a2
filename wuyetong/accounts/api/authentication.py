"""Token authentication for every API call: DRF's TokenAuthentication (same header, same
errors and messages, same is_active check, request.auth the Token with its user) with the
token and its user read by one plain query, built once and prepared on PostgreSQL.

Why: DRF's `Token.objects.select_related("user").get(key=…)` spends most of its time in the
ORM building the query (about 0.55 ms against 0.2 ms for the query itself), and every owner
and staff API call pays it before doing its own work (docs/bench.md, issue 4)."""

from __future__ import annotations

from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from wuyetong.accounts.models import User
from wuyetong.core.db import prepared_cursor, row_converter

_TOKEN_FIELDS = tuple(Token._meta.concrete_fields)  # key, user_id, created
_USER_FIELDS = tuple(User._meta.concrete_fields)
_TOKEN_NAMES = tuple(f.attname for f in _TOKEN_FIELDS)
_USER_NAMES = tuple(f.attname for f in _USER_FIELDS)
_ROW_FIELDS = _TOKEN_FIELDS + _USER_FIELDS

_sql_by_vendor: dict[str, str] = {}


def _sql(connection) -> str:
    sql = _sql_by_vendor.get(connection.vendor)
    if sql is None:
        q = connection.ops.quote_name
        token_cols = ", ".join(f"t.{q(f.column)}" for f in _TOKEN_FIELDS)
        user_cols = ", ".join(f"u.{q(f.column)}" for f in _USER_FIELDS)
        user_fk = Token._meta.get_field("user")
        sql = _sql_by_vendor[connection.vendor] = (
            f"SELECT {token_cols}, {user_cols} FROM {q(Token._meta.db_table)} t"
            f" JOIN {q(User._meta.db_table)} u"
            f" ON u.{q(User._meta.pk.column)} = t.{q(user_fk.column)}"
            f" WHERE t.{q(Token._meta.pk.column)} = %s"
        )
    return sql


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`: the user of the key, refused if unknown or inactive."""

    def authenticate_credentials(self, key):
        if not isinstance(key, str) or "\x00" in key:
            # PostgreSQL refuses a NUL in a string parameter: such a key matches no token
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        db = router.db_for_read(Token)
        connection = connections[db]
        with prepared_cursor(connection) as cursor:
            cursor.execute(_sql(connection), [key])
            row = cursor.fetchone()
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        row = row_converter(connection, _ROW_FIELDS)(row)
        n = len(_TOKEN_FIELDS)
        user = User.from_db(db, _USER_NAMES, row[n:])
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        token = Token.from_db(db, _TOKEN_NAMES, row[:n])
        Token._meta.get_field("user").set_cached_value(token, user)
        return user, token
