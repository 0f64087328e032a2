"""Helpers of the collecting tests: bills with a known due date, and keys."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import Decimal

from wuyetong.billing import services
from wuyetong.billing.models import Bill


def key() -> str:
    return uuid.uuid4().hex


def one_off(world, fees, house, amount: str, due: dt.date, item: str = "物业费") -> Bill:
    return services.bill_create_one_off(
        actor=world.staff("hq_admin"),
        house=house,
        fee_item=fees[item],
        amount=Decimal(amount),
        description="测试账单",
        due_date=due,
        idempotency_key=key(),
    )


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def sandbox_order(world, bills, **kw):
    """An order of the owner's house for the bills, through the sandbox gateway."""
    order, _url = services.order_create(
        user=world.owner,
        house=world.owner_house,
        bill_ids=[b.pk for b in bills],
        gateway="sandbox",
        notify_url="http://testserver/api/v1/billing/notify/sandbox/",
        return_url_for=lambda o: f"/app/bills/orders/{o.out_trade_no}/",
        **kw,
    )
    return order
