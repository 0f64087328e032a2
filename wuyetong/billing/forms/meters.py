"""Forms of meter reading: which building, meter type and month to enter, and the Excel
import's upload."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wuyetong.core.ids import lookup_pk
from wuyetong.estates.models import Building
from wuyetong.orgs.models import Community

from ..filters import MonthField
from ..models import FeeItem


class ReadingScopeForm(forms.Form):
    """Community → building, meter type and month of a reading round (抄表)."""

    community = forms.ModelChoiceField(
        label=_("小区"), queryset=Community.objects.none(), empty_label=_("请选择小区")
    )
    building = forms.ModelChoiceField(
        label=_("楼栋"), queryset=Building.objects.none(), empty_label=_("请选择楼栋")
    )
    fee_item = forms.ModelChoiceField(
        label=_("表类型"), queryset=FeeItem.objects.none(), empty_label=_("请选择表类型")
    )
    period = MonthField(label=_("抄表月份"))

    def __init__(self, *args, communities=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        community = self.data.get("community") if self.is_bound else self.initial.get("community")
        chosen = communities.filter(pk=lookup_pk(community)).first() if community else None
        if chosen is None and communities.count() == 1:
            chosen = communities.first()
            self.initial.setdefault("community", chosen.pk)
        if chosen is not None:
            self.fields["building"].queryset = Building.objects.filter(community=chosen).order_by(
                "sort", "name"
            )
            self.fields["fee_item"].queryset = FeeItem.objects.filter(
                company_id=chosen.company_id, kind="metered", is_active=True
            ).order_by("sort", "pk")


class ReadingImportForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("小区"), queryset=Community.objects.none(), empty_label=_("请选择小区")
    )
    fee_item = forms.ModelChoiceField(
        label=_("表类型"), queryset=FeeItem.objects.none(), empty_label=_("请选择表类型")
    )
    period = MonthField(label=_("抄表月份"))
    file = forms.FileField(
        label=_("Excel 文件"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"})
    )

    def __init__(self, *args, communities=None, fee_items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities
        self.fields["fee_item"].queryset = fee_items
