"""Personal data masking for lists (SPEC §4)."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    if len(phone) != 11:
        return phone[:2] + "*" * max(len(phone) - 4, 0) + phone[-2:]
    return f"{phone[:3]}****{phone[-4:]}"


def mask_id_card(number: str | None) -> str:
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]
