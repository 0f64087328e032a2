from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "wuyetong.notices"
    label = "notices"
    verbose_name = "通知公告"
