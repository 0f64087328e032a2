from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "wuyetong.web"
    label = "web"
    verbose_name = "管理控制台"
