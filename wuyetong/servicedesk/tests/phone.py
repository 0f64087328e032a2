"""Helpers of the service desk's phone tests in Chromium: a photo file to upload, and a
390 × 844 phone whose network bytes and hosts are metered like the owner app's pages."""

from __future__ import annotations

import io

from PIL import Image

from wuyetong.owner.tests.test_phone_browser import Meter


def png_file(path, colour=(90, 120, 160), size=(800, 600)) -> str:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    path.write_bytes(buffer.getvalue())
    return str(path)


def phone_context(browser, base_url: str, **options):
    """A fresh 390 × 844 touch phone on `base_url`."""
    return browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        base_url=base_url,
        is_mobile=True,
        has_touch=True,
        **options,
    )


def metered_phone(browser, live_server):
    """A phone (service workers blocked, so every page shows on the wire), its page and the
    meter on it; close the context when done."""
    context = phone_context(browser, live_server.url, service_workers="block")
    page = context.new_page()
    return context, page, Meter(page)
