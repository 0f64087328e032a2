"""The collecting demo: rules, today's desk payments, an online payment, a pending refund
and an invoice request, made through the services; running it again adds nothing."""

from __future__ import annotations

from wuyetong.billing import demo_collect
from wuyetong.billing.models import (
    DiscountRule,
    InvoiceRequest,
    LateFeeRule,
    Payment,
    PaymentOrder,
    RefundRequest,
)
from wuyetong.billing.selectors import house_account_balances


def test_demo_collect_populates_and_is_idempotent(world):
    from wuyetong.demo import builders as b

    b.owner_bind(user=world.owner, house=world.houses_a2[0])
    world.owner.__dict__.pop("_wuyetong_access", None)
    args = {
        "admin": world.staff("hq_admin"),
        "cashier": world.staff("cashier"),
        "owner": world.owner,
        "communities": [world.community_a1, world.community_a2],
    }
    demo_collect.populate(**args)
    assert LateFeeRule.objects.count() == 2 and DiscountRule.objects.count() == 2
    assert Payment.objects.filter(cashier=world.staff("cashier")).count() >= 3
    assert RefundRequest.objects.filter(state="pending").count() == 2
    order = PaymentOrder.objects.get()
    assert order.state == "paid"
    # one of them refunds the online payment: finance's approval sends it back that way
    assert RefundRequest.objects.get(payment=order.payment).method == order.method
    assert InvoiceRequest.objects.count() == 1
    counts = (Payment.objects.count(), RefundRequest.objects.count())
    demo_collect.populate(**args)
    assert (Payment.objects.count(), RefundRequest.objects.count()) == counts
    assert house_account_balances(house=world.owner_house)["receivable"] < 0  # still owes
