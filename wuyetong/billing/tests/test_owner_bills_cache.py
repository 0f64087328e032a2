"""The owner's bills API keeps its answer per house and reuses it only while the fingerprint
read with the house matches: every change that alters the answer shows in the very next read,
equal to the fen to an answer computed afresh (the kept answers dropped)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wuyetong.billing import services
from wuyetong.billing.gateways import gateway_for
from wuyetong.billing.models import Bill, BillRun, RulesVersion
from wuyetong.billing.services.owner_bills import forget
from wuyetong.billing.services.standards import fee_item_update
from wuyetong.estates.models import Occupancy
from wuyetong.estates.services.resources_people import occupancy_move_out

from .collect_helpers import key, sandbox_order
from .conftest import property_standard, set_house

pytestmark = pytest.mark.django_db
TODAY = dt.date.today()
THIS_MONTH = TODAY.replace(day=1)


def _months_ago(n: int) -> dt.date:
    d = THIS_MONTH
    for _ in range(n):
        d = (d - dt.timedelta(days=1)).replace(day=1)
    return d


@pytest.fixture
def billed(world, fees):
    """The owner's house: 280.00 a month, bills of the two months before this one from real
    bill runs (the older one overdue), a late-fee rule and a fixed discount rule."""
    admin = world.staff("hq_admin")
    house = set_house(world.owner_house, handover=_months_ago(3))
    standard = property_standard(world, fees, effective_from=_months_ago(3), due_day=1)
    services.fee_assign(actor=admin, standard=standard, houses=[house], start_date=_months_ago(3))
    for period in (_months_ago(2), _months_ago(1)):
        services.bill_run_commit(actor=admin, community=world.community_a1, period=period)
    services.late_fee_rule_set(
        actor=admin, community=world.community_a1, daily_rate_percent="0.05", grace_days=5
    )
    services.discount_rule_create(
        actor=admin,
        community=world.community_a1,
        name="立减5元",
        kind="fixed",
        amount="5",
        valid_from=_months_ago(3),
    )
    return house


def _read(api_for, user, house) -> dict:
    r = api_for(user).get(reverse("api-billing-my-bills"), {"house": house.pk})
    assert r.status_code == 200, r.content
    return r.json()


def _after_change(api_for, world, house, before: dict) -> dict:
    """The next read after a change: different from before, equal to a fresh computation."""
    seen = _read(api_for, world.owner, house)
    forget()
    fresh = _read(api_for, world.owner, house)
    assert seen == fresh
    assert seen != before
    return seen


def _warm(api_for, world, house) -> dict:
    first = _read(api_for, world.owner, house)
    assert _read(api_for, world.owner, house) == first  # from the kept answer
    return first


def test_the_kept_answer_is_reused_only_by_its_owner(world, billed, api_for):
    before = _warm(api_for, world, billed)
    assert len(before["lines"]) == 2 and Decimal(before["late_fees"]) > 0
    assert before["outstanding"] == "560.00" and before["discount_rule"] == "立减5元"
    url = reverse("api-billing-my-bills")
    assert api_for().get(url, {"house": billed.pk}).status_code in (401, 403)
    for user in (
        world.other_owner,
        world.staff("hq_admin"),
        world.staff("cashier", "b"),
        world.bureau_official,
    ):
        assert api_for(user).get(url, {"house": billed.pk}).status_code == 404, user
    # the other owner's own house is answered for that house, not from this one's entry
    theirs = _read(api_for, world.other_owner, world.other_owner_house)
    assert theirs["house_id"] == world.other_owner_house.pk and theirs["lines"] == []


def test_a_bill_run_and_its_void_show_at_once(world, billed, api_for):
    admin = world.staff("hq_admin")
    before = _warm(api_for, world, billed)
    services.bill_run_commit(actor=admin, community=world.community_a1, period=THIS_MONTH)
    after_run = _after_change(api_for, world, billed, before)
    assert len(after_run["lines"]) == 3 and after_run["outstanding"] == "840.00"
    run = BillRun.objects.get(community=world.community_a1, period=THIS_MONTH)
    services.bill_run_void(actor=admin, run=run, reason="单价有误")
    after_void = _after_change(api_for, world, billed, after_run)
    assert after_void["outstanding"] == "560.00" and len(after_void["lines"]) == 2


def test_a_desk_payment_shows_at_once(world, billed, api_for):
    before = _warm(api_for, world, billed)
    oldest = Bill.objects.filter(house=billed).order_by("period").first()
    services.desk_pay(
        actor=world.staff("cashier"),
        house=billed,
        method="cash",
        bill_ids=[oldest.pk],
        idempotency_key=key(),
    )
    after = _after_change(api_for, world, billed, before)
    assert after["outstanding"] == "280.00"
    assert [x["bill_id"] for x in after["lines"]] != [x["bill_id"] for x in before["lines"]]


def test_an_online_payment_shows_at_once(world, billed, api_for):
    before = _warm(api_for, world, billed)
    newest = Bill.objects.filter(house=billed).order_by("period").last()
    order = sandbox_order(world, [newest])
    _read(api_for, world.owner, billed)  # an order alone changes nothing owed
    headers, body = gateway_for("sandbox").notification(
        out_trade_no=order.out_trade_no, amount=order.amount, approve=True
    )
    services.notice_receive(gateway="sandbox", headers=headers, body=body)
    after = _after_change(api_for, world, billed, before)
    assert after["outstanding"] == "280.00" and len(after["lines"]) == 1


def test_a_late_fee_waiver_shows_at_once(world, billed, api_for):
    before = _warm(api_for, world, billed)
    oldest = Bill.objects.filter(house=billed).order_by("period").first()
    services.late_fee_waive(actor=world.staff("hq_admin"), bill=oldest, reason="困难户")
    after = _after_change(api_for, world, billed, before)
    line = next(x for x in after["lines"] if x["bill_id"] == oldest.pk)
    assert line["late_fee"] == "0.00"
    assert Decimal(after["late_fees"]) < Decimal(before["late_fees"])


def test_a_refund_shows_at_once(world, billed, api_for):
    oldest = Bill.objects.filter(house=billed).order_by("period").first()
    payment = services.desk_pay(
        actor=world.staff("cashier"),
        house=billed,
        method="cash",
        bill_ids=[oldest.pk],
        idempotency_key=key(),
    )
    before = _warm(api_for, world, billed)
    # a refunded bill is reversed, not reopened: what the owner sees move is the money
    # refunded into the prepaid balance
    request = services.refund_request(
        actor=world.staff("cashier"),
        payment=payment,
        bill_ids=[oldest.pk],
        reason="重复缴费",
        method="prepaid",
    )
    assert _read(api_for, world.owner, billed) == before  # requested only: nothing moved
    services.refund_approve(actor=world.staff("hq_admin"), request=request)
    after = _after_change(api_for, world, billed, before)
    assert Decimal(after["prepaid_balance"]) > 0 and after["lines"] == before["lines"]


def test_a_rule_change_shows_at_once(world, billed, api_for):
    before = _warm(api_for, world, billed)
    services.late_fee_rule_set(
        actor=world.staff("hq_admin"),
        community=world.community_a1,
        daily_rate_percent="0.10",
        grace_days=5,
    )
    after = _after_change(api_for, world, billed, before)
    assert Decimal(after["late_fees"]) > Decimal(before["late_fees"])


def test_prepaid_and_deposit_show_at_once(world, billed, api_for):
    before = _warm(api_for, world, billed)
    services.prepay_deposit(
        actor=world.staff("cashier"),
        house=billed,
        amount="100.00",
        method="cash",
        idempotency_key=key(),
    )
    after = _after_change(api_for, world, billed, before)
    assert after["prepaid_balance"] == "100.00" and before["prepaid_balance"] in ("0", "0.00")
    services.deposit_take(
        actor=world.staff("cashier"),
        house=billed,
        amount="500.00",
        method="cash",
        idempotency_key=key(),
    )
    assert _read(api_for, world.owner, billed)["prepaid_balance"] == "100.00"
    forget()
    assert _read(api_for, world.owner, billed) == after


def test_a_fee_item_renamed_shows_at_once(world, fees, billed, api_for):
    before = _warm(api_for, world, billed)
    fee_item_update(actor=world.staff("hq_admin"), item=fees["物业费"], name="住宅物业服务费")
    after = _after_change(api_for, world, billed, before)
    assert {x["fee_item"] for x in after["lines"]} == {"住宅物业服务费"}


def test_a_new_day_shows_at_once(world, billed, api_for, monkeypatch):
    before = _warm(api_for, world, billed)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
    after = _after_change(api_for, world, billed, before)
    assert after["on"] == tomorrow.isoformat()
    assert Decimal(after["late_fees"]) > Decimal(before["late_fees"])


def test_a_moved_out_owner_is_refused_at_once(world, billed, api_for):
    _warm(api_for, world, billed)
    occupancy = Occupancy.objects.get(house=billed, resident__user=world.owner)
    occupancy_move_out(
        actor=world.staff("hq_admin"),
        occupancy=occupancy,
        end_date=TODAY,
        end_reason="出售",
    )
    r = api_for(world.owner).get(reverse("api-billing-my-bills"), {"house": billed.pk})
    assert r.status_code == 404


def test_a_change_committed_between_fingerprint_and_bills_is_read_again(
    world, fees, billed, api_for, monkeypatch
):
    """The fingerprint is read before the bills: a change that lands in between makes the
    kept answer newer than its fingerprint, never older, and the next read computes again."""
    from wuyetong.billing.services import owner_bills

    from .collect_helpers import one_off

    before = _warm(api_for, world, billed)
    compute = owner_bills._compute

    def change_then_compute(*args, **kwargs):
        monkeypatch.setattr(owner_bills, "_compute", compute)
        one_off(world, fees, billed, "33.30", TODAY)  # commits after the fingerprint was read
        return compute(*args, **kwargs)

    monkeypatch.setattr(owner_bills, "_compute", change_then_compute)
    services.late_fee_waive(
        actor=world.staff("hq_admin"),
        bill=Bill.objects.filter(house=billed).order_by("period").first(),
        reason="困难户",
    )
    raced = _read(api_for, world.owner, billed)
    assert Decimal(raced["outstanding"]) == Decimal(before["outstanding"]) + Decimal("33.30")
    after = _after_change(api_for, world, billed, before)
    assert after == raced


def test_the_kept_answers_are_bounded(world, billed, api_for, monkeypatch):
    from wuyetong.billing.services import owner_bills

    monkeypatch.setattr(owner_bills, "MAX_HOUSES", 1)
    mine = _read(api_for, world.owner, billed)
    theirs = _read(api_for, world.other_owner, world.other_owner_house)
    assert list(owner_bills._answers) == [world.other_owner_house.pk]  # the older one dropped
    assert _read(api_for, world.owner, billed) == mine  # computed again, the same
    assert _read(api_for, world.other_owner, world.other_owner_house) == theirs
    assert len(owner_bills._answers) == 1


def _orm_answer(house, on: dt.date) -> dict:
    """The quote of the house's open bills read through the ORM (the house with its rules
    token, the bills with their fee item and waiver), as the API read them before its
    plain queries."""
    from wuyetong.billing.locks import OPEN_STATES
    from wuyetong.billing.services.quote import quote_build
    from wuyetong.estates.models import House

    house = House.objects.select_related("community__billing_rules_version").get(pk=house.pk)
    bills = list(
        Bill.objects.filter(house=house, state__in=OPEN_STATES)
        .select_related("fee_item", "late_fee_waiver")
        .order_by("period_start", "id")
    )
    return quote_build(house=house, bills=bills, on=on, all_open=True).as_dict()


def _quote_part(answer: dict) -> dict:
    return {k: v for k, v in answer.items() if k not in ("house", "prepaid_balance")}


def test_the_plain_reads_compute_what_the_orm_reads_compute(world, fees, billed, api_for):
    """Every kind of open bill the quote treats apart: two fee items, a waived late fee, a
    partly paid bill, an open late-fee bill of its own, an approved vacancy relief."""
    from .collect_helpers import one_off

    admin = world.staff("hq_admin")
    before = _warm(api_for, world, billed)
    assert _quote_part(before) == _orm_answer(billed, TODAY)
    oldest, newer = Bill.objects.filter(house=billed).order_by("period")
    services.late_fee_waive(actor=admin, bill=oldest, reason="困难户")
    water = one_off(world, fees, billed, "88.88", TODAY - dt.timedelta(days=45), item="水费")
    # as the data of a bill part paid and of an unpaid late fee (the services pay a late fee
    # with its bill at once): what the quote must read of them
    Bill.objects.filter(pk=newer.pk).update(paid_amount=Decimal("100.01"), state="partial")
    fee = one_off(world, fees, billed, "12.34", TODAY - dt.timedelta(days=40))
    Bill.objects.filter(pk=fee.pk).update(late_fee_of=water)
    relief = services.vacancy_relief_request(
        actor=admin,
        house=billed,
        fee_item=fees["物业费"],
        start=_months_ago(3),
        end=THIS_MONTH,
        percent="30",
        reason="空置",
    )
    services.vacancy_relief_decide(actor=admin, relief=relief, approve=True)
    seen = _read(api_for, world.owner, billed)
    assert _quote_part(seen) == _orm_answer(billed, TODAY)
    lines = {x["bill_id"]: x for x in seen["lines"]}
    assert lines[oldest.pk]["late_fee"] == "0.00" and lines[oldest.pk]["discount"] != "0.00"
    assert lines[newer.pk]["outstanding"] == "179.99" and lines[water.pk]["fee_item"] == "水费"
    assert Decimal(lines[water.pk]["late_fee"]) > 0 and lines[fee.pk]["late_fee"] == "0.00"
    # a community whose rules never changed has no token row: the same there
    assert not RulesVersion.objects.filter(community=world.other_owner_house.community_id)
    theirs = _read(api_for, world.other_owner, world.other_owner_house)
    assert _quote_part(theirs) == _orm_answer(world.other_owner_house, TODAY)
