from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "wuyetong.billing"
    label = "billing"
    verbose_name = "财务管理"
