"""Demo data of the collecting side, made through the services: late-fee and discount rules,
the owner's open bills (some overdue, so late fees show), desk payments of today for the
cashier persona (so 日结 has figures), an online sandbox payment (with a refund waiting that
goes back through the gateway once approved), a refund waiting for
approval, an invoice request and a vacancy relief request. Runs after the bill-run demo and
only adds what is missing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from wuyetong.estates.models import House

from . import services
from .gateways import gateway_for
from .locks import OPEN_STATES
from .models import Bill, DiscountRule, LateFeeRule
from .services import charges


def _ensure_open(actor, house: House, item, amounts: list[tuple[str, dt.date]], tag: str) -> None:
    if Bill.objects.filter(house=house, state__in=OPEN_STATES).exists():
        return
    for i, (amount, due) in enumerate(amounts):
        services.bill_create_one_off(
            actor=actor,
            house=house,
            fee_item=item,
            amount=Decimal(amount),
            description=f"{due:%Y年%m月}物业费",
            due_date=due,
            idempotency_key=f"demo-{tag}-{house.pk}-{i}",
        )


def _round_up(house: House, bill_ids: list[int], today: dt.date) -> Decimal:
    """What a payer hands over in cash: the total rounded up to the next hundred yuan."""
    total = services.quote_build(
        house=house, bills=list(Bill.objects.filter(pk__in=bill_ids)), on=today
    ).total
    return ((total // 100) + 1) * 100


def populate(*, admin, cashier, owner, communities, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    company = communities[0].company
    items = {i.name: i for i in services.fee_items_ensure_defaults(actor=admin, company=company)}
    for c in communities:
        if not LateFeeRule.objects.filter(community=c).exists():
            services.late_fee_rule_set(
                actor=admin, community=c, daily_rate_percent="0.03", grace_days=15, cap_percent="50"
            )
    first = communities[0]
    if not DiscountRule.objects.filter(community=first).exists():
        services.discount_rule_create(
            actor=admin,
            community=first,
            name="预缴一年物业费95折",
            kind="prepay_percent",
            fee_item=items["物业费"],
            min_months=12,
            percent="5",
            valid_from=dt.date(today.year, 1, 1),
        )
        services.discount_rule_create(
            actor=admin,
            community=first,
            name="无欠费立减10元",
            kind="fixed",
            amount="10",
            require_no_arrears=True,
            valid_from=dt.date(today.year, 1, 1),
        )
    month = today.replace(day=1)
    last = (month - dt.timedelta(days=1)).replace(day=1)
    earlier = (last - dt.timedelta(days=1)).replace(day=1)
    owner_houses = list(
        House.objects.filter(occupancies__resident__user=owner, occupancies__end_date__isnull=True)
        .select_related("community")
        .order_by("pk")
    )
    for house in owner_houses:
        _ensure_open(
            admin,
            house,
            items["物业费"],
            [
                ("268.80", earlier.replace(day=15)),
                ("268.80", last.replace(day=15)),
                ("268.80", month.replace(day=15)),
            ],
            "owner",
        )
    # paid repairs the owner accepted (service-desk demo) become bills, as the beat job does
    for pk in charges.case_charges_pending():
        charges.case_charge_bill(charge=charges.CaseCharge(pk=pk))
    # today's desk payments by the cashier persona on other houses of the first community
    others = list(
        House.objects.filter(community=first, state="occupied")
        .exclude(pk__in=[h.pk for h in owner_houses])
        .order_by("building__sort", "room_no")[:4]
    )
    payments = []
    for house, method in zip(others, ["cash", "wechat", "alipay", "bank_card"], strict=False):
        _ensure_open(admin, house, items["物业费"], [("215.60", last.replace(day=15))], "desk")
        open_ids = list(
            Bill.objects.filter(house=house, state__in=OPEN_STATES).values_list("pk", flat=True)[:3]
        )
        if not open_ids:
            continue
        payments.append(
            services.desk_pay(
                actor=cashier,
                house=house,
                method=method,
                bill_ids=open_ids,
                tendered=_round_up(house, open_ids, today) if method == "cash" else None,
                idempotency_key=f"demo-desk-{house.pk}",
                expected_total=None,
            )
        )
    if payments:
        first_payment = payments[0]
        bill_ids = list(
            first_payment.ledger_entries.filter(kind="payment").values_list("bill_id", flat=True)[
                :1
            ]
        )
        if bill_ids and not first_payment.refund_requests.exists():
            services.refund_request(
                actor=cashier,
                payment=first_payment,
                bill_ids=bill_ids,
                reason="业主已于银行代扣缴纳，重复收费",
            )
    # the owner paid their second house's oldest bill online (sandbox) and asked for an invoice
    if len(owner_houses) > 1 and not owner_houses[1].payment_orders.exists():
        house = owner_houses[1]
        oldest = (
            Bill.objects.filter(house=house, state__in=OPEN_STATES)
            .order_by("period_start", "pk")
            .first()
        )
        if oldest is not None:
            order, _url = services.order_create(
                user=owner,
                house=house,
                bill_ids=[oldest.pk],
                gateway="sandbox",
                notify_url="http://127.0.0.1/api/v1/billing/notify/sandbox/",
                return_url_for=lambda o: "/app/bills/",
            )
            headers, body = gateway_for("sandbox").notification(  # type: ignore[attr-defined]
                out_trade_no=order.out_trade_no, amount=order.amount, approve=True
            )
            handled = services.notice_receive(gateway="sandbox", headers=headers, body=body)
            payment = handled.notice.order.payment if handled.notice.order else None
            if payment is not None:
                services.invoice_request(
                    actor=owner,
                    payment=payment,
                    title=owner.name or "业主",
                    email="owner@example.com",
                )
                # and a refund of it waits for finance: approved, it goes back the way it came
                services.refund_request(
                    actor=admin,  # the cashier's scope may not cover this community
                    payment=payment,
                    bill_ids=[oldest.pk],
                    reason="业主在线支付后又在物业前台缴纳，申请原路退回",
                )
    vacant = House.objects.filter(community=first, state="vacant").order_by("pk").first()
    if vacant is not None and not vacant.vacancy_reliefs.exists():
        services.vacancy_relief_request(
            actor=cashier,
            house=vacant,
            fee_item=items["物业费"],
            start=month,
            end=(month + dt.timedelta(days=160)).replace(day=1),
            percent="30",
            reason="房屋空置未入住，业主申请空置优惠",
        )
