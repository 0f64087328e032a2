"""Benchmark: publishing a community notice to N registered owners through the real service.

For PostgreSQL (the goal) and SQLite (informational) a child process with a fresh database
builds one community of N houses (N/200 buildings), each with an owner who has an app account,
then measures in the same run:

- baseline: a plain `bulk_create` (batch 500, one transaction) of N NoticeDelivery and N
  Message rows, ready-built (building them is not timed) — the rows a publish writes;
- publish: `notices.services.notice_create` + `notice_publish` — resolving the audience from
  the houses, writing deliveries and messages, the notice, the operation log, and queueing one
  push per owner for open screens (sent to the in-memory channel layer when it commits);
- the staff's follow-up on the same notice: read receipts per community after 30 % read, and
  the first page (50 rows) of the unread list with each person's house.

Goal: publish ≤ 3× the baseline on PostgreSQL.

    python -m bench.notice_publish
    BENCH_NOTICE_OWNERS=5000 python -m bench.notice_publish
"""

from __future__ import annotations

import os
import sys
import time

from .child import emit, run_everywhere

OWNERS = int(os.environ.get("BENCH_NOTICE_OWNERS", "20000"))
GOAL_RATIO = 3.0


def _build(count: int):
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from wuyetong.demo import builders as b
    from wuyetong.estates.models import Occupancy, Resident

    city, (district, _) = b.city_create()
    bundle = b.company_create(
        name="基准物业", short_name="基准", credit_code="91330100MA2BENCH03", city=city
    )
    staff = b.employee_create(bundle=bundle, phone="13900009997", name="客服", template="hq_admin")
    community = b.community_create(
        company=bundle.company,
        project=bundle.projects[0],
        district=district,
        name="基准小区",
        code="NOTE",
    )
    houses = b.houses_create(
        community, buildings=max(count // 200, 1), units=2, floors=25, per_floor=4
    )[:count]
    User = get_user_model()
    with transaction.atomic():
        users = []
        for i in range(len(houses)):
            user = User(phone=f"15{i:09d}", name=f"业主{i}")
            user.set_unusable_password()
            users.append(user)
        users = User.objects.bulk_create(users, batch_size=2000)
        residents = Resident.objects.bulk_create(
            [Resident(company=bundle.company, user=u, name=u.name, phone=u.phone) for u in users],
            batch_size=2000,
        )
        Occupancy.objects.bulk_create(
            [
                Occupancy(house=h, resident=r, relation="owner", start_date="2021-01-01")
                for h, r in zip(houses, residents, strict=True)
            ],
            batch_size=2000,
        )
    return staff, community, users


def _analyze() -> None:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _baseline(staff, community, users) -> dict:
    from django.db import transaction
    from django.utils import timezone

    from wuyetong.notices.models import Message, Notice, NoticeDelivery

    now = timezone.now()
    notice = Notice.objects.create(
        company_id=community.company_id,
        community=community,
        kind="community",
        target="community",
        title="基准",
        body="基准正文",
        created_by=staff,
    )
    deliveries = [
        NoticeDelivery(notice=notice, user_id=u.pk, community_id=community.pk, delivered_at=now)
        for u in users
    ]
    messages = [
        Message(
            user_id=u.pk,
            kind="notice",
            title="基准",
            body="基准正文",
            link=f"/app/notices/{notice.pk}/",
            notice=notice,
            created_at=now,
        )
        for u in users
    ]
    with transaction.atomic():
        t0 = time.perf_counter()
        NoticeDelivery.objects.bulk_create(deliveries, batch_size=500)
        Message.objects.bulk_create(messages, batch_size=500)
        total = time.perf_counter() - t0
    Message.objects.all().delete()
    NoticeDelivery.objects.all().delete()
    notice.delete()
    return {"total_s": total}


def run_child(backend: str) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from wuyetong.notices import selectors, services
    from wuyetong.notices.models import Message, NoticeDelivery

    figures: dict = {"backend": backend, "vendor": connection.vendor}
    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    staff, community, users = _build(OWNERS)
    figures["setup_s"] = time.perf_counter() - t0
    figures["owners"] = len(users)
    _analyze()
    figures["baseline"] = _baseline(staff, community, users)
    _analyze()

    t0 = time.perf_counter()
    notice = services.notice_create(
        actor=staff,
        kind="community",
        target="community",
        community_id=community.pk,
        title="二次供水清洗停水通知",
        body="周六 8:00-16:00 停水，请提前储水。",
    )
    services.notice_publish(actor=staff, notice_id=notice.pk)
    figures["publish_s"] = time.perf_counter() - t0
    figures["deliveries"] = NoticeDelivery.objects.filter(notice=notice).count()
    figures["messages"] = Message.objects.filter(notice=notice).count()

    readers = NoticeDelivery.objects.filter(notice=notice).order_by("id")[: len(users) * 3 // 10]
    NoticeDelivery.objects.filter(pk__in=list(readers.values_list("pk", flat=True))).update(
        read_at=timezone.now()
    )
    _analyze()
    t0 = time.perf_counter()
    stats = selectors.notice_read_stats(user=staff, notice_id=notice.pk)
    figures["receipts_ms"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    page = selectors.notice_unread_deliveries(user=staff, notice_id=notice.pk)[:50]
    rows = selectors.unread_recipients(user=staff, deliveries=page)
    figures["unread_page_ms"] = (time.perf_counter() - t0) * 1000
    figures["read"], figures["unread"], figures["rows"] = stats.read, stats.unread, len(rows)
    emit(figures)


def _report(f: dict) -> bool:
    base, publish = f["baseline"]["total_s"], f["publish_s"]
    ratio = publish / base
    print(
        f"  {f['backend']:<10} setup {f['setup_s']:.1f} s; {f['owners']:,} owners with an account"
    )
    print(
        f"  {'':<10} baseline bulk_create of {f['owners']:,} deliveries + messages: {base:6.2f} s"
    )
    print(
        f"  {'':<10} notice_create + notice_publish:                   {publish:6.2f} s"
        f" ({f['owners'] / publish:,.0f} owners/s) = {ratio:.2f}× baseline"
    )
    print(
        f"  {'':<10} receipts {f['receipts_ms']:.0f} ms ({f['read']:,} read, {f['unread']:,} unread);"
        f" first unread page ({f['rows']} rows with houses) {f['unread_page_ms']:.0f} ms"
    )
    ok = f["deliveries"] == f["messages"] == f["owners"] and f["rows"] == 50
    if f["vendor"] == "postgresql":
        print(
            f"  {'':<10} goal ≤ {GOAL_RATIO:.0f}× baseline: {'met' if ratio <= GOAL_RATIO else 'NOT MET'}"
        )
        ok = ok and ratio <= GOAL_RATIO
    return ok


def main() -> int:
    print(f"notice_publish: a community notice to {OWNERS:,} owners, through notices.services")
    return run_everywhere("bench.notice_publish", _report)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        run_child(sys.argv[2])
    else:
        sys.exit(main())
