"""The demo's year of billing: twelve monthly runs, readings for the metered building, desk
payments dated on their days with receipt numbers in calendar order, a persona's last three
months left open, every house's ledger equal to its bills; running it again adds nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Sum
from django.utils import timezone

from wuyetong.billing import demo_year
from wuyetong.billing.calc import add_months
from wuyetong.billing.models import Bill, BillRun, MeterReading, Payment
from wuyetong.billing.selectors import house_account_balances
from wuyetong.estates.models import House

TODAY = dt.date(2026, 11, 20)


def test_a_year_of_billing(world):
    houses = list(House.objects.filter(community__in=[world.community_a1, world.community_a2]))
    House.objects.filter(pk__in=[h.pk for h in houses]).update(state="occupied")
    args = {
        "admin": world.staff("hq_admin"),
        "cashiers": {
            world.community_a1.pk: world.staff("cashier"),
            world.community_a2.pk: world.staff("hq_admin"),
        },
        "communities": [world.community_a1, world.community_a2],
        "personas": {world.owner_house.pk},
        "today": TODAY,
    }
    demo_year.populate(**args)
    months = [add_months(TODAY, k - 11) for k in range(12)]
    # a run every month (a fee item every house paid ahead of has nothing to run); water,
    # metered, every month in a1's first building
    assert sorted({r.period for r in BillRun.objects.all()}) == months
    water = BillRun.objects.filter(fee_item__name="水费")
    assert sorted(water.values_list("period", flat=True)) == months
    assert {r.community_id for r in water} == {world.community_a1.pk}
    metered = House.objects.filter(community=world.community_a1, building__sort=1).count()
    assert MeterReading.objects.count() == 12 * metered
    # payments are dated within the window, before today, numbered in calendar order
    payments = list(Payment.objects.order_by("community", "receipt_seq"))
    assert payments
    for p in payments:
        assert months[0] <= timezone.localtime(p.paid_at).date() < TODAY
    for community in (world.community_a1, world.community_a2):
        times = [p.paid_at for p in payments if p.community_id == community.pk]
        assert times == sorted(times)
    # the persona paid 物业费 by the quarter until three months ago: the last three are open
    fee = Bill.objects.filter(house=world.owner_house, fee_item__name="物业费")
    assert set(fee.filter(state="unpaid").values_list("period", flat=True)) == set(months[-3:])
    assert fee.filter(state="paid").count() == 9
    # every house owes exactly its open bills, by its ledger
    for house in houses:
        owed = sum(
            (b.outstanding for b in Bill.objects.filter(house=house, state="unpaid")),
            Decimal("0.00"),
        )
        assert house_account_balances(house=house)["receivable"] == -owed
    paid = Bill.objects.filter(state="paid").aggregate(s=Sum("paid_amount"))["s"]
    assert Decimal(str(paid)).quantize(Decimal("0.01")) == sum(
        (p.amount for p in payments), Decimal("0.00")
    )
    counts = (Bill.objects.count(), Payment.objects.count())
    demo_year.populate(**args)
    assert (Bill.objects.count(), Payment.objects.count()) == counts
