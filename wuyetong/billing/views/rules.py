"""Console pages of the collecting rules: the late-fee rule per community, discount rules,
and vacancy relief requests with their approval."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import parse_pk
from wuyetong.core.views import ModulePermissionMixin, form_error_from
from wuyetong.web import pages
from wuyetong.web.pages import Col

from .. import collect_filters as filters
from .. import selectors
from ..choices import DiscountKind
from ..models import DiscountRule, FeeItem, LateFeeRule, VacancyRelief
from ..services import rules as rule_services


def _community_field(user, action="change"):
    return forms.ModelChoiceField(
        queryset=selectors.billing_communities(user, action),
        label=gettext_lazy("小区"),
        empty_label=None,
    )


class LateFeeForm(forms.Form):
    daily_rate_percent = forms.DecimalField(
        max_digits=7,
        decimal_places=4,
        min_value=0,
        label=gettext_lazy("日费率(%)"),
        help_text=gettext_lazy("例如 0.03 表示每日按欠费的 0.03% 计收"),
    )
    grace_days = forms.IntegerField(
        min_value=0, max_value=365, label=gettext_lazy("宽限天数"), initial=0
    )
    cap_percent = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        min_value=0,
        label=gettext_lazy("上限(欠费的%)"),
        help_text=gettext_lazy("留空表示不设上限"),
    )
    enabled = forms.BooleanField(required=False, initial=True, label=gettext_lazy("启用"))


class LateFeeRules(ModulePermissionMixin, View):
    """Every community's rule in one table, and a form to set one."""

    permission = "billing.view"

    def _render(self, request, form, community, status=200):
        communities = list(selectors.billing_communities(request.user, "view"))
        rules = {r.community_id: r for r in LateFeeRule.objects.filter(community__in=communities)}
        return render(
            request,
            "billing/latefee_rules.html",
            {
                "rows": [(c, rules.get(c.pk)) for c in communities],
                "form": form,
                "community": community,
                "can_change": self.access.can("billing.change"),
            },
            status=status,
        )

    def _community(self, request, value):
        pk = parse_pk(value)
        if pk is None:
            return None
        return selectors.billing_communities(request.user, "change").filter(pk=pk).first()

    def get(self, request):
        community = self._community(request, request.GET.get("community"))
        initial = {}
        rule = LateFeeRule.objects.filter(community=community).first() if community else None
        if rule:
            initial = {
                "daily_rate_percent": (rule.daily_rate * 100).normalize(),
                "grace_days": rule.grace_days,
                "cap_percent": rule.cap_percent,
                "enabled": rule.enabled,
            }
        return self._render(request, LateFeeForm(initial=initial or None), community)

    def post(self, request):
        if not self.access.can("billing.change"):
            raise Http404
        community = self._community(request, request.POST.get("community"))
        if community is None:
            raise Http404
        form = LateFeeForm(request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                rule_services.late_fee_rule_set(
                    actor=request.user,
                    community=community,
                    daily_rate_percent=d["daily_rate_percent"],
                    grace_days=d["grace_days"],
                    cap_percent=d["cap_percent"],
                    enabled=d["enabled"],
                )
            except ApplicationError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, _("已保存 %(c)s 的滞纳金规则") % {"c": community.name})
                return redirect("billing:latefee_rules")
        return self._render(request, form, community, status=400)


class DiscountList(pages.ListPage):
    permission = "billing.view"
    export_permission = "billing.export"
    create_permission = "billing.change"
    create_url = "billing:discount_create"
    title = gettext_lazy("优惠规则")
    columns = [
        Col(gettext_lazy("小区"), lambda r: r.community.name),
        Col(gettext_lazy("名称"), lambda r: r.name),
        Col(gettext_lazy("方式"), lambda r: r.get_kind_display()),
        Col(gettext_lazy("收费项目"), lambda r: r.fee_item.name if r.fee_item else _("全部")),
        Col(gettext_lazy("预缴月数"), lambda r: r.min_months or "", num=True),
        Col(gettext_lazy("折扣%"), lambda r: r.percent or "", num=True),
        Col(gettext_lazy("赠送月数"), lambda r: r.free_months or "", num=True),
        Col(gettext_lazy("减免金额"), lambda r: r.amount or "", num=True),
        Col(gettext_lazy("须无欠费"), lambda r: r.require_no_arrears),
        Col(gettext_lazy("有效期"), lambda r: f"{r.valid_from:%Y-%m-%d} ~ {r.valid_to or ''}"),
        Col(
            gettext_lazy("状态"),
            lambda r: _("启用") if r.is_active else _("停用"),
            tag=lambda r: "ok" if r.is_active else "",
        ),
        Col(
            gettext_lazy("操作"),
            lambda r: _("停用") if r.is_active else "",
            link=lambda r: reverse("billing:discount_disable", args=[r.pk]) if r.is_active else "",
            export=False,
        ),
    ]

    filterset_class = filters.DiscountFilter

    def get_queryset(self):
        return DiscountRule.objects.for_user(self.request.user, "view").select_related(
            "community", "fee_item"
        )


class DiscountForm(forms.Form):
    name = forms.CharField(max_length=50, label=gettext_lazy("名称"))
    kind = forms.ChoiceField(choices=DiscountKind.choices, label=gettext_lazy("优惠方式"))
    fee_item = forms.ModelChoiceField(
        queryset=FeeItem.objects.none(),
        required=False,
        label=gettext_lazy("收费项目"),
        empty_label=gettext_lazy("全部项目"),
    )
    min_months = forms.IntegerField(
        min_value=0, max_value=36, initial=0, label=gettext_lazy("预缴月数(满)")
    )
    percent = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        required=False,
        min_value=0,
        max_value=100,
        label=gettext_lazy("折扣比例(%)"),
    )
    free_months = forms.IntegerField(
        min_value=0, max_value=36, initial=0, required=False, label=gettext_lazy("赠送月数")
    )
    amount = forms.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        min_value=0,
        label=gettext_lazy("减免金额(元)"),
    )
    require_no_arrears = forms.BooleanField(required=False, label=gettext_lazy("须无欠费"))
    valid_from = forms.DateField(
        label=gettext_lazy("生效日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_to = forms.DateField(
        required=False,
        label=gettext_lazy("失效日期"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, data=None, *, instance=None, user=None):
        super().__init__(data)
        self.fields = {"community": _community_field(user), **self.fields}
        access_company = getattr(
            selectors.billing_communities(user, "change").first(), "company_id", None
        )
        self.fields["fee_item"].queryset = FeeItem.objects.filter(company_id=access_company)


class DiscountCreate(pages.FormPage):
    permission = "billing.change"
    form_class = DiscountForm
    title = gettext_lazy("新增优惠规则")
    cancel_url = "billing:discount_list"

    def perform(self, form):
        d = form.cleaned_data
        return rule_services.discount_rule_create(
            actor=self.request.user,
            community=d["community"],
            name=d["name"],
            kind=d["kind"],
            fee_item=d["fee_item"],
            min_months=d["min_months"] or 0,
            percent=d["percent"] or 0,
            free_months=d["free_months"] or 0,
            amount=d["amount"] or 0,
            require_no_arrears=d["require_no_arrears"],
            valid_from=d["valid_from"],
            valid_to=d["valid_to"],
        )


class DiscountDisable(ModulePermissionMixin, View):
    permission = "billing.change"

    def get(self, request, pk):
        rule = (
            DiscountRule.objects.for_user(request.user, "change")
            .filter(pk=parse_pk(pk) or 0)
            .first()
        )
        if rule is None:
            raise Http404
        return render(
            request,
            "billing/confirm.html",
            {
                "title": _("停用优惠规则"),
                "text": _("确定停用“%(n)s”？已享受的优惠不受影响。") % {"n": rule.name},
                "back": reverse("billing:discount_list"),
            },
        )

    def post(self, request, pk):
        rule = (
            DiscountRule.objects.for_user(request.user, "change")
            .filter(pk=parse_pk(pk) or 0)
            .first()
        )
        if rule is None:
            raise Http404
        rule_services.discount_rule_disable(actor=request.user, rule=rule)
        messages.success(request, _("已停用"))
        return redirect("billing:discount_list")


class ReliefList(pages.ListPage):
    permission = "billing.view"
    export_permission = "billing.export"
    create_permission = "billing.add"
    create_url = "billing:relief_create"
    title = gettext_lazy("空置优惠")
    columns = [
        Col(
            gettext_lazy("申请时间"),
            lambda r: f"{timezone.localtime(r.requested_at):%Y-%m-%d}",
            link=lambda r: reverse("billing:relief_detail", args=[r.pk]),
        ),
        Col(gettext_lazy("小区"), lambda r: r.community.name),
        Col(
            gettext_lazy("房屋"),
            lambda r: f"{r.house.building.name}{r.house.unit.name}{r.house.room_no}",
        ),
        Col(gettext_lazy("收费项目"), lambda r: r.fee_item.name),
        Col(gettext_lazy("月份"), lambda r: f"{r.start:%Y-%m} ~ {r.end:%Y-%m}"),
        Col(gettext_lazy("优惠%"), lambda r: r.percent, num=True),
        Col(gettext_lazy("理由"), lambda r: r.reason),
        Col(gettext_lazy("状态"), lambda r: r.get_state_display(), tag=lambda r: r.state),
    ]

    filterset_class = filters.ReliefFilter

    def get_queryset(self):
        return VacancyRelief.objects.for_user(self.request.user, "view").select_related(
            "community", "house__building", "house__unit", "fee_item"
        )


class ReliefForm(forms.Form):
    house = forms.IntegerField(widget=forms.HiddenInput, required=False)
    room = forms.CharField(
        max_length=40, label=gettext_lazy("房屋"), help_text=gettext_lazy("房号，如 1-1-101")
    )
    fee_item = forms.ModelChoiceField(
        queryset=FeeItem.objects.none(), label=gettext_lazy("收费项目")
    )
    start = forms.DateField(
        label=gettext_lazy("开始月份"),
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    end = forms.DateField(
        label=gettext_lazy("结束月份"),
        widget=forms.DateInput(attrs={"type": "month"}),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    percent = forms.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=0,
        max_value=100,
        label=gettext_lazy("优惠比例(%)"),
    )
    reason = forms.CharField(max_length=200, label=gettext_lazy("申请理由"))

    def __init__(self, data=None, *, instance=None, user=None):
        super().__init__(data)
        self.user = user
        self.fields = {"community": _community_field(user, "add"), **self.fields}
        company = getattr(selectors.billing_communities(user, "add").first(), "company_id", None)
        self.fields["fee_item"].queryset = FeeItem.objects.filter(company_id=company)

    def clean(self):
        data = super().clean()
        community, room = data.get("community"), data.get("room")
        if community and room:
            houses = list(
                selectors.desk_house_search(self.user, q=room, community_id=community.pk, limit=2)
            )
            if len(houses) != 1:
                self.add_error("room", _("找不到唯一的房屋，请输入 楼栋-单元-房号"))
            else:
                data["house_obj"] = houses[0]
        return data


class ReliefCreate(pages.FormPage):
    permission = "billing.add"
    form_class = ReliefForm
    title = gettext_lazy("申请空置优惠")
    cancel_url = "billing:relief_list"

    def perform(self, form):
        d = form.cleaned_data
        return rule_services.vacancy_relief_request(
            actor=self.request.user,
            house=d["house_obj"],
            fee_item=d["fee_item"],
            start=d["start"],
            end=d["end"],
            percent=d["percent"],
            reason=d["reason"],
        )


class ReliefDetail(ModulePermissionMixin, View):
    permission = "billing.view"

    def _get(self, request, pk):
        row = (
            VacancyRelief.objects.for_user(request.user, "view")
            .filter(pk=parse_pk(pk) or 0)
            .select_related(
                "community",
                "house__building",
                "house__unit",
                "fee_item",
                "requested_by",
                "decided_by",
            )
            .first()
        )
        if row is None:
            raise Http404
        return row

    def get(self, request, pk):
        row = self._get(request, pk)
        return render(
            request,
            "billing/relief_detail.html",
            {"r": row, "can_decide": self.access.can("billing.approve") and row.state == "pending"},
        )

    def post(self, request, pk):
        if not self.access.can("billing.approve"):
            raise Http404
        row = self._get(request, pk)
        try:
            rule_services.vacancy_relief_decide(
                actor=request.user,
                relief=row,
                approve=request.POST.get("decision") == "approve",
                note=request.POST.get("note", ""),
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("审批完成"))
        return redirect("billing:relief_detail", pk=row.pk)
