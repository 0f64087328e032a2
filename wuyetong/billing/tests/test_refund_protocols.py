"""Refunds against the gateways' published protocols, with keys made here: the WeChat Pay v3
refund request as WeChat Pay would check it (signature, amounts in fen), each answer status,
the query, the encrypted refund notification and its tampering; Alipay's alipay.trade.refund
and alipay.trade.fastpay.refund.query with signed answers; the sandbox bank."""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from wuyetong.billing.gateways import GatewayError, RefundInfo, Sandbox
from wuyetong.billing.gateways.alipay import sign_content

from .test_gateways import APIV3, NOW, _alipay, _keypair, _sign, _wechat


@pytest.fixture(scope="module")
def keys():
    return {"merchant": _keypair(), "platform": _keypair()}


INFO = RefundInfo(
    out_trade_no="WY20260320A",
    out_refund_no="RF20261130100000ab12cd34",
    amount=Decimal("45.10"),
    total=Decimal("1011.10"),
    reason="物业费退款 TK0000100000001",
    notify_url="https://wy.example.com/api/v1/billing/notify/wechat/refund/",
)


def _signed_response(keys, data: dict, status: int = 200):
    text = json.dumps(data)
    ts, nonce = str(int(NOW)), "RESPNONCE"
    return (
        status,
        {
            "Wechatpay-Timestamp": ts,
            "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": _sign(keys["platform"][0], f"{ts}\n{nonce}\n{text}\n"),
            "Wechatpay-Serial": "PLATFORMSERIAL",
        },
        text.encode(),
    )


def _answer(status="SUCCESS", refund=4510, out_refund_no=INFO.out_refund_no):
    return {
        "refund_id": "50000000382019052709732678859",
        "out_refund_no": out_refund_no,
        "transaction_id": "4200000001",
        "out_trade_no": "WY20260320A",
        "status": status,
        "amount": {"total": 101110, "refund": refund, "currency": "CNY"},
    }


def _auth_fields(header: str) -> dict:
    assert header.startswith("WECHATPAY2-SHA256-RSA2048 ")
    fields = dict(part.split("=", 1) for part in header.split(" ", 1)[1].split(","))
    return {k: v.strip('"') for k, v in fields.items()}


def test_wechat_refund_request_is_signed_with_amounts_in_fen(keys):
    seen = {}

    def transport(method, url, headers, body):
        seen.update(method=method, url=url, headers=headers, body=body)
        return _signed_response(keys, _answer())

    result = _wechat(keys, transport).refund(INFO)
    assert seen["method"] == "POST"
    assert seen["url"] == "https://api.mch.weixin.qq.com/v3/refund/domestic/refunds"
    body = json.loads(seen["body"])
    assert body == {
        "out_trade_no": "WY20260320A",
        "out_refund_no": "RF20261130100000ab12cd34",
        "reason": "物业费退款 TK0000100000001",
        "notify_url": "https://wy.example.com/api/v1/billing/notify/wechat/refund/",
        "amount": {"refund": 4510, "total": 101110, "currency": "CNY"},
    }
    fields = _auth_fields(seen["headers"]["Authorization"])
    assert fields["mchid"] == "1900000001" and fields["serial_no"] == "MERCHANTSERIAL"
    message = (
        f"POST\n/v3/refund/domestic/refunds\n{fields['timestamp']}\n{fields['nonce_str']}\n"
        f"{seen['body'].decode()}\n"
    )
    # what WeChat Pay does with the merchant's public key: raises if the signature is wrong
    keys["merchant"][0].public_key().verify(
        base64.b64decode(fields["signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert (result.state, result.amount) == ("succeeded", Decimal("45.10"))
    assert result.gateway_refund_id == "50000000382019052709732678859"


def test_a_fraction_of_a_fen_is_refused_before_sending(keys):
    sent = []
    bad = RefundInfo(**{**INFO.__dict__, "amount": Decimal("45.105")})
    with pytest.raises(GatewayError) as err:
        _wechat(keys, lambda *a: sent.append(a)).refund(bad)
    assert err.value.reason == "malformed" and sent == []


@pytest.mark.parametrize(
    "status,state",
    [
        ("SUCCESS", "succeeded"),
        ("PROCESSING", "processing"),
        ("ABNORMAL", "failed"),
        ("CLOSED", "closed"),
    ],
)
def test_wechat_refund_answer_statuses(keys, status, state):
    result = _wechat(keys, lambda *a: _signed_response(keys, _answer(status))).refund(INFO)
    assert result.state == state
    if status == "ABNORMAL":
        assert "异常" in result.detail


def test_wechat_refusal_unknown_outcome_and_forged_answer(keys):
    refused = _wechat(
        keys,
        lambda *a: (
            403,
            {},
            json.dumps({"code": "NOT_ENOUGH", "message": "基本账户余额不足"}).encode(),
        ),
    ).refund(INFO)
    assert refused.state == "failed" and "NOT_ENOUGH" in refused.detail
    with pytest.raises(GatewayError) as err:
        _wechat(keys, lambda *a: (502, {}, b"")).refund(INFO)
    assert err.value.reason == "unavailable"

    def down(*a):
        raise OSError("connection reset")

    with pytest.raises(GatewayError) as err:
        _wechat(keys, down).refund(INFO)
    assert err.value.reason == "unavailable"
    status, headers, body = _signed_response(keys, _answer())
    forged = body.replace(b"4510", b"4511")
    with pytest.raises(GatewayError) as err:
        _wechat(keys, lambda *a: (status, headers, forged)).refund(INFO)
    assert err.value.reason == "bad_signature"


def test_wechat_refund_query(keys):
    seen = {}

    def transport(method, url, headers, body):
        seen.update(method=method, url=url, headers=headers, body=body)
        return _signed_response(keys, _answer("SUCCESS"))

    result = _wechat(keys, transport).refund_query(
        out_trade_no="WY20260320A", out_refund_no=INFO.out_refund_no
    )
    assert seen["method"] == "GET" and seen["body"] == b""
    path = f"/v3/refund/domestic/refunds/{INFO.out_refund_no}"
    assert seen["url"] == "https://api.mch.weixin.qq.com" + path
    fields = _auth_fields(seen["headers"]["Authorization"])
    message = f"GET\n{path}\n{fields['timestamp']}\n{fields['nonce_str']}\n\n"
    keys["merchant"][0].public_key().verify(
        base64.b64decode(fields["signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert result.state == "succeeded"
    missing = _wechat(
        keys,
        lambda *a: (404, {}, '{"code":"RESOURCE_NOT_EXISTS","message":"退款单不存在"}'.encode()),
    ).refund_query(out_trade_no="WY20260320A", out_refund_no=INFO.out_refund_no)
    assert missing.state == "failed"


def refund_notice(keys, data: dict, *, event="REFUND.SUCCESS", key=None, ts=int(NOW)):
    """A WeChat Pay refund notification as WeChat Pay sends it, signed with `key` (the
    platform key unless told)."""
    nonce = "fdasflkja484w"
    ciphertext = AESGCM(APIV3.encode()).encrypt(
        nonce.encode(), json.dumps(data).encode(), b"refund"
    )
    body = json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2026-11-30T10:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event,
            "summary": "退款成功",
            "resource": {
                "original_type": "refund",
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": "refund",
                "nonce": nonce,
            },
        }
    ).encode()
    hdr_nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
    headers = {
        "Wechatpay-Timestamp": str(ts),
        "Wechatpay-Nonce": hdr_nonce,
        "Wechatpay-Signature": _sign(
            key or keys["platform"][0], f"{ts}\n{hdr_nonce}\n{body.decode()}\n"
        ),
        "Wechatpay-Serial": "PLATFORMSERIAL",
    }
    return headers, body


def refund_data(status="SUCCESS", refund=4510, out_refund_no=INFO.out_refund_no, mchid=None):
    return {
        "mchid": mchid or "1900000001",
        "out_trade_no": "WY20260320A",
        "transaction_id": "4200000001",
        "out_refund_no": out_refund_no,
        "refund_id": "50000000382019052709732678859",
        "refund_status": status,
        "success_time": "2026-11-30T10:00:00+08:00",
        "user_received_account": "招商银行信用卡0403",
        "amount": {
            "total": 101110,
            "refund": refund,
            "payer_total": 101110,
            "payer_refund": refund,
        },
    }


def test_wechat_refund_notification_verified_and_decrypted(keys):
    headers, body = refund_notice(keys, refund_data())
    r = _wechat(keys).parse_refund_notification(headers, body)
    assert (r.out_refund_no, r.state, r.amount) == (
        INFO.out_refund_no,
        "succeeded",
        Decimal("45.10"),
    )
    headers, body = refund_notice(keys, refund_data("ABNORMAL"), event="REFUND.ABNORMAL")
    assert _wechat(keys).parse_refund_notification(headers, body).state == "failed"
    headers, body = refund_notice(keys, refund_data("CLOSED"), event="REFUND.CLOSED")
    assert _wechat(keys).parse_refund_notification(headers, body).state == "closed"


@pytest.mark.parametrize("tamper", ["key", "body", "mchid", "old"])
def test_wechat_refund_notification_tampering_refused(keys, tamper):
    headers, body = refund_notice(
        keys,
        refund_data(mchid="1900000999" if tamper == "mchid" else None),
        key=keys["merchant"][0] if tamper == "key" else None,
        ts=int(NOW) - 3600 if tamper == "old" else int(NOW),
    )
    if tamper == "body":
        body = body.replace(b"REFUND.SUCCESS", b"REFUND.CLOSED")
    with pytest.raises(GatewayError) as err:
        _wechat(keys).parse_refund_notification(headers, body)
    assert err.value.reason == "bad_signature"


# ---------------------------------------------------------------- Alipay


def alipay_transport(keys, answers: dict, seen: list):
    """Alipay's gateway: answers each method with the member given, signed with Alipay's key
    over the member's exact text (here with spaces, as Alipay's JSON may have)."""

    def transport(method, url, headers, body):
        params = dict(parse_qsl(body.decode()))
        seen.append(params)
        name = params["method"].replace(".", "_") + "_response"
        member = json.dumps(answers[params["method"]], ensure_ascii=False, indent=1)
        sign = _sign(keys["platform"][0], member)
        text = f'{{"{name}": {member}, "sign": "{sign}"}}'
        return 200, {}, text.encode()

    return transport


def _alipay_with(keys, transport):
    gw = _alipay(keys)
    gw.transport = transport
    return gw


def test_alipay_refund_signed_and_fund_change_decides(keys):
    seen: list = []
    answers = {
        "alipay.trade.refund": {
            "code": "10000",
            "msg": "Success",
            "trade_no": "2026113022001",
            "out_trade_no": "WY20260320A",
            "fund_change": "Y",
            "refund_fee": "45.10",
        }
    }
    result = _alipay_with(keys, alipay_transport(keys, answers, seen)).refund(INFO)
    [params] = seen
    assert params["method"] == "alipay.trade.refund" and params["sign_type"] == "RSA2"
    assert json.loads(params["biz_content"]) == {
        "out_trade_no": "WY20260320A",
        "refund_amount": "45.10",
        "out_request_no": INFO.out_refund_no,
        "refund_reason": "物业费退款 TK0000100000001",
    }
    # as Alipay checks it: RSA2 over the sorted parameters without sign
    keys["merchant"][0].public_key().verify(
        base64.b64decode(params["sign"]),
        sign_content(params).encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    assert (result.state, result.amount) == ("succeeded", Decimal("45.10"))


def test_alipay_retry_without_fund_change_asks_the_query(keys):
    seen: list = []
    answers = {
        "alipay.trade.refund": {"code": "10000", "msg": "Success", "fund_change": "N"},
        "alipay.trade.fastpay.refund.query": {
            "code": "10000",
            "msg": "Success",
            "out_request_no": INFO.out_refund_no,
            "refund_amount": "45.10",
            "refund_status": "REFUND_SUCCESS",
        },
    }
    result = _alipay_with(keys, alipay_transport(keys, answers, seen)).refund(INFO)
    assert [p["method"] for p in seen] == [
        "alipay.trade.refund",
        "alipay.trade.fastpay.refund.query",
    ]
    assert json.loads(seen[1]["biz_content"]) == {
        "out_trade_no": "WY20260320A",
        "out_request_no": INFO.out_refund_no,
    }
    assert result.state == "succeeded"
    answers["alipay.trade.fastpay.refund.query"] = {"code": "10000", "msg": "Success"}
    assert _alipay_with(keys, alipay_transport(keys, answers, [])).refund(INFO).state == "failed"


def test_alipay_refusal_unknown_and_forged(keys):
    refused = {
        "alipay.trade.refund": {
            "code": "40004",
            "msg": "Business Failed",
            "sub_code": "ACQ.TRADE_HAS_CLOSE",
            "sub_msg": "交易已经关闭",
        }
    }
    result = _alipay_with(keys, alipay_transport(keys, refused, [])).refund(INFO)
    assert result.state == "failed" and "交易已经关闭" in result.detail
    unknown = {"alipay.trade.refund": {"code": "20000", "msg": "Service Currently Unavailable"}}
    with pytest.raises(GatewayError) as err:
        _alipay_with(keys, alipay_transport(keys, unknown, [])).refund(INFO)
    assert err.value.reason == "unavailable"
    ok = {"alipay.trade.refund": {"code": "10000", "msg": "Success", "fund_change": "Y"}}
    honest = alipay_transport(keys, ok, [])

    def forged(*a):
        status, headers, body = honest(*a)
        return status, headers, body.replace(b'"Success"', b'"Successful"')

    with pytest.raises(GatewayError) as err:
        _alipay_with(keys, forged).refund(INFO)
    assert err.value.reason == "bad_signature"


# ---------------------------------------------------------------- sandbox


def test_sandbox_bank_outcomes_and_signed_refund_notification():
    def bank(outcome):
        return Sandbox(key="k", page_url=str, clock=lambda: NOW, refund_outcome=outcome)

    assert bank("succeeded").refund(INFO).state == "succeeded"
    assert bank("failed").refund(INFO).state == "failed"
    assert bank("processing").refund(INFO).state == "processing"
    assert bank("processing").refund_query(out_trade_no="x", out_refund_no="y").state == (
        "succeeded"
    )
    headers, body = bank("processing").refund_notification(
        out_refund_no="RF1", amount=Decimal("45.10"), state="succeeded"
    )
    r = bank("processing").parse_refund_notification(headers, body)
    assert (r.out_refund_no, r.state, r.amount) == ("RF1", "succeeded", Decimal("45.10"))
    with pytest.raises(GatewayError) as err:
        bank("processing").parse_refund_notification(headers, body.replace(b"succeeded", b"failed"))
    assert err.value.reason == "bad_signature"
    with pytest.raises(GatewayError):
        Sandbox(key="k", page_url=str, refund_outcome="maybe")


# ---------------------------------------------------------------- platform key rotation


def _rotating(keys, old):
    from wuyetong.billing.gateways import WechatPay

    return WechatPay(
        mchid="1900000001",
        appid="wx0123456789",
        serial_no="MERCHANTSERIAL",
        private_key=keys["merchant"][1],
        platform_public_key=keys["platform"][2],
        platform_serial="NEWSERIAL",
        platform_public_key_previous=old[2],
        platform_serial_previous="OLDSERIAL",
        apiv3_key=APIV3,
        clock=lambda: NOW,
    )


def _with_serial(headers, serial):
    return {**headers, "Wechatpay-Serial": serial}


def test_rotation_verifies_with_the_key_the_serial_names(keys):
    old = _keypair()
    gw = _rotating(keys, old)
    # WeChat Pay still signs with the old key for a while, then with the new one
    headers, body = refund_notice(keys, refund_data(), key=old[0])
    assert gw.parse_refund_notification(_with_serial(headers, "OLDSERIAL"), body).state == (
        "succeeded"
    )
    headers, body = refund_notice(keys, refund_data())
    assert gw.parse_refund_notification(_with_serial(headers, "NEWSERIAL"), body).state == (
        "succeeded"
    )
    # the old key under the new serial (or the reverse) is a forgery
    headers, body = refund_notice(keys, refund_data(), key=old[0])
    with pytest.raises(GatewayError) as err:
        gw.parse_refund_notification(_with_serial(headers, "NEWSERIAL"), body)
    assert err.value.reason == "bad_signature"
    headers, body = refund_notice(keys, refund_data())
    with pytest.raises(GatewayError) as err:
        gw.parse_refund_notification(_with_serial(headers, "RETIREDSERIAL"), body)
    assert err.value.reason == "bad_signature"
    assert "RETIREDSERIAL" in err.value.detail and "NEWSERIAL、OLDSERIAL" in err.value.detail


def test_rotation_configuration_is_checked(keys):
    from wuyetong.billing.gateways import WechatPay

    base = {
        "mchid": "1900000001",
        "appid": "wx0123456789",
        "serial_no": "MERCHANTSERIAL",
        "private_key": keys["merchant"][1],
        "platform_public_key": keys["platform"][2],
        "apiv3_key": APIV3,
    }
    old = _keypair()[2]
    for extra in (
        {"platform_serial": "NEW", "platform_public_key_previous": old},  # no old serial
        {
            "platform_serial": "",
            "platform_public_key_previous": old,
            "platform_serial_previous": "OLD",
        },
        {
            "platform_serial": "S",
            "platform_public_key_previous": old,
            "platform_serial_previous": "S",
        },
    ):
        with pytest.raises(GatewayError) as err:
            WechatPay(**base, **extra)
        assert err.value.reason == "not_configured"
