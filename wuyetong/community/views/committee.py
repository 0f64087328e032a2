"""业委会 console pages: the seats of each community, added, corrected, changed and ended."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.masking import mask_phone
from wuyetong.core.views import ModulePermissionMixin

from .. import filters, forms, selectors, services
from .base import Col, CreatePage, EditPage, ListPage, run_action, url_of


def _term(o) -> str:
    end = o.term_end.isoformat() if o.term_end else gettext("未定")
    return f"{o.term_start.isoformat()} ~ {end}"


class CommitteeList(ListPage):
    title = _("业委会")
    selector = selectors.committee_member_list
    filterset_class = filters.CommitteeMemberFilter
    create_url = "community:committee_create"

    def get_columns(self):
        whole = self.access.can("community.change")
        return [
            Col(_("小区"), lambda o: o.community.name),
            Col(_("姓名"), lambda o: o.name, link=url_of("community:committee_detail")),
            Col(_("职务"), lambda o: o.get_role_display(), tag=lambda o: f"cm-{o.role}"),
            Col(_("联系电话"), lambda o: o.phone if whole else mask_phone(o.phone)),
            Col(_("关联业主"), lambda o: o.resident.name if o.resident else ""),
            Col(_("任期"), _term, order="term_start"),
            Col(
                _("状态"),
                lambda o: gettext("在任") if o.is_current else gettext("已离任"),
                tag=lambda o: "ok" if o.is_current else "",
            ),
            Col(_("离任日期"), lambda o: o.ended_on, order="ended_on"),
            Col(_("离任原因"), lambda o: o.end_reason),
            Col(_("备注"), lambda o: o.notes, screen=False),
        ]


class CommitteeCreate(CreatePage):
    title = _("新增业委会成员")
    form_class = forms.CommitteeMemberForm
    cancel_url = "community:committee_list"

    def perform(self, form):
        return services.committee_member_add(actor=self.request.user, **form.service_data())

    def success_url(self, obj):
        return reverse("community:committee_detail", args=[obj.pk])


class CommitteeEdit(EditPage):
    form_class = forms.CommitteeMemberForm
    getter = selectors.committee_member_get
    update = services.committee_member_update
    obj_kw = "member"
    detail_url = "community:committee_detail"
    title_format = _("修改业委会成员：%(name)s")


class CommitteeDetail(ModulePermissionMixin, View):
    permission = "community.view"

    def get(self, request, pk):
        member = selectors.committee_member_get(request.user, pk)
        return render(
            request,
            "community/committee_detail.html",
            {
                "member": member,
                "phone": member.phone
                if self.access.can("community.change")
                else mask_phone(member.phone),
                "seats": selectors.committee_seats_of(member),
                "can_change": self.access.can("community.change") and member.is_current,
                "end_form": forms.CommitteeEndForm(),
                "role_form": forms.CommitteeRoleForm(),
            },
        )


class CommitteeEnd(ModulePermissionMixin, View):
    permission = "community.change"

    def post(self, request, pk):
        member = selectors.committee_member_get(request.user, pk, "change")
        return run_action(
            request,
            lambda ended_on, reason: services.committee_member_end(
                actor=request.user, member=member, ended_on=ended_on, reason=reason
            ),
            form=forms.CommitteeEndForm(request.POST),
            success=gettext("%(name)s 已离任") % {"name": member.name},
            back=reverse("community:committee_detail", args=[member.pk]),
        )


class CommitteeChangeRole(ModulePermissionMixin, View):
    permission = "community.change"

    def post(self, request, pk):
        member = selectors.committee_member_get(request.user, pk, "change")
        return run_action(
            request,
            lambda role, on: services.committee_member_change_role(
                actor=request.user, member=member, role=role, on=on
            ),
            form=forms.CommitteeRoleForm(request.POST),
            success=gettext("职务已变更，原任职记录已保留"),
            back=reverse("community:committee_detail", args=[member.pk]),
            done=lambda new: reverse("community:committee_detail", args=[new.pk]),
        )


urlpatterns = [
    path("committee/", CommitteeList.as_view(), name="committee_list"),
    path("committee/new/", CommitteeCreate.as_view(), name="committee_create"),
    path("committee/<int:pk>/", CommitteeDetail.as_view(), name="committee_detail"),
    path("committee/<int:pk>/edit/", CommitteeEdit.as_view(), name="committee_edit"),
    path("committee/<int:pk>/end/", CommitteeEnd.as_view(), name="committee_end"),
    path("committee/<int:pk>/role/", CommitteeChangeRole.as_view(), name="committee_role"),
]
