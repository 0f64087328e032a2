"""Phone + password login with lock-out after repeated failures (C2).

A locked account authenticates as nobody; forms and the API call `login_attempt` so they can
say that the account is locked and until when.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.utils import timezone

from .models import User
from .services import login_failed, login_succeeded


class PhoneBackend(ModelBackend):
    def authenticate(self, request, phone=None, password=None, username=None, **kwargs):
        phone = (phone or username or "").strip()
        if not phone or password is None:
            return None
        user = User.objects.filter(phone=phone).first()
        if user is None:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        now = timezone.now()
        if user.is_locked(now):
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            login_succeeded(user=user)
            return user
        login_failed(user=user, now=now)
        return None
