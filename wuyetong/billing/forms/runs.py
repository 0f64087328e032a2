"""Forms of the bill-run pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wuyetong.orgs.models import Community

from ..filters import MonthField


class RunChooseForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("小区"), queryset=Community.objects.none(), empty_label=_("请选择小区")
    )
    period = MonthField(label=_("账期(月份)"))

    def __init__(self, *args, communities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = communities


class RunVoidForm(forms.Form):
    reason = forms.CharField(
        label=_("作废原因"), max_length=200, error_messages={"required": _("请填写作废原因")}
    )
