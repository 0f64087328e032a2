"""Dunning (催缴): reminding houses in arrears by in-app message, SMS (through the SMS
provider interface) and a printed notice (PDF), each reminder kept as a DunningRecord with
the arrears as they stood.

Reminders are all there is. 民法典 第944条: a property company may not stop the supply of
water, power, heating or gas to collect fees, so nothing here (or anywhere in the system)
cuts a supply or restricts a house."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from wuyetong.accounts.sms import send_sms
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.money import money_total
from wuyetong.estates.models import House
from wuyetong.notices.services import message_send
from wuyetong.orgs.choices import OpAction
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import oplog_record

from ..choices import DunningChannel, DunningStatus
from ..locks import OPEN_STATES
from ..models import Bill, DunningRecord
from ..selectors_arrears import owners_of
from .common import require_billing

logger = logging.getLogger("wuyetong.billing")
MAX_HOUSES = 2000
OWNER_BILLS_LINK = "/app/bills/"


@dataclass
class DunningResult:
    batch: str
    records: list[DunningRecord] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (house, reason)

    def count(self, channel: str, status: str | None = None) -> int:
        return sum(
            1
            for r in self.records
            if r.channel == channel and (status is None or r.status == status)
        )


def house_text(house: House) -> str:
    return f"{house.building.name}{house.unit.name}{house.room_no}"


def reminder_text(
    *, company: str, house: str, owed, oldest_due: dt.date, as_of: dt.date, phone: str
) -> str:
    text = (
        f"【{company}】尊敬的业主：您的房屋 {house} 截至{as_of:%Y年%m月%d日}尚有物业费等费用 "
        f"{owed}元未缴（最早应缴日期 {oldest_due:%Y年%m月%d日}），请尽快缴纳，"
        "可在物业通App在线缴费或到物业服务中心缴纳。如已缴纳，请忽略本提醒。"
    )
    if phone:
        text += f"咨询电话：{phone}"
    return text[:500]


def _send_sms(messages: list[tuple[int, str, str]]) -> None:
    """After commit: each SMS through the provider; one refused is marked failed on its
    record (and logged) without stopping the others."""
    failed = []
    for pk, phone, text in messages:
        try:
            send_sms(phone, text, {"type": "dunning"})
        except Exception:
            logger.exception("dunning SMS to record %s failed", pk)
            failed.append(pk)
    if failed:
        DunningRecord.objects.filter(pk__in=failed).update(status=DunningStatus.FAILED)


@transaction.atomic
def dunning_send(
    *,
    actor,
    community: Community,
    house_ids: list[int],
    channels: list[str],
    as_of: dt.date | None = None,
) -> DunningResult:
    """Reminds the chosen houses of their arrears by the chosen channels, recording each
    reminder. Houses without overdue bills are skipped; an SMS goes at most once a day to a
    house; an app message reaches each owner with an app login; a printed notice is made for
    every house in arrears (its PDF is drawn from the record, so a reprint shows the same
    figures). SMS leave after the transaction commits."""
    require_billing(actor, community, "add")
    chosen = [c for c in DunningChannel.values if c in set(channels or [])]
    if not chosen or len(chosen) != len(set(channels)):
        raise ApplicationError("请选择催缴方式：站内消息、短信或书面通知", field="channels")
    ids = sorted(set(house_ids or []))
    if not ids:
        raise ApplicationError("请选择要催缴的房屋", field="houses")
    if len(ids) > MAX_HOUSES:
        raise ApplicationError(f"一次最多催缴 {MAX_HOUSES} 户，请缩小范围", field="houses")
    houses = {
        h.pk: h
        for h in House.objects.filter(community=community, pk__in=ids).select_related(
            "building", "unit"
        )
    }
    if len(houses) != len(ids):
        raise ApplicationError("所选房屋不属于本小区", field="houses")
    today = as_of or timezone.localdate()
    texted_today = set(
        DunningRecord.objects.filter(
            house_id__in=ids,
            channel=DunningChannel.SMS,
            status=DunningStatus.SENT,
            created_at__date=timezone.localdate(),
        ).values_list("house_id", flat=True)
    )
    lines: dict[int, list] = {}
    for bill in (
        Bill.objects.filter(
            community=community, house_id__in=ids, state__in=OPEN_STATES, due_date__lt=today
        )
        .select_related("fee_item")
        .order_by("house_id", "due_date", "period_start", "pk")
    ):
        lines.setdefault(bill.house_id, []).append(
            [
                bill.fee_item.name,
                f"{bill.period_start:%Y-%m}",
                bill.due_date.isoformat(),
                str(bill.outstanding),
            ]
        )
    owed: dict[int, dict[str, Any]] = {
        pk: {
            "total": money_total(Decimal(line[3]) for line in rows),
            "bills": len(rows),
            "oldest": dt.date.fromisoformat(rows[0][2]),
        }
        for pk, rows in lines.items()
    }
    owners = owners_of(ids)
    company = community.company.short_name or community.company.name
    result = DunningResult(batch=uuid.uuid4().hex)
    sms_out: list[DunningRecord] = []
    messages: list[tuple[list[int], str]] = []
    for pk in ids:
        house = houses[pk]
        label = house_text(house)
        row = owed.get(pk)
        if row is None or row["total"] <= 0:
            result.skipped.append((label, "无欠费"))
            continue
        people = owners.get(pk, [])
        text = reminder_text(
            company=company,
            house=label,
            owed=row["total"],
            oldest_due=row["oldest"],
            as_of=today,
            phone=community.service_phone,
        )
        base = {
            "community": community,
            "house": house,
            "batch": result.batch,
            "owed": row["total"],
            "bill_count": row["bills"],
            "oldest_due": row["oldest"],
            "text": text,
            "sent_by": actor,
            "recipient_name": people[0][0] if people else "",
            "lines": lines.get(pk, []),
        }
        for channel in chosen:
            record = DunningRecord(channel=channel, **base)
            if channel == DunningChannel.APP:
                users = [uid for _, _, uid in people if uid]
                record.status = DunningStatus.SENT if users else DunningStatus.NO_RECIPIENT
                record.recipient_id = users[0] if users else None
                if users:
                    messages.append((users, text))
            elif channel == DunningChannel.SMS:
                if pk in texted_today:
                    result.skipped.append((label, "今日已发过催缴短信"))
                    continue
                phone = next((p for _, p, _ in people if p), "")
                record.phone = phone
                record.status = DunningStatus.SENT if phone else DunningStatus.NO_RECIPIENT
                if phone:
                    sms_out.append(record)
            else:
                record.status = DunningStatus.PRINTED
            result.records.append(record)
    result.records = DunningRecord.objects.bulk_create(result.records)
    letters = [r for r in result.records if r.channel == DunningChannel.LETTER]
    for r in letters:
        r.notice_no = f"CJ{community.code}{today:%Y%m%d}{r.pk:06d}"
    DunningRecord.objects.bulk_update(letters, ["notice_no"])
    for users, text in messages:
        message_send(
            user_ids=users, title="缴费提醒", body=text, link=OWNER_BILLS_LINK, kind="bill"
        )
    if sms_out:
        transaction.on_commit(lambda: _send_sms([(r.pk, r.phone, r.text) for r in sms_out]))
    if result.records:
        oplog_record(
            actor=actor,
            action=OpAction.CREATE,
            obj=community,
            company=community.company_id,
            note=(
                f"催缴 {len({r.house_id for r in result.records})} 户："
                + "、".join(f"{DunningChannel(c).label} {result.count(c)}" for c in chosen)
            ),
        )
    return result
