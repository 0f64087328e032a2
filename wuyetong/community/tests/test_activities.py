"""Activities: the limit holds (also for concurrent sign-ups on PostgreSQL), one sign-up
per person, cancel gives the places back, staff see and export the list."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from wuyetong.community import services
from wuyetong.community.models import Activity, Signup
from wuyetong.core.exceptions import ApplicationError, NotFound, PermissionDenied
from wuyetong.core.tests.race import outcomes, run_at_once

from .conftest import assert_page_matrix, assert_post_denied

pytestmark = pytest.mark.django_db


def make_activity(world, *, capacity=3, max_party=2, publish=True, **kw):
    now = timezone.now()
    data = {
        "title": "中秋亲子灯笼制作",
        "place": "社区活动中心二楼",
        "description": "材料由物业提供。",
        "starts_at": now + dt.timedelta(days=3),
        "ends_at": now + dt.timedelta(days=3, hours=2),
        "signup_deadline": now + dt.timedelta(days=2),
        "capacity": capacity,
        "max_party": max_party,
        **kw,
    }
    activity = services.activity_create(
        actor=world.staff("customer_service"), community=world.community_a1, **data
    )
    if publish:
        activity = services.activity_publish(
            actor=world.staff("customer_service"), activity=activity
        )
    return activity


def neighbours(world, bind_owner, n):
    houses = world.houses_a1
    return [
        bind_owner(f"1357777{i:04d}", houses[i % len(houses)], name=f"邻居{i}", relation="family")
        for i in range(n)
    ]


def test_the_limit_holds_and_a_full_activity_refuses(world, bind_owner):
    activity = make_activity(world, capacity=3)
    a, b, c = neighbours(world, bind_owner, 3)
    services.signup_create(user=a, activity_id=activity.pk, party_size=2)
    with pytest.raises(ApplicationError) as exc:
        services.signup_create(user=b, activity_id=activity.pk, party_size=2)
    assert exc.value.code == "full"
    services.signup_create(user=b, activity_id=activity.pk, party_size=1)
    with pytest.raises(ApplicationError):
        services.signup_create(user=c, activity_id=activity.pk)
    activity.refresh_from_db()
    assert activity.signed_count == 3 and activity.places_left == 0
    assert Signup.objects.filter(state="active").count() == 2


def test_the_database_refuses_an_overbooked_count(world):
    activity = make_activity(world, capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Activity.objects.filter(pk=activity.pk).update(signed_count=2)


def test_one_signup_per_person_and_cancel_returns_the_places(world, bind_owner):
    activity = make_activity(world, capacity=2)
    (a,) = neighbours(world, bind_owner, 1)
    services.signup_create(user=a, activity_id=activity.pk, party_size=2)
    with pytest.raises(ApplicationError) as exc:
        services.signup_create(user=a, activity_id=activity.pk)
    assert exc.value.code == "already_signed"
    services.signup_cancel(user=a, activity_id=activity.pk)
    activity.refresh_from_db()
    assert activity.signed_count == 0
    services.signup_create(user=a, activity_id=activity.pk, party_size=1)  # may sign up again
    activity.refresh_from_db()
    assert activity.signed_count == 1
    assert list(Signup.objects.values_list("state", flat=True).order_by("pk")) == [
        "cancelled",
        "active",
    ]


def test_party_size_deadline_and_start(world, bind_owner):
    activity = make_activity(world, capacity=None, max_party=2)
    (a,) = neighbours(world, bind_owner, 1)
    for size in (0, 3, "两"):
        with pytest.raises(ApplicationError) as exc:
            services.signup_create(user=a, activity_id=activity.pk, party_size=size)
        assert exc.value.field == "party_size"
    with pytest.raises(ApplicationError) as exc:
        services.signup_create(user=a, activity_id=activity.pk, now=activity.signup_deadline)
    assert exc.value.code == "closed"
    services.signup_create(user=a, activity_id=activity.pk)
    with pytest.raises(ApplicationError) as exc:
        services.signup_cancel(user=a, activity_id=activity.pk, now=activity.starts_at)
    assert exc.value.code == "started"
    activity.refresh_from_db()
    assert activity.signed_count == 1


def test_residents_of_other_communities_and_drafts_are_not_found(world):
    draft = make_activity(world, publish=False)
    with pytest.raises(NotFound):
        services.signup_create(user=world.owner, activity_id=draft.pk)
    activity = make_activity(world)
    with pytest.raises(NotFound):
        services.signup_create(user=world.other_owner, activity_id=activity.pk)
    assert not Signup.objects.exists()


def test_capacity_cannot_drop_below_the_places_taken(world, bind_owner):
    activity = make_activity(world, capacity=5)
    (a,) = neighbours(world, bind_owner, 1)
    services.signup_create(user=a, activity_id=activity.pk, party_size=2)
    with pytest.raises(ApplicationError) as exc:
        services.activity_update(
            actor=world.staff("customer_service"), activity=activity, capacity=1
        )
    assert exc.value.field == "capacity"
    services.activity_update(actor=world.staff("customer_service"), activity=activity, capacity=2)


def test_a_cancelled_activity_takes_no_signups_and_shows_why(world, bind_owner, client_for):
    activity = make_activity(world)
    services.activity_cancel(
        actor=world.staff("customer_service"), activity=activity, reason="台风预警，改期另行通知"
    )
    with pytest.raises(ApplicationError) as exc:
        services.signup_create(user=world.owner, activity_id=activity.pk)
    assert exc.value.code == "cancelled"
    page = client_for(world.owner).get(
        reverse("owner_community:activity_detail", args=[activity.pk])
    )
    assert "台风预警，改期另行通知" in page.content.decode()


def test_dates_are_checked(world):
    now = timezone.now()
    with pytest.raises(ApplicationError) as exc:
        make_activity(world, signup_deadline=now + dt.timedelta(days=4))
    assert exc.value.field == "signup_deadline"
    with pytest.raises(ApplicationError) as exc:
        make_activity(world, ends_at=now + dt.timedelta(days=2))
    assert exc.value.field == "ends_at"
    with pytest.raises(PermissionDenied):
        services.activity_create(
            actor=world.staff("cashier"),
            community=world.community_a1,
            title="x",
            place="x",
            starts_at=now + dt.timedelta(days=3),
            ends_at=now + dt.timedelta(days=4),
            signup_deadline=now + dt.timedelta(days=2),
        )


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_signups_never_exceed_the_limit(world, bind_owner):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent writers; SQLite serialises transactions")
    activity = make_activity(world, capacity=3, max_party=1)
    users = neighbours(world, bind_owner, 8)
    ok, refused, errors = outcomes(
        run_at_once(
            [lambda u=u: services.signup_create(user=u, activity_id=activity.pk) for u in users],
            timeout=60,
        )
    )
    assert errors == []
    full = [exc.code for exc in refused]
    assert len(ok) == 3 and full == ["full"] * 5
    activity.refresh_from_db()
    assert activity.signed_count == 3
    assert Signup.objects.filter(activity=activity, state="active").count() == 3


# ------------------------------------------------------------------ pages


def test_console_permission_matrix(world, client, client_for):
    activity = make_activity(world)
    for name, args in [
        ("activity_list", []),
        ("activity_create", []),
        ("activity_detail", [activity.pk]),
    ]:
        assert_page_matrix(
            world,
            client,
            client_for,
            reverse(f"community:{name}", args=args),
            object_page=bool(args),
        )
    url = reverse("community:activity_cancel", args=[activity.pk])
    assert_post_denied(
        world, client, client_for, url, {"reason": "x"}, [Activity], perm_role="cashier"
    )


def test_staff_see_and_export_the_signups(world, bind_owner, client_for):
    activity = make_activity(world, capacity=10)
    (a,) = neighbours(world, bind_owner, 1)
    services.signup_create(user=a, activity_id=activity.pk, party_size=2, note="孩子6岁")
    page = (
        client_for(world.staff("customer_service"))
        .get(reverse("community:activity_detail", args=[activity.pk]))
        .content.decode()
    )
    assert "邻居0" in page and "孩子6岁" in page and "13577770000" in page
    export = client_for(world.staff("hq_admin")).get(
        reverse("community:activity_detail", args=[activity.pk]) + "?export=xlsx"
    )
    rows = list(load_workbook(BytesIO(export.content)).active.values)
    assert rows[0][:4] == ("姓名", "手机号", "房屋", "人数")
    assert rows[1][0] == "邻居0" and rows[1][3] == 2 and rows[1][6] == "已报名"


def test_the_owner_signs_up_and_cancels_on_the_phone(world, client_for):
    activity = make_activity(world, capacity=2)
    c = client_for(world.owner)
    assert "中秋亲子灯笼制作" in c.get(reverse("owner_community:activity_list")).content.decode()
    response = c.post(
        reverse("owner_community:activity_signup", args=[activity.pk]),
        {"party_size": "2", "note": "带孩子"},
        follow=True,
    )
    assert "报名成功" in response.content.decode()
    activity.refresh_from_db()
    assert activity.signed_count == 2
    again = c.post(
        reverse("owner_community:activity_signup", args=[activity.pk]), {"party_size": "1"}
    )
    assert again.status_code == 400 and "您已报名该活动" in again.content.decode()
    c.post(reverse("owner_community:activity_cancel", args=[activity.pk]))
    activity.refresh_from_db()
    assert activity.signed_count == 0
    assert (
        client_for(world.other_owner)
        .post(reverse("owner_community:activity_signup", args=[activity.pk]), {"party_size": "1"})
        .status_code
        == 404
    )


def test_api(world, api_for, bind_owner):
    cs = api_for(world.staff("customer_service"))
    activity = make_activity(world, capacity=1, max_party=1)
    assert cs.get("/api/v1/community/activities/").json()["count"] == 1
    assert (
        api_for(world.staff("hq_admin", "b"))
        .get(f"/api/v1/community/activities/{activity.pk}/")
        .status_code
        == 404
    )
    me = api_for(world.owner)
    url = f"/api/v1/community/my/activities/{activity.pk}/"
    made = me.post(url, {"party_size": 1}, format="json")
    assert made.status_code == 201 and made.json()["signup"]["party_size"] == 1
    (other,) = neighbours(world, bind_owner, 1)
    full = api_for(other).post(url, {"party_size": 1}, format="json")
    assert full.status_code == 400 and full.json()["code"] == "full"
    signups = cs.get(f"/api/v1/community/activities/{activity.pk}/signups/").json()
    assert signups["count"] == 1 and signups["results"][0]["name"] == "王建国"
    assert me.delete(url).json()["signup"] is None
    assert api_for(other).post(url, {"party_size": 1}, format="json").status_code == 201
    assert api_for(world.other_owner).get(url).status_code == 404
