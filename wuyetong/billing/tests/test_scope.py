"""Tenant isolation of billing reads."""

from __future__ import annotations

import datetime as dt
import uuid

from wuyetong.billing import services
from wuyetong.billing.models import Bill, FeeItem, LedgerEntry, Payment
from wuyetong.billing.selectors import bill_list, payment_list


def test_another_company_sees_none_of_our_billing(world, fees):
    house = world.owner_house
    bill = services.bill_create_one_off(
        idempotency_key=uuid.uuid4().hex,
        actor=world.staff("cashier"),
        house=house,
        fee_item=fees["物业费"],
        amount="80.00",
        description="物业费",
        due_date=dt.date(2024, 3, 15),
    )
    services.desk_pay(
        actor=world.staff("cashier"),
        house=house,
        bill_ids=[bill.pk],
        method="cash",
        idempotency_key="s1",
    )
    ours = world.staff("finance")
    theirs = world.staff("hq_admin", company="b")
    assert list(bill_list(user=ours)) == [bill]
    assert Payment.objects.for_user(ours).count() == 1
    for model in (Bill, Payment, LedgerEntry, FeeItem):
        assert not model.objects.for_user(theirs).exists(), model
    assert not bill_list(user=theirs).exists()
    assert not payment_list(user=theirs).exists()


def test_roles_without_billing_and_other_owners_see_nothing(world, fees):
    bill = services.bill_create_one_off(
        idempotency_key=uuid.uuid4().hex,
        actor=world.staff("cashier"),
        house=world.owner_house,
        fee_item=fees["物业费"],
        amount="80.00",
        description="物业费",
        due_date=dt.date(2024, 3, 15),
    )
    assert not bill_list(user=world.staff("repair_worker")).exists()
    assert list(bill_list(user=world.owner)) == [bill]
    assert not bill_list(user=world.other_owner).exists()
