"""Forms of the 公摊 pages: a shared meter, and a month's reading of it."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wuyetong.estates.models import Building
from wuyetong.orgs.models import Community

from ..choices import SharedBasis
from ..filters import MonthField
from ..models import FeeItem

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SharedMeterForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("小区"), queryset=Community.objects.none(), empty_label=_("请选择小区")
    )
    fee_item = forms.ModelChoiceField(
        label=_("收费项目"), queryset=FeeItem.objects.none(), empty_label=_("请选择收费项目")
    )
    name = forms.CharField(label=_("公摊表名称"), max_length=50)
    basis = forms.ChoiceField(label=_("分摊方式"), choices=SharedBasis.choices)
    unit_price = forms.DecimalField(
        label=_("单价(元/单位)"), max_digits=12, decimal_places=4, min_value=0
    )
    buildings = forms.ModelMultipleChoiceField(
        label=_("服务楼栋"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则分摊到全小区；未售房屋不参与分摊"),
    )
    is_active = forms.BooleanField(label=_("启用"), required=False, initial=True)

    def __init__(self, *args, instance=None, communities=None, fee_items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["fee_item"].queryset = fee_items
        community_id = instance.community_id if instance else self.data.get("community")
        if instance is None and not community_id:
            community_id = self.initial.get("community")
        self.fields["buildings"].queryset = Building.objects.filter(
            community__in=communities, community_id=community_id or 0
        ).order_by("sort", "name")
        if instance is not None:
            self.fields["community"].disabled = True
            self.initial.update(
                community=instance.community_id,
                fee_item=instance.fee_item_id,
                name=instance.name,
                basis=instance.basis,
                unit_price=instance.unit_price,
                buildings=list(instance.buildings.values_list("pk", flat=True)),
                is_active=instance.is_active,
            )
        else:
            del self.fields["is_active"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["building_ids"] = [b.pk for b in data.pop("buildings")]
        return data


class SharedReadingForm(forms.Form):
    period = MonthField(label=_("月份"))
    previous_reading = forms.CharField(
        label=_("上次读数"), required=False, help_text=_("首次抄表必填；之后自动取上月读数")
    )
    current_reading = forms.CharField(label=_("本次读数"))
    due_date = forms.DateField(
        label=_("应缴日期"), required=False, widget=DATE, help_text=_("不填为次月15日")
    )
