"""Arrears with ageing, and dunning (催缴) by in-app message, SMS and a printed notice, with
a history of every reminder. Reminders only: nothing cuts a supply (民法典 第944条)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from wuyetong.accounts import sms
from wuyetong.billing import services
from wuyetong.billing.choices import DunningChannel
from wuyetong.billing.models import Bill, DunningRecord
from wuyetong.billing.selectors_arrears import arrears_by, arrears_totals
from wuyetong.billing.services.dunning import dunning_send
from wuyetong.core.exceptions import ApplicationError
from wuyetong.notices.models import Message

pytestmark = pytest.mark.django_db
AS_OF = dt.date(2024, 12, 31)


def _bill(world, fees, house, amount, days_overdue, item="物业费"):
    return services.bill_create_one_off(
        actor=world.staff("hq_admin"),
        house=house,
        fee_item=fees[item],
        amount=amount,
        description="测试欠费",
        due_date=AS_OF - dt.timedelta(days=days_overdue),
        idempotency_key=uuid.uuid4().hex,
    )


@pytest.fixture
def owed(world, fees):
    """The owner's house owes in every ageing bucket; a neighbour owes a little; another
    community and another company owe too."""
    mine, neighbour = world.owner_house, world.houses_a1[1]
    _bill(world, fees, mine, "100.10", 1)  # 0–30
    _bill(world, fees, mine, "200.20", 30)  # 0–30 (boundary)
    _bill(world, fees, mine, "300.30", 31)  # 31–90
    _bill(world, fees, mine, "0.37", 180)  # 91–180 (boundary)
    _bill(world, fees, mine, "0.37", 181)  # >180
    _bill(world, fees, neighbour, "0.37", 400, item="水费")
    _bill(world, fees, world.houses_a2[0], "55.00", 10)
    paid = _bill(world, fees, world.houses_a1[2], "80.00", 10)
    services.desk_pay(
        actor=world.staff("cashier"),
        house=world.houses_a1[2],
        method="cash",
        bill_ids=[paid.pk],
        idempotency_key=uuid.uuid4().hex,
    )
    _bill(world, fees, world.houses_a1[3], "9.99", 0)  # due today: not yet in arrears
    return mine, neighbour


def test_ageing_buckets_by_house_add_up_to_the_fen(world, owed):
    mine, neighbour = owed
    rows = {
        r["house_id"]: r
        for r in arrears_by(
            world.staff("hq_admin"), "house", as_of=AS_OF, community_id=world.community_a1.pk
        )
    }
    assert set(rows) == {mine.pk, neighbour.pk}
    r = rows[mine.pk]
    assert (r["d30"], r["d90"], r["d180"], r["over180"]) == (
        Decimal("300.30"),
        Decimal("300.30"),
        Decimal("0.37"),
        Decimal("0.37"),
    )
    assert r["total"] == Decimal("601.34") and r["bills"] == 5
    assert rows[neighbour.pk]["over180"] == Decimal("0.37")


def test_totals_by_community_equal_the_direct_sum_of_open_overdue_bills(world, owed):
    by_community = {
        r["community_id"]: r["total"]
        for r in arrears_by(world.staff("hq_admin"), "community", as_of=AS_OF)
    }
    direct = {}
    for b in Bill.objects.filter(state__in=["unpaid", "partial"], due_date__lt=AS_OF):
        direct[b.community_id] = direct.get(b.community_id, Decimal("0")) + b.amount - b.paid_amount
    assert by_community == {k: v for k, v in direct.items() if k != world.community_b1.pk}
    assert by_community[world.community_a1.pk] == Decimal("601.71")
    totals = arrears_totals(world.staff("hq_admin"), as_of=AS_OF)
    assert totals["total"] == Decimal("656.71") and totals["houses"] == 3


def test_scope_limits_what_a_project_role_and_another_company_see(world, owed):
    pm = {
        r["community_id"]
        for r in arrears_by(world.staff("project_manager"), "community", as_of=AS_OF)
    }
    assert pm == {world.community_a1.pk}
    assert not list(arrears_by(world.staff("hq_admin", "b"), "community", as_of=AS_OF))
    assert not list(arrears_by(world.owner, "community", as_of=AS_OF))


def test_dunning_reaches_the_owner_in_app_by_sms_and_on_paper(
    world, owed, django_capture_on_commit_callbacks
):
    mine, neighbour = owed
    sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        result = dunning_send(
            actor=world.staff("cashier"),
            community=world.community_a1,
            house_ids=[mine.pk, neighbour.pk, world.houses_a1[3].pk],
            channels=["app", "sms", "letter"],
            as_of=AS_OF,
        )
    assert result.skipped == [
        (
            f"{world.houses_a1[3].building.name}{world.houses_a1[3].unit.name}{world.houses_a1[3].room_no}",
            "无欠费",
        )
    ]
    app = DunningRecord.objects.get(house=mine, channel="app")
    assert app.status == "sent" and app.recipient == world.owner and app.owed == Decimal("601.34")
    message = Message.objects.get(user=world.owner)
    assert (
        message.title == "缴费提醒" and "601.34元" in message.body and message.link == "/app/bills/"
    )
    texted = [m for m in sms.outbox if "601.34元" in m.text]
    assert (
        len(texted) == 1
        and texted[0].phone == DunningRecord.objects.get(house=mine, channel="sms").phone
    )
    letter = DunningRecord.objects.get(house=mine, channel="letter")
    assert letter.status == "printed" and letter.notice_no.startswith("CJCY0120241231")
    assert [line[3] for line in letter.lines] == ["0.37", "0.37", "300.30", "200.20", "100.10"]
    # an SMS goes to a house at most once a day
    again = dunning_send(
        actor=world.staff("cashier"),
        community=world.community_a1,
        house_ids=[mine.pk],
        channels=["sms"],
        as_of=AS_OF,
    )
    assert not again.records and "今日已发过催缴短信" in again.skipped[0][1]


def test_a_refused_sms_is_recorded_as_failed(
    world, owed, monkeypatch, django_capture_on_commit_callbacks
):
    from wuyetong.billing.services import dunning

    def refuse(phone, text, params=None):
        raise RuntimeError("provider down")

    monkeypatch.setattr(dunning, "send_sms", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        dunning_send(
            actor=world.staff("cashier"),
            community=world.community_a1,
            house_ids=[owed[0].pk],
            channels=["sms"],
            as_of=AS_OF,
        )
    assert DunningRecord.objects.get().status == "failed"


def test_the_printed_notice_has_the_figures_and_the_law_in_chinese(world, owed, client_for):
    dunning_send(
        actor=world.staff("cashier"),
        community=world.community_a1,
        house_ids=[owed[0].pk, owed[1].pk],
        channels=["letter"],
        as_of=AS_OF,
    )
    batch = DunningRecord.objects.first().batch
    response = client_for(world.staff("project_manager")).get(
        reverse("billing:dunning_pdf"), {"batch": batch}
    )
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(BytesIO(response.content))
    assert len(reader.pages) == 2
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", "")
    assert "催缴通知书" in text and "601.34" in text and "300.30" in text
    assert "不得采取停止供电、供水、供热、供燃气等方式催交物业费" in text
    assert "王建国" in text  # the owner, by name


def test_no_reminder_channel_cuts_a_supply():
    assert set(DunningChannel.values) == {"app", "sms", "letter"}


def test_dunning_refuses_another_communitys_houses_and_bad_channels(world, owed):
    for kwargs, field in (
        ({"house_ids": [world.houses_a2[0].pk], "channels": ["app"]}, "houses"),
        ({"house_ids": [owed[0].pk], "channels": ["cut_water"]}, "channels"),
        ({"house_ids": [], "channels": ["app"]}, "houses"),
    ):
        with pytest.raises(ApplicationError) as exc:
            dunning_send(
                actor=world.staff("cashier"), community=world.community_a1, as_of=AS_OF, **kwargs
            )
        assert exc.value.field == field
    assert not DunningRecord.objects.exists()


# ---------------------------------------------------------------- pages


def test_arrears_page_drills_from_community_to_house_and_exports(world, owed, client_for):
    client = client_for(world.staff("finance"))
    top = client.get(reverse("billing:arrears"), {"as_of": "2024-12-31"}).content.decode()
    assert 'id="arrears-total">656.71<' in top and "翠苑一区" in top and "西溪花园" in top
    house_level = client.get(
        reverse("billing:arrears"),
        {"as_of": "2024-12-31", "community": world.community_a1.pk, "level": "house"},
    ).content.decode()
    assert "601.34" in house_level and "王建国" in house_level
    assert 'name="houses"' in house_level  # finance may remind
    export = client.get(
        reverse("billing:arrears"),
        {
            "as_of": "2024-12-31",
            "community": world.community_a1.pk,
            "level": "house",
            "export": "xlsx",
        },
    )
    rows = list(
        load_workbook(BytesIO(export.content)).active.iter_rows(min_row=2, values_only=True)
    )
    assert sorted(Decimal(str(r[5])) for r in rows) == [Decimal("0.37"), Decimal("601.34")]


def test_reminding_from_the_page_records_history(world, owed, client_for):
    client = client_for(world.staff("cashier"))
    response = client.post(
        reverse("billing:dunning_send"),
        {
            "community": world.community_a1.pk,
            "as_of": "2024-12-31",
            "houses": [owed[0].pk],
            "channels": ["app", "letter"],
        },
    )
    assert response.status_code == 302
    history = client.get(response["Location"]).content.decode()
    assert "站内消息" in history and "书面通知" in history and 'id="batch-pdf"' in history
    assert DunningRecord.objects.filter(house=owed[0]).count() == 2


def test_remind_all_matching_houses(world, owed, client_for):
    client = client_for(world.staff("cashier"))
    client.post(
        reverse("billing:dunning_send"),
        {
            "community": world.community_a1.pk,
            "as_of": "2024-12-31",
            "all_matching": "1",
            "channels": ["letter"],
        },
    )
    assert set(DunningRecord.objects.values_list("house_id", flat=True)) == {owed[0].pk, owed[1].pk}


@pytest.mark.parametrize("name", ["arrears", "dunning_list"])
def test_arrears_pages_permission_matrix(world, owed, client, client_for, name):
    url = reverse(f"billing:{name}")
    assert client.get(url).status_code == 302
    assert client_for(world.owner).get(url).status_code == 403
    assert client_for(world.staff("customer_service")).get(url).status_code == 403
    assert client_for(world.staff("project_manager")).get(url).status_code == 200
    other = client_for(world.staff("hq_admin", "b")).get(url).content.decode()
    assert "翠苑一区" not in other


def test_denied_dunning_changes_nothing(world, owed, client, client_for):
    data = {"community": world.community_a1.pk, "houses": [owed[0].pk], "channels": ["app"]}
    assert client.post(reverse("billing:dunning_send"), data).status_code == 302  # login
    assert client_for(world.owner).post(reverse("billing:dunning_send"), data).status_code == 403
    assert (
        client_for(world.staff("project_manager"))
        .post(reverse("billing:dunning_send"), data)
        .status_code
        == 403
    )
    other = client_for(world.staff("hq_admin", "b")).post(reverse("billing:dunning_send"), data)
    assert other.status_code == 302  # not their community: refused with a message
    assert not DunningRecord.objects.exists() and not Message.objects.exists()


def test_another_company_cannot_print_our_notices(world, owed, client_for):
    dunning_send(
        actor=world.staff("cashier"),
        community=world.community_a1,
        house_ids=[owed[0].pk],
        channels=["letter"],
        as_of=AS_OF,
    )
    record = DunningRecord.objects.get()
    url = reverse("billing:dunning_pdf")
    assert client_for(world.staff("hq_admin", "b")).get(url, {"id": record.pk}).status_code == 404
    assert client_for(world.owner).get(url, {"id": record.pk}).status_code == 403


def test_arrears_show_the_late_fee_accrued_by_the_day_beside_the_principal(
    world, fees, owed, client_for
):
    """Community A1's rule: 0.05 %/day after 10 days' grace, capped at 20 %. The owner's
    house: 100.10 (1 day: in grace), 200.20 (30 days → 20 days: 2.00), 300.30 (31 → 21 days:
    3.15), 0.37 (180 → 170: 0.03), 0.37 (181 → 171: 0.03); one bill's fee waived. Another
    community has no rule."""
    from wuyetong.billing.selectors_arrears import late_fees_by

    admin = world.staff("hq_admin")
    services.late_fee_rule_set(
        actor=admin,
        community=world.community_a1,
        daily_rate_percent="0.05",
        grace_days=10,
        cap_percent="20",
    )
    mine, neighbour = owed
    waived = _bill(world, fees, mine, "1000.00", 100)
    services.late_fee_waive(actor=admin, bill=waived, reason="困难户", on=AS_OF)
    fees_by, total = late_fees_by(admin, "house", as_of=AS_OF, community_id=world.community_a1.pk)
    # neighbour: 0.37 × 0.0005 × 390 = 0.072 → 0.07; the cap (20 % = 0.074) is not reached
    assert fees_by == {mine.pk: Decimal("5.21"), neighbour.pk: Decimal("0.07")}
    assert total == Decimal("5.28")
    by_community, everywhere = late_fees_by(admin, "community", as_of=AS_OF)
    assert by_community == {world.community_a1.pk: Decimal("5.28")}  # A2 has no rule
    assert everywhere == Decimal("5.28")
    # the same figure as a quote for paying those bills that day
    quote = services.quote_build(
        house=mine,
        bills=list(Bill.objects.filter(house=mine, state="unpaid", due_date__lt=AS_OF)),
        on=AS_OF,
    )
    assert quote.late_fees == Decimal("5.21")

    client = client_for(admin)
    url = reverse("billing:arrears")
    query = {"community": world.community_a1.pk, "level": "house", "as_of": AS_OF.isoformat()}
    body = client.get(url, query).content.decode()
    assert 'id="arrears-late-fee">5.28<' in body
    assert "1,606.55" in body or "1606.55" in body  # principal 1,601.34 + 5.21
    sheet = load_workbook(BytesIO(client.get(url, {**query, "export": "xlsx"}).content)).active
    header = [c.value for c in sheet[1]]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    mine_row = next(v for k, v in rows.items() if k.endswith(mine.room_no))
    assert Decimal(str(mine_row["滞纳金(元)"])) == Decimal("5.21")
    assert Decimal(str(mine_row["本金+滞纳金(元)"])) == Decimal("1606.55")
    # the reports' ageing tab shows the same late fee
    report = client.get(
        reverse("billing:reports"), {"tab": "ageing", "as_of": AS_OF.isoformat()}
    ).content.decode()
    assert 'id="sum-late-fee">5.28<' in report
