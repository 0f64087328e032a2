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
# Events that put a case in front of the duty desk: reported, or reopened into the pool (a
# bureau's urge gets its own card).
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
            cases = self.cards(user, events)
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

    @staticmethod
    def cards(user, events) -> list[dict]:
        """A card per new case (once, however many events it had since) and per bureau urge,
        in the order they happened."""
        wanted = [e for e in events if e.action in (*NEW_CASE_ACTIONS, "urge")]
        found = selectors.staff_case_list(user=user).in_bulk({e.case_id for e in wanted})
        cards, seen = [], set()
        for event in wanted:
            case = found.get(event.case_id)
            if case is None:
                continue
            if event.action == "urge":
                urge_id = event.data.get("urge_id")
                cards.append({**desk_card(case), "urge_id": urge_id, "note": event.note})
            elif case.pk not in seen:
                seen.add(case.pk)
                cards.append(desk_card(case))
        return cards
