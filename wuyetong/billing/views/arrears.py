"""Arrears (欠费) by community, building and house with ageing, reminding houses (催缴) by
in-app message, SMS and a printed notice (PDF), and the history of every reminder."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.excel import xlsx_response
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import parse_pk
from wuyetong.core.masking import mask_phone
from wuyetong.core.money import ZERO
from wuyetong.core.views import ModulePermissionMixin

from .. import filters
from .. import selectors_arrears as arrears
from .. import selectors_ops as sel
from ..choices import DunningChannel
from ..documents import dunning_notices_pdf
from ..services.dunning import dunning_send
from .base import Col, ListPage, raise_http

LEVELS = {
    "community": _("按小区"),
    "building": _("按楼栋"),
    "house": _("按房屋"),
    "fee_item": _("按收费项目"),
}
PER_PAGE = 100


def _filters(request):
    """The page's filters, each checked against what the user may see."""
    q = request.GET
    communities = sel.billing_communities(request.user)
    community = communities.filter(pk=parse_pk(q.get("community")) or 0).first()
    as_of = parse_date(q.get("as_of") or "") or timezone.localdate()
    level = (
        q.get("level") if q.get("level") in LEVELS else ("building" if community else "community")
    )
    if level in ("house",) and community is None:
        level = "community"
    building_id = parse_pk(q.get("building")) if community else None
    fee_item_id = parse_pk(q.get("fee_item"))
    return {
        "communities": communities,
        "community": community,
        "as_of": as_of,
        "level": level,
        "building_id": building_id,
        "fee_item_id": fee_item_id,
    }


def _query(f, **overrides) -> str:
    params = {
        "community": f["community"].pk if f["community"] else "",
        "as_of": f["as_of"].isoformat(),
        "level": f["level"],
        "building": f["building_id"] or "",
        "fee_item": f["fee_item_id"] or "",
    }
    params.update(overrides)
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _label(level: str, row: dict) -> str:
    if level == "community":
        return row["community__name"]
    if level == "building":
        return row["house__building__name"]
    if level == "fee_item":
        return row["fee_item__name"]
    return f"{row['house__building__name']}{row['house__unit__name']}{row['house__room_no']}"


class ArrearsPage(ModulePermissionMixin, View):
    permission = "billing.view"

    def get(self, request):
        f = _filters(request)
        args = {
            "as_of": f["as_of"],
            "community_id": f["community"].pk if f["community"] else None,
            "building_id": f["building_id"],
            "fee_item_id": f["fee_item_id"],
        }
        rows_qs = arrears.arrears_by(request.user, f["level"], **args)
        totals = arrears.arrears_totals(request.user, **args)
        if request.GET.get("export") == "xlsx":
            if not self.access.can("billing.export"):
                raise PermissionDenied
            return self.export(f, rows_qs, request.user, args)
        page = Paginator(rows_qs, PER_PAGE).get_page(request.GET.get("page"))
        rows = [dict(r, label=_label(f["level"], r)) for r in page]
        if f["level"] == "house":
            ids = [r["house_id"] for r in rows]
            owners = arrears.owners_of(ids) if self.access.can("residents.view") else {}
            reminded = arrears.last_reminders(ids)
            for r in rows:
                people = owners.get(r["house_id"], [])
                r["owner"] = "、".join(n for n, _p, _u in people)
                r["reminded"] = reminded.get(r["house_id"])
        key = arrears.GROUPS[f["level"]][0]
        fees, totals["late_fee"] = arrears.late_fees_by(
            request.user, f["level"], keys=[r[key] for r in rows], **args
        )
        totals["with_late_fee"] = (totals["total"] or ZERO) + totals["late_fee"]
        for r in rows:
            r["drill"] = self.drill(f, r)
            r["ages"] = [(b, r[b.key]) for b in arrears.BUCKETS]
            r["late_fee"] = fees.get(r[key], ZERO)
            r["with_late_fee"] = r["total"] + r["late_fee"]
        chart = {
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 60, "right": 16, "top": 24, "bottom": 28},
            "xAxis": {"type": "category", "data": [str(b.label) for b in arrears.BUCKETS]},
            "yAxis": {"type": "value", "name": "元"},
            "series": [
                {
                    "type": "bar",
                    "data": [float(totals[b.key]) for b in arrears.BUCKETS],
                    "itemStyle": {"color": "#c2410c"},
                    "label": {"show": True, "position": "top"},
                }
            ],
        }
        buildings = (
            list(f["community"].buildings.order_by("sort", "name")) if f["community"] else []
        )
        return render(
            request,
            "billing/arrears.html",
            {
                **f,
                "levels": [(k, v, _query(f, level=k, page="")) for k, v in LEVELS.items()],
                "buckets": arrears.BUCKETS,
                "totals": totals,
                "total_ages": [(b, totals[b.key]) for b in arrears.BUCKETS],
                "rows": rows,
                "page": page,
                "query": _query(f),
                "buildings": buildings,
                "fee_items": sel.fee_item_list(request.user),
                "chart": chart,
                "can_remind": self.access.can("billing.add") and f["level"] == "house",
                "can_export": self.access.can("billing.export"),
                "channels": DunningChannel.choices,
            },
        )

    @staticmethod
    def drill(f, r) -> str:
        base = reverse("billing:arrears")
        if f["level"] == "community":
            return f"{base}?{_query(f, community=r['community_id'], level='building')}"
        if f["level"] == "building":
            return f"{base}?{_query(f, building=r['house__building_id'], level='house')}"
        if f["level"] == "house":
            return reverse("billing:bill_list") + f"?house={r['house_id']}&state=unpaid"
        return f"{base}?{_query(f, fee_item=r['fee_item_id'], level='house' if f['community'] else 'community')}"

    def export(self, f, rows_qs, user, args):
        key = arrears.GROUPS[f["level"]][0]
        fees, _total = arrears.late_fees_by(user, f["level"], **args)
        headers = [
            str(LEVELS[f["level"]]).removeprefix("按"),
            *[f"{b.label}(元)" for b in arrears.BUCKETS],
            "欠费本金(元)",
            "滞纳金(元)",
            "本金+滞纳金(元)",
            "欠费户数",
            "账单数",
            "最早应缴日期",
        ]
        data = (
            [
                _label(f["level"], r),
                *[r[b.key] for b in arrears.BUCKETS],
                r["total"],
                fees.get(r[key], ZERO),
                r["total"] + fees.get(r[key], ZERO),
                r["houses"],
                r["bills"],
                r["oldest_due"],
            ]
            for r in rows_qs.iterator()
        )
        return xlsx_response(f"欠费账龄-{f['as_of']:%Y%m%d}", headers, data, sheet_title="欠费账龄")


class DunningSend(ModulePermissionMixin, View):
    """Reminds the ticked houses (or every house in arrears the filters match)."""

    permission = "billing.add"

    def post(self, request):
        communities = sel.billing_communities(request.user, "add")
        community = communities.filter(pk=parse_pk(request.POST.get("community")) or 0).first()
        back = request.POST.get("back") or reverse("billing:arrears")
        if not back.startswith("/"):
            back = reverse("billing:arrears")
        if community is None:
            messages.error(request, _t("请选择小区"))
            return redirect(back)
        ids = [pk for pk in map(parse_pk, request.POST.getlist("houses")) if pk]
        as_of = parse_date(request.POST.get("as_of") or "") or timezone.localdate()
        if request.POST.get("all_matching") == "1":
            rows = arrears.arrears_by(
                request.user,
                "house",
                as_of=as_of,
                community_id=community.pk,
                building_id=parse_pk(request.POST.get("building")),
                fee_item_id=parse_pk(request.POST.get("fee_item")),
            )
            ids = [r["house_id"] for r in rows]
        try:
            result = dunning_send(
                actor=request.user,
                community=community,
                house_ids=ids,
                channels=request.POST.getlist("channels"),
                as_of=as_of,
            )
        except ApplicationError as exc:
            raise_http(exc)
            messages.error(request, _t("催缴失败：%(m)s") % {"m": exc.message})
            return redirect(back)
        summary = "，".join(
            f"{label} {result.count(code)}"
            for code, label in DunningChannel.choices
            if result.count(code)
        )
        messages.success(
            request,
            _t("已催缴 %(n)s 户：%(s)s")
            % {"n": len({r.house_id for r in result.records}), "s": summary or "0"},
        )
        for house, reason in result.skipped[:10]:
            messages.warning(request, f"{house}：{reason}")
        return redirect(f"{reverse('billing:dunning_list')}?batch={result.batch}")


def _dunning_pdf_url(o) -> str:
    return reverse("billing:dunning_pdf") + f"?id={o.pk}" if o.channel == "letter" else ""


class DunningList(ListPage):
    title = _("催缴记录")
    selector = arrears.dunning_list
    template_name = "billing/dunning_list.html"
    filterset_class = filters.DunningFilter
    extra_links = [(_("欠费账龄"), "billing:arrears", "billing.view")]
    columns = [
        Col(
            _("时间"),
            lambda o: timezone.localtime(o.created_at).strftime("%Y-%m-%d %H:%M"),
            order="created_at",
        ),
        Col(_("小区"), lambda o: o.community.name),
        Col(
            _("房屋"),
            lambda o: f"{o.house.building.name}{o.house.unit.name}{o.house.room_no}",
            link=lambda o: reverse("billing:dunning_list") + f"?house={o.house_id}",
        ),
        Col(_("方式"), lambda o: o.get_channel_display()),
        Col(_("结果"), lambda o: o.get_status_display(), tag=lambda o: o.status),
        Col(_("欠费(元)"), lambda o: o.owed, num=True, order="owed"),
        Col(_("账单数"), lambda o: o.bill_count, num=True),
        Col(_("最早应缴"), lambda o: o.oldest_due),
        Col(_("接收人"), lambda o: o.recipient_name),
        Col(_("手机号"), lambda o: mask_phone(o.phone) if o.phone else ""),
        Col(_("通知书"), lambda o: o.notice_no, link=_dunning_pdf_url),
        Col(_("操作人"), lambda o: o.sent_by.name if o.sent_by else ""),
        Col(_("内容"), lambda o: o.text, screen=False),
    ]

    def extra_context(self) -> dict:
        batch = self.request.GET.get("batch", "")
        letters = (
            arrears.dunning_list(self.request.user).filter(batch=batch, channel="letter").exists()
            if batch
            else False
        )
        return {"batch_pdf": reverse("billing:dunning_pdf") + f"?batch={batch}" if letters else ""}


class DunningPdf(ModulePermissionMixin, View):
    """The printable notices of one reminder or of a whole batch, one page per house."""

    permission = "billing.view"

    def get(self, request):
        qs = (
            arrears.dunning_list(request.user)
            .filter(channel="letter")
            .select_related("community__company")
        )
        if request.GET.get("batch"):
            qs = qs.filter(batch=request.GET["batch"][:32])
            name = f"催缴通知书-{request.GET['batch'][:8]}.pdf"
        else:
            qs = qs.filter(pk=parse_pk(request.GET.get("id")) or 0)
            name = "催缴通知书.pdf"
        records = list(qs.order_by("house__building__sort", "house__unit__name", "house__room_no"))
        if not records:
            raise Http404(_t("通知书不存在"))
        response = HttpResponse(dunning_notices_pdf(records), content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(False, name)
        return response


urlpatterns = [
    path("arrears/", ArrearsPage.as_view(), name="arrears"),
    path("arrears/dunning/", DunningSend.as_view(), name="dunning_send"),
    path("dunning/", DunningList.as_view(), name="dunning_list"),
    path("dunning/notices.pdf", DunningPdf.as_view(), name="dunning_pdf"),
]
