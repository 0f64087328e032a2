"""Messages about a case in people's message centres (through the notices module): the owner
at each step that matters to them (受理/派单, 到场, 完成, 报价, 回复, 关闭), the handler when a
task becomes theirs. Written in the action's transaction by `record`; the push to open screens
follows its commit. Other steps (accept, start, pause …) only move the live timeline."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wuyetong.notices.choices import MessageKind
from wuyetong.notices.services import message_send

from ..models import Case, CaseEvent

OWNER_TITLES: dict[str, Any] = {
    "dispatch": gettext_lazy("您的%(kind)s已受理，已派单给%(assignee)s"),
    "round_robin": gettext_lazy("您的%(kind)s已受理，已派单给%(assignee)s"),
    "grab": gettext_lazy("您的%(kind)s已受理，%(assignee)s已接单"),
    "arrive": gettext_lazy("%(assignee)s已到场处理您的%(kind)s"),
    "complete": gettext_lazy("您的%(kind)s已处理完成，请确认并评价"),
    "quote": gettext_lazy("有偿维修报价 ¥%(amount)s，请确认"),
    "message": gettext_lazy("物业回复了您的%(kind)s"),
    "reply": gettext_lazy("物业已书面答复您的投诉"),
    "close": gettext_lazy("您的%(kind)s已办结关闭"),
}
# Actions that hand the case to a (new) handler.
ASSIGNING = frozenset({"dispatch", "round_robin", "transfer"})


def _body(case: Case, event: CaseEvent) -> str:
    lines = [f"{case.number} · {case.case_type.name} · {case.community.name} {case.place_label}"]
    if event.note and event.action in ("message", "reply", "complete", "quote"):
        lines.append(event.note)
    return "\n".join(lines)


def on_event(case: Case, event: CaseEvent) -> None:
    """Tell whoever this event concerns; nobody is told of what they did themselves."""
    assignee = case.assignee.user if case.assignee_id and case.assignee else None
    values = {
        "kind": case.get_kind_display(),
        "assignee": assignee.name if assignee else _("维修人员"),
        "amount": event.data.get("amount", ""),
    }
    title = OWNER_TITLES.get(event.action)
    if title is not None and case.reporter_id != event.actor_id:
        message_send(
            user_ids=[case.reporter_id],
            title=str(title) % values,
            body=_body(case, event),
            link=reverse("owner_servicedesk:case_detail", args=[case.pk]),
            kind=MessageKind.SERVICE,
            now=event.at,
        )
    if event.action in ASSIGNING and assignee is not None and assignee.pk != event.actor_id:
        message_send(
            user_ids=[assignee.pk],
            title=_("新任务：%(type)s（%(kind)s）")
            % {"type": case.case_type.name, "kind": case.get_kind_display()},
            body=_body(case, event),
            link=reverse("servicedesk:m_task", args=[case.pk]),
            kind=MessageKind.SERVICE,
            now=event.at,
        )
