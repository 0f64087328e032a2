"""SMS verification codes: 6 digits, 5 minutes, one per 60 s, ten a day, stored hashed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from wuyetong.accounts import services, sms
from wuyetong.accounts.choices import SmsPurpose
from wuyetong.accounts.models import SmsCode
from wuyetong.core.exceptions import ApplicationError

pytestmark = pytest.mark.django_db
PHONE = "13712345678"


@pytest.fixture(autouse=True)
def _empty_outbox():
    cache.clear()  # the per-address SMS counter lives in the cache
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def _send(now=None, phone=PHONE, purpose=SmsPurpose.REGISTER):
    services.sms_code_send(phone=phone, purpose=purpose, now=now)


def _last_code() -> str:
    return re.search(r"\d{6}", sms.outbox[-1].text).group(0)


def test_code_is_six_digits_and_only_its_hash_is_stored(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send()
    code = _last_code()
    assert sms.outbox[-1].template_params == {"code": code}
    row = SmsCode.objects.get(phone=PHONE)
    for value in (row.code_hash, row.phone, row.purpose, str(row.attempts)):
        assert code not in value
    assert len(row.code_hash) == 64


def test_code_expires_after_five_minutes(django_capture_on_commit_callbacks):
    start = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        _send(now=start)
    code = _last_code()
    with pytest.raises(ApplicationError) as exc:
        services.sms_code_verify(
            phone=PHONE,
            purpose=SmsPurpose.REGISTER,
            code=code,
            now=start + timedelta(minutes=5, seconds=1),
        )
    assert exc.value.field == "sms_code"
    services.sms_code_verify(
        phone=PHONE,
        purpose=SmsPurpose.REGISTER,
        code=code,
        now=start + timedelta(minutes=4, seconds=59),
    )


def test_a_code_works_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send()
    code = _last_code()
    services.sms_code_verify(phone=PHONE, purpose=SmsPurpose.REGISTER, code=code)
    with pytest.raises(ApplicationError):
        services.sms_code_verify(phone=PHONE, purpose=SmsPurpose.REGISTER, code=code)


def test_only_one_code_per_sixty_seconds():
    start = timezone.now()
    _send(now=start)
    with pytest.raises(ApplicationError) as exc:
        _send(now=start + timedelta(seconds=59))
    assert exc.value.code == "too_soon"
    assert SmsCode.objects.count() == 1
    _send(now=start + timedelta(seconds=60))
    assert SmsCode.objects.count() == 2


def test_at_most_ten_codes_a_day():
    day = timezone.localtime(timezone.now()).replace(hour=8, minute=0, second=0, microsecond=0)
    for i in range(10):
        _send(now=day + timedelta(minutes=2 * i))
    with pytest.raises(ApplicationError) as exc:
        _send(now=day + timedelta(minutes=30))
    assert exc.value.code == "daily_limit"
    assert SmsCode.objects.count() == 10
    _send(now=day + timedelta(days=1))
    assert SmsCode.objects.count() == 11


def test_five_wrong_guesses_burn_the_code(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _send()
    code = _last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(ApplicationError):
            services.sms_code_verify(phone=PHONE, purpose=SmsPurpose.REGISTER, code=wrong)
    with pytest.raises(ApplicationError) as exc:
        services.sms_code_verify(phone=PHONE, purpose=SmsPurpose.REGISTER, code=code)
    assert exc.value.code == "sms_attempts"


def test_register_code_refused_for_a_registered_phone(world):
    with pytest.raises(ApplicationError) as exc:
        _send(phone=world.owner.phone)
    assert exc.value.field == "phone"
    assert not SmsCode.objects.exists()
