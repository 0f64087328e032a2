"""Community activities (社区活动): staff publish them with a number of places; residents
sign up and cancel. Places are taken by a conditional UPDATE of the counter (it succeeds
only while enough places are left) inside the sign-up's transaction, and the database
refuses a count above the capacity: two residents taking the last place at once end with
one sign-up."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wuyetong.core.exceptions import ApplicationError, NotFound
from wuyetong.core.ids import parse_pk
from wuyetong.estates.models import Occupancy
from wuyetong.orgs.models import Community
from wuyetong.orgs.services import snapshot

from ..choices import ActivityState, SignupState
from ..models import Activity, Signup
from . import notify
from ._common import apply_data, create_logged, require_community, require_in_scope, save_logged

ACTIVITY_FIELDS = (
    "title",
    "description",
    "place",
    "starts_at",
    "ends_at",
    "signup_deadline",
    "capacity",
    "max_party",
)


def _check(activity: Activity) -> None:
    if activity.ends_at <= activity.starts_at:
        raise ApplicationError(_("结束时间须晚于开始时间"), field="ends_at")
    if activity.signup_deadline > activity.starts_at:
        raise ApplicationError(_("报名截止不能晚于活动开始"), field="signup_deadline")
    if not 1 <= (activity.max_party or 0) <= 10:
        raise ApplicationError(_("每次报名人数须在1到10之间"), field="max_party")
    if activity.capacity is not None and activity.capacity < activity.signed_count:
        raise ApplicationError(
            _("名额不能少于已报名的 %(n)s 人") % {"n": activity.signed_count}, field="capacity"
        )


@transaction.atomic
def activity_create(*, actor, community: Community, **data) -> Activity:
    require_community(actor, community, "add")
    activity = Activity(community=community, created_by=actor)
    apply_data(activity, data, ACTIVITY_FIELDS)
    _check(activity)
    return create_logged(actor, activity)


@transaction.atomic
def activity_update(*, actor, activity: Activity, **data) -> Activity:
    """Changes details (also after publishing); the capacity never drops below the places
    already taken (checked under the row lock the sign-ups also take)."""
    require_in_scope(actor, activity, "change", label=_("活动"))
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.state == ActivityState.CANCELLED:
        raise ApplicationError(_("活动已取消，不能修改"), code="cancelled")
    before = snapshot(activity)
    apply_data(activity, data, ACTIVITY_FIELDS)
    _check(activity)
    return save_logged(actor, activity, before)


@transaction.atomic
def activity_publish(*, actor, activity: Activity, now: dt.datetime | None = None) -> Activity:
    require_in_scope(actor, activity, "change", label=_("活动"))
    now = now or timezone.now()
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.state != ActivityState.DRAFT:
        raise ApplicationError(_("只有草稿可以发布"), code="state")
    if activity.signup_deadline <= now:
        raise ApplicationError(_("报名截止时间已过，请先修改"), field="signup_deadline")
    before = snapshot(activity)
    activity.state, activity.published_at = ActivityState.PUBLISHED, now
    return save_logged(actor, activity, before, note=_("发布活动"))


@transaction.atomic
def activity_cancel(*, actor, activity: Activity, reason: str) -> Activity:
    """Calls the activity off; sign-ups stay on record and residents see the reason."""
    require_in_scope(actor, activity, "change", label=_("活动"))
    if not (reason or "").strip():
        raise ApplicationError(_("请填写取消原因"), field="reason")
    activity = Activity.objects.select_for_update().get(pk=activity.pk)
    if activity.state == ActivityState.CANCELLED:
        raise ApplicationError(_("活动已取消"), code="state")
    before = snapshot(activity)
    activity.state, activity.cancel_reason = ActivityState.CANCELLED, reason.strip()[:200]
    activity = save_logged(actor, activity, before, note=_("取消活动"))
    notify.tell(
        Signup.objects.filter(activity=activity, state=SignupState.ACTIVE).values_list(
            "user_id", flat=True
        ),
        title=_("活动已取消：%(title)s") % {"title": activity.title},
        body=activity.cancel_reason,
        link=notify.link("activity_detail", activity.pk),
    )
    return activity


# ---------------------------------------------------------------- residents


def _resident_house(user, community_id: int):
    return (
        Occupancy.objects.filter(
            resident__user=user, end_date__isnull=True, house__community_id=community_id
        )
        .order_by("house_id")
        .values_list("house_id", flat=True)
        .first()
    )


def _take_places(activity: Activity, n: int) -> bool:
    """Add n to the counter only while n places are left; False when they are not."""
    room = Q(capacity__isnull=True) | Q(signed_count__lte=F("capacity") - n)
    return bool(
        Activity.objects.filter(pk=activity.pk, state=ActivityState.PUBLISHED)
        .filter(room)
        .update(signed_count=F("signed_count") + n)
    )


@transaction.atomic
def signup_create(
    *,
    user,
    activity_id,
    party_size: int = 1,
    note: str = "",
    now: dt.datetime | None = None,
) -> Signup:
    now = now or timezone.now()
    activity = Activity.objects.filter(pk=parse_pk(activity_id) or 0).first()
    house_id = _resident_house(user, activity.community_id) if activity else None
    if activity is None or activity.state == ActivityState.DRAFT or house_id is None:
        raise NotFound(_("活动不存在"))
    if activity.state == ActivityState.CANCELLED:
        raise ApplicationError(_("活动已取消"), code="cancelled")
    if now >= activity.signup_deadline:
        raise ApplicationError(_("报名已截止"), code="closed")
    size = parse_pk(party_size)
    if size is None or size > activity.max_party:
        raise ApplicationError(
            _("报名人数须在1到%(n)s人之间") % {"n": activity.max_party}, field="party_size"
        )
    note = (note or "").strip()
    if len(note) > 100:
        raise ApplicationError(_("备注最多100个字"), field="note")
    if Signup.objects.filter(activity=activity, user=user, state=SignupState.ACTIVE).exists():
        raise ApplicationError(_("您已报名该活动"), code="already_signed")
    if not _take_places(activity, size):
        raise ApplicationError(_("名额已满"), code="full")
    try:
        with transaction.atomic():
            return Signup.objects.create(
                activity=activity,
                user=user,
                house_id=house_id,
                name=user.name or user.phone,
                phone=user.phone,
                party_size=size,
                note=note,
            )
    except IntegrityError:
        # The same person's other sign-up won a race; raising rolls this transaction back,
        # counter included.
        raise ApplicationError(_("您已报名该活动"), code="already_signed") from None


@transaction.atomic
def signup_cancel(*, user, activity_id, now: dt.datetime | None = None) -> Signup:
    """The resident withdraws before the activity starts; the places return."""
    now = now or timezone.now()
    signup = (
        Signup.objects.select_for_update()
        .select_related("activity")
        .filter(activity_id=parse_pk(activity_id) or 0, user=user, state=SignupState.ACTIVE)
        .first()
    )
    if signup is None:
        raise NotFound(_("没有可取消的报名"))
    if now >= signup.activity.starts_at:
        raise ApplicationError(_("活动已开始，不能取消报名"), code="started")
    signup.state, signup.cancelled_at = SignupState.CANCELLED, now
    signup.save(update_fields=["state", "cancelled_at", "updated_at"])
    Activity.objects.filter(pk=signup.activity_id).update(
        signed_count=F("signed_count") - signup.party_size
    )
    return signup
