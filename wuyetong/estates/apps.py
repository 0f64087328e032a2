from django.apps import AppConfig


class EstatesConfig(AppConfig):
    name = "wuyetong.estates"
    label = "estates"
    verbose_name = "资源管理"
