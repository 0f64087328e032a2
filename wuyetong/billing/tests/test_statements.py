"""Statement reconciliation (对账单): the channels' files read to the fen (WeChat Pay 交易账单,
Alipay 业务明细 in GBK or zipped, the sandbox's own), every row matched with our orders and
refunds, what we recorded but the channel did not list, the differences on the report until
they are settled; bad files and repeated imports change nothing; each company sees its own."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from wuyetong.billing import services
from wuyetong.billing.gateways import gateway_for
from wuyetong.billing.gateways.statements import StatementError, parse
from wuyetong.billing.models import GatewayRefund, PaymentOrder, StatementImport, StatementLine
from wuyetong.billing.services.gateway_refunds import route_offline, route_send
from wuyetong.billing.services.statements import statement_import
from wuyetong.core.exceptions import ApplicationError, PermissionDenied

from .collect_helpers import one_off, sandbox_order

TODAY = timezone.localdate()

WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)


def wechat_row(when: str, trade_no: str, out_trade_no: str, status: str, amount: str, **kw) -> str:
    refund = kw.get("refund", "0.00")
    cells = [
        when, "wx8888", "1900000109", "", "", trade_no, out_trade_no, "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
        "MWEB", status, "OTHERS", "CNY", amount if status == "SUCCESS" else "0.00", "0.00",
        kw.get("wx_refund", ""), kw.get("out_refund_no", ""), refund, "0.00",
        "ORIGINAL" if status == "REFUND" else "", "SUCCESS" if status == "REFUND" else "",
        "物业费", "", kw.get("fee", "0.00"), "0.60%", amount, refund, "",
    ]  # fmt: skip
    return ",".join(f"`{c}" for c in cells)


def wechat_file(rows: list[str]) -> bytes:
    summary = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
    return ("\ufeff" + "\r\n".join([WECHAT_HEADER, *rows, summary, "`3,`300.00,`0.00,`0.00,`1.80,`300.00,`0.00"]) + "\r\n").encode()  # fmt: skip


ALIPAY_HEADER = (
    "支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,"
    "对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,"
    "券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注"
)


def alipay_file(rows: list[tuple[str, str, str, str, str, str]]) -> bytes:
    """rows: (trade_no, out_trade_no, 交易/退款, finished, amount, fee)"""
    lines = ["#支付宝业务明细查询", "#账号：[20880000000000000156]", "#起始日期：[2026年11月29日 00:00:00]", "#-----------------------------------------业务明细列表----------------------------------------", ALIPAY_HEADER]  # fmt: skip
    for trade_no, out_no, kind, finished, amount, fee in rows:
        lines.append(
            f"{trade_no}\t,{out_no}\t,{kind}\t,物业费\t,{finished}\t,{finished}\t,,,,,"
            f"ow***@example.com\t,{amount}\t,{amount}\t,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,"
            f"{'R' + out_no if kind == '退款' else ''}\t,{fee}\t,0.00,"
        )
    lines += ["#-----------------------------------------业务明细列表结束------------------------------------", "#交易合计：1笔，商家实收共100.00元"]  # fmt: skip
    return "\r\n".join(lines).encode("gbk")


# ---------------------------------------------------------------- reading the files


def test_wechat_trade_bill_read_to_the_fen():
    data = wechat_file(
        [
            wechat_row("2026-11-29 09:15:02", "4200001", "WY001", "SUCCESS", "256.40", fee="1.54"),
            wechat_row(
                "2026-11-29 10:00:00",
                "4200002",
                "WY002",
                "REFUND",
                "100.00",
                refund="40.10",
                out_refund_no="TK001",
                wx_refund="5030001",
                fee="-0.24",
            ),
        ]
    )
    pay, refund = parse("wechat", data)
    assert (pay.kind, pay.out_trade_no, pay.trade_no, pay.amount, pay.fee) == (
        "pay", "WY001", "4200001", Decimal("256.40"), Decimal("1.54")
    )  # fmt: skip
    assert pay.time == dt.datetime(
        2026, 11, 29, 9, 15, 2, tzinfo=dt.timezone(dt.timedelta(hours=8))
    )
    assert (refund.kind, refund.amount, refund.out_refund_no, refund.fee) == (
        "refund", Decimal("40.10"), "TK001", Decimal("-0.24")
    )  # fmt: skip
    assert (pay.row, refund.row) == (2, 3)


def test_wechat_columns_read_by_name_in_any_order():
    header = "商户订单号,交易状态,订单金额,微信订单号,交易时间"
    data = f"{header}\n`WY9,`SUCCESS,`12.34,`42,`2026-11-29 01:02:03\n".encode()
    (line,) = parse("wechat", data)
    assert (line.out_trade_no, line.amount, line.trade_no) == ("WY9", Decimal("12.34"), "42")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件是空的"),
        ("交易时间,商户订单号\n".encode(), "表头缺少列：微信订单号、交易状态"),
        (
            f"{WECHAT_HEADER}\n{wechat_row('2026-11-29 09:00:00', '1', 'WY1', 'SUCCESS', '12.3x')}".encode(),
            "第2行「订单金额」不是金额：12.3x",
        ),
        (
            f"{WECHAT_HEADER}\n{wechat_row('2026-11-29 09:00:00', '1', 'WY1', 'SUCCESS', '12.345')}".encode(),
            "第2行「订单金额」不是精确到分的金额",
        ),
        (
            f"{WECHAT_HEADER}\n{wechat_row('昨天', '1', 'WY1', 'SUCCESS', '1.00')}".encode(),
            "第2行「交易时间」不是时间",
        ),
        (
            f"{WECHAT_HEADER}\n{wechat_row('2026-11-29 09:00:00', '1', 'WY1', 'NOTPAY', '1.00')}".encode(),
            "第2行「交易状态」无法识别",
        ),
        ("\ufffe".encode("utf-16"), "编码无法识别"),
    ],
)
def test_wechat_bad_files_name_row_and_column(data, message):
    with pytest.raises(StatementError) as err:
        parse("wechat", data)
    assert message in err.value.message


def test_alipay_detail_gbk_and_zipped():
    data = alipay_file(
        [
            ("2026112922001", "WY010", "交易", "2026-11-29 08:00:01", "100.00", "-0.60"),
            ("2026112922001", "WY010", "退款", "2026-11-29 18:30:00", "-30.00", "0.18"),
        ]
    )
    pay, refund = parse("alipay", data)
    assert (pay.kind, pay.out_trade_no, pay.amount, pay.fee) == (
        "pay", "WY010", Decimal("100.00"), Decimal("-0.60")
    )  # fmt: skip
    assert (refund.kind, refund.amount, refund.out_refund_no) == (
        "refund", Decimal("30.00"), "RWY010"
    )  # fmt: skip
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("20880000000000000156_20261129_业务明细.csv", data)
        z.writestr("20880000000000000156_20261129_业务明细(汇总).csv", b"#summary")
    assert parse("alipay", buf.getvalue()) == [pay, refund]
    with pytest.raises(StatementError, match="业务类型"):
        parse("alipay", alipay_file([("1", "WY1", "转账", "2026-11-29 08:00:01", "1.00", "0")]))


# ---------------------------------------------------------------- matching


def _pay(order, *, amount=None):
    headers, body = gateway_for("sandbox").notification(
        out_trade_no=order.out_trade_no, amount=amount or order.amount, approve=True
    )
    services.notice_receive(gateway="sandbox", headers=headers, body=body)
    order.refresh_from_db()
    return order


def _local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def _sandbox_file(rows: list[tuple]) -> bytes:
    """rows: (time, trade_no, out_trade_no, 支付/退款, amount, fee, out_refund_no)"""
    lines = ["交易时间,渠道交易号,商户订单号,类型,金额,手续费,商户退款单号"]
    lines += [",".join(str(c) for c in r) for r in rows]
    return "\n".join(lines).encode()


@pytest.fixture
def scene(world, fees):
    """Paid orders A (fine) and E (the channel does not list it), order B created but not
    recorded as paid, a paid order R partly refunded (approved), and company B's paid order."""
    house = world.owner_house
    bills = [one_off(world, fees, house, amt, TODAY) for amt in ("120.00", "80.50", "66.60", "45.00", "30.00")]  # fmt: skip
    a = _pay(sandbox_order(world, [bills[0]]))
    b = sandbox_order(world, [bills[1]])
    e = _pay(sandbox_order(world, [bills[2]]))
    r = _pay(sandbox_order(world, bills[3:5]))
    refund = services.refund_request(
        actor=world.staff("cashier"), payment=r.payment, bill_ids=[bills[4].pk], reason="多收"
    )
    services.refund_approve(actor=world.staff("finance"), request=refund)
    route = GatewayRefund.objects.get(request=refund)
    route_send(refund_id=route.pk)  # the job after commit: the sandbox bank pays it back
    route.refresh_from_db()
    assert route.state == "succeeded"
    other = PaymentOrder.objects.create(
        community=world.community_b1,
        house=world.other_owner_house,
        out_trade_no="WYOTHERCOMPANY1",
        gateway="sandbox",
        method="wechat",
        amount=Decimal("500.00"),
        state="paid",
        created_by=world.other_owner,
        paid_at=timezone.now(),
    )
    return {"a": a, "b": b, "e": e, "r": r, "other": other, "route": route}


def _import(world, data, who="finance", **kw):
    args = {"gateway": "sandbox", "date_from": TODAY, "date_to": TODAY, "file_name": "t.csv"}
    args.update(kw)
    return statement_import(actor=world.staff(who), data=data, **args)


def test_each_row_matched_and_differences_listed(world, scene):
    a, b, r, other = scene["a"], scene["b"], scene["r"], scene["other"]
    route = scene["route"]
    now = _local(timezone.now())
    data = _sandbox_file(
        [
            (_local(a.paid_at), "T1", a.out_trade_no, "支付", "120.00", "0.72", ""),
            (now, "T2", b.out_trade_no, "支付", "80.50", "0.48", ""),  # lost notification
            (now, "T3", "WYNOSUCHORDER", "支付", "9.99", "0.06", ""),
            (now, "T1", a.out_trade_no, "支付", "120.00", "0.72", ""),  # charged twice
            (_local(r.paid_at), "T4", r.out_trade_no, "支付", "75.01", "0.45", ""),  # 1 fen more
            (now, "T4", r.out_trade_no, "退款", "30.00", "0.00", route.out_refund_no),  # ours
            (now, "T4", r.out_trade_no, "退款", "45.00", "0.00", "R2"),  # no such refund
            (now, "T9", other.out_trade_no, "支付", "500.00", "3.00", ""),  # company B's
        ]
    )
    s = _import(world, data)
    got = {(x.row, x.out_trade_no): (x.result, x.amount, x.system_amount) for x in s.lines.all()}
    assert got == {
        (2, a.out_trade_no): ("matched", Decimal("120.00"), Decimal("120.00")),
        (3, b.out_trade_no): ("unrecorded", Decimal("80.50"), Decimal("80.50")),
        (4, "WYNOSUCHORDER"): ("unknown", Decimal("9.99"), None),
        (5, a.out_trade_no): ("duplicate", Decimal("120.00"), Decimal("120.00")),
        (6, r.out_trade_no): ("amount", Decimal("75.01"), Decimal("75.00")),
        (7, r.out_trade_no): ("matched", Decimal("30.00"), Decimal("30.00")),
        (8, r.out_trade_no): ("refund_unknown", Decimal("45.00"), None),
        (None, scene["e"].out_trade_no): ("missing", None, Decimal("66.60")),
    }
    # company B's row is neither stored nor shown; the totals are company A's rows only
    assert s.other_company_count == 1
    assert (s.pay_count, s.pay_total) == (5, Decimal("405.50"))
    assert (s.refund_count, s.refund_total) == (2, Decimal("75.00"))
    assert s.fee_total == Decimal("2.43")
    assert (s.system_count, s.system_total) == (3, Decimal("261.60"))  # A, E, R
    assert s.problem_count == 6
    kinds = [m.kind for m in services.reconciliation(user=world.staff("finance"))]
    for label in ("渠道已收款、系统未入账", "渠道有、系统无此订单", "渠道重复收款", "金额不符",
                  "渠道有退款、系统无退款记录", "系统已入账、渠道无记录"):  # fmt: skip
        assert f"对账单：{label}" in kinds
    # company B sees none of company A's statement rows
    assert not [
        m
        for m in services.reconciliation(user=world.staff("finance", "b"))
        if m.kind.startswith("对账单")
    ]
    # the lost notification arrives: that difference is settled and leaves the report
    _pay(b)
    kinds = [m.kind for m in services.reconciliation(user=world.staff("finance"))]
    assert "对账单：渠道已收款、系统未入账" not in kinds
    assert "对账单：渠道重复收款" in kinds


def test_refunds_sent_back_matched_by_their_number(world, scene, settings):
    """A refund we sent back that the channel does not list is a difference; one the channel
    lists but we recorded as paid out another way may have been paid twice."""
    a, r, route = scene["a"], scene["r"], scene["route"]
    listed = _import(world, _sandbox_file([(_local(a.paid_at), "T1", a.out_trade_no, "支付", "120.00", "0", "")]))  # fmt: skip
    missing = listed.lines.get(out_refund_no=route.out_refund_no)
    assert (missing.kind, missing.result, missing.system_amount) == (
        "system",
        "missing",
        Decimal("30.00"),
    )
    # a second refund of R the bank refused; finance paid it in cash
    settings.PAYMENT_GATEWAYS = {**settings.PAYMENT_GATEWAYS, "sandbox": {**settings.PAYMENT_GATEWAYS["sandbox"], "refund_outcome": "failed"}}  # fmt: skip
    bill = (
        r.payment.ledger_entries.filter(kind="payment")
        .exclude(bill__refund_requests__isnull=False)
        .first()
        .bill
    )
    again = services.refund_request(
        actor=world.staff("cashier"), payment=r.payment, bill_ids=[bill.pk], reason="再退"
    )
    services.refund_approve(actor=world.staff("finance"), request=again)
    failed = GatewayRefund.objects.get(request=again)
    route_send(refund_id=failed.pk)
    failed.refresh_from_db()
    assert failed.state == "failed"
    route_offline(
        actor=world.staff("finance"), refund=failed, method="cash", note="业主到前台领取现金"
    )
    now = _local(timezone.now())
    s = _import(world, _sandbox_file([
        (now, "T4", r.out_trade_no, "退款", "30.00", "0", route.out_refund_no),
        (now, "T4", r.out_trade_no, "退款", "45.00", "0", failed.out_refund_no),
    ]))  # fmt: skip
    rows = {x.out_refund_no: (x.result, x.detail) for x in s.lines.filter(kind="refund")}
    assert rows[route.out_refund_no][0] == "matched"
    assert rows[failed.out_refund_no][0] == "refund_state"
    assert "可能重复退款" in rows[failed.out_refund_no][1]


def test_payment_the_channel_timed_before_midnight(world, scene):
    """E was recorded in the first minutes of the day and listed by the previous day's file:
    not a difference in today's import."""
    a, e = scene["a"], scene["e"]
    start = dt.datetime.combine(TODAY, dt.time(), tzinfo=timezone.get_current_timezone())
    PaymentOrder.objects.filter(pk=e.pk).update(paid_at=start + dt.timedelta(seconds=2))
    yesterday = TODAY - dt.timedelta(days=1)
    before = _local(start - dt.timedelta(seconds=1))
    _import(world, _sandbox_file([(before, "T", e.out_trade_no, "支付", "66.60", "0", "")]),
            date_from=yesterday, date_to=yesterday)  # fmt: skip
    today = _import(world, _sandbox_file([(_local(a.paid_at), "T", a.out_trade_no, "支付", "120.00", "0", "")]))  # fmt: skip
    missing = {x.out_trade_no for x in today.lines.filter(result="missing")}
    assert e.out_trade_no not in missing and scene["r"].out_trade_no in missing


def test_bad_file_repeated_file_and_rows_outside_the_dates_change_nothing(world, scene):
    a = scene["a"]
    good = _sandbox_file([(_local(a.paid_at), "T1", a.out_trade_no, "支付", "120.00", "0", "")])
    cases = [
        (_sandbox_file([("2020-01-01 00:00:00", "T", "X", "支付", "1.00", "0", "")]), "不在账单日期"),
        (_sandbox_file([(_local(a.paid_at), "T", "X", "收款", "1.00", "0", "")]), "「类型」"),
        (b"\xff\xfe\x00", "编码"),
    ]  # fmt: skip
    for data, message in cases:
        with pytest.raises(ApplicationError) as err:
            _import(world, data)
        assert err.value.field == "file" and message in err.value.message
    with pytest.raises(ApplicationError) as err:
        _import(world, good, date_from=TODAY, date_to=TODAY - dt.timedelta(days=1))
    assert err.value.field == "date_to"
    with pytest.raises(ApplicationError) as err:
        _import(world, good, gateway="unionpay")
    assert err.value.field == "gateway"
    assert not StatementImport.objects.exists() and not StatementLine.objects.exists()
    _import(world, good)
    with pytest.raises(ApplicationError) as err:
        _import(world, good)
    assert err.value.field == "file" and "已于" in err.value.message
    assert StatementImport.objects.count() == 1


def test_who_may_import_and_see(world, scene):
    a = scene["a"]
    data = _sandbox_file([(_local(a.paid_at), "T1", a.out_trade_no, "支付", "120.00", "0", "")])
    with pytest.raises(PermissionDenied):
        _import(world, data, who="cashier")  # no approve permission
    with pytest.raises(PermissionDenied):
        statement_import(actor=world.admin, gateway="sandbox", date_from=TODAY, date_to=TODAY,
                         file_name="x", data=data)  # fmt: skip
    s = _import(world, data)
    assert not StatementImport.objects.for_user(world.staff("finance", "b")).exists()
    assert not StatementLine.objects.for_user(world.staff("finance", "b")).exists()
    assert StatementLine.objects.for_user(world.admin).count() == s.lines.count()
    # company B imports the same file: its own import, where company A's rows are not kept
    s_b = statement_import(actor=world.staff("finance", "b"), gateway="sandbox", date_from=TODAY,
                           date_to=TODAY, file_name="x", data=data)  # fmt: skip
    assert s_b.other_company_count == 1 and s_b.pay_count == 0
    assert list(s_b.lines.values_list("out_trade_no", "result")) == [
        (scene["other"].out_trade_no, "missing")
    ]


# ---------------------------------------------------------------- pages


def test_pages_permission_matrix_and_web_import(world, scene, client, client_for):
    a = scene["a"]
    finance = client_for(world.staff("finance"))
    csv_data = finance.get(reverse("billing:sandbox_statement"), {"date": TODAY.isoformat()})
    assert csv_data.status_code == 200 and csv_data["Content-Type"].startswith("text/csv")
    text = csv_data.content.decode("utf-8-sig")
    assert a.out_trade_no in text and "WYOTHERCOMPANY1" not in text
    assert scene["r"].out_trade_no in text and ",退款,30.00," in text

    url = reverse("billing:statement_import")
    upload = io.BytesIO(csv_data.content)
    upload.name = "sandbox.csv"
    form = {"gateway": "sandbox", "date_from": TODAY.isoformat(), "file": upload}
    cashier = client_for(world.staff("cashier"))
    assert cashier.post(url, form).status_code == 403
    assert not StatementImport.objects.exists()
    upload.seek(0)
    done = finance.post(url, form)
    s = StatementImport.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "billing:statement_detail", args=[s.pk]
    )
    # the sandbox bank lists what it took and refunded: all matches
    assert set(s.lines.values_list("result", flat=True)) == {"matched"}
    assert (s.pay_total, s.refund_total) == (Decimal("261.60"), Decimal("30.00"))

    bad = io.BytesIO(b"nonsense")
    bad.name = "x.csv"
    page = finance.post(url, {"gateway": "wechat", "date_from": TODAY.isoformat(), "file": bad})
    assert page.status_code == 400 and "表头缺少列" in page.content.decode()
    assert StatementImport.objects.count() == 1

    detail = reverse("billing:statement_detail", args=[s.pk])
    body = finance.get(detail).content.decode()
    assert a.out_trade_no in body and "261.60" in body
    assert finance.get(detail, {"export": "xlsx"}).status_code == 200
    assert client.get(detail).status_code == 302
    assert client_for(world.staff("finance", "b")).get(detail).status_code == 404
    assert client_for(world.staff("repair_worker")).get(detail).status_code == 403
    assert client_for(world.owner).get(detail).status_code == 403
    assert client_for(world.owner).get(reverse("billing:sandbox_statement")).status_code == 403
    assert client_for(world.admin).get(detail).status_code == 200
    report = finance.get(reverse("billing:reconciliation")).content.decode()
    assert "sandbox.csv" in report and 'id="statement-form"' in report
    assert (
        'id="statement-form"' not in cashier.get(reverse("billing:reconciliation")).content.decode()
    )


def test_api_import_and_read(world, scene, api_for):
    a = scene["a"]
    url = reverse("api-billing-statements")
    data = _sandbox_file([(_local(a.paid_at), "T1", a.out_trade_no, "支付", "120.00", "0.72", "")])

    def upload(name="s.csv", content=data):
        f = io.BytesIO(content)
        f.name = name
        return {"gateway": "sandbox", "date_from": TODAY.isoformat(), "file": f}

    anon, cashier = api_for(), api_for(world.staff("cashier"))
    assert anon.post(url, upload(), format="multipart").status_code in (401, 403)
    assert cashier.post(url, upload(), format="multipart").status_code == 403
    assert api_for(world.owner).get(url).status_code == 403
    bad = api_for(world.staff("finance")).post(
        url, upload(content=b"a,b\n1,2\n"), format="multipart"
    )
    assert bad.status_code == 400 and "file" in bad.json()["errors"]
    assert not StatementImport.objects.exists()

    finance = api_for(world.staff("finance"))
    made = finance.post(url, upload(), format="multipart")
    assert made.status_code == 201, made.content
    body = made.json()
    # E and R's payments and R's refund, which the file does not list
    assert (body["pay_count"], body["pay_total"], body["problem_count"]) == (1, "120.00", 3)
    detail = finance.get(reverse("api-billing-statement", args=[body["id"]])).json()
    results = sorted((x["out_trade_no"], x["result"]) for x in detail["lines"])
    assert results == sorted(
        [
            (a.out_trade_no, "matched"),
            (scene["e"].out_trade_no, "missing"),
            (scene["r"].out_trade_no, "missing"),
            (scene["r"].out_trade_no, "missing"),
        ]
    )
    assert [x["id"] for x in cashier.get(url).json()] == [body["id"]]
    other = api_for(world.staff("finance", "b"))
    assert other.get(url).json() == []
    assert other.get(reverse("api-billing-statement", args=[body["id"]])).status_code == 404
    assert finance.get(reverse("api-billing-statement", args=["x"])).status_code == 404
