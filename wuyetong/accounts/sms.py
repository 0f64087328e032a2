"""SMS provider interface (C2, C7). Providers are chosen by settings.SMS_PROVIDER.

- console: writes the message to the server log (development; the demo shows codes there)
- memory: keeps messages in `outbox` (tests)
- aliyun: Aliyun SMS SendSms over HTTPS with the documented HMAC-SHA1 signature; configured
  by environment variables and never called in tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode
from urllib.request import urlopen

from django.conf import settings

logger = logging.getLogger("wuyetong.sms")


@dataclass
class SmsMessage:
    phone: str
    text: str
    template_params: dict


class SmsProvider:
    def send(self, phone: str, text: str, template_params: dict | None = None) -> None:
        raise NotImplementedError


class ConsoleSmsProvider(SmsProvider):
    def send(self, phone, text, template_params=None):
        logger.warning("[开发短信] 发送至 %s：%s", phone, text)


outbox: list[SmsMessage] = []


class MemorySmsProvider(SmsProvider):
    def send(self, phone, text, template_params=None):
        outbox.append(SmsMessage(phone, text, template_params or {}))


def _percent(value: str) -> str:
    return quote(value, safe="~").replace("+", "%20").replace("*", "%2A")


class AliyunSmsProvider(SmsProvider):
    endpoint = "https://dysmsapi.aliyuncs.com/"

    def signed_query(self, phone: str, template_params: dict, *, nonce: str, timestamp: str) -> str:
        params = {
            "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": phone,
            "RegionId": "cn-hangzhou",
            "SignName": settings.ALIYUN_SMS_SIGN_NAME,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": settings.ALIYUN_SMS_TEMPLATE_CODE,
            "TemplateParam": json.dumps(template_params, ensure_ascii=False),
            "Timestamp": timestamp,
            "Version": "2017-05-25",
        }
        canonical = "&".join(f"{_percent(k)}={_percent(v)}" for k, v in sorted(params.items()))
        to_sign = "GET&%2F&" + _percent(canonical)
        key = (settings.ALIYUN_SMS_ACCESS_KEY_SECRET + "&").encode()
        signature = base64.b64encode(
            hmac.new(key, to_sign.encode(), hashlib.sha1).digest()
        ).decode()
        return urlencode({"Signature": signature, **params})

    def send(self, phone, text, template_params=None):
        query = self.signed_query(
            phone,
            template_params or {},
            nonce=uuid.uuid4().hex,
            timestamp=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        with urlopen(self.endpoint + "?" + query, timeout=10) as resp:
            body = json.loads(resp.read())
        if body.get("Code") != "OK":
            raise RuntimeError(f"Aliyun SMS refused: {body.get('Code')} {body.get('Message')}")


PROVIDERS = {
    "console": ConsoleSmsProvider,
    "memory": MemorySmsProvider,
    "aliyun": AliyunSmsProvider,
}


def get_provider() -> SmsProvider:
    return PROVIDERS[settings.SMS_PROVIDER]()


def send_sms(phone: str, text: str, template_params: dict | None = None) -> None:
    get_provider().send(phone, text, template_params)
