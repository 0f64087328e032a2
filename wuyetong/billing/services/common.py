"""Shared pieces of the billing services: permission and scope checks, money parsing that
names the field, and ledger entry construction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.core.money import CENT
from wuyetong.orgs.models import Community

from ..choices import KIND_ACCOUNT
from ..models import Bill, LedgerEntry, Payment


def require_billing(actor, community: Community, action: str) -> None:
    """The actor needs `billing.<action>` and the community in their data scope; another
    company's community looks absent."""
    access = get_access(actor)
    if not access.is_authenticated:
        raise PermissionDenied()
    if not access.is_platform and (
        access.company_id != community.company_id or not access.sees_community(community.pk)
    ):
        raise NotFound()
    if not access.can(f"billing.{action}"):
        raise PermissionDenied()


def parse_money(value: object, *, field: str, label: str, positive: bool = True) -> Decimal:
    """A money amount from user input: Decimal, int or a numeric string with at most two
    decimals. Floats are refused, never rounded silently."""
    if isinstance(value, float | bool):
        raise ApplicationError(f"{label}必须是精确金额，不能是浮点数", field=field)
    try:
        amount = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise ApplicationError(f"{label}不是有效的金额", field=field) from None
    if not amount.is_finite():
        raise ApplicationError(f"{label}不是有效的金额", field=field)
    if amount != amount.quantize(CENT):
        raise ApplicationError(f"{label}最多两位小数(到分)", field=field)
    if positive and amount <= 0:
        raise ApplicationError(f"{label}必须大于零", field=field)
    if not positive and amount < 0:
        raise ApplicationError(f"{label}不能为负", field=field)
    if amount >= Decimal("1e12"):
        raise ApplicationError(f"{label}过大", field=field)
    return amount.quantize(CENT)


def parse_decimal(value: object, *, field: str, label: str, places: int) -> Decimal:
    if isinstance(value, float | bool):
        raise ApplicationError(f"{label}不能是浮点数，请用文本数字", field=field)
    try:
        number = Decimal(str(value).strip()) if isinstance(value, str) else Decimal(value)  # type: ignore[arg-type]
    except (InvalidOperation, TypeError, ValueError):
        raise ApplicationError(f"{label}不是有效的数字", field=field) from None
    if not number.is_finite() or number < 0:
        raise ApplicationError(f"{label}不能为负", field=field)
    if number != number.quantize(Decimal(1).scaleb(-places)):
        raise ApplicationError(f"{label}最多{places}位小数", field=field)
    return number


def require_date(value: object, *, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        raise ApplicationError(f"{label}必须是日期", field=field)
    return value


def entry(
    *,
    kind: str,
    amount: Decimal,
    house_id: int,
    community_id: int,
    actor=None,
    bill: Bill | None = None,
    payment: Payment | None = None,
    fee_item_id: int | None = None,
    note: str = "",
) -> LedgerEntry:
    """An unsaved ledger entry on the account its kind belongs to."""
    return LedgerEntry(
        community_id=community_id,
        house_id=house_id,
        account=KIND_ACCOUNT[kind],
        kind=kind,
        amount=amount,
        bill=bill,
        payment=payment,
        fee_item_id=fee_item_id
        if fee_item_id is not None
        else (bill.fee_item_id if bill else None),
        note=note[:200],
        created_by=actor if getattr(actor, "pk", None) else None,
    )
