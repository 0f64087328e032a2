"""Forms of the billing setup pages: fee items, fee standards, attaching standards, ending an
attachment, a community's billing settings."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from wuyetong.estates.choices import HouseUse
from wuyetong.orgs.models import Community

from ..choices import ChargeMethod, ChargeTarget, FeeKind, PayTiming, Rounding
from ..models import FeeItem
from ..services.standards import BILLING_START_RULES, STANDARD_FIELDS

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CYCLES = [(1, _("每月")), (3, _("每季度")), (6, _("每半年")), (12, _("每年"))]


class FeeItemForm(forms.Form):
    name = forms.CharField(label=_("收费项目"), max_length=30)
    kind = forms.ChoiceField(label=_("类型"), choices=FeeKind.choices)
    sort = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=0)
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, instance=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if instance is not None:
            self.initial.update(
                name=instance.name,
                kind=instance.kind,
                sort=instance.sort,
                is_active=instance.is_active,
            )
            self.fields["kind"].disabled = True
            self.fields["kind"].help_text = _("已有标准和账单依赖类型，不能修改")
        else:
            del self.fields["is_active"]


def parse_tiers_text(text: str) -> list[dict]:
    """ "180,0.538 / 260,0.588 / ,0.838" (one band per line: upper bound, price; the last
    band has no bound) → the service's list of bands."""
    bands = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip().replace("，", ",")
        if not line:
            continue
        parts = [p.strip() for p in line.split(",")]
        if len(parts) != 2:
            raise forms.ValidationError(
                _("第%(n)s行应为“上限,单价”，最后一档上限留空") % {"n": number}
            )
        bands.append({"up_to": parts[0] or None, "price": parts[1]})
    return bands


def tiers_text(tiers: list[dict]) -> str:
    return "\n".join(f"{t.get('up_to') or ''},{t['price']}" for t in tiers or [])


class FeeStandardForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("小区"), queryset=Community.objects.none(), empty_label=_("请选择小区")
    )
    fee_item = forms.ModelChoiceField(
        label=_("收费项目"), queryset=FeeItem.objects.none(), empty_label=_("请选择收费项目")
    )
    name = forms.CharField(label=_("标准名称"), max_length=50)
    method = forms.ChoiceField(label=_("计费方式"), choices=ChargeMethod.choices)
    target = forms.ChoiceField(
        label=_("收费对象"), choices=ChargeTarget.choices, initial=ChargeTarget.HOUSE
    )
    unit_price = forms.DecimalField(
        label=_("单价"),
        max_digits=12,
        decimal_places=4,
        min_value=0,
        initial=Decimal("0"),
        help_text=_("按面积：元/㎡·月；计量：元/单位（有阶梯价时可填 0）"),
    )
    fixed_amount = forms.DecimalField(
        label=_("固定金额/附加"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        initial=Decimal("0"),
        help_text=_("固定收费：每月金额；按面积：每月附加的固定金额；一次性：金额"),
    )
    tiers = forms.CharField(
        label=_("阶梯价格"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "180,0.538\n260,0.588\n,0.838"}),
        help_text=_("仅计量收费：每行“上限,单价”，最后一档上限留空"),
    )
    tiers_yearly = forms.BooleanField(label=_("阶梯按年累计"), required=False)
    cycle_months = forms.TypedChoiceField(
        label=_("计费周期"), choices=CYCLES, coerce=int, initial=1
    )
    timing = forms.ChoiceField(label=_("收费时点"), choices=PayTiming.choices)
    due_day = forms.IntegerField(label=_("缴费日"), min_value=1, max_value=28, initial=15)
    rounding = forms.ChoiceField(label=_("舍入规则"), choices=Rounding.choices)
    effective_from = forms.DateField(label=_("生效日期"), widget=DATE)
    effective_to = forms.DateField(label=_("失效日期"), required=False, widget=DATE)

    EDITABLE = STANDARD_FIELDS  # what fee_standard_update may change

    def __init__(self, *args, instance=None, user=None, communities=None, fee_items=None, **kw):
        super().__init__(*args, **kw)
        self.instance = instance
        self.fields["community"].queryset = communities
        self.fields["fee_item"].queryset = fee_items
        if instance is not None:
            for name in ("community", "fee_item", "name", "method", "target", "tiers_yearly"):
                self.fields[name].disabled = True
            self.initial.update(
                {
                    "community": instance.community_id,
                    "fee_item": instance.fee_item_id,
                    "name": instance.name,
                    "method": instance.method,
                    "target": instance.target,
                    "tiers_yearly": instance.tiers_yearly,
                    **{f: getattr(instance, f) for f in self.EDITABLE if f != "tiers"},
                    "tiers": tiers_text(instance.tiers),
                }
            )

    def clean_tiers(self):
        return parse_tiers_text(self.cleaned_data.get("tiers", ""))

    def service_data(self) -> dict:
        if self.instance is not None:
            return {f: self.cleaned_data[f] for f in self.EDITABLE}
        return dict(self.cleaned_data)


class AssignForm(forms.Form):
    """Which objects get a standard: buildings, house uses, chosen houses, spaces or vehicles
    (one of them), from a billing start date (empty: each house's 交房 rule)."""

    buildings = forms.MultipleChoiceField(
        label=_("按楼栋"), required=False, widget=forms.CheckboxSelectMultiple
    )
    uses = forms.MultipleChoiceField(
        label=_("按房屋类型"),
        required=False,
        choices=HouseUse.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    houses = forms.TypedMultipleChoiceField(
        label=_("勾选房屋"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    spaces = forms.TypedMultipleChoiceField(
        label=_("车位"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    vehicles = forms.TypedMultipleChoiceField(
        label=_("车辆"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    start_date = forms.DateField(
        label=_("计费起始"),
        required=False,
        widget=DATE,
        help_text=_("不填：房屋按交房日期规则（默认交房次月1日起），未交房的房屋不关联"),
    )

    def __init__(self, *args, buildings=(), houses=(), spaces=(), vehicles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["buildings"].choices = [(str(b.pk), b.name) for b in buildings]
        self.fields["houses"].choices = [(h.pk, h.room_no) for h in houses]
        self.fields["spaces"].choices = [(s.pk, str(s)) for s in spaces]
        self.fields["vehicles"].choices = [(v.pk, v.plate) for v in vehicles]


class AssignmentEndForm(forms.Form):
    end_date = forms.DateField(label=_("计费截止"), widget=DATE)


class BillingSettingsForm(forms.Form):
    billing_start = forms.ChoiceField(
        label=_("计费起始规则"),
        choices=[
            (BILLING_START_RULES[0], _("交房次月1日起计费")),
            (BILLING_START_RULES[1], _("交房当日起计费")),
        ],
    )
    prepay_cap_months = forms.IntegerField(
        label=_("预存上限(月)"),
        required=False,
        min_value=1,
        max_value=120,
        help_text=_("预存余额不超过该房屋若干个月的周期性费用；不填为不限"),
    )
