"""Console pages of notices for property staff (module "notices") and housing bureau officials
(their own policies and public messages): list with read counts, write / edit with the
audience picker and files, and a notice's page with read receipts, who has not read it,
reminders, pinning, expiry, publishing and withdrawal. Views parse and render; the services
decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.core.access import get_access
from wuyetong.core.excel import xlsx_response
from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.ids import lookup_pk, parse_pk
from wuyetong.core.views import form_error_from, paginate
from wuyetong.estates.models import Building, House
from wuyetong.web.pages import Col, ListPage, querystring_without

from . import selectors, services
from .choices import EDITABLE_STATES, NoticeState, NoticeTarget
from .files import attachment_response
from .filters import NoticeFilter, notice_communities
from .forms import DisplayForm, NoticeForm, RemindForm
from .selectors import may_manage

UNREAD_EXPORT_LIMIT = 50000


class NoticeAccessMixin(LoginRequiredMixin):
    action = "view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.access = get_access(request.user)
        if not may_manage(self.access, self.action):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _get(request, pk):
    try:
        return selectors.notice_get(user=request.user, notice_id=lookup_pk(pk))
    except NotFound as exc:
        raise Http404 from exc


def _when(n) -> str:
    if n.state == NoticeState.SCHEDULED and n.publish_at:
        return _("定时 %(t)s") % {"t": timezone.localtime(n.publish_at).strftime("%m-%d %H:%M")}
    return timezone.localtime(n.published_at).strftime("%Y-%m-%d %H:%M") if n.published_at else ""


def _audience(n) -> str:
    if n.target in (NoticeTarget.COMPANY, NoticeTarget.JURISDICTION):
        return n.get_target_display()
    name = n.community.name if n.community_id else ""
    if n.target == NoticeTarget.COMMUNITY:
        return name
    return f"{name} · {n.get_target_display()}"


def _rate(n) -> str:
    return f"{n.read_count * 100 / n.delivered_count:.0f}%" if n.delivered_count else ""


class NoticeList(NoticeAccessMixin, ListPage):
    permission = ""  # checked by NoticeAccessMixin (staff permission or bureau membership)
    export_permission = "notices.export"
    create_permission = "notices.add"
    create_url = "notices:notice_create"
    template_name = "notices/notice_list.html"
    title = gettext_lazy("通知公告")
    filterset_class = NoticeFilter
    columns = [
        Col(
            gettext_lazy("标题"),
            lambda n: n.title,
            link=lambda n: reverse("notices:notice_detail", args=[n.pk]),
        ),
        Col(gettext_lazy("类型"), lambda n: n.get_kind_display()),
        Col(gettext_lazy("发送范围"), _audience),
        Col(
            gettext_lazy("状态"),
            lambda n: n.get_state_display(),
            tag=lambda n: f"ns-{n.state}",
            order="state",
        ),
        Col(gettext_lazy("紧急"), lambda n: n.urgent),
        Col(gettext_lazy("置顶"), lambda n: n.pinned),
        Col(gettext_lazy("发布时间"), _when, order="published_at"),
        Col(gettext_lazy("送达"), lambda n: n.delivered_count, num=True, order="recipient_count"),
        Col(gettext_lazy("已读"), lambda n: n.read_count, num=True),
        Col(gettext_lazy("阅读率"), _rate, num=True),
        Col(gettext_lazy("发布人"), lambda n: n.created_by.name if n.created_by_id else ""),
    ]

    def get_queryset(self):
        return selectors.notice_list(user=self.request.user)

    def _create_url(self, filterset) -> str:
        if self.access.is_bureau and not self.access.is_staff_member:
            return reverse(self.create_url)
        return super()._create_url(filterset)


class NoticeFormView(NoticeAccessMixin, View):
    """Write a notice (新建) or change a draft / scheduled one (编辑); "发布" also publishes it
    (or schedules it when a later time is set)."""

    action = "add"
    template_name = "notices/notice_form.html"

    def get_notice(self):
        return None

    def initial(self, notice) -> dict:
        if notice is None:
            access = self.access
            bureau = access.is_bureau and not access.is_staff_member
            return {
                "kind": "policy" if bureau else "community",
                "target": "jurisdiction" if bureau else "community",
                "community": parse_pk(self.request.GET.get("community")),
            }
        return {
            "kind": notice.kind,
            "target": notice.target,
            "community": notice.community_id,
            "building_ids": [str(b.pk) for b in notice.buildings.all()],
            "house_ids": [str(h.pk) for h in notice.houses.all()],
            "title": notice.title,
            "body": notice.body,
            "urgent": notice.urgent,
            "pinned": notice.pinned,
            "publish_at": timezone.localtime(notice.publish_at) if notice.publish_at else None,
            "expires_at": timezone.localtime(notice.expires_at) if notice.expires_at else None,
        }

    def render_form(self, form, notice, status=200):
        community = None
        if form.is_bound:
            community = parse_pk(form.data.get("community"))
        else:
            community = form.initial.get("community")
        chosen = form["building_ids"].value() or [], form["house_ids"].value() or []
        return render(
            self.request,
            self.template_name,
            {
                "form": form,
                "content_fields": [
                    form[name]
                    for name in (
                        "title",
                        "body",
                        "urgent",
                        "pinned",
                        "publish_at",
                        "expires_at",
                        "attachments",
                    )
                ],
                "notice": notice,
                "title": _("编辑通知") if notice else _("发布通知"),
                "audience": audience_options(self.request.user, community, *chosen),
                "cancel_url": reverse("notices:notice_detail", args=[notice.pk])
                if notice
                else reverse("notices:notice_list"),
            },
            status=status,
        )

    def get(self, request, pk=None):
        notice = self.get_notice()
        return self.render_form(NoticeForm(user=request.user, initial=self.initial(notice)), notice)

    def post(self, request, pk=None):
        notice = self.get_notice()
        form = NoticeForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                notice = self.save(form, notice)
                if request.POST.get("do") == "publish":
                    notice = services.notice_publish(actor=request.user, notice_id=notice.pk)
            except ApplicationError as exc:
                # The service names the community "community_id"; the form calls it community.
                exc.errors = {
                    ("community" if k == "community_id" else k): v for k, v in exc.errors.items()
                }
                form_error_from(form, exc)
            else:
                messages.success(request, _result_message(notice))
                return redirect("notices:notice_detail", pk=notice.pk)
        return self.render_form(form, notice, status=400)

    def save(self, form, notice):
        return services.notice_create(
            actor=self.request.user,
            attachments=form.cleaned_data["attachments"],
            **form.service_kwargs(),
        )


def _result_message(notice) -> str:
    if notice.state == NoticeState.PUBLISHED:
        return _("已发布，送达 %(n)s 人") % {"n": notice.recipient_count}
    if notice.state == NoticeState.SCHEDULED:
        return _("已定时，将于 %(t)s 发布") % {
            "t": timezone.localtime(notice.publish_at).strftime("%Y-%m-%d %H:%M")
        }
    return _("草稿已保存")


class NoticeCreate(NoticeFormView):
    action = "add"


class NoticeEdit(NoticeFormView):
    action = "change"

    def get_notice(self):
        notice = _get(self.request, self.kwargs["pk"])
        if notice.state not in EDITABLE_STATES:
            raise Http404
        if not selectors.notice_changeable(user=self.request.user, notice_id=notice.pk):
            raise Http404
        return notice

    def save(self, form, notice):
        notice = services.notice_update(
            actor=self.request.user, notice_id=notice.pk, **form.service_kwargs()
        )
        if form.cleaned_data["attachments"]:
            services.notice_attachment_add(
                actor=self.request.user, notice_id=notice.pk, files=form.cleaned_data["attachments"]
            )
        return notice


def audience_options(user, community_id, building_ids=(), house_ids=()) -> dict:
    """The buildings and houses of one of the user's communities, for the audience picker."""
    community = notice_communities(user).filter(pk=community_id or 0).first()
    if community is None:
        return {"community": None, "buildings": [], "houses": []}
    chosen_b, chosen_h = set(map(str, building_ids)), set(map(str, house_ids))
    buildings = [
        {"pk": b.pk, "name": b.name, "on": str(b.pk) in chosen_b}
        for b in Building.objects.filter(community=community).order_by("sort", "name")
    ]
    houses = House.objects.filter(community=community).select_related("building", "unit")
    groups: dict[str, list] = {}
    for h in houses.order_by("building__sort", "building__name", "unit__name", "floor", "room_no"):
        groups.setdefault(h.building.name, []).append(
            {"pk": h.pk, "name": f"{h.unit.name}{h.room_no}", "on": str(h.pk) in chosen_h}
        )
    return {"community": community, "buildings": buildings, "houses": list(groups.items())}


class AudienceOptions(NoticeAccessMixin, View):
    """The picker's buildings and houses for the chosen community (htmx fragment)."""

    action = "add"

    def get(self, request):
        return render(
            request,
            "notices/_audience.html",
            {"audience": audience_options(request.user, parse_pk(request.GET.get("community")))},
        )


class NoticeDetail(NoticeAccessMixin, View):
    def get(self, request, pk):
        notice = _get(request, pk)
        stats = selectors.notice_read_stats(user=request.user, notice_id=notice.pk)
        unread = selectors.notice_unread_deliveries(user=request.user, notice_id=notice.pk)
        if request.GET.get("export") == "unread":
            if not may_manage(self.access, "export"):
                raise PermissionDenied
            return self.export(notice, unread)
        page = paginate(request, unread, 50)
        changeable = selectors.notice_changeable(user=request.user, notice_id=notice.pk)
        return render(
            request,
            "notices/notice_detail.html",
            {
                "notice": notice,
                "stats": stats,
                "page": page,
                "rows": selectors.unread_recipients(user=request.user, deliveries=page),
                "query": querystring_without(request, "page"),
                "reminders": list(notice.reminders.select_related("actor")[:20]),
                "can_change": changeable and may_manage(self.access, "change"),
                "can_export": may_manage(self.access, "export"),
                "shows_names": self.access.is_staff_member,
                "display_form": DisplayForm(
                    initial={
                        "pinned": notice.pinned,
                        "expires_at": timezone.localtime(notice.expires_at)
                        if notice.expires_at
                        else None,
                    }
                ),
                "remind_form": RemindForm(),
            },
        )

    def export(self, notice, unread):
        rows = selectors.unread_recipients(
            user=self.request.user, deliveries=unread[:UNREAD_EXPORT_LIMIT]
        )
        return xlsx_response(
            _("未读名单-%(title)s") % {"title": notice.title[:30]},
            [_("姓名"), _("手机号"), _("房屋"), _("提醒次数")],
            ([r.name, r.phone, r.houses, r.reminded_count] for r in rows),
            sheet_title=_("未读名单"),
        )


class NoticeAction(NoticeAccessMixin, View):
    """The buttons of a notice's page: each calls one service and comes back to the page with
    the result or the service's message."""

    action = "change"

    def post(self, request, pk, verb):
        notice = _get(request, pk)
        try:
            text = self.perform(request, notice, verb)
        except ApplicationError as exc:
            if isinstance(exc, NotFound):
                raise Http404 from exc
            messages.error(request, _field_message(exc))
        else:
            messages.success(request, text)
        return redirect("notices:notice_detail", pk=notice.pk)

    def perform(self, request, notice, verb) -> str:
        user = request.user
        if verb == "publish":
            return _result_message(services.notice_publish(actor=user, notice_id=notice.pk))
        if verb == "withdraw":
            services.notice_withdraw(actor=user, notice_id=notice.pk)
            return _("已撤回，业主端不再显示")
        if verb == "remind":
            remind = RemindForm(request.POST)
            remind.is_valid()
            reminder = services.notice_remind_unread(
                actor=user, notice_id=notice.pk, sms=remind.cleaned_data.get("sms", False)
            )
            if reminder.by_sms:
                return _("已提醒 %(n)s 位未读住户（站内消息和短信）") % {
                    "n": reminder.recipient_count
                }
            return _("已提醒 %(n)s 位未读住户") % {"n": reminder.recipient_count}
        if verb == "display":
            form = DisplayForm(request.POST)
            if not form.is_valid():
                field, errors = next(iter(form.errors.items()))
                label = form.fields[field].label if field in form.fields else ""
                text = str(errors[0])
                raise ApplicationError(f"{label}：{text}" if label else text, field=field)
            services.notice_set_display(
                actor=user,
                notice_id=notice.pk,
                pinned=form.cleaned_data["pinned"],
                expires_at=form.cleaned_data["expires_at"],
            )
            return _("置顶和有效期已保存")
        if verb == "remove_file":
            services.notice_attachment_remove(
                actor=user, notice_id=notice.pk, attachment_id=request.POST.get("attachment", "")
            )
            return _("附件已删除")
        raise Http404


_FIELD_LABELS = {
    "expires_at": gettext_lazy("过期时间"),
    "publish_at": gettext_lazy("定时发布"),
    "attachments": gettext_lazy("附件"),
}


def _field_message(exc: ApplicationError) -> str:
    label = _FIELD_LABELS.get(exc.field or "")
    return (
        f"{label}：{exc.message}"
        if label and not exc.message.startswith(str(label))
        else exc.message
    )


class NoticeFile(NoticeAccessMixin, View):
    def get(self, request, pk, file_pk):
        return attachment_response(_get(request, pk), file_pk)
