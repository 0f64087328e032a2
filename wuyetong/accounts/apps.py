from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "wuyetong.accounts"
    label = "accounts"
    verbose_name = "账号"
