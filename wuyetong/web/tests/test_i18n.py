"""The i18n machinery is live (ADR 0003): Chinese msgids, an English catalogue would apply.

No compiled English catalogue is committed, so the test injects a few entries into the
in-memory "en" translation object and removes them afterwards (global state restored)."""

import pytest
from django.utils import translation
from django.utils.translation import trans_real

from wuyetong.core.access import get_access
from wuyetong.estates.choices import HouseState
from wuyetong.estates.services.import_cells import HOUSE_STATES, parse_choice, source_labels
from wuyetong.web.navigation import build_menu

pytestmark = pytest.mark.django_db

ENGLISH = {"房屋": "Houses", "资源管理": "Resources", "入住": "Occupied"}


@pytest.fixture
def english():
    """Adds ENGLISH to the cached "en" catalogue for the duration of one test."""
    was_cached = "en" in trans_real._translations
    catalog = trans_real.translation("en")._catalog
    missing = object()
    saved = {msgid: catalog.get(msgid, missing) for msgid in ENGLISH}
    for msgid, text in ENGLISH.items():
        catalog[msgid] = text
    try:
        yield
    finally:
        first = catalog._catalogs[0]
        for msgid, old in saved.items():
            if old is missing:
                first.pop(msgid, None)
            else:
                first[msgid] = old
        if not was_cached:
            trans_real._translations.pop("en", None)


def _menu(user) -> dict[str, list[str]]:
    return {g["title"]: [i["label"] for i in g["items"]] for g in build_menu(get_access(user))}


def test_menu_labels_follow_the_active_language(world, english):
    manager = world.staff("project_manager")
    with translation.override("en"):
        english_menu = _menu(manager)
    assert "Houses" in english_menu["Resources"]
    assert "房屋" not in english_menu["Resources"]
    # Back in the source language the Chinese msgid is shown unchanged.
    with translation.override("zh-hans"):
        assert "房屋" in _menu(manager)["资源管理"]


def test_templates_render_the_english_catalogue(world, client_for, english):
    client = client_for(world.staff("project_manager"))
    # LocaleMiddleware activates the request's language; override() restores ours after.
    with translation.override(translation.get_language()):
        english_page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        chinese_page = client.get("/").content.decode()
    assert '<html lang="en">' in english_page
    assert "<span>Houses</span>" in english_page  # {% translate "房屋" %} in dashboard.html
    assert ">Houses</a>" in english_page  # the navigation entry
    assert "<span>房屋</span>" not in english_page
    assert "<span>房屋</span>" in chinese_page and "Houses" not in chinese_page


def test_import_files_stay_chinese_whatever_the_language(english):
    """Import sheets are a data format: cells are matched against the source labels."""
    with translation.override("en"):
        assert str(HouseState.OCCUPIED.label) == "Occupied"
        assert source_labels(HouseState.choices)["入住"] == HouseState.OCCUPIED
        assert parse_choice("入住", HOUSE_STATES, None) == HouseState.OCCUPIED


def test_no_catalogue_leaks_after_the_test():
    with translation.override("en"):
        assert translation.gettext("房屋") == "房屋"
