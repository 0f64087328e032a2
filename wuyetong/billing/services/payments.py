"""Taking money: bill payments at the desk or online, prepaid balance (预存) and deposits (押金).

Every payment is one transaction that locks what it changes (see locks.py for the order),
writes its ledger entries, moves the bills' states and takes the next receipt number of its
community. A repeated idempotency key returns the payment already recorded."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError
from wuyetong.estates.models import House

from ..choices import BillState, LedgerKind, PaymentPurpose, PayMethod
from ..locks import OPEN_STATES, prepaid_locked, receipt_counter_locked
from ..models import Bill, LedgerEntry, Payment, PrepaidBalance
from .common import entry, parse_money, require_billing
from .runs import house_monthly_charge

ZERO = Decimal("0.00")


def receipt_number(community_code: str, seq: int) -> str:
    return f"SJ{community_code}{seq:08d}"


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 64:
        raise ApplicationError("缺少或过长的请求编号(幂等键)", field="idempotency_key")
    return key


def _replay(key: str, house: House) -> Payment | None:
    """The payment already recorded under this key, if any. A key reused for another house
    is a client error, not a replay."""
    done = Payment.objects.filter(idempotency_key=key).first()
    if done is not None and done.house_id != house.pk:
        raise ApplicationError("请求编号已被其他缴费使用", field="idempotency_key")
    return done


def _new_payment(
    *,
    house: House,
    purpose: str,
    method: str,
    amount: Decimal,
    key: str,
    actor,
    note: str,
    tendered: Decimal | None = None,
) -> Payment | None:
    """Takes the next receipt number under the counter's lock and records the payment.
    Returns None when a concurrent request with the same key committed first (it held the
    counter lock, so it is visible now)."""
    counter = receipt_counter_locked(house.community_id)
    if Payment.objects.filter(idempotency_key=key).exists():
        return None
    counter.last_seq += 1
    counter.save(update_fields=["last_seq"])
    return Payment.objects.create(
        community_id=house.community_id,
        house=house,
        purpose=purpose,
        method=method,
        amount=amount,
        receipt_seq=counter.last_seq,
        receipt_no=receipt_number(house.community.code, counter.last_seq),
        idempotency_key=key,
        cashier=actor if getattr(actor, "pk", None) else None,
        note=(note or "")[:200],
        tendered=tendered,
    )


def bills_pay(
    *,
    actor,
    cashier,
    house: House,
    method: str,
    idempotency_key: str,
    bills: list[Bill],
    note: str = "",
    tendered: Decimal | None = None,
    entries: list[LedgerEntry] | None = None,
) -> Payment:
    """Pays the bills of a quote in full (desk.settle, after the quote's late fees and
    discounts were set on the bills): the one place money settles bills. `method="prepaid"`
    draws on the house's prepaid balance. `cashier` is None for money that did not pass
    through a desk. `entries` (settle's unsaved ledger entries) are written along with the
    payment's.

    The caller holds the locks of `bills` taken from the database in this transaction (new
    bills it inserted itself) and has looked for a payment under the key after taking them:
    two cashiers paying the same bill at once wait for each other there, and the second
    finds the replay or the bill paid. A concurrent payment under the same key for other
    bills is still caught at the receipt counter's lock."""
    key = _check_key(idempotency_key)
    if method not in PayMethod.values:
        raise ApplicationError("支付方式不正确", field="method")
    if not bills:
        raise ApplicationError("请选择要缴的账单", field="bills")
    if len({b.pk for b in bills}) != len(bills) or any(b.house_id != house.pk for b in bills):
        raise ApplicationError("所选账单不属于该房屋", field="bills")
    if any(b.pk is None or b.state not in OPEN_STATES for b in bills):
        raise ApplicationError("所选账单已缴清或已作废", field="bills", code="paid")
    bills = sorted(bills, key=lambda b: b.pk)
    parts = [(b, b.outstanding) for b in bills]
    total = sum((p for _, p in parts), ZERO)
    balance: PrepaidBalance | None = None
    if method == PayMethod.PREPAID:
        balance = prepaid_locked(house_id=house.pk, community_id=house.community_id)
        if balance.balance < total:
            raise ApplicationError(
                f"预存余额不足：余额 {balance.balance}元，需 {total}元", field="method"
            )
    payment = _new_payment(
        house=house,
        purpose=PaymentPurpose.BILLS,
        method=method,
        amount=total,
        key=key,
        actor=cashier,
        note=note,
        tendered=tendered,
    )
    if payment is None:
        return Payment.objects.get(idempotency_key=key)
    entries = list(entries or [])
    for bill, part in parts:
        bill.paid_amount += part  # = amount − discount: every bill is paid in full
        bill.state = BillState.PAID
        if not part:  # settled wholly by a discount: no money moved for it
            continue
        entries.append(
            entry(
                kind=LedgerKind.PAYMENT,
                amount=part,
                house_id=house.pk,
                community_id=house.community_id,
                actor=actor,
                bill=bill,
                payment=payment,
                note=f"收据 {payment.receipt_no}",
            )
        )
    _bills_settle(bills)
    if balance is not None:
        entries.append(
            entry(
                kind=LedgerKind.PREPAY_USE,
                amount=-total,
                house_id=house.pk,
                community_id=house.community_id,
                actor=actor,
                payment=payment,
                note=f"预存抵扣 收据 {payment.receipt_no}",
            )
        )
        balance.balance -= total
        balance.save(update_fields=["balance", "updated_at"])
    LedgerEntry.objects.bulk_create(entries)
    return payment


def _bills_settle(bills: list[Bill]) -> None:
    """Writes the bills as paid in full. Without a discount the paid amount is the amount
    itself, copied in SQL by one UPDATE (a copy is exact, also where SQLite keeps decimals as
    binary floats); a discounted bill gets its own UPDATE with the values computed here,
    since amount − discount computed by SQLite may differ from the decimal in the last bit."""
    plain = [b.pk for b in bills if not b.discount_amount]
    if plain:
        updated = Bill.objects.filter(pk__in=plain, discount_amount=0).update(
            paid_amount=F("amount"), state=BillState.PAID
        )
        if updated != len(plain):  # never: the caller holds these rows' locks
            raise ApplicationError("账单已变化，请刷新后重试", field="bills")
    for b in bills:
        if b.discount_amount:
            Bill.objects.filter(pk=b.pk).update(
                paid_amount=b.paid_amount, discount_amount=b.discount_amount, state=b.state
            )


@transaction.atomic
def prepay_deposit(
    *, actor, house: House, amount: Decimal | str, method: str, idempotency_key: str, note: str = ""
) -> Payment:
    """Money paid in advance into the house's prepaid balance (预存)."""
    return _into_account(
        actor=actor,
        house=house,
        amount=amount,
        method=method,
        idempotency_key=idempotency_key,
        note=note,
        purpose=PaymentPurpose.PREPAY,
    )


@transaction.atomic
def deposit_take(
    *, actor, house: House, amount: Decimal | str, method: str, idempotency_key: str, note: str = ""
) -> Payment:
    """A refundable deposit (押金, e.g. for renovation) held for the house."""
    return _into_account(
        actor=actor,
        house=house,
        amount=amount,
        method=method,
        idempotency_key=idempotency_key,
        note=note,
        purpose=PaymentPurpose.DEPOSIT,
    )


def _into_account(
    *, actor, house: House, amount, method: str, idempotency_key: str, note: str, purpose: str
) -> Payment:
    require_billing(actor, house.community, "add")
    key = _check_key(idempotency_key)
    if method not in PayMethod.values or method == PayMethod.PREPAID:
        raise ApplicationError("支付方式不正确", field="method")
    money = parse_money(amount, field="amount", label="金额")
    done = _replay(key, house)
    if done is not None:
        return done
    balance = prepaid_locked(house_id=house.pk, community_id=house.community_id)
    if purpose == PaymentPurpose.PREPAY:
        _check_prepay_cap(house, balance.balance + money)
    payment = _new_payment(
        house=house, purpose=purpose, method=method, amount=money, key=key, actor=actor, note=note
    )
    if payment is None:
        return Payment.objects.get(idempotency_key=key)
    deposit = purpose == PaymentPurpose.DEPOSIT
    entry(
        kind=LedgerKind.DEPOSIT if deposit else LedgerKind.PREPAY,
        amount=money,
        house_id=house.pk,
        community_id=house.community_id,
        actor=actor,
        payment=payment,
        note=f"收据 {payment.receipt_no}",
    ).save()
    if deposit:
        balance.deposit_held += money
    else:
        balance.balance += money
    balance.save(update_fields=["balance", "deposit_held", "updated_at"])
    return payment


def _check_prepay_cap(house: House, new_balance: Decimal) -> None:
    """A community may cap the prepaid balance at N months of the house's periodic charges
    (settings["prepay_cap_months"], e.g. 12), as local rules often require."""
    months = (house.community.settings or {}).get("prepay_cap_months")
    if not months:
        return
    monthly = house_monthly_charge(house=house, on=timezone.localdate())
    cap = monthly * int(months)
    if monthly > 0 and new_balance > cap:
        raise ApplicationError(
            f"预存上限为{int(months)}个月费用，共 {cap}元；预存后余额将为 {new_balance}元",
            field="amount",
        )


@transaction.atomic
def deposit_refund(
    *, actor, house: House, amount: Decimal | str, reason: str, idempotency_key: str
) -> LedgerEntry:
    """Gives back (part of) a held deposit. Needs the approve permission. A repeated
    idempotency key returns the refund already recorded instead of refunding twice."""
    require_billing(actor, house.community, "approve")
    key = _check_key(idempotency_key)
    money = parse_money(amount, field="amount", label="退还金额")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写退押金原因", field="reason")
    done = _refund_replay(key, house)
    if done is not None:
        return done
    balance = prepaid_locked(house_id=house.pk, community_id=house.community_id)
    # a concurrent submission with the same key held the balance lock first: visible now
    done = _refund_replay(key, house)
    if done is not None:
        return done
    if money > balance.deposit_held:
        raise ApplicationError(f"退还金额超过押金余额 {balance.deposit_held}元", field="amount")
    row = entry(
        kind=LedgerKind.DEPOSIT_REFUND,
        amount=-money,
        house_id=house.pk,
        community_id=house.community_id,
        actor=actor,
        note=reason,
    )
    row.idempotency_key = key
    row.save()
    balance.deposit_held -= money
    balance.save(update_fields=["deposit_held", "updated_at"])
    return row


def _refund_replay(key: str, house: House) -> LedgerEntry | None:
    done = LedgerEntry.objects.filter(idempotency_key=key).first()
    if done is not None and (done.house_id != house.pk or done.kind != LedgerKind.DEPOSIT_REFUND):
        raise ApplicationError("请求编号已被其他操作使用", field="idempotency_key")
    return done
