"""The import pages and API: permission matrix, error table, confirm, summary."""

from __future__ import annotations

import pytest
from django.urls import reverse

from wuyetong.estates.models import Building, House, Occupancy, Resident, Unit
from wuyetong.orgs.models import OperationLog

from .import_helpers import GOOD_STRUCTURE_ROWS, counts_of, owners_file, structure_file, upload

ALL = (Building, Unit, House, Resident, Occupancy, OperationLog)
URL = "/estates/import/"
API = "/api/v1/estates/imports/"


@pytest.fixture(autouse=True)
def import_dir(settings, tmp_path):
    settings.WUYETONG_IMPORT_DIR = str(tmp_path)
    return tmp_path


def post_file(client, community, data, kind="structure", name="houses.xlsx"):
    return client.post(URL, {"community": community.pk, "kind": kind, "file": upload(data, name)})


def test_nav_name_resolves():
    assert reverse("estates:import") == URL


def test_anonymous_is_sent_to_login(world, client):
    before = counts_of(*ALL)
    assert client.get(URL).status_code == 302
    response = post_file(client, world.community_a1, structure_file(GOOD_STRUCTURE_ROWS))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post(URL + "confirm/", {"token": "x"}).status_code == 302
    assert counts_of(*ALL) == before


@pytest.mark.parametrize(
    ("persona", "company", "status"),
    [
        ("hq_admin", "b", 404),
        ("cleaner", "a", 403),
        ("customer_service", "a", 403),
        ("project_manager", "a", 200),
    ],
)
def test_permission_matrix_for_preview(world, client_for, import_dir, persona, company, status):
    client = client_for(world.staff(persona, company))
    before = counts_of(*ALL)
    response = post_file(client, world.community_a1, structure_file(GOOD_STRUCTURE_ROWS))
    assert response.status_code == status
    assert counts_of(*ALL) == before
    assert bool(list(import_dir.iterdir())) is (status == 200)
    if status == 200:
        assert "确认导入 6 行" in response.content.decode()


def test_page_lists_only_communities_in_scope(world, client_for):
    page = client_for(world.staff("project_manager")).get(URL).content.decode()
    assert world.community_a1.name in page
    assert world.community_a2.name not in page and world.community_b1.name not in page
    assert client_for(world.staff("cleaner")).get(URL).status_code == 403


def test_bad_file_shows_every_error_in_a_table(world, client_for):
    rows = [
        ["9幢", "1单元", "101", 1, None, "abc", None, None, "已售", "昨天", None],
        [None, "1单元", "102", 1, None, 90, None, None, None, None, None],
        ["1幢", "1单元", "101", 1, None, 90, None, None, None, None, None],
    ]
    before = counts_of(*ALL)
    response = post_file(
        client_for(world.staff("project_manager")), world.community_a1, structure_file(rows)
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "文件中有 3 行、5 处错误，未导入任何数据" in page
    for text in (
        "必须是数字",
        "只能是：未售",
        "日期格式不正确",
        "必填，不能为空",
        "房屋 1幢/1单元/101 已存在",
    ):
        assert text in page
    assert page.count('<td class="num row">') == 5
    assert counts_of(*ALL) == before
    report = response.context["invalid"].report_token
    assert reverse("estates:import_errors") in page
    download = client_for(world.staff("project_manager")).get(
        reverse("estates:import_errors"), {"token": report}
    )
    assert download.status_code == 200 and download.content[:2] == b"PK"
    assert "attachment" in download["Content-Disposition"]
    stranger = client_for(world.staff("hq_admin")).get(
        reverse("estates:import_errors"), {"token": report}, follow=True
    )
    assert "凭据无效" in stranger.content.decode()


def test_wrong_file_type_is_a_form_error_not_a_500(world, client_for):
    client = client_for(world.staff("project_manager"))
    response = post_file(client, world.community_a1, b"hello", name="houses.csv")
    assert response.status_code == 200 and "只支持 .xlsx" in response.content.decode()
    response = post_file(client, world.community_a1, b"PK\x03\x04junk", name="houses.xlsx")
    assert response.status_code == 200 and "不是有效的 .xlsx" in response.content.decode()


def test_preview_confirm_and_summary(world, client_for):
    client = client_for(world.staff("project_manager"))
    response = post_file(client, world.community_a1, structure_file(GOOD_STRUCTURE_ROWS))
    token = response.context["preview"].token
    before = counts_of(*ALL)
    done = client.post(URL + "confirm/", {"token": token})
    assert done.status_code == 302 and done["Location"] == reverse("estates:import_result")
    after = counts_of(*ALL)
    assert after[2] == before[2] + 6 and after[5] == before[5] + 1
    summary = client.get(done["Location"]).content.decode()
    assert "导入完成" in summary and "新增房屋" in summary
    again = client.post(URL + "confirm/", {"token": token}, follow=True)
    assert "已导入或已失效" in again.content.decode()
    assert counts_of(*ALL) == after
    history = client.get(URL).content.decode()
    assert 'id="import-history"' in history and "houses.xlsx" in history and "新增房屋 6" in history
    assert "houses.xlsx" not in client_for(world.staff("hq_admin", "b")).get(URL).content.decode()


def test_template_downloads(world, client_for):
    client = client_for(world.staff("project_manager"))
    for kind in ("structure", "owners"):
        response = client.get(reverse("estates:import_template", args=[kind]))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        assert response.content[:2] == b"PK"
    assert client.get(URL + "template/other.xlsx").status_code == 404
    assert (
        client_for(world.staff("cleaner")).get(URL + "template/structure.xlsx").status_code == 403
    )


# --- API -------------------------------------------------------------------------------------


def api_preview(api, community, data, kind="structure"):
    return api.post(
        API + "preview",
        {"community": community.pk, "kind": kind, "file": upload(data)},
        format="multipart",
    )


@pytest.mark.parametrize(
    ("persona", "company", "status"),
    [
        (None, None, 403),
        ("hq_admin", "b", 404),
        ("cleaner", "a", 403),
        ("project_manager", "a", 200),
    ],
)
def test_api_permission_matrix(world, api_for, persona, company, status):
    user = world.staff(persona, company) if persona else None
    before = counts_of(*ALL)
    response = api_preview(api_for(user), world.community_a1, structure_file(GOOD_STRUCTURE_ROWS))
    assert response.status_code in ((401, 403) if persona is None else (status,))
    assert set(response.json()) >= (
        {"code", "message", "errors"} if status != 200 else {"token", "counts"}
    )
    assert counts_of(*ALL) == before


def test_api_preview_errors_use_the_common_format(world, api_for):
    api = api_for(world.staff("project_manager"))
    rows = [["1幢", "1单元", "102", "张三", "业主", "123", None, None, None, None]]
    body = api_preview(api, world.community_a1, owners_file(rows), kind="owners").json()
    assert body["code"] == "import_invalid"
    assert body["errors"] == {"第2行/手机号": ["手机号应为 11 位大陆手机号码"]}
    body = api_preview(api, world.community_a1, b"junk").json()
    assert body["code"] == "invalid" and "file" in body["errors"]
    response = api.post(
        API + "preview", {"community": world.community_a1.pk, "kind": "x"}, format="multipart"
    )
    assert response.status_code == 400 and set(response.json()["errors"]) == {"kind", "file"}


def test_api_preview_then_commit(world, api_for):
    api = api_for(world.staff("project_manager"))
    rows = [
        ["1幢", "1单元", "102", "张三", "业主", "13811110005", None, None, None, None],
        ["1幢", "1单元", "102", "李梅", "家庭成员", None, None, None, None, None],
    ]
    preview = api_preview(api, world.community_a1, owners_file(rows), kind="owners").json()
    assert preview["counts"] == {
        "residents": 2,
        "residents_existing": 0,
        "occupancies": 2,
        "houses": 1,
    }
    before = counts_of(*ALL)
    response = api.post(API + "commit", {"token": preview["token"]}, format="multipart")
    assert response.status_code == 201 and response.json()["counts"]["occupancies"] == 2
    after = counts_of(*ALL)
    assert (after[3] - before[3], after[4] - before[4], after[5] - before[5]) == (2, 2, 1)
    again = api.post(API + "commit", {"token": preview["token"]}, format="json")
    assert again.status_code == 400 and again.json()["errors"] == {
        "token": ["该文件已导入或已失效，请重新上传"]
    }
    other = api_for(world.staff("hq_admin", "b")).post(API + "commit", {"token": preview["token"]})
    assert other.status_code in (400, 404)
    assert counts_of(*ALL) == after


def test_a_very_long_error_list_is_cut_and_points_to_the_report(world, client_for, monkeypatch):
    from wuyetong.estates.views import imports as views

    monkeypatch.setattr(views, "ERRORS_SHOWN", 2)
    rows = [
        ["9幢", "1单元", str(100 + i), 1, None, "x", None, None, None, None, None] for i in range(3)
    ]
    page = post_file(
        client_for(world.staff("project_manager")), world.community_a1, structure_file(rows)
    ).content.decode()
    assert page.count('<td class="num row">') == 2
    assert "另有 1 处错误未在此列出，请下载错误报告查看全部" in page


def test_confirm_after_the_data_changed_shows_the_new_errors(world, client_for):
    client = client_for(world.staff("project_manager"))
    first = (
        post_file(client, world.community_a1, structure_file(GOOD_STRUCTURE_ROWS[:2]))
        .context["preview"]
        .token
    )
    second = (
        post_file(client, world.community_a1, structure_file(GOOD_STRUCTURE_ROWS[:2]))
        .context["preview"]
        .token
    )
    assert client.post(URL + "confirm/", {"token": second}).status_code == 302
    before = counts_of(*ALL)
    page = client.post(URL + "confirm/", {"token": first}).content.decode()
    assert "自预览以来数据已发生变化" in page and "已存在" in page
    assert counts_of(*ALL) == before
