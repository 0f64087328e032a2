"""The operation log reads in Chinese: field names, choice labels, permission diffs."""

from wuyetong.orgs.models import Community, Role
from wuyetong.orgs.oplog_display import format_changes


def test_update_shows_old_and_new_with_labels():
    text = format_changes(
        {"status": ["pending", "rejected"], "reject_reason": ["", "材料不全"]}, Community, "reject"
    )
    assert text == "审核状态: 待审核 → 已驳回；驳回原因: — → 材料不全"


def test_permission_lists_show_what_was_added_and_removed():
    text = format_changes(
        {"permissions": [["org.view"], ["org.view", "billing.export"]]}, Role, "update"
    )
    assert text == "权限: +财务管理·导出"


def test_create_shows_values_and_template_names():
    text = format_changes(
        {
            "name": "夜班客服",
            "template": "customer_service",
            "permissions": ["org.view", "roles.view"],
            "description": "",
        },
        Role,
        "create",
    )
    assert text == "角色名称: 夜班客服；来源模板: 客服；权限: 2项权限"


def test_unknown_fields_keep_their_code_name():
    assert format_changes({"roles": [["保洁"], ["保洁", "客服"]]}, None, "grant") == "角色: +客服"
    assert format_changes({"gone": ["a", "b"]}, Role, "update") == "gone: a → b"
