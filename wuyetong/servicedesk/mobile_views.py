"""The repair worker's phone pages (/servicedesk/m/): my tasks and the grab pool of my types,
and one task with big buttons for the step the case is at (grab, accept, arrive, start, pause
with a reason / resume, photos, quote, complete with photos and a note). Staff log in as on the
console; the task page is the console's case page (same actions, same service refusals) drawn
for a phone, so the rules of who may do what are written once."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.views import ModulePermissionMixin

from . import selectors, services
from .choices import CaseState
from .photos import photo_response
from .services.handling import WORK
from .views.cases import CaseDetail, sla_status

# The console's actions a worker has on the phone; dispatching, visits and closing stay at
# the desk.
MOBILE_ACTIONS = (
    "grab",
    "accept",
    "arrive",
    "start",
    "pause",
    "resume",
    "quote",
    "complete",
    "return_to_pool",
    "message",
)
PHOTO_STATES = (CaseState.ACCEPTED, CaseState.ON_SITE, CaseState.IN_PROGRESS, CaseState.PAUSED)


class TaskList(ModulePermissionMixin, View):
    permission = WORK

    def get(self, request):
        mine = list(selectors.worker_tasks(user=request.user)[:100])
        pool = list(selectors.worker_pool(user=request.user)[:50])
        now = timezone.now()
        for case in (*mine, *pool):
            case.sla_text, case.sla_tag = sla_status(case, now)  # type: ignore[attr-defined]
        return render(request, "servicedesk/mobile/tasks.html", {"mine": mine, "pool": pool})


class TaskPage(CaseDetail):
    """The console's case page with the phone's template and the phone's actions."""

    permission = WORK
    template_name = "servicedesk/mobile/task.html"

    def forms_for(self, case, bound=None):
        return [a for a in super().forms_for(case, bound) if a["name"] in MOBILE_ACTIONS]

    def context(self, case, **kwargs):
        ctx = super().context(case, **kwargs)
        mine = self.access.employee_id is not None and case.assignee_id == self.access.employee_id
        ctx["can_add_photos"] = mine and case.state in PHOTO_STATES
        # The step the case is at comes first and open; the rest fold away under their names.
        ctx["main_actions"] = [a for a in ctx["actions"] if a["primary"] or a["name"] == "grab"]
        ctx["more_actions"] = [a for a in ctx["actions"] if a not in ctx["main_actions"]]
        ctx["photo_error"] = (
            kwargs.get("error", "") if kwargs.get("bound") == ("photos", None) else ""
        )
        return ctx

    def get(self, request, pk: str):
        return render(request, self.template_name, self.context(self.get_case(pk)))

    def post(self, request, pk: str):
        case = self.get_case(pk)
        name = request.POST.get("action", "")
        if name == "photos":
            return self.add_photos(request, case)
        if name not in MOBILE_ACTIONS:
            raise Http404
        response = super().post(request, pk)
        if response.status_code == 302:
            return redirect("servicedesk:m_task", pk=case.pk)
        return response

    def add_photos(self, request, case):
        try:
            services.case_photos_add(
                actor=request.user,
                case_id=case.pk,
                photos=request.FILES.getlist("photos-photos"),
                note=request.POST.get("photos-note", ""),
            )
        except NotFound:
            raise Http404 from None
        except ApplicationError as exc:
            fresh = self.get_case(str(case.pk))
            ctx = self.context(fresh, bound=("photos", None), error=exc.message)
            return render(request, self.template_name, ctx, status=400)
        messages.success(request, _("照片已上传"))
        return redirect("servicedesk:m_task", pk=case.pk)


class TaskPhoto(ModulePermissionMixin, View):
    permission = WORK

    def get(self, request, pk: int, photo_pk: int):
        try:
            case = selectors.staff_case_get(user=request.user, case_id=pk)
        except NotFound:
            raise Http404 from None
        return photo_response(case, photo_pk)
