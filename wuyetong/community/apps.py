from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "wuyetong.community"
    label = "community"
    verbose_name = _("客户关系")

    def ready(self) -> None:
        # The embedded scheduler looks tasks up by name in-process (see servicedesk).
        from . import tasks  # noqa: F401
