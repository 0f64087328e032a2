"""The property company's case list (工单列表) and case page (工单详情) with every staff action
the services allow in the case's state. Views parse and render; the services decide."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.core.access import Access
from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.exceptions import PermissionDenied as ServicePermissionDenied
from wuyetong.core.ids import parse_pk
from wuyetong.core.masking import mask_phone
from wuyetong.core.views import ModulePermissionMixin, form_error_from, htmx_template
from wuyetong.web.pages import Col, ListPage

from .. import forms as f
from .. import selectors, services
from ..choices import CaseKind, EventKind, QuoteState
from ..filters import CaseFilter
from ..models import CLOSED_STATES, Case, CaseEvent
from ..photos import photo_response
from ..services._common import ACTION_LABELS, TRANSITIONS, WORKING_STATES

DESK = "servicedesk.add"
WORK = "servicedesk.change"


def _at(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%m-%d %H:%M") if value else ""


def _span(minutes: int) -> str:
    if minutes >= 1440:
        return _("%(d)s天%(h)s小时") % {"d": minutes // 1440, "h": minutes % 1440 // 60}
    if minutes >= 60:
        return _("%(h)s小时%(m)s分") % {"h": minutes // 60, "m": minutes % 60}
    return _("%(m)s分钟") % {"m": minutes}


def sla_status(case: Case, now: datetime | None = None) -> tuple[str, str]:
    """The deadline that matters now (response until accepted, then resolution) as the
    time left or overdue, with its tag class: cs-late overdue, cs-soon within warning."""
    if case.state in CLOSED_STATES or case.completed_at:
        late = case.response_breached_at or case.resolution_breached_at
        return (_("曾超时"), "cs-late") if late else ("", "")
    now = now or timezone.now()
    if case.accepted_at is None and case.response_due_at:
        due, label = case.response_due_at, _("响应")
    elif case.resolution_due_at:
        due, label = case.resolution_due_at, _("解决")
    else:
        return "", ""
    if now > due:
        behind = int((now - due).total_seconds()) // 60
        return _("%(what)s超时 %(span)s") % {"what": label, "span": _span(behind)}, "cs-late"
    minutes = int((due - now).total_seconds()) // 60
    warn = case.resolution_warn_at if label == _("解决") else case.response_warn_at
    tag = "cs-soon" if warn and now >= warn else "cs-ok"
    return _("%(what)s剩 %(span)s") % {"what": label, "span": _span(minutes)}, tag


def _case_url(c: Case) -> str:
    return reverse("servicedesk:case_detail", args=[c.pk])


CASE_COLUMNS = [
    Col(gettext_lazy("工单号"), lambda c: c.number, link=_case_url, order="number"),
    Col(gettext_lazy("类别"), lambda c: c.get_kind_display()),
    Col(gettext_lazy("类型"), lambda c: c.case_type.name),
    Col(gettext_lazy("小区"), lambda c: c.community.name, order="community__code"),
    Col(gettext_lazy("位置"), lambda c: c.place_label),
    Col(gettext_lazy("报事人"), lambda c: c.reporter.name),
    Col(
        gettext_lazy("紧急"),
        lambda c: c.get_urgency_display(),
        tag=lambda c: "cs-late" if c.urgency == "urgent" else "",
        order="urgency",
    ),
    Col(
        gettext_lazy("状态"),
        lambda c: c.get_state_display(),
        tag=lambda c: f"cs-{c.state}",
        order="state",
    ),
    Col(gettext_lazy("处理人"), lambda c: c.assignee.user.name if c.assignee_id else ""),
    Col(gettext_lazy("提交时间"), lambda c: _at(c.submitted_at), order="submitted_at"),
    Col(
        gettext_lazy("时限"),
        lambda c: sla_status(c)[0],
        tag=lambda c: sla_status(c)[1],
        order="resolution_due_at",
    ),
    Col(gettext_lazy("评价"), lambda c: c.get_rating_display() if c.rating else ""),
    Col(gettext_lazy("描述"), lambda c: c.description, screen=False),
    Col(gettext_lazy("解决期限"), lambda c: _at(c.resolution_due_at), screen=False),
]


class CaseList(ListPage):
    permission = "servicedesk.view"
    export_permission = "servicedesk.export"
    title = gettext_lazy("工单列表")
    filterset_class = CaseFilter
    columns = CASE_COLUMNS
    per_page = 50

    def get_queryset(self):
        return selectors.staff_case_list(user=self.request.user)


# --- the case page --------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One staff action: who sees its form (`offered`) and the service it calls. The service
    stays the judge: a posted action that is not offered is still refused by it."""

    name: str
    form: type[f.ActionForm]
    call: Callable[..., Any]
    offered: Callable[[Case, Access], bool]
    confirm: str | Promise = ""
    primary: bool = False


def _from(action: str) -> Callable[[Case], bool]:
    return lambda c: c.state in TRANSITIONS[action]


def _is_assignee(c: Case, a: Access) -> bool:
    return a.employee_id is not None and a.employee_id == c.assignee_id


def _assignee_step(action: str) -> Callable[[Case, Access], bool]:
    return lambda c, a: _from(action)(c) and _is_assignee(c, a)


def _desk_step(action: str) -> Callable[[Case, Access], bool]:
    return lambda c, a: _from(action)(c) and a.can(DESK)


def _handler_or_desk(action: str) -> Callable[[Case, Access], bool]:
    return lambda c, a: _from(action)(c) and (_is_assignee(c, a) or a.can(DESK))


ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        Action(
            "dispatch", f.AssignForm, services.case_dispatch, _desk_step("dispatch"), primary=True
        ),
        Action(
            "round_robin",
            f.EmptyForm,
            services.case_dispatch_round_robin,
            _desk_step("round_robin"),
            confirm=gettext_lazy("按值班轮流派给下一位在岗人员？"),
        ),
        Action(
            "grab",
            f.EmptyForm,
            services.case_grab,
            lambda c, a: (
                _from("grab")(c)
                and c.assignee_id is None
                and a.employee_id is not None
                and a.can(WORK)
            ),
        ),
        Action("accept", f.EmptyForm, services.case_accept, _assignee_step("accept"), primary=True),
        Action("arrive", f.EmptyForm, services.case_arrive, _assignee_step("arrive"), primary=True),
        Action("start", f.EmptyForm, services.case_start, _assignee_step("start"), primary=True),
        Action("pause", f.ReasonForm, services.case_pause, _assignee_step("pause")),
        Action("resume", f.EmptyForm, services.case_resume, _assignee_step("resume"), primary=True),
        Action(
            "quote",
            f.QuoteForm,
            services.case_quote,
            lambda c, a: (
                c.kind == CaseKind.REPAIR
                and c.state in WORKING_STATES
                and c.quote_state != QuoteState.ACCEPTED
                and _is_assignee(c, a)
            ),
        ),
        Action(
            "complete",
            f.CompleteForm,
            services.case_complete,
            _assignee_step("complete"),
            confirm=gettext_lazy("确认已处理完成？"),
            primary=True,
        ),
        Action("transfer", f.AssignForm, services.case_transfer, _handler_or_desk("transfer")),
        Action(
            "return_to_pool",
            f.ReasonForm,
            services.case_return_to_pool,
            _handler_or_desk("return_to_pool"),
            confirm=gettext_lazy("退回工单池，由他人重新接单？"),
        ),
        Action(
            "reply",
            f.ReplyForm,
            services.case_reply,
            lambda c, a: (
                c.kind == CaseKind.COMPLAINT and c.state not in CLOSED_STATES and a.can(WORK)
            ),
        ),
        Action(
            "return_visit",
            f.VisitForm,
            services.case_return_visit,
            _desk_step("return_visit"),
            primary=True,
        ),
        Action(
            "close",
            f.NoteForm,
            services.case_close,
            _desk_step("close"),
            confirm=gettext_lazy("关闭后工单办结，确定关闭？"),
        ),
        Action(
            "reopen",
            f.ReasonForm,
            services.case_reopen,
            _desk_step("reopen"),
            confirm=gettext_lazy("重开将计入重开次数并重新计时，确定？"),
        ),
        Action(
            "message",
            f.NoteForm,
            services.case_message,
            lambda c, a: c.state not in CLOSED_STATES and a.can(WORK),
        ),
    ]
}
ACTION_LABELS_PAGE = {"urge_answer": gettext_lazy("答复催办")}


def _label(name: str) -> str:
    return str(ACTION_LABELS_PAGE.get(name) or ACTION_LABELS.get(name, name))


def _last_event_id(case: Case) -> int:
    return (
        CaseEvent.objects.filter(case_id=case.pk)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
        or 0
    )


class CaseDetail(ModulePermissionMixin, View):
    permission = "servicedesk.view"
    template_name = "servicedesk/console/case_detail.html"

    def get_case(self, pk: str) -> Case:
        try:
            return selectors.staff_case_get(user=self.request.user, case_id=parse_pk(pk) or 0)
        except NotFound:
            raise Http404 from None

    def _sees_phone(self, case: Case) -> bool:
        """The whole number for roles that need it: those allowed residents' personal data, and
        the worker a still-open case is assigned to (he calls to agree a time, SPEC rules)."""
        if self.access.can("residents.view_sensitive"):
            return True
        mine = self.access.employee_id is not None and case.assignee_id == self.access.employee_id
        return mine and case.state not in CLOSED_STATES

    def forms_for(self, case: Case, bound: tuple[str, f.ActionForm] | None = None) -> list[dict]:
        choices = None
        out = []
        for action in ACTIONS.values():
            if not action.offered(case, self.access) and not (bound and bound[0] == action.name):
                continue
            if action.form is f.AssignForm and choices is None:
                choices = selectors.case_assignee_choices(user=self.request.user, case=case)
            form = (
                bound[1]
                if bound and bound[0] == action.name
                else action.form(case=case, choices=choices, prefix=action.name)
            )
            out.append(
                {
                    "name": action.name,
                    "label": _label(action.name),
                    "form": form,
                    "confirm": action.confirm,
                    "primary": action.primary,
                    "multipart": action.form is f.CompleteForm,
                }
            )
        return out

    def context(self, case: Case, *, bound=None, error: str = "", stale: str = "") -> dict:
        events = list(selectors.case_timeline(case=case))
        for event in events:
            event.label = _label(event.action) if event.action else event.get_kind_display()  # type: ignore[attr-defined]
        talk = [
            e for e in events if e.kind == EventKind.NOTE and e.action in ("message", "add_info")
        ]
        sla_text, sla_tag = sla_status(case)
        phone = case.reporter.phone
        urges = list(case.urges.select_related("urged_by", "answered_by").order_by("urged_at"))
        action_forms = self.forms_for(case, bound)
        return {
            "case": case,
            "events": events,
            "talk": talk,
            "photos": list(case.photos.all()),
            "urges": urges,
            "can_answer": self.access.can(WORK),
            "answer_form": bound[1]
            if bound and bound[0] == "urge_answer"
            else f.AnswerForm(prefix="urge_answer"),
            "reporter_phone": phone if self._sees_phone(case) else mask_phone(phone),
            "sla_text": sla_text,
            "sla_tag": sla_tag,
            "actions": [a for a in action_forms if a["name"] != "message"],
            "message_form": next((a for a in action_forms if a["name"] == "message"), None),
            "seen": events[-1].pk if events else 0,
            "error": error,
            "stale": stale,
            "title": f"{case.get_kind_display()} {case.number}",
        }

    def get(self, request, pk: str):
        case = self.get_case(pk)
        template = htmx_template(request, self.template_name, "servicedesk/console/_case_live.html")
        return render(request, template, self.context(case))

    def post(self, request, pk: str):
        case = self.get_case(pk)
        name = request.POST.get("action", "")
        if name == "urge_answer":
            return self.answer_urge(request, case)
        action = ACTIONS.get(name)
        if action is None:
            raise Http404
        choices = (
            selectors.case_assignee_choices(user=request.user, case=case)
            if action.form is f.AssignForm
            else None
        )
        form = action.form(request.POST, case=case, choices=choices, prefix=name)
        if form.is_valid():
            kwargs = (
                form.service_kwargs()
                if hasattr(form, "service_kwargs")
                else dict(form.cleaned_data)
            )
            if action.form is f.CompleteForm:
                kwargs["photos"] = request.FILES.getlist(f"{name}-photos")
            try:
                action.call(actor=request.user, case_id=case.pk, **kwargs)
            except NotFound:
                raise Http404 from None
            except ApplicationError as exc:
                return self.refused(request, case, name, form, exc)
            messages.success(request, _("已%(action)s") % {"action": _label(name)})
            return redirect("servicedesk:case_detail", pk=case.pk)
        return self.refused(request, case, name, form, None)

    def answer_urge(self, request, case: Case):
        form = f.AnswerForm(request.POST, prefix="urge_answer")
        if form.is_valid():
            urge_id = form.cleaned_data["urge"]
            if not case.urges.filter(pk=urge_id or 0).exists():
                raise Http404
            try:
                services.company_answer_urge(
                    actor=request.user, urge_id=urge_id, answer=form.cleaned_data["answer"]
                )
            except ApplicationError as exc:
                return self.refused(request, case, "urge_answer", form, exc)
            messages.success(request, _("已答复催办，房管部门会立即收到"))
            return redirect("servicedesk:case_detail", pk=case.pk)
        return self.refused(request, case, "urge_answer", form, None)

    def refused(self, request, case: Case, name: str, form, exc: ApplicationError | None):
        """The service's message on the form; when someone else acted since this page was
        drawn, say so and show the case as it is now."""
        status = 400
        error = ""
        if exc is not None:
            form_error_from(form, exc)
            error = exc.message
            if isinstance(exc, ServicePermissionDenied):
                status = 403
        fresh = self.get_case(str(case.pk))
        stale = ""
        seen = parse_pk(request.POST.get("seen", "")) or 0
        if exc is not None and seen and _last_event_id(fresh) != seen:
            stale = _(
                "该工单已被他人更新（当前状态：%(state)s），以下是最新进度，请确认后再操作。"
            ) % {"state": fresh.get_state_display()}
        return render(
            request,
            self.template_name,
            self.context(fresh, bound=(name, form), error=error, stale=stale),
            status=409 if stale else status,
        )


class CasePhotoView(CaseDetail):
    """A photo of a case the user may see; the page never shows media addresses."""

    def get(self, request, pk: str, photo_pk: str):  # type: ignore[override]
        return photo_response(self.get_case(pk), photo_pk)

    def post(self, request, *args, **kwargs):  # type: ignore[override]
        raise Http404
