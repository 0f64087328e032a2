"""Messages in the message centre: the owner hears of 受理/派单, 到场, 完成, 报价, 回复 and 关闭
with a link to the case page, not of the steps in between nor of their own actions; the
handler hears of a task that became theirs; nobody else hears anything."""

from __future__ import annotations

import pytest

from wuyetong.core.exceptions import ApplicationError
from wuyetong.notices.models import Message
from wuyetong.servicedesk import services

pytestmark = pytest.mark.django_db


def _inbox(user) -> list[tuple[str, str]]:
    return list(Message.objects.filter(user=user).order_by("pk").values_list("title", "link"))


def test_the_owner_is_told_at_each_step_that_matters(desk):
    owner, worker = desk.world.owner, desk.worker
    case = desk.submit()
    link = f"/app/service/{case.pk}/"
    assert _inbox(owner) == []  # their own report
    desk.drive(case, "dispatched")
    assert _inbox(owner) == [(f"您的报修已受理，已派单给{worker.name}", link)]
    services.case_accept(actor=worker, case_id=case.pk)
    assert len(_inbox(owner)) == 1  # accepting is not a step the owner is told of
    services.case_arrive(actor=worker, case_id=case.pk)
    services.case_start(actor=worker, case_id=case.pk)
    services.case_quote(actor=worker, case_id=case.pk, amount="35.5", note="换阀门")
    services.case_message(actor=worker, case_id=case.pk, note="阀门需要换新的")
    services.case_quote_accept(reporter=owner, case_id=case.pk, expected_amount="35.50")
    services.case_add_info(reporter=owner, case_id=case.pk, note="好的")
    services.case_complete(actor=worker, case_id=case.pk, note="已更换")
    services.case_rate(reporter=owner, case_id=case.pk, rating="good")
    services.case_close(actor=desk.cs, case_id=case.pk)
    titles = [t for t, _link in _inbox(owner)]
    assert titles == [
        f"您的报修已受理，已派单给{worker.name}",
        f"{worker.name}已到场处理您的报修",
        "有偿维修报价 ¥35.50，请确认",
        "物业回复了您的报修",
        "您的报修已处理完成，请确认并评价",
        "您的报修已办结关闭",
    ]
    assert {lk for _t, lk in _inbox(owner)} == {link}
    message = Message.objects.filter(user=owner, title="物业回复了您的报修").get()
    assert "阀门需要换新的" in message.body and case.number in message.body
    assert message.kind == "service"


def test_a_complaints_written_reply_reaches_the_owner(desk):
    case = desk.drive(desk.submit(kind="complaint"), "accepted")
    services.case_reply(actor=desk.worker, case_id=case.pk, reply="已约谈施工方，22点后停工")
    assert ("物业已书面答复您的投诉", f"/app/service/{case.pk}/") in _inbox(desk.world.owner)


def test_the_handler_is_told_of_a_new_task_and_nobody_else(desk):
    case = desk.submit()
    worker2 = desk.worker2
    services.case_dispatch(actor=desk.cs, case_id=case.pk, assignee_id=desk.emp(desk.worker).pk)
    assert _inbox(desk.worker) == [("新任务：漏水（报修）", f"/servicedesk/m/{case.pk}/")]
    services.case_transfer(
        actor=desk.worker, case_id=case.pk, assignee_id=desk.emp(worker2).pk, note="我在外区"
    )
    assert _inbox(worker2) == [("新任务：漏水（报修）", f"/servicedesk/m/{case.pk}/")]
    assert len(_inbox(desk.worker)) == 1
    # Grabbing is the worker's own doing: the owner hears of it, the worker does not.
    other = desk.submit(client_token="2")
    services.case_grab(actor=desk.worker, case_id=other.pk)
    assert len(_inbox(desk.worker)) == 1
    assert (f"您的报修已受理，{desk.worker.name}已接单", f"/app/service/{other.pk}/") in _inbox(
        desk.world.owner
    )
    w = desk.world
    for bystander in (desk.cs, w.other_owner, w.bureau_official, w.staff("repair_worker", "b")):
        assert _inbox(bystander) == []


def test_a_refused_step_sends_nothing(desk):
    case = desk.submit()
    with pytest.raises(ApplicationError):
        services.case_arrive(actor=desk.worker, case_id=case.pk)
    assert Message.objects.count() == 0
