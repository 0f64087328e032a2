"""The WeChat Pay v3 and Alipay adapters against their published protocols, with keys made
here: request signing, notification verification, AES-256-GCM decryption; tampering refused."""

from __future__ import annotations

import base64
import json
import os
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from wuyetong.billing.gateways import Alipay, GatewayError, OrderInfo, WechatPay
from wuyetong.billing.gateways.alipay import sign_content

NOW = 1_790_000_000.0


def _keypair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return key, private, public


@pytest.fixture(scope="module")
def keys():
    return {"merchant": _keypair(), "platform": _keypair()}


def _sign(key, message: str) -> str:
    return base64.b64encode(
        key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    ).decode()


APIV3 = "0123456789abcdef0123456789ABCDEF"


def _wechat(keys, transport=None):
    return WechatPay(
        mchid="1900000001",
        appid="wx0123456789",
        serial_no="MERCHANTSERIAL",
        private_key=keys["merchant"][1],
        platform_public_key=keys["platform"][2].replace("\n", "\\n"),  # one-line env form
        platform_serial="PLATFORMSERIAL",
        apiv3_key=APIV3,
        transport=transport,
        clock=lambda: NOW,
    )


def _wechat_notice(keys, tx: dict, *, ts: int = int(NOW), key=None, serial="PLATFORMSERIAL"):
    nonce = "abcdefghijkl"
    ciphertext = AESGCM(APIV3.encode()).encrypt(
        nonce.encode(), json.dumps(tx).encode(), b"transaction"
    )
    body = json.dumps(
        {
            "id": "EV-2018022511223320873",
            "event_type": "TRANSACTION.SUCCESS",
            "resource_type": "encrypt-resource",
            "resource": {
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": "transaction",
                "nonce": nonce,
            },
        }
    ).encode()
    hdr_nonce = "5K8264ILTKCH16CQ2502SI8ZNMTM67VS"
    signature = _sign(key or keys["platform"][0], f"{ts}\n{hdr_nonce}\n{body.decode()}\n")
    headers = {
        "Wechatpay-Timestamp": str(ts),
        "Wechatpay-Nonce": hdr_nonce,
        "Wechatpay-Signature": signature,
        "Wechatpay-Serial": serial,
    }
    return headers, body


TX = {
    "mchid": "1900000001",
    "appid": "wx0123456789",
    "out_trade_no": "WY20260320A",
    "transaction_id": "4200000001",
    "trade_state": "SUCCESS",
    "amount": {"total": 101110, "payer_total": 101110, "currency": "CNY"},
}


def test_wechat_request_is_signed_as_api_v3_specifies(keys):
    seen = {}

    def transport(method, url, headers, body):
        seen.update(method=method, url=url, headers=headers, body=body)
        resp = json.dumps({"h5_url": "https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?x=1"})
        ts, nonce = str(int(NOW)), "RESPNONCE"
        sig = _sign(keys["platform"][0], f"{ts}\n{nonce}\n{resp}\n")
        return (
            200,
            {
                "Wechatpay-Timestamp": ts,
                "Wechatpay-Nonce": nonce,
                "Wechatpay-Signature": sig,
                "Wechatpay-Serial": "PLATFORMSERIAL",
            },
            resp.encode(),
        )

    gw = _wechat(keys, transport)
    start = gw.start(
        OrderInfo(
            "WY20260320A",
            Decimal("1011.10"),
            "翠苑一区 物业缴费",
            "https://x/notify",
            "https://x/back",
        )
    )
    assert start.redirect_url.startswith("https://wx.tenpay.com/")
    assert seen["url"] == "https://api.mch.weixin.qq.com/v3/pay/transactions/h5"
    body = json.loads(seen["body"])
    assert body["amount"] == {"total": 101110, "currency": "CNY"}
    assert body["scene_info"]["h5_info"]["type"] == "Wap"
    auth = seen["headers"]["Authorization"]
    assert auth.startswith("WECHATPAY2-SHA256-RSA2048 ")
    fields = dict(part.split("=", 1) for part in auth.split(" ", 1)[1].split(","))
    fields = {k: v.strip('"') for k, v in fields.items()}
    assert fields["mchid"] == "1900000001" and fields["serial_no"] == "MERCHANTSERIAL"
    message = (
        f"POST\n/v3/pay/transactions/h5\n{fields['timestamp']}\n{fields['nonce_str']}\n"
        f"{seen['body'].decode()}\n"
    )
    keys["merchant"][0].public_key().verify(
        base64.b64decode(fields["signature"]), message.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_wechat_notification_verified_and_decrypted(keys):
    headers, body = _wechat_notice(keys, TX)
    n = _wechat(keys).parse_notification(headers, body)
    assert n.out_trade_no == "WY20260320A" and n.amount == Decimal("1011.10")
    assert n.trade_no == "4200000001" and n.success


@pytest.mark.parametrize("tamper", ["body", "key", "serial", "old", "cipher", "mchid"])
def test_wechat_tampered_notification_refused(keys, tamper):
    tx = dict(TX, mchid="1900000999") if tamper == "mchid" else TX
    headers, body = _wechat_notice(
        keys,
        tx,
        key=keys["merchant"][0] if tamper == "key" else None,
        serial="OTHER" if tamper == "serial" else "PLATFORMSERIAL",
        ts=int(NOW) - 3600 if tamper == "old" else int(NOW),
    )
    if tamper == "body":
        body = body.replace(b"TRANSACTION.SUCCESS", b"TRANSACTION.SUCCESs")
    if tamper == "cipher":
        env = json.loads(body)
        raw = bytearray(base64.b64decode(env["resource"]["ciphertext"]))
        raw[0] ^= 1
        env["resource"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
        body = json.dumps(env).encode()
        headers["Wechatpay-Signature"] = _sign(
            keys["platform"][0],
            f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n{body.decode()}\n",
        )
    with pytest.raises(GatewayError) as err:
        _wechat(keys).parse_notification(headers, body)
    assert err.value.reason == "bad_signature"


def _alipay(keys):
    return Alipay(
        app_id="2021000000000001",
        private_key=keys["merchant"][1],
        alipay_public_key=keys["platform"][2],
        clock=lambda: NOW,
    )


def test_alipay_request_signed_with_rsa2(keys):
    start = _alipay(keys).start(
        OrderInfo("WY20260320B", Decimal("88.80"), "物业缴费", "https://x/notify", "https://x/back")
    )
    parts = urlsplit(start.redirect_url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://openapi.alipay.com/gateway.do"
    params = dict(parse_qsl(parts.query))
    assert params["method"] == "alipay.trade.wap.pay" and params["sign_type"] == "RSA2"
    biz = json.loads(params["biz_content"])
    assert biz["total_amount"] == "88.80" and biz["product_code"] == "QUICK_WAP_WAY"
    content = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign")
    keys["merchant"][0].public_key().verify(
        base64.b64decode(params["sign"]), content.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def _alipay_notice(keys, **over):
    params = {
        "notify_time": "2026-03-20 10:00:00",
        "notify_type": "trade_status_sync",
        "notify_id": "ac05099524730693a8b330c5ecf72da9786",
        "app_id": "2021000000000001",
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": "2026032022001400000001",
        "out_trade_no": "WY20260320B",
        "trade_status": "TRADE_SUCCESS",
        "total_amount": "88.80",
        "subject": "物业缴费",
        **over,
    }
    params["sign_type"] = "RSA2"
    params["sign"] = _sign(keys["platform"][0], sign_content(params, exclude=("sign", "sign_type")))
    return params


def test_alipay_notification_verified(keys):
    n = _alipay(keys).parse_notification({}, urlencode(_alipay_notice(keys)).encode())
    assert n.out_trade_no == "WY20260320B" and n.amount == Decimal("88.80") and n.success
    assert _alipay(keys).ack(True).body == b"success"


def test_alipay_tampered_notification_refused(keys):
    params = _alipay_notice(keys)
    params["total_amount"] = "0.01"
    with pytest.raises(GatewayError) as err:
        _alipay(keys).parse_notification({}, urlencode(params).encode())
    assert err.value.reason == "bad_signature"
    other_app = _alipay_notice(keys, app_id="2021999")
    with pytest.raises(GatewayError):
        _alipay(keys).parse_notification({}, urlencode(other_app).encode())


def test_gateway_without_keys_is_not_configured():
    with pytest.raises(GatewayError) as err:
        WechatPay(
            mchid="",
            appid="",
            serial_no="",
            private_key="",
            platform_public_key="",
            platform_serial="",
            apiv3_key=os.urandom(4).hex(),
        )
    assert err.value.reason == "not_configured"
