"""The owner app's service desk (/app/service/): report a repair or a complaint, my cases, and
one case with its live timeline, messages and the owner's actions (cancel, add information,
accept a quote, rate, reopen). Reads go through the owner selectors, so another person's case
does not exist here (404); every action is a service call, refused with a message in place."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.ids import lookup_pk
from wuyetong.core.views import paginate
from wuyetong.owner.views import owner_login_required
from wuyetong.web.pages import querystring_without

from . import selectors, services
from .choices import CaseKind, EventKind, QuoteState, Rating
from .models import CLOSED_STATES
from .owner_forms import ReportForm
from .photos import photo_response
from .services._common import TRANSITIONS
from .services.handling import OWNER_REOPEN_WITHIN

# What the owner's timeline leaves out: the company's internal deadlines and escalations.
INTERNAL_EVENTS = (
    EventKind.WARNING,
    EventKind.BREACH,
    EventKind.ESCALATION,
    EventKind.URGE,
    EventKind.URGE_ANSWER,
)


def _case_or_404(request, pk):
    try:
        return selectors.owner_case_get(user=request.user, case_id=lookup_pk(pk))
    except NotFound as exc:
        raise Http404 from exc


@never_cache
@owner_login_required
@require_http_methods(["GET", "POST"])
def report(request, kind: str):
    access = get_access(request.user)
    title = _("报修") if kind == CaseKind.REPAIR else _("投诉")
    if not access.house_ids:
        return render(
            request, "servicedesk/owner/report.html", {"title": title, "kind": kind, "form": None}
        )
    form = ReportForm(request.POST or None, kind=kind, house_ids=access.house_ids)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                case = services.case_submit(
                    reporter=request.user,
                    photos=request.FILES.getlist("photos"),
                    **form.service_arguments(),
                )
            except ApplicationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, _("已提交，工单号 %(number)s") % {"number": case.number})
                return redirect("owner_servicedesk:case_detail", pk=case.pk)
        status = 400
    return render(
        request,
        "servicedesk/owner/report.html",
        {
            "title": title,
            "kind": kind,
            "form": form,
            "photo_errors": getattr(form, "photo_errors", []),
            "had_photos": bool(request.FILES.getlist("photos")),
        },
        status=status,
    )


def repair_create(request):
    return report(request, CaseKind.REPAIR)


def complaint_create(request):
    return report(request, CaseKind.COMPLAINT)


@never_cache
@owner_login_required
def case_list(request):
    past = request.GET.get("tab") == "past"
    qs = selectors.owner_case_list(user=request.user, open_only=not past)
    return render(
        request,
        "servicedesk/owner/case_list.html",
        {
            "page": paginate(request, qs, 20),
            "query": querystring_without(request, "page"),
            "past": past,
            "tab": "home",
        },
    )


def _timeline(request, case) -> list:
    events = list(selectors.case_timeline(case=case).exclude(kind__in=INTERNAL_EVENTS))
    for e in events:
        if e.actor_id == request.user.pk:
            who = _("我")
        else:
            who = e.actor.name if e.actor is not None else _("系统")
        e.who, e.label = who, services.event_label(e)  # type: ignore[attr-defined]
    return events


def _detail(request, case, *, errors: dict | None = None, status: int = 200):
    now = timezone.now()
    reopen_until = case.closed_at + OWNER_REOPEN_WITHIN if case.closed_at else None
    events = _timeline(request, case)
    shown = {
        "cancel": case.state in TRANSITIONS["cancel"],
        "add_info": case.state not in CLOSED_STATES,
        "rate": case.state in TRANSITIONS["rate"] and not case.rating,
        "reopen": case.state in TRANSITIONS["reopen"]
        and (reopen_until is None or now <= reopen_until),
        "quote": case.quote_state == QuoteState.PENDING,
    }
    errors = errors or {}
    return render(
        request,
        "servicedesk/owner/case_detail.html",
        {
            "case": case,
            "events": list(reversed(events)),
            "chat": [e for e in events if e.action in ("message", "add_info")],
            "photos": list(case.photos.all()),
            "can_cancel": shown["cancel"],
            "can_add": shown["add_info"],
            "can_rate": shown["rate"],
            "can_reopen": shown["reopen"],
            "quote_pending": shown["quote"],
            # A refusal whose form is no longer on the page (the case moved on) shows on top.
            "error_top": [m for name, m in errors.items() if not shown.get(name)],
            "ratings": Rating.choices,
            "errors": errors,
            "data": request.POST if errors else {},
            "reopen_days": OWNER_REOPEN_WITHIN // timedelta(days=1),
            "tab": "home",
        },
        status=status,
    )


@never_cache
@owner_login_required
def case_detail(request, pk):
    return _detail(request, _case_or_404(request, pk))


# The owner's actions on a case: what each posts to its service, and what it says on success.
ACTIONS = {
    "cancel": (
        lambda r, pk: services.case_cancel(
            reporter=r.user, case_id=pk, reason=r.POST.get("reason", "")
        ),
        _lazy("工单已取消"),
    ),
    "add_info": (
        lambda r, pk: services.case_add_info(
            reporter=r.user,
            case_id=pk,
            note=r.POST.get("note", ""),
            photos=r.FILES.getlist("photos"),
        ),
        _lazy("已发送"),
    ),
    "quote": (
        lambda r, pk: services.case_quote_accept(
            reporter=r.user, case_id=pk, expected_amount=r.POST.get("expected_amount", "")
        ),
        _lazy("已确认报价，师傅将继续维修"),
    ),
    "rate": (
        lambda r, pk: services.case_rate(
            reporter=r.user,
            case_id=pk,
            rating=r.POST.get("rating", ""),
            comment=r.POST.get("comment", ""),
        ),
        _lazy("感谢您的评价"),
    ),
    "reopen": (
        lambda r, pk: services.case_reopen(
            actor=r.user, case_id=pk, reason=r.POST.get("reason", ""), owner_only=True
        ),
        _lazy("工单已重新打开，物业将重新处理"),
    ),
}


@require_POST
@owner_login_required
def case_action(request, pk, action: str):
    """Run one owner action; a refusal re-renders the case with the message at that form."""
    case = _case_or_404(request, pk)
    call, success = ACTIONS[action]
    try:
        call(request, case.pk)
    except NotFound as exc:
        raise Http404 from exc
    except ApplicationError as exc:
        return _detail(request, _case_or_404(request, pk), errors={action: exc.message}, status=400)
    messages.success(request, str(success))
    return redirect("owner_servicedesk:case_detail", pk=case.pk)


@owner_login_required
def case_photo(request, pk, photo_pk):
    """A photo of my case; media addresses are never shown (they reach anyone with the link)."""
    return photo_response(_case_or_404(request, pk), photo_pk)
