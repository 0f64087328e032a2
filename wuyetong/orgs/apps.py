from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "wuyetong.orgs"
    label = "orgs"
    verbose_name = "组织与权限"
