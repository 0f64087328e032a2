from django.apps import AppConfig


class OwnerConfig(AppConfig):
    name = "wuyetong.owner"
    label = "owner"
    verbose_name = "业主端"
