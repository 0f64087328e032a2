from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "wuyetong.core"
    label = "core"
