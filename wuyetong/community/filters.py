"""FilterSets shared by the console lists and the API lists (same parameters in both).
Community choices are the ones the request's user reaches in the "community" module."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import get_access
from wuyetong.orgs.models import Community

from .choices import (
    ActivityState,
    CommitteeRole,
    EmergencyKind,
    HelpKind,
    SurveyState,
    VoteMatter,
    VoteState,
)
from .models import Activity, CommitteeMember, EmergencyContact, HelpPost, Survey, Vote


def reachable_communities(request):
    """Communities the user may pick: staff of the module within scope, or a bureau's."""
    access = get_access(getattr(request, "user", None))
    qs = Community.objects.order_by("code")
    if access.company_id is not None and access.can("community.view"):
        qs = qs.filter(company_id=access.company_id)
        return qs if access.community_ids is None else qs.filter(pk__in=access.community_ids)
    if access.is_bureau:
        return qs.filter(pk__in=access.bureau_community_ids)
    return qs.none()


class CommunityFilterSet(df.FilterSet):
    """`community` picks one reachable community; `q` searches `search_fields`."""

    search_fields: tuple[str, ...] = ()
    community = df.ModelChoiceFilter(
        label=_("小区"), queryset=reachable_communities, empty_label=_("全部小区")
    )
    q = df.CharFilter(label=_("搜索"), method="search")

    def search(self, queryset, name, value):
        value = (value or "").strip()
        if not value:
            return queryset
        cond = Q()
        for field in self.search_fields:
            cond |= Q(**{f"{field}__icontains": value})
        return queryset.filter(cond)


CURRENT_CHOICES = [("current", _("在任")), ("past", _("已离任"))]


class CommitteeMemberFilter(CommunityFilterSet):
    search_fields = ("name", "phone")
    role = df.ChoiceFilter(
        label=_("职务"), choices=CommitteeRole.choices, empty_label=_("全部职务")
    )
    status = df.ChoiceFilter(
        label=_("在任状态"), choices=CURRENT_CHOICES, empty_label=_("全部"), method="by_status"
    )

    class Meta:
        model = CommitteeMember
        fields = ["community", "role", "status", "q"]

    def by_status(self, queryset, name, value):
        if value == "current":
            return queryset.filter(ended_on__isnull=True)
        if value == "past":
            return queryset.filter(ended_on__isnull=False)
        return queryset


class EmergencyContactFilter(CommunityFilterSet):
    search_fields = ("name", "phone")
    kind = df.ChoiceFilter(
        label=_("类别"), choices=EmergencyKind.choices, empty_label=_("全部类别")
    )

    class Meta:
        model = EmergencyContact
        fields = ["community", "kind", "q"]


class VoteFilter(CommunityFilterSet):
    search_fields = ("title",)
    state = df.ChoiceFilter(label=_("状态"), choices=VoteState.choices, empty_label=_("全部状态"))
    matter = df.ChoiceFilter(
        label=_("事项类别"), choices=VoteMatter.choices, empty_label=_("全部事项")
    )

    class Meta:
        model = Vote
        fields = ["community", "state", "matter", "q"]


class SurveyFilter(CommunityFilterSet):
    search_fields = ("title",)
    state = df.ChoiceFilter(label=_("状态"), choices=SurveyState.choices, empty_label=_("全部状态"))

    class Meta:
        model = Survey
        fields = ["community", "state", "q"]


class ActivityFilter(CommunityFilterSet):
    search_fields = ("title", "place")
    state = df.ChoiceFilter(
        label=_("状态"), choices=ActivityState.choices, empty_label=_("全部状态")
    )

    class Meta:
        model = Activity
        fields = ["community", "state", "q"]


HELP_STATUS = [
    ("reported", _("有待处理举报")),
    ("visible", _("正常显示")),
    ("hidden", _("已隐藏")),
    ("closed", _("已结束")),
]


class HelpPostFilter(CommunityFilterSet):
    search_fields = ("title", "body")
    kind = df.ChoiceFilter(label=_("类别"), choices=HelpKind.choices, empty_label=_("全部类别"))
    status = df.ChoiceFilter(
        label=_("状态"), choices=HELP_STATUS, empty_label=_("全部状态"), method="by_status"
    )

    class Meta:
        model = HelpPost
        fields = ["community", "kind", "status", "q"]

    def by_status(self, queryset, name, value):
        return {
            "reported": queryset.filter(open_reports__gt=0),
            "visible": queryset.filter(hidden=False),
            "hidden": queryset.filter(hidden=True),
            "closed": queryset.filter(closed=True),
        }.get(value, queryset)
