"""业委会 (owners' committees) of the bureau's communities, read only: which communities have
one, who sits on it in which role until when, and who sat before. The committee itself is
recorded by the property company in the community app; this page reads its selector."""

from __future__ import annotations

from datetime import date

import django_filters as df
from django.db.models import Exists, OuterRef, Prefetch
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.community import selectors as community_selectors
from wuyetong.core.ids import lookup_pk
from wuyetong.core.masking import mask_phone
from wuyetong.orgs import selectors as org_selectors
from wuyetong.orgs.filters import BureauCommunityFilter
from wuyetong.web.pages import Col, ListPage

from .common import BureauMixin

ROLE_DIRECTOR, ROLE_DEPUTY = "director", "deputy"


def _sitting(user):
    return community_selectors.committee_member_list(user).filter(ended_on__isnull=True)


class CommitteeCommunityFilter(BureauCommunityFilter):
    formed = df.ChoiceFilter(
        choices=[("yes", gettext_lazy("已成立业委会")), ("no", gettext_lazy("未成立业委会"))],
        label=gettext_lazy("业委会"),
        empty_label=gettext_lazy("是否成立业委会"),
        method="by_formed",
    )

    class Meta(BureauCommunityFilter.Meta):
        fields = ["q", "district", "formed"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["district"].extra["empty_label"] = gettext_lazy("全部区县")

    def by_formed(self, queryset, name, value):
        seated = Exists(_sitting(self.request.user).filter(community_id=OuterRef("pk")))
        return queryset.filter(seated) if value == "yes" else queryset.exclude(seated)


def _names(c, role: str) -> str:
    return "、".join(m.name for m in c.sitting if m.role == role)


def _term_end(c) -> date | None:
    ends = [m.term_end for m in c.sitting if m.term_end]
    return min(ends) if ends else None


def _detail_url(c) -> str:
    return reverse("oversight:bureau_committee_detail", args=[c.pk])


class BureauCommitteeList(BureauMixin, ListPage):
    """Every community of the jurisdiction with its sitting committee in one line."""

    permission = ""
    title = gettext_lazy("业委会")
    template_name = "oversight/case_list.html"
    filterset_class = CommitteeCommunityFilter
    columns = [
        Col(gettext_lazy("区县"), lambda c: c.district.name),
        Col(gettext_lazy("小区"), lambda c: c.name, link=_detail_url, order="code"),
        Col(gettext_lazy("物业公司"), lambda c: c.company.name),
        Col(
            gettext_lazy("业委会"),
            lambda c: _("%(n)s 人在任") % {"n": len(c.sitting)} if c.sitting else _("未成立"),
            tag=lambda c: "ok" if c.sitting else "pending",
        ),
        Col(gettext_lazy("主任"), lambda c: _names(c, ROLE_DIRECTOR)),
        Col(gettext_lazy("副主任"), lambda c: _names(c, ROLE_DEPUTY)),
        Col(gettext_lazy("任期届满"), _term_end),
        Col(gettext_lazy("房屋"), lambda c: c.house_count, num=True),
    ]

    def export_allowed(self) -> bool:
        return True

    def get_queryset(self):
        return org_selectors.bureau_community_list(self.access).prefetch_related(
            Prefetch("committee_members", queryset=_sitting(self.request.user), to_attr="sitting")
        )


class BureauCommitteeDetail(BureauMixin, View):
    """One community's committee: the sitting members, then everyone who sat before."""

    def get(self, request, pk: str):
        community = (
            org_selectors.bureau_community_list(self.access).filter(pk=lookup_pk(pk)).first()
        )
        if community is None:
            raise Http404
        seats = list(
            community_selectors.committee_member_list(request.user).filter(
                community_id=community.pk
            )
        )
        for seat in seats:
            seat.phone_masked = mask_phone(seat.phone)  # type: ignore[attr-defined]
        return render(
            request,
            "oversight/committee_detail.html",
            {
                "community": community,
                "sitting": [s for s in seats if s.ended_on is None],
                "past": [s for s in seats if s.ended_on is not None],
            },
        )
