"""The API's token authentication (one plain query for the token and its user) answers as
DRF's TokenAuthentication does: the same user and token for a good key, the same 401s and
messages for a bad one, an inactive user or a deleted token."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from rest_framework import authentication as drf
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient, APIRequestFactory

from wuyetong.accounts.api.authentication import TokenAuthentication
from wuyetong.accounts.models import User

pytestmark = pytest.mark.django_db
ME = "/api/v1/accounts/me/"


def _me(header: str | None):
    api = APIClient()
    if header is not None:
        api.credentials(HTTP_AUTHORIZATION=header)
    return api.get(ME)


def _outcome(auth, header: str):
    """(user pk, token key) of a successful authentication, else the error's message."""
    request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=header)
    try:
        found = auth.authenticate(request)
    except AuthenticationFailed as exc:
        return ("refused", str(exc.detail), exc.detail.code)
    return None if found is None else (found[0].pk, found[1].key)


def _both(header: str):
    ours, drfs = (
        _outcome(TokenAuthentication(), header),
        _outcome(drf.TokenAuthentication(), header),
    )
    assert ours == drfs, header
    return ours


def test_a_good_key_gives_the_user_and_the_token_as_read_by_the_orm(world):
    token = Token.objects.create(user=world.owner)
    request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION=f"Token {token.key}")
    user, auth = TokenAuthentication().authenticate(request)
    stored = User.objects.get(pk=world.owner.pk)
    for field in User._meta.concrete_fields:  # booleans, datetimes, texts as the ORM has them
        assert getattr(user, field.attname) == getattr(stored, field.attname), field.name
    assert user.is_authenticated and user.has_usable_password() == stored.has_usable_password()
    assert auth == token and auth.user is user and auth.created == token.created
    assert _both(f"Token {token.key}") == (world.owner.pk, token.key)
    response = _me(f"Token {token.key}")
    assert response.status_code == 200 and response.json()["phone"] == world.owner.phone


def test_bad_keys_and_headers_are_refused_as_drf_refuses_them(world):
    token = Token.objects.create(user=world.owner)
    refused = {
        "Token nope": "认证令牌无效。",
        f"Token {token.key.upper()}": "认证令牌无效。",
        f"Token {token.key}x": "认证令牌无效。",
        "Token": "没有提供认证信息（认证令牌HTTP头无效）。",
        f"Token {token.key} extra": "认证令牌字符串不应该包含空格（无效的认证令牌HTTP头）。",
    }
    for header, message in refused.items():
        assert _both(header)[0] == "refused"
        response = _me(header)
        assert response.status_code == 401, header
        assert response.json()["message"] == message, header
        assert response.headers["WWW-Authenticate"] == "Token"
    # another scheme is not this class's business: session auth or anonymous follows
    assert _both(f"Bearer {token.key}") is None
    assert _me(f"Bearer {token.key}").status_code == 401


def test_a_nul_in_the_key_is_an_invalid_token_not_a_database_error(world):
    Token.objects.create(user=world.owner)
    request = APIRequestFactory().get(ME, HTTP_AUTHORIZATION="Token abc\x00def")
    with pytest.raises(AuthenticationFailed) as refused:
        TokenAuthentication().authenticate(request)
    assert str(refused.value.detail) == "认证令牌无效。"


def test_an_inactive_user_and_a_deleted_token_are_refused(world):
    token = Token.objects.create(user=world.owner)
    User.objects.filter(pk=world.owner.pk).update(is_active=False)
    assert _both(f"Token {token.key}") == (
        "refused",
        "用户未激活或者已删除。",
        "authentication_failed",
    )
    assert _me(f"Token {token.key}").json()["message"] == "用户未激活或者已删除。"
    User.objects.filter(pk=world.owner.pk).update(is_active=True)
    assert _me(f"Token {token.key}").status_code == 200
    # logging out deletes the token: the key is refused from the next request on
    assert APIClient(HTTP_AUTHORIZATION=f"Token {token.key}").post(
        "/api/v1/accounts/logout/"
    ).status_code in (200, 204)
    assert not Token.objects.filter(key=token.key).exists()
    assert _both(f"Token {token.key}")[0] == "refused"
    assert _me(f"Token {token.key}").status_code == 401


def test_the_key_is_read_again_after_a_rollback(world):
    """On PostgreSQL the lookup is a prepared statement kept by the connection: a rolled-back
    transaction leaves it answering as before."""
    token = Token.objects.create(user=world.owner)
    header = f"Token {token.key}"
    assert _outcome(TokenAuthentication(), header) == (world.owner.pk, token.key)
    try:
        with transaction.atomic():
            assert _outcome(TokenAuthentication(), header) == (world.owner.pk, token.key)
            Token.objects.filter(key=token.key).delete()
            assert _outcome(TokenAuthentication(), header)[0] == "refused"
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert _outcome(TokenAuthentication(), header) == (world.owner.pk, token.key)


@pytest.mark.django_db(transaction=True)
def test_the_key_is_read_again_on_a_new_connection(world):
    """A new connection (CONN_MAX_AGE passed) prepares the lookup again."""
    token = Token.objects.create(user=world.owner)
    header = f"Token {token.key}"
    for _ in range(3):
        assert _outcome(TokenAuthentication(), header) == (world.owner.pk, token.key)
        if connection.vendor == "postgresql":  # prepared indeed (DB_PREPARED_STATEMENTS)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                    [f"%{Token._meta.db_table}%"],
                )
                assert cursor.fetchone()[0] == 1
        connection.close()
