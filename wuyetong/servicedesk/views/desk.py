"""The duty desk (弹屏) behind every console page of staff who handle cases: the pool count
for the header badge, and after a dropped connection the new cases it missed."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import reverse
from django.views import View

from wuyetong.core.ids import parse_pk
from wuyetong.core.views import ModulePermissionMixin

from .. import selectors
from ..models import CaseEvent
from ..services._common import new_case_payload

REPLAY_LIMIT = 200
# Events that put a case in front of the duty desk: reported, or reopened into the pool.
NEW_CASE_ACTIONS = ("submit", "reopen")


def desk_card(case) -> dict:
    """What a pop-up shows: the `case.created` push, with the case page's address."""
    return {
        **new_case_payload(case),
        "url": reverse("servicedesk:case_detail", args=[case.pk]),
    }


class DeskState(ModulePermissionMixin, View):
    """GET ?after=<event id>: the pool count, the newest event id, and (with `after`) the new
    cases of the user's scope since that event, oldest first, REPLAY_LIMIT at a time."""

    permission = "servicedesk.view"

    def get(self, request):
        user = request.user
        after = parse_pk(request.GET.get("after", "")) if request.GET.get("after") else None
        cases: list[dict] = []
        more = False
        if after is not None:
            events = list(selectors.duty_desk_missed(user=user, after_id=after, limit=REPLAY_LIMIT))
            more = len(events) == REPLAY_LIMIT
            ids = list(dict.fromkeys(e.case_id for e in events if e.action in NEW_CASE_ACTIONS))
            found = selectors.staff_case_list(user=user).in_bulk(ids)
            cases = [desk_card(found[i]) for i in ids if i in found]
            last = max([after, *(e.pk for e in events)])
        else:
            # The id counter only: where a later replay starts, nothing of other tenants.
            last = CaseEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        return JsonResponse(
            {
                "pool": selectors.staff_case_list(user=user, pool=True).count(),
                "last_event_id": last,
                "cases": cases,
                "more": more,
            }
        )
