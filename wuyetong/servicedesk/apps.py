from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "wuyetong.servicedesk"
    label = "servicedesk"
    verbose_name = _("工单管理")

    def ready(self) -> None:
        # Celery's autodiscovery only runs inside a worker; the embedded scheduler looks tasks
        # up by name in-process, so register ours when Django starts.
        from . import tasks  # noqa: F401
