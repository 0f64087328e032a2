"""操作日志 (company admins: their company; platform: everything) and the bureau's
community list."""

from __future__ import annotations

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from wuyetong.core.access import get_access
from wuyetong.core.excel import xlsx_response
from wuyetong.core.masking import mask_phone
from wuyetong.core.views import htmx_template, paginate

from .. import selectors
from ..filters import BureauCommunityFilter, OperationLogFilter
from ..oplog_display import format_changes
from .common import bureau_required, oplog_reader, querystring_without_page

EXPORT_LIMIT = 50_000


def _oplog_filterset(request, action: str):
    if not request.user.is_authenticated:
        return None
    access = get_access(request.user)
    if not oplog_reader(access, action):
        raise PermissionDenied
    request.access = access
    qs = selectors.oplog_list(access, action)
    return OperationLogFilter(request.GET or None, queryset=qs, request=request)


@require_GET
def oplog_list(request):
    filterset = _oplog_filterset(request, "view")
    if filterset is None:
        return redirect_to_login(request.get_full_path())
    page = paginate(request, filterset.qs)
    for entry in page:
        entry.model = entry.content_type.model_class()
        entry.changes_text = format_changes(entry.changes, entry.model, entry.action)
        entry.type_label = (
            entry.model._meta.verbose_name if entry.model else entry.content_type.model
        )
    template = htmx_template(request, "orgs/oplog_list.html", "orgs/_oplog_table.html")
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "qs": querystring_without_page(request),
            "can_export": oplog_reader(request.access, "export"),
            "tab": "oplog",
        },
    )


@require_GET
def oplog_export(request):
    filterset = _oplog_filterset(request, "export")
    if filterset is None:
        return redirect_to_login(request.get_full_path())
    show_company = request.access.is_platform
    headers = [
        _("时间"),
        _("操作人"),
        _("手机号"),
        _("操作"),
        _("对象类型"),
        _("对象"),
        _("变更字段"),
        _("备注"),
        "IP",
    ]
    if show_company:
        headers.insert(1, _("公司"))

    def rows():
        for e in filterset.qs[:EXPORT_LIMIT].iterator(chunk_size=2000):
            model = e.content_type.model_class()  # cached by ContentType, no query
            row = [
                timezone.localtime(e.created_at),
                e.actor.name if e.actor else _("系统"),
                mask_phone(e.actor.phone) if e.actor else "",
                e.get_action_display(),
                str(model._meta.verbose_name) if model else e.content_type.model,
                e.object_repr,
                format_changes(e.changes, model, e.action),
                e.note,
                e.ip or "",
            ]
            if show_company:
                row.insert(1, str(e.company) if e.company else _("平台"))
            yield row

    stamp = timezone.localtime().strftime("%Y%m%d%H%M")
    return xlsx_response(
        _("操作日志_%(stamp)s.xlsx") % {"stamp": stamp},
        headers,
        rows(),
        sheet_title=_("操作日志"),
        widths=[18, 10, 13, 10, 12, 24, 60, 20, 14] if not show_company else None,
    )


@require_GET
@bureau_required
def bureau_community_list(request):
    filterset = BureauCommunityFilter(
        request.GET or None,
        queryset=selectors.bureau_community_list(request.access),
        request=request,
    )
    page = paginate(request, filterset.qs)
    return render(
        request,
        "orgs/bureau_community_list.html",
        {
            "filter": filterset,
            "page": page,
            "qs": querystring_without_page(request),
        },
    )
