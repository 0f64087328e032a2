"""Django admin for the platform's technical staff: find a user, unlock a locked account."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import SmsCode, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = (
        "phone",
        "name",
        "is_active",
        "real_name_verified",
        "failed_logins",
        "locked_until",
        "date_joined",
        "last_login",
    )
    list_filter = ("is_active", "real_name_verified", "is_staff", "is_superuser")
    search_fields = ("phone", "name", "email")
    ordering = ("-date_joined",)
    readonly_fields = (
        "password",
        "last_login",
        "date_joined",
        "agreed_terms_at",
        "failed_logins",
        "locked_until",
    )
    exclude = ("groups", "user_permissions")
    actions = ["unlock"]

    @admin.action(description=_("解除登录锁定"))
    def unlock(self, request, queryset):
        count = queryset.update(failed_logins=0, locked_until=None)
        self.message_user(
            request, gettext("已解除 %(count)s 个账号的锁定") % {"count": count}, messages.SUCCESS
        )


@admin.register(SmsCode)
class SmsCodeAdmin(admin.ModelAdmin):
    """Read-only: when and how often codes were sent (the codes themselves are never stored)."""

    list_display = ("phone", "purpose", "created_at", "expires_at", "used_at", "attempts")
    list_filter = ("purpose",)
    search_fields = ("phone",)
    exclude = ("code_hash",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
