"""The notice list's filters, shared by the console list and the API list. The community
choices are the viewer's own (staff: their data scope; bureau: its district), so a filter can
neither reveal nor select another tenant's community."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from wuyetong.core.access import get_access
from wuyetong.orgs.models import Community

from .choices import NoticeKind, NoticeState
from .models import Notice


def notice_communities(user):
    """Communities the user may address or filter notices by."""
    access = get_access(user)
    if access.company_id is not None:
        qs = Community.objects.filter(company_id=access.company_id)
        if access.community_ids is not None:
            qs = qs.filter(pk__in=access.community_ids)
        return qs.order_by("code")
    if access.bureau_id is not None:
        return (
            Community.objects.approved().filter(pk__in=access.bureau_community_ids).order_by("code")
        )
    return Community.objects.none()


def _communities(request):
    return notice_communities(getattr(request, "user", None))


@extend_schema_field(OpenApiTypes.INT)
class CommunityFilter(df.ModelChoiceFilter):
    """A community chosen by id, documented as an integer in the API schema."""


class NoticeFilter(df.FilterSet):
    q = df.CharFilter(method="search", label=_("标题"))
    state = df.ChoiceFilter(choices=NoticeState.choices, label=_("状态"), empty_label=_("全部状态"))
    kind = df.ChoiceFilter(choices=NoticeKind.choices, label=_("类型"), empty_label=_("全部类型"))
    community = CommunityFilter(queryset=_communities, label=_("小区"), empty_label=_("全部小区"))
    urgent = df.ChoiceFilter(
        choices=[("1", _("紧急")), ("0", _("普通"))],
        method="filter_urgent",
        label=_("紧急程度"),
        empty_label=_("全部紧急程度"),
    )

    class Meta:
        model = Notice
        fields = ["q", "state", "kind", "community", "urgent"]

    def filter_urgent(self, queryset, name, value):
        return queryset.filter(urgent=value == "1")

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(title__icontains=value) | Q(body__icontains=value))
