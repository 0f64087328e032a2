from django import template

from wuyetong.core.masking import mask_phone as _mask_phone

register = template.Library()


@register.filter
def mask_phone(value):
    return _mask_phone(value)


@register.filter
def has_perm(access, code: str) -> bool:
    """{% if access|has_perm:"org.add" %}: works for the platform admin too."""
    return bool(access) and access.can(code)
