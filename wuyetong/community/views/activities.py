"""社区活动 console pages: create, publish, call off; the sign-up list with its export."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.excel import xlsx_response
from wuyetong.core.masking import mask_phone
from wuyetong.core.views import ModulePermissionMixin

from .. import filters, forms, selectors_life, services
from ..choices import ActivityState, SignupState
from .base import Col, CreatePage, EditPage, ListPage, run_action, url_of


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


class ActivityList(ListPage):
    title = _("社区活动")
    selector = selectors_life.activity_list
    filterset_class = filters.ActivityFilter
    create_url = "community:activity_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("活动名称"), lambda o: o.title, link=url_of("community:activity_detail")),
        Col(_("地点"), lambda o: o.place),
        Col(_("开始时间"), lambda o: _when(o.starts_at), order="starts_at"),
        Col(_("报名截止"), lambda o: _when(o.signup_deadline), order="signup_deadline"),
        Col(
            _("名额"), lambda o: o.capacity if o.capacity is not None else gettext("不限"), num=True
        ),
        Col(_("已报名"), lambda o: o.signed_count, num=True, order="signed_count"),
        Col(_("状态"), lambda o: o.get_state_display(), tag=lambda o: f"as-{o.state}"),
    ]


class ActivityCreate(CreatePage):
    title = _("新建活动")
    form_class = forms.ActivityForm
    cancel_url = "community:activity_list"

    def perform(self, form):
        return services.activity_create(actor=self.request.user, **form.service_data())

    def success_url(self, obj):
        return reverse("community:activity_detail", args=[obj.pk])


class ActivityEdit(EditPage):
    form_class = forms.ActivityForm
    getter = selectors_life.activity_get
    update = services.activity_update
    obj_kw = "activity"
    detail_url = "community:activity_detail"
    title_format = _("修改活动：%(name)s")


class ActivityDetail(ModulePermissionMixin, View):
    permission = "community.view"

    def get(self, request, pk):
        activity = selectors_life.activity_get(request.user, pk)
        signups = selectors_life.activity_signups(activity)
        if request.GET.get("export") == "xlsx":
            return self.export(activity, signups)
        sensitive = self.access.can("community.change")
        rows = list(signups)
        for s in rows:
            s.phone_shown = s.phone if sensitive else mask_phone(s.phone)
        can_change = self.access.can("community.change")
        return render(
            request,
            "community/activity_detail.html",
            {
                "activity": activity,
                "signups": rows,
                "active_count": sum(1 for s in rows if s.state == SignupState.ACTIVE),
                "can_edit": can_change and activity.state != ActivityState.CANCELLED,
                "can_publish": can_change and activity.state == ActivityState.DRAFT,
                "can_cancel": can_change and activity.state != ActivityState.CANCELLED,
                "can_export": self.access.can("community.export"),
                "cancel_form": forms.ReasonForm(),
            },
        )

    def export(self, activity, signups):
        if not self.access.can("community.export"):
            raise PermissionDenied
        headers = [
            gettext("姓名"),
            gettext("手机号"),
            gettext("房屋"),
            gettext("人数"),
            gettext("备注"),
            gettext("报名时间"),
            gettext("状态"),
        ]
        rows = (
            [
                s.name,
                s.phone,
                f"{s.house.building.name}{s.house.unit.name}{s.house.room_no}" if s.house else "",
                s.party_size,
                s.note,
                s.created_at,
                s.get_state_display(),
            ]
            for s in signups
        )
        return xlsx_response(
            gettext("活动报名-%(title)s") % {"title": activity.title}, headers, rows
        )


class ActivityPublish(ModulePermissionMixin, View):
    permission = "community.change"

    def post(self, request, pk):
        activity = selectors_life.activity_get(request.user, pk, "change")
        return run_action(
            request,
            lambda: services.activity_publish(actor=request.user, activity=activity),
            success=gettext("活动已发布，住户可在手机上报名"),
            back=reverse("community:activity_detail", args=[activity.pk]),
        )


class ActivityCancel(ModulePermissionMixin, View):
    permission = "community.change"

    def post(self, request, pk):
        activity = selectors_life.activity_get(request.user, pk, "change")
        return run_action(
            request,
            lambda reason: services.activity_cancel(
                actor=request.user, activity=activity, reason=reason
            ),
            form=forms.ReasonForm(request.POST),
            success=gettext("活动已取消，报名住户将看到取消原因"),
            back=reverse("community:activity_detail", args=[activity.pk]),
        )


urlpatterns = [
    path("activities/", ActivityList.as_view(), name="activity_list"),
    path("activities/new/", ActivityCreate.as_view(), name="activity_create"),
    path("activities/<int:pk>/", ActivityDetail.as_view(), name="activity_detail"),
    path("activities/<int:pk>/edit/", ActivityEdit.as_view(), name="activity_edit"),
    path("activities/<int:pk>/publish/", ActivityPublish.as_view(), name="activity_publish"),
    path("activities/<int:pk>/cancel/", ActivityCancel.as_view(), name="activity_cancel"),
]
