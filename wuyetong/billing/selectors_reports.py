"""Billing reports, scoped to the user: collection rate (收缴率) by community, building, fee
item or month; income by pay method or cashier; prepaid and deposit balances. Every money
figure is an exact sum to the fen (MoneySum) and every rate is computed from those sums."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from wuyetong.core.money import ZERO, MoneySum

from .choices import BillState, LedgerKind, PaymentPurpose, PayMethod, RefundState
from .collect_models import RefundRequest
from .models import Bill, LedgerEntry, Payment, PrepaidBalance

LIVE = ~Q(state__in=[BillState.VOIDED, BillState.REVERSED])
COLLECTION_GROUPS = {
    "community": ("community_id", "community__name", "community__code"),
    "building": (
        "community__name",
        "house__building_id",
        "house__building__name",
        "house__building__sort",
    ),
    "fee_item": ("fee_item_id", "fee_item__name", "fee_item__sort"),
    "month": ("period",),
}
COLLECTION_ORDER = {
    "community": ("community__code",),
    "building": ("community__name", "house__building__sort", "house__building__name"),
    "fee_item": ("fee_item__sort", "fee_item_id"),
    "month": ("period",),
}
INCOME_GROUPS = {
    "method": ("method",),
    "cashier": ("cashier_id", "cashier__name", "cashier__phone"),
    "community": ("community_id", "community__name", "community__code"),
}


def rate(part: Decimal, whole: Decimal) -> Decimal | None:
    """part ÷ whole as a percentage with two decimals (None when nothing was billed)."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def collection(
    user,
    *,
    group: str,
    start: dt.date,
    end: dt.date,
    community_id: int | None = None,
    fee_item_id: int | None = None,
) -> list[dict]:
    """Bills of the months start..end (by their period): billed, discounts granted on them,
    collected (paid on them so far), outstanding and the collection rate, one row per group.
    A discount settles its part of a bill without being paid: it is neither collected nor
    owed, so the rate is collected ÷ (billed − discounts) and a discounted bill settled in
    full counts as fully collected."""
    qs = Bill.objects.for_user(user, "view").filter(LIVE, period__gte=start, period__lte=end)
    if community_id:
        qs = qs.filter(community_id=community_id)
    if fee_item_id:
        qs = qs.filter(fee_item_id=fee_item_id)
    rows = list(
        qs.values(*COLLECTION_GROUPS[group])
        .annotate(
            billed=MoneySum("amount"),
            discount=MoneySum("discount_amount"),
            collected=MoneySum("paid_amount"),
            bills=Count("id"),
        )
        .order_by(*COLLECTION_ORDER[group])
    )
    for r in rows:
        _collection_figures(r)
    return rows


def _collection_figures(r: dict) -> dict:
    r["receivable"] = r["billed"] - r["discount"]
    r["outstanding"] = r["receivable"] - r["collected"]
    r["rate"] = rate(r["collected"], r["receivable"])
    return r


def collection_total(rows: list[dict]) -> dict:
    total = {key: sum((r[key] for r in rows), ZERO) for key in ("billed", "discount", "collected")}
    total["bills"] = sum(r["bills"] for r in rows)
    return _collection_figures(total)


def _payments(user, start: dt.date, end: dt.date, community_id: int | None) -> QuerySet[Payment]:
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    qs = Payment.objects.for_user(user, "view").filter(paid_at__gte=since, paid_at__lt=until)
    return qs.filter(community_id=community_id) if community_id else qs


def income(
    user, *, group: str, start: dt.date, end: dt.date, community_id: int | None = None
) -> list[dict]:
    """Money received between two days (inclusive), by pay method, cashier or community:
    the total, and how much of it paid bills, went to prepaid balances or to deposits.
    "预存抵扣" is listed too: it settles bills from money received earlier, so it is not
    new income and is kept out of the cash total."""
    rows = list(
        _payments(user, start, end, community_id)
        .values(*INCOME_GROUPS[group])
        .annotate(
            total=MoneySum("amount"),
            bills=MoneySum("amount", filter=Q(purpose=PaymentPurpose.BILLS)),
            prepay=MoneySum("amount", filter=Q(purpose=PaymentPurpose.PREPAY)),
            deposit=MoneySum("amount", filter=Q(purpose=PaymentPurpose.DEPOSIT)),
            count=Count("id"),
        )
        .order_by("-total")
    )
    for r in rows:
        r["label"] = (
            str(PayMethod(r["method"]).label)
            if group == "method"
            else (r.get("cashier__name") or r.get("cashier__phone") or "在线支付")
            if group == "cashier"
            else r["community__name"]
        )
        r["new_money"] = r["method"] != PayMethod.PREPAID if group == "method" else True
    return rows


def income_by_day(user, *, start: dt.date, end: dt.date, community_id: int | None = None):
    """Cash received per day (prepaid balance used is not new money)."""
    return list(
        _payments(user, start, end, community_id)
        .exclude(method=PayMethod.PREPAID)
        .annotate(day=TruncDate("paid_at", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(total=MoneySum("amount"), count=Count("id"))
        .order_by("day")
    )


def refunds(
    user, *, start: dt.date, end: dt.date, community_id: int | None = None
) -> dict[str, Decimal]:
    """Refunds approved in the days, as positive sums: "returned" is money given back to
    owners (bill refunds paid out by cash, transfer… and deposit refunds); "to_prepaid" is
    bill refunds credited to the house's prepaid balance — a transfer inside the house's
    accounts, no money leaving, so it is kept out of "returned"."""
    tz = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    approved = RefundRequest.objects.for_user(user, "view").filter(
        state=RefundState.APPROVED, decided_at__gte=since, decided_at__lt=until
    )
    deposits = LedgerEntry.objects.for_user(user, "view").filter(
        kind=LedgerKind.DEPOSIT_REFUND, created_at__gte=since, created_at__lt=until
    )
    if community_id:
        approved = approved.filter(community_id=community_id)
        deposits = deposits.filter(community_id=community_id)
    bills = approved.aggregate(
        out=MoneySum("amount", filter=~Q(method=PayMethod.PREPAID)),
        credited=MoneySum("amount", filter=Q(method=PayMethod.PREPAID)),
    )
    deposit = ZERO - deposits.aggregate(t=MoneySum("amount"))["t"]
    return {"returned": bills["out"] + deposit, "to_prepaid": bills["credited"]}


def balances(user, *, community_id: int | None = None) -> list[dict]:
    """Prepaid (预存) and deposit (押金) balances held, per community."""
    qs = PrepaidBalance.objects.for_user(user, "view")
    if community_id:
        qs = qs.filter(community_id=community_id)
    return list(
        qs.values("community_id", "community__name", "community__code")
        .annotate(
            prepaid=MoneySum("balance"),
            deposit=MoneySum("deposit_held"),
            prepaid_houses=Count("id", filter=Q(balance__gt=0)),
            deposit_houses=Count("id", filter=Q(deposit_held__gt=0)),
        )
        .order_by("community__code")
    )


def ledger_balances(user, *, community_id: int | None = None) -> dict[int, dict[str, Decimal]]:
    """The same balances summed from the ledger (the truth the cached ones are checked
    against), per community: {community id: {"prepaid": …, "deposit": …}}."""
    qs = LedgerEntry.objects.for_user(user, "view").filter(account__in=["prepaid", "deposit"])
    if community_id:
        qs = qs.filter(community_id=community_id)
    out: dict[int, dict[str, Decimal]] = {}
    for row in qs.values("community_id", "account").annotate(t=MoneySum("amount")).order_by():
        out.setdefault(row["community_id"], {"prepaid": ZERO, "deposit": ZERO})[row["account"]] = (
            row["t"]
        )
    return out
