"""Collecting rules of a community: the late-fee rule (滞纳金), discount rules (预缴优惠,
固定减免) and vacancy relief (空置优惠) with its approval."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.estates.models import House
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import oplog_record

from ..choices import DiscountKind, ReliefState
from ..models import DiscountRule, FeeItem, LateFeeRule, VacancyRelief
from .common import parse_decimal, parse_money, require_billing, require_date
from .rules_cache import rules_changed

MAX_DAILY_RATE = Decimal("0.01")  # 1 % a day is far above any local rule: a typo guard


def _percent(value, *, field: str, label: str, allow_zero: bool = False) -> Decimal:
    number = parse_decimal(value, field=field, label=label, places=2)
    if number > 100 or (number == 0 and not allow_zero):
        raise ApplicationError(f"{label}应在0到100之间", field=field)
    return number


@transaction.atomic
def late_fee_rule_set(
    *,
    actor,
    community: Community,
    daily_rate_percent,
    grace_days: int,
    cap_percent=None,
    enabled: bool = True,
) -> LateFeeRule:
    """Sets the community's late-fee rule. The rate is entered as a percent per day (0.03
    means 0.03 %); it applies to fees computed from now on, never to late fees already paid."""
    require_billing(actor, community, "change")
    pct = parse_decimal(daily_rate_percent, field="daily_rate_percent", label="日费率", places=4)
    rate = pct / 100
    if rate > MAX_DAILY_RATE:
        raise ApplicationError("日费率不能超过 1%", field="daily_rate_percent")
    if (
        isinstance(grace_days, bool)
        or not isinstance(grace_days, int)
        or not 0 <= grace_days <= 365
    ):
        raise ApplicationError("宽限天数应为0到365的整数", field="grace_days")
    cap = None
    if cap_percent not in (None, ""):
        cap = _percent(cap_percent, field="cap_percent", label="滞纳金上限")
    rule, created = LateFeeRule.objects.select_for_update().get_or_create(
        community=community,
        defaults={"daily_rate": rate, "grace_days": grace_days, "cap_percent": cap},
    )
    before = {
        "daily_rate": str(rule.daily_rate),
        "grace_days": rule.grace_days,
        "cap_percent": str(rule.cap_percent),
        "enabled": rule.enabled,
    }
    rule.daily_rate, rule.grace_days, rule.cap_percent = rate, grace_days, cap
    rule.enabled, rule.updated_by = bool(enabled), actor
    rule.save()
    rules_changed(community.pk)
    after = {
        "daily_rate": str(rule.daily_rate),
        "grace_days": rule.grace_days,
        "cap_percent": str(rule.cap_percent),
        "enabled": rule.enabled,
    }
    oplog_record(
        actor=actor,
        action=OpAction.CREATE if created else OpAction.UPDATE,
        obj=rule,
        company=community.company_id,
        changes={k: [before[k], after[k]] for k in after if before[k] != after[k] or created},
        note="滞纳金规则",
    )
    return rule


def _fee_item(community: Community, fee_item: FeeItem | None) -> FeeItem | None:
    if fee_item is not None and fee_item.company_id != community.company_id:
        raise ApplicationError("收费项目不存在", field="fee_item", code="not_found")
    return fee_item


@transaction.atomic
def discount_rule_create(
    *,
    actor,
    community: Community,
    name: str,
    kind: str,
    fee_item: FeeItem | None = None,
    min_months: int = 0,
    percent=0,
    free_months: int = 0,
    amount=0,
    require_no_arrears: bool = False,
    valid_from: dt.date,
    valid_to: dt.date | None = None,
) -> DiscountRule:
    require_billing(actor, community, "change")
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ApplicationError("请填写优惠名称(不超过50字)", field="name")
    if kind not in DiscountKind.values:
        raise ApplicationError("优惠方式不正确", field="kind")
    for label, field, value in (
        ("预缴月数", "min_months", min_months),
        ("赠送月数", "free_months", free_months),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36:
            raise ApplicationError(f"{label}应为0到36的整数", field=field)
    pct = _percent(percent or "0", field="percent", label="折扣比例", allow_zero=True)
    money = parse_money(amount or "0", field="amount", label="减免金额", positive=False)
    if kind == DiscountKind.PREPAY_PERCENT and (pct <= 0 or min_months < 1):
        raise ApplicationError("预缴折扣需填写预缴月数和折扣比例", field="percent")
    if kind == DiscountKind.PREPAY_FREE and (free_months < 1 or min_months < 1):
        raise ApplicationError("预缴赠送需填写预缴月数和赠送月数", field="free_months")
    if kind == DiscountKind.PREPAY_FREE and free_months >= min_months:
        raise ApplicationError("赠送月数应少于预缴月数", field="free_months")
    if kind == DiscountKind.FIXED and money <= 0:
        raise ApplicationError("固定减免需填写减免金额", field="amount")
    start = require_date(valid_from, field="valid_from", label="生效日期")
    if valid_to is not None and require_date(valid_to, field="valid_to", label="失效日期") < start:
        raise ApplicationError("失效日期不能早于生效日期", field="valid_to")
    rule = DiscountRule.objects.create(
        community=community,
        fee_item=_fee_item(community, fee_item),
        name=name,
        kind=kind,
        min_months=min_months,
        percent=pct,
        free_months=free_months,
        amount=money,
        require_no_arrears=bool(require_no_arrears),
        valid_from=start,
        valid_to=valid_to,
        created_by=actor,
    )
    rules_changed(community.pk)
    oplog_record(actor=actor, action=OpAction.CREATE, obj=rule, company=community.company_id)
    return rule


@transaction.atomic
def discount_rule_disable(*, actor, rule: DiscountRule) -> DiscountRule:
    """Rules are switched off, never deleted: past payments still name them."""
    row = DiscountRule.objects.select_for_update().filter(pk=rule.pk).first()
    if row is None:
        raise NotFound()
    require_billing(actor, row.community, "change")
    row.is_active = False
    row.save(update_fields=["is_active"])
    rules_changed(row.community_id)
    oplog_record(
        actor=actor, action=OpAction.UPDATE, obj=row, company=row.community.company_id, note="停用"
    )
    return row


@transaction.atomic
def vacancy_relief_request(
    *,
    actor,
    house: House,
    fee_item: FeeItem,
    start: dt.date,
    end: dt.date,
    percent,
    reason: str,
) -> VacancyRelief:
    community = house.community
    require_billing(actor, community, "add")
    _fee_item(community, fee_item)
    first = require_date(start, field="start", label="开始月份").replace(day=1)
    last = require_date(end, field="end", label="结束月份").replace(day=1)
    if last < first:
        raise ApplicationError("结束月份不能早于开始月份", field="end")
    if (last.year - first.year) * 12 + last.month - first.month >= 24:
        raise ApplicationError("一次最多申请24个月", field="end")
    pct = _percent(percent, field="percent", label="优惠比例")
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写申请理由", field="reason")
    overlap = VacancyRelief.objects.filter(
        house=house,
        fee_item=fee_item,
        state__in=[ReliefState.PENDING, ReliefState.APPROVED],
        start__lte=last,
        end__gte=first,
    )
    if overlap.exists():
        raise ApplicationError("该房屋在这段时间已有空置优惠申请", field="start")
    relief = VacancyRelief.objects.create(
        community=community,
        house=house,
        fee_item=fee_item,
        start=first,
        end=last,
        percent=pct,
        reason=reason[:200],
        requested_by=actor,
    )
    oplog_record(actor=actor, action=OpAction.CREATE, obj=relief, company=community.company_id)
    return relief


@transaction.atomic
def vacancy_relief_decide(
    *, actor, relief: VacancyRelief, approve: bool, note: str = ""
) -> VacancyRelief:
    row = VacancyRelief.objects.select_for_update().filter(pk=relief.pk).first()
    if row is None:
        raise NotFound()
    require_billing(actor, row.community, "approve")
    if row.state != ReliefState.PENDING:
        raise ApplicationError("该申请已审批", field="state", code="decided")
    note = (note or "").strip()
    if not approve and not note:
        raise ApplicationError("请填写驳回原因", field="note")
    row.state = ReliefState.APPROVED if approve else ReliefState.REJECTED
    row.decided_by, row.decided_at, row.decision_note = actor, timezone.now(), note[:200]
    row.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    rules_changed(row.community_id)
    oplog_record(
        actor=actor,
        action=OpAction.UPDATE,
        obj=row,
        company=row.community.company_id,
        note=("批准" if approve else "驳回") + (f"：{note}" if note else ""),
    )
    return row
