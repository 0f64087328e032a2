from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OwnerConfig(AppConfig):
    name = "wuyetong.owner"
    label = "owner"
    verbose_name = _("业主端")
