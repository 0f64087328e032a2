"""The cashier desk (收银台): paying chosen bills, all that is owed, or months ahead, with late
fees and discounts; waiving a late fee; the cashier's daily close (日结).

A settlement is one transaction: the bills are locked, the quote is computed again under the
lock and compared with the total the payer saw, then the months paid ahead become bills, each
late fee becomes a bill of its own, discounts settle part of their bills, and one payment with
one receipt number pays the rest. Every step is a ledger entry."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.core.money import to_money
from wuyetong.estates.models import House
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.services import oplog_record

from ..choices import FeeKind, LedgerKind, PayMethod
from ..locks import OPEN_STATES, bills_locked, open_bills_of_house_locked
from ..models import Bill, DailyClose, FeeItem, LateFeeWaiver, LedgerEntry, Payment
from .common import entry, parse_money, require_billing
from .payments import bills_pay
from .quote import Quote, late_fee_for, late_fee_rule, quote_build

ZERO = Decimal("0.00")
LATE_FEE_ITEM = "滞纳金"


def fee_item_for(company_id: int, name: str) -> FeeItem:
    """A company's one-off fee item by name (滞纳金, 有偿维修), created on first use."""
    item, _ = FeeItem.objects.get_or_create(
        company_id=company_id, name=name, defaults={"kind": FeeKind.ONE_OFF, "sort": 90}
    )
    return item


def _ids(values) -> list[int]:
    out = []
    for v in values or []:
        if isinstance(v, bool) or not (
            isinstance(v, int) or (isinstance(v, str) and v.isascii() and v.isdigit())
        ):
            raise ApplicationError("账单编号不正确", field="bills")
        out.append(int(v))
    return out


def locked_bills_for(house: House, bill_ids, *, pay_all: bool) -> list[Bill]:
    """The chosen bills of the house (or all its open ones), locked in id order; the caller
    refuses any no longer open once it has looked for a concurrent replay."""
    if pay_all:
        return list(
            open_bills_of_house_locked(house.pk)
            .select_related("fee_item", "standard")
            .select_for_update(of=("self",))  # lock the bills only, not what they join
        )
    ids = set(_ids(bill_ids))
    locked = list(
        bills_locked(ids).select_related("fee_item", "standard").select_for_update(of=("self",))
    )
    if len(locked) != len(ids) or any(b.house_id != house.pk for b in locked):
        raise ApplicationError("所选账单不属于该房屋", field="bills")
    return locked


def settle(
    *,
    actor,
    cashier,
    quote: Quote,
    method: str,
    idempotency_key: str,
    note: str = "",
    tendered: Decimal | None = None,
) -> Payment:
    """Writes what the quote says, inside the caller's transaction: the quote's bills are
    locked and the idempotency key was looked up after the locks (see bills_pay)."""
    house = quote.house
    if quote.total <= 0:
        raise ApplicationError("没有需要缴纳的金额", field="bills")
    created_by = actor if getattr(actor, "pk", None) else None
    advance = [line.bill for line in quote.lines if line.advance]
    if advance:
        for bill in advance:
            bill.created_by = created_by
        try:
            with transaction.atomic():
                Bill.objects.bulk_create(advance)  # sets their pks (PostgreSQL, SQLite ≥ 3.35)
        except IntegrityError:
            raise ApplicationError(
                "预缴月份的账单刚刚已生成，请刷新后重试", field="months_ahead"
            ) from None
    late_item: FeeItem | None = None
    late_bills: dict[int, Bill] = {}  # by quote line
    for i, line in enumerate(quote.lines):
        if line.late_fee is None:
            continue
        if late_item is None:
            late_item = fee_item_for(house.community.company_id, LATE_FEE_ITEM)
        late_bills[i] = Bill(
            community_id=house.community_id,
            house=house,
            fee_item=late_item,
            late_fee_of=line.bill,
            period=line.bill.period,
            period_start=quote.on,
            period_end=quote.on,
            due_date=quote.on,
            quantity=Decimal(line.late_fee.days),
            unit_price=ZERO,
            amount=line.late_fee.amount,
            calculation=line.late_fee.text,
            created_by=created_by,
        )
    if late_bills:
        Bill.objects.bulk_create(list(late_bills.values()))
    to_pay: list[Bill] = []
    entries: list[LedgerEntry] = []
    for i, line in enumerate(quote.lines):
        bill = line.bill
        if line.advance:
            entries.append(
                entry(
                    kind=LedgerKind.BILL,
                    amount=-bill.amount,
                    house_id=house.pk,
                    community_id=house.community_id,
                    actor=actor,
                    bill=bill,
                    note="预缴",
                )
            )
        if line.discount:
            # written with the payment, in the same transaction (bills_pay)
            bill.discount_amount += line.discount
            entries.append(
                entry(
                    kind=LedgerKind.DISCOUNT,
                    amount=line.discount,
                    house_id=house.pk,
                    community_id=house.community_id,
                    actor=actor,
                    bill=bill,
                    note=line.discount_note,
                )
            )
        to_pay.append(bill)
        fee_bill = late_bills.get(i)
        if fee_bill is not None and line.late_fee is not None:
            entries.append(
                entry(
                    kind=LedgerKind.LATE_FEE,
                    amount=-fee_bill.amount,
                    house_id=house.pk,
                    community_id=house.community_id,
                    actor=actor,
                    bill=fee_bill,
                    note=line.late_fee.text[:200],
                )
            )
            to_pay.append(fee_bill)
    return bills_pay(
        actor=actor,
        cashier=cashier,
        house=house,
        method=method,
        idempotency_key=idempotency_key,
        bills=to_pay,
        note=note,
        tendered=tendered,
        entries=entries,
    )


def _check_expected(quote: Quote, expected_total) -> None:
    if expected_total is None:
        return
    seen = parse_money(expected_total, field="expected_total", label="应付金额", positive=False)
    if seen != quote.total:
        raise ApplicationError(
            f"应付金额已变为 {quote.total}元（滞纳金或账单有变化），请核对后重新提交",
            field="expected_total",
            code="quote_changed",
        )


def _lock_cashier_day(actor, day: dt.date) -> None:
    """The cashier's user row is the lock that orders a day's payments before its close."""
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    if DailyClose.objects.filter(cashier=actor, day=day).exists():
        raise ApplicationError("今日已日结，不能再收款；请明日再收或联系财务", field="method")


@transaction.atomic
def desk_pay(
    *,
    actor,
    house: House,
    method: str,
    idempotency_key: str,
    bill_ids=None,
    pay_all: bool = False,
    months_ahead: int = 0,
    tendered: Decimal | str | None = None,
    expected_total: Decimal | str | None = None,
    note: str = "",
    on: dt.date | None = None,
) -> Payment:
    """Takes a payment at the desk. Cash may be tendered above the total (the change is
    tendered − total); other methods pay the exact total."""
    require_billing(actor, house.community, "add")
    on = on or timezone.localdate()
    done = Payment.objects.filter(idempotency_key=(idempotency_key or "").strip()).first()
    if done is not None:
        if done.house_id != house.pk:
            raise ApplicationError("请求编号已被其他缴费使用", field="idempotency_key")
        return done
    if method not in PayMethod.values:
        raise ApplicationError("请选择支付方式", field="method")
    _lock_cashier_day(actor, on)
    bills = locked_bills_for(house, bill_ids, pay_all=pay_all)
    # a concurrent submission with the same key held these locks first: it is visible now
    done = Payment.objects.filter(idempotency_key=(idempotency_key or "").strip()).first()
    if done is not None:
        return done
    if any(b.state not in OPEN_STATES for b in bills):
        raise ApplicationError("所选账单已缴清或已作废，请刷新后重试", field="bills", code="paid")
    if not bills and not months_ahead:
        raise ApplicationError("请选择要缴的账单或预缴月数", field="bills")
    quote = quote_build(house=house, bills=bills, months_ahead=months_ahead, on=on)
    _check_expected(quote, expected_total)
    cash: Decimal | None = None
    if tendered not in (None, ""):
        if method != PayMethod.CASH:
            raise ApplicationError("只有现金收款需要填写实收金额", field="tendered")
        cash = parse_money(tendered, field="tendered", label="实收金额")
        if cash < quote.total:
            raise ApplicationError(f"实收金额不足：应收 {quote.total}元", field="tendered")
    return settle(
        actor=actor,
        cashier=actor,
        quote=quote,
        method=method,
        idempotency_key=idempotency_key,
        note=note,
        tendered=cash,
    )


@transaction.atomic
def late_fee_waive(*, actor, bill: Bill, reason: str, on: dt.date | None = None) -> LateFeeWaiver:
    """Waives a bill's late fee (needs billing.approve); the reason goes to the waiver and
    the operation log."""
    locked = Bill.objects.select_for_update().filter(pk=bill.pk).first()
    if locked is None:
        raise NotFound()
    require_billing(actor, locked.community, "approve")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写减免原因", field="reason")
    if len(reason) > 200:
        raise ApplicationError("减免原因不超过200字", field="reason")
    if locked.state not in OPEN_STATES or locked.late_fee_of_id:
        raise ApplicationError("只有未缴清的账单可以减免滞纳金", field="bill")
    if LateFeeWaiver.objects.filter(bill=locked).exists():
        raise ApplicationError("该账单的滞纳金已减免", field="bill")
    fee = late_fee_for(
        principal=locked.outstanding,
        due=locked.due_date,
        on=on or timezone.localdate(),
        rule=late_fee_rule(locked.community_id),
    )
    waiver = LateFeeWaiver.objects.create(
        community_id=locked.community_id,
        bill=locked,
        reason=reason,
        waived_amount=fee.amount if fee else ZERO,
        created_by=actor,
    )
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=locked,
        company=locked.community.company_id,
        note=f"减免滞纳金 {waiver.waived_amount}元：{reason}",
    )
    return waiver


# ---------------------------------------------------------------- daily close


def day_payments(*, cashier, day: dt.date):
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    return Payment.objects.filter(cashier=cashier, paid_at__gte=start, paid_at__lt=end)


def day_totals(payments) -> tuple[int, Decimal, dict[str, str]]:
    by: dict[str, Decimal] = defaultdict(lambda: ZERO)
    count = 0
    for method, amount in payments.values_list("method", "amount"):
        by[method] += amount
        count += 1
    total = to_money(sum(by.values(), ZERO))
    return count, total, {m: str(to_money(v)) for m, v in sorted(by.items())}


@transaction.atomic
def daily_close(*, actor, day: dt.date | None = None) -> DailyClose:
    """Closes the cashier's own day: totals by method and the receipts counted are kept, and
    no payment dated that day is taken by them afterwards."""
    access = get_access(actor)
    if not access.is_staff_member or not access.can("billing.add"):
        raise PermissionDenied()
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise ApplicationError("不能日结未来的日期", field="day")
    get_user_model().objects.select_for_update().filter(pk=actor.pk).first()
    if DailyClose.objects.filter(cashier=actor, day=day).exists():
        raise ApplicationError("该日已日结", field="day", code="closed")
    payments = day_payments(cashier=actor, day=day)
    count, total, by_method = day_totals(payments)
    close = DailyClose.objects.create(
        company_id=access.company_id or 0,
        cashier=actor,
        day=day,
        count=count,
        total=total,
        by_method=by_method,
        payment_ids=list(payments.order_by("pk").values_list("pk", flat=True)),
    )
    oplog_record(
        actor=actor,
        action=OpAction.CREATE,
        obj=close,
        company=access.company_id,
        note=f"日结 {day:%Y-%m-%d}：{count} 笔，{total}元",
    )
    return close
