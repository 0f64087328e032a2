from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OversightConfig(AppConfig):
    name = "wuyetong.oversight"
    label = "oversight"
    verbose_name = _("监管与统计")
