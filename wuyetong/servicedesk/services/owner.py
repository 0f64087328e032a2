"""What an owner does with a case: report it, cancel it before dispatch, add information,
accept a quote, rate the work."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.access import get_access
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.money import to_money
from wuyetong.core.realtime import publish
from wuyetong.estates.models import House
from wuyetong.orgs.models import Community

from ..choices import CaseKind, CaseScope, EventKind, PhotoStage, QuoteState, Rating, Urgency
from ..models import CLOSED_STATES, Case, CaseCharge, CaseNumberSequence, CaseType
from . import sla
from ._common import (
    clean_text,
    event_payload,
    is_id,
    lock_for_reporter,
    new_case_payload,
    notify_users,
    now_or,
    record,
    save_photos,
    transition,
    validate_photos,
)

logger = logging.getLogger(__name__)


def _lock_sequence(*, company_id: int, now: datetime) -> CaseNumberSequence:
    """The company's number counter for the day, locked: concurrent reports of one company
    take numbers one after another, without gaps."""
    day = timezone.localdate(now)
    CaseNumberSequence.objects.get_or_create(company_id=company_id, day=day)
    return CaseNumberSequence.objects.select_for_update().get(company_id=company_id, day=day)


def _take_number(seq: CaseNumberSequence, *, kind: str) -> str:
    seq.last += 1
    seq.save(update_fields=["last"])
    prefix = "BX" if kind == CaseKind.REPAIR else "TS"
    return f"{prefix}{seq.day:%Y%m%d}{seq.last:04d}"


def _announce_new(case: Case) -> None:
    """The duty desk (弹屏): every open console of the company hears of it; the payload names
    the community so a screen shows only what its user is responsible for."""
    publish(f"company.{case.company_id}", new_case_payload(case))


@transaction.atomic
def case_submit(
    *,
    reporter,
    kind: str,
    case_type_id: int,
    description: str,
    house_id: int | None = None,
    community_id: int | None = None,
    place: str = "",
    urgency: str = Urgency.NORMAL,
    scope: str = CaseScope.INDOOR,
    appointment_at: datetime | None = None,
    reason: str = "",
    expected_at: datetime | None = None,
    photos: Iterable[UploadedFile] | None = None,
    client_token: str = "",
    now: datetime | None = None,
) -> Case:
    """An owner reports a repair (报修) or a complaint (投诉) about their own house or a
    common area of a community they live in. The same `client_token` twice returns the case
    the first submission made instead of a second one."""
    now = now_or(now)
    client_token = (client_token or "").strip()[:64]
    if client_token:
        earlier = Case.objects.filter(reporter_id=reporter.pk, client_token=client_token).first()
        if earlier is not None:
            return earlier
    access = get_access(reporter)
    if not access.is_owner:
        raise ApplicationError(_("请先绑定房屋后再报事"), code="no_house")
    if kind not in CaseKind.values:
        raise ApplicationError(_("请选择报修或投诉"), field="kind")
    if urgency not in Urgency.values:
        raise ApplicationError(_("请选择维修程度"), field="urgency")
    if scope not in CaseScope.values:
        raise ApplicationError(_("请选择户内或公区"), field="scope")
    description = clean_text(
        description, field="description", label=_("描述"), max_length=2000, required=True
    )
    place = clean_text(place, field="place", label=_("位置"), max_length=100, required=False)
    reason = clean_text(
        reason,
        field="reason",
        label=_("投诉原因"),
        max_length=200,
        required=kind == CaseKind.COMPLAINT,
    )
    house = None
    if house_id is not None:
        if house_id not in access.house_ids:
            raise ApplicationError(_("只能为自己的房屋报事"), field="house")
        house = House.objects.select_related("community__company").get(pk=house_id)
        community = house.community
    else:
        own_communities = set(
            House.objects.filter(pk__in=access.house_ids).values_list("community_id", flat=True)
        )
        if community_id not in own_communities:
            raise ApplicationError(_("请选择您所在的小区"), field="community")
        community = Community.objects.select_related("company").get(pk=community_id)
        if not place:
            raise ApplicationError(_("请填写公共区域的位置"), field="place")
        scope = CaseScope.PUBLIC
    case_type = CaseType.objects.filter(
        pk=case_type_id if is_id(case_type_id) else 0,
        company_id=community.company_id,
        kind=kind,
        is_active=True,
    ).first()
    if case_type is None:
        raise ApplicationError(_("请选择有效的类型"), field="case_type")
    if "servicedesk" not in (community.company.modules or []):
        raise ApplicationError(_("该小区暂未开通报事报修"), code="module_off")
    if appointment_at is not None and timezone.is_naive(appointment_at):
        appointment_at = timezone.make_aware(appointment_at)
    if expected_at is not None and timezone.is_naive(expected_at):
        expected_at = timezone.make_aware(expected_at)
    for value, field in ((appointment_at, "appointment_at"), (expected_at, "expected_at")):
        if value is not None and value < now:
            raise ApplicationError(_("时间不能早于现在"), field=field)
    checked = validate_photos(photos)
    seq = _lock_sequence(company_id=community.company_id, now=now)
    if client_token:
        # Re-checked under the counter's lock: a concurrent twin has committed by now.
        earlier = Case.objects.filter(reporter_id=reporter.pk, client_token=client_token).first()
        if earlier is not None:
            return earlier
    case = Case(
        company_id=community.company_id,
        community=community,
        kind=kind,
        number=_take_number(seq, kind=kind),
        case_type=case_type,
        house=house,
        place=place,
        reporter=reporter,
        urgency=urgency,
        scope=scope,
        appointment_at=appointment_at,
        description=description,
        reason=reason,
        expected_at=expected_at if kind == CaseKind.COMPLAINT else None,
        client_token=client_token,
        submitted_at=now,
        state_changed_at=now,
    )
    sla.sla_start(case, now=now)
    try:
        with transaction.atomic():
            case.save()
    except IntegrityError:
        # The same form submitted twice at once: the other request made the case.
        earlier = Case.objects.filter(reporter_id=reporter.pk, client_token=client_token).first()
        if client_token and earlier is not None:
            return earlier
        raise
    save_photos(case, checked, stage=PhotoStage.REPORT, actor=reporter)
    event = record(
        case,
        kind=EventKind.TRANSITION,
        actor=reporter,
        now=now,
        action="submit",
        to_state=case.state,
        note=description[:100],
    )
    notify_users([reporter.pk], event_payload(case, event))
    _announce_new(case)
    return case


@transaction.atomic
def case_cancel(*, reporter, case_id: int, reason: str = "", now: datetime | None = None) -> Case:
    """The owner withdraws a case; only while nobody has been dispatched yet."""
    now = now_or(now)
    case = lock_for_reporter(reporter, case_id)
    reason = clean_text(reason, field="reason", label=_("取消原因"), max_length=200, required=False)
    case.closed_at = now
    transition(case, "cancel", actor=reporter, now=now, note=reason, save_fields=["closed_at"])
    return case


@transaction.atomic
def case_add_info(
    *,
    reporter,
    case_id: int,
    note: str,
    photos: Iterable[UploadedFile] | None = None,
    now: datetime | None = None,
) -> Case:
    """The owner adds a note (and photos) to an open case; the handler is told."""
    now = now_or(now)
    case = lock_for_reporter(reporter, case_id)
    if case.state in CLOSED_STATES:
        raise ApplicationError(_("工单已结束，不能补充信息"), code="invalid_state")
    note = clean_text(note, field="note", label=_("补充内容"), max_length=500, required=True)
    checked = validate_photos(photos, already=case.photos.count())
    save_photos(case, checked, stage=PhotoStage.INFO, actor=reporter)
    event = record(case, kind=EventKind.NOTE, actor=reporter, now=now, action="add_info", note=note)
    notify_users([case.assignee.user_id if case.assignee else None], event_payload(case, event))
    return case


@transaction.atomic
def case_quote_accept(
    *,
    reporter,
    case_id: int,
    expected_amount: Decimal | str | int,
    now: datetime | None = None,
) -> CaseCharge:
    """The owner accepts a paid repair's quote: a charge record is created for billing.
    `expected_amount` is the amount the owner saw; if the handler re-quoted since, the
    acceptance is refused so nobody agrees to an amount they never saw."""
    now = now_or(now)
    case = lock_for_reporter(reporter, case_id)
    if case.quote_state != QuoteState.PENDING or case.quote_amount is None:
        raise ApplicationError(_("没有待确认的报价"), code="invalid_state")
    try:
        seen = to_money(expected_amount)
    except (InvalidOperation, ValueError, TypeError):
        raise ApplicationError(_("请输入正确的金额"), field="expected_amount") from None
    if seen != to_money(case.quote_amount):
        raise ApplicationError(
            _("报价已变更为 ¥%(amount)s，请查看新报价后再确认")
            % {"amount": to_money(case.quote_amount)},
            field="expected_amount",
            code="quote_changed",
        )
    case.quote_state = QuoteState.ACCEPTED
    case.save(update_fields=["quote_state", "updated_at"])
    charge = CaseCharge.objects.create(
        company_id=case.company_id,
        case=case,
        house=case.house,
        payer=reporter,
        amount=Decimal(case.quote_amount),
        description=(_("有偿维修 %(number)s") % {"number": case.number} + f" {case.quote_note}")[
            :200
        ],
    )
    event = record(
        case,
        kind=EventKind.QUOTE,
        actor=reporter,
        now=now,
        action="quote_accept",
        note=_("业主确认报价 ¥%(amount)s") % {"amount": charge.amount},
        data={"amount": str(charge.amount), "charge_id": charge.pk},
    )
    notify_users(
        [reporter.pk, case.assignee.user_id if case.assignee else None],
        event_payload(case, event),
    )
    transaction.on_commit(lambda: _charge_bill(charge.pk))
    return charge


def _charge_bill(charge_id: int) -> None:
    """Turns the accepted charge into a bill at once, after the acceptance committed. A
    failure here must not undo the owner's acceptance: billing's once-a-minute catch-up job
    bills every charge still pending."""
    from wuyetong.billing.services.charges import case_charge_bill  # billing imports our models

    try:
        case_charge_bill(charge=CaseCharge(pk=charge_id))
    except Exception:
        logger.exception("case charge %s not billed yet; the catch-up job retries", charge_id)


@transaction.atomic
def case_rate(
    *, reporter, case_id: int, rating: str, comment: str = "", now: datetime | None = None
) -> Case:
    """The owner rates the finished work 好/中/差; a 差评 escalates like an SLA breach."""
    now = now_or(now)
    case = lock_for_reporter(reporter, case_id)
    if rating not in Rating.values:
        raise ApplicationError(_("请选择好、中或差"), field="rating")
    if case.rating:
        raise ApplicationError(_("该工单已评价"), code="invalid_state")
    comment = clean_text(
        comment, field="comment", label=_("评价内容"), max_length=500, required=False
    )
    if rating == Rating.BAD and not comment:
        raise ApplicationError(_("差评请写明原因"), field="comment")
    case.rating, case.rating_comment, case.rated_at = rating, comment, now
    transition(
        case,
        "rate",
        actor=reporter,
        now=now,
        note=f"{case.get_rating_display()} {comment}".strip(),
        data={"rating": rating},
        save_fields=["rating", "rating_comment", "rated_at"],
    )
    if rating == Rating.BAD:
        rule = case.sla_rule
        sla.escalate(
            case,
            reason=_("业主差评"),
            now=now,
            to_bureau=bool(rule and rule.bureau_on_bad_rating),
        )
    return case
