from django.apps import AppConfig


class ServicedeskConfig(AppConfig):
    name = "wuyetong.servicedesk"
    label = "servicedesk"
    verbose_name = "工单管理"
