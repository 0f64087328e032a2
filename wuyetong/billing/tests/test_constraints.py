"""The database itself refuses books that do not add up, whatever code writes them."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models.deletion import ProtectedError

from wuyetong.billing import services
from wuyetong.billing.models import Bill, PrepaidBalance


@pytest.fixture
def bill(world, fees):
    return services.bill_create_one_off(
        idempotency_key=uuid.uuid4().hex,
        actor=world.staff("cashier"),
        house=world.houses_a1[0],
        fee_item=fees["物业费"],
        amount="100.00",
        description="物业费",
        due_date=dt.date(2024, 3, 15),
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"paid_amount": Decimal("100.01")},  # more paid than billed
        {"state": "paid"},  # paid without the money
        {"state": "unpaid", "paid_amount": Decimal("5.00")},
        {"amount": Decimal("-1.00")},
    ],
)
def test_bills_that_do_not_add_up_are_refused(bill, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        Bill.objects.filter(pk=bill.pk).update(**changes)


def test_prepaid_balance_cannot_go_negative(world, bill):
    row = PrepaidBalance.objects.create(house=world.houses_a1[0], community=world.community_a1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PrepaidBalance.objects.filter(pk=row.pk).update(balance=Decimal("-0.01"))


def test_a_billed_house_cannot_be_deleted(world, bill):
    with pytest.raises(ProtectedError):
        world.houses_a1[0].delete()


def test_a_settled_bill_is_accepted_where_binary_floats_would_not_add_up(bill):
    # 179.43 − 2.95 is 176.48000000000002 in the binary floats SQLite keeps decimals in.
    Bill.objects.filter(pk=bill.pk).update(amount=Decimal("179.43"))
    Bill.objects.filter(pk=bill.pk).update(
        discount_amount=Decimal("2.95"), paid_amount=Decimal("176.48"), state="paid"
    )
    bill.refresh_from_db()
    assert (bill.state, bill.paid_amount) == ("paid", Decimal("176.48"))
