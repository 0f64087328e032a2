"""FilterSets of the collecting lists (receipts, refunds, invoices, online orders, balances),
shared by the console lists and the API lists. Community choices are the user's own."""

from __future__ import annotations

import django_filters as df
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .choices import (
    Gateway,
    InvoiceState,
    OrderState,
    PaymentPurpose,
    PayMethod,
    RefundState,
    ReliefState,
)
from .models import (
    DiscountRule,
    InvoiceRequest,
    Payment,
    PaymentOrder,
    PrepaidBalance,
    RefundRequest,
    VacancyRelief,
)
from .selectors import billing_communities


def _communities(request):
    return billing_communities(getattr(request, "user", None), "view")


class CommunityFilterSet(df.FilterSet):
    community = df.ModelChoiceFilter(
        label=_("小区"), queryset=_communities, empty_label=_("全部小区")
    )


class CollectFilterSet(CommunityFilterSet):
    q = df.CharFilter(label=_("房号/单号"), method="filter_q")
    number_field = ""

    def filter_q(self, queryset, name, value):
        value = (value or "").strip()[:40]
        if not value:
            return queryset
        match = Q(house__room_no=value)
        if self.number_field:
            match |= Q(**{f"{self.number_field}__icontains": value})
        return queryset.filter(match)


class PaymentFilter(CollectFilterSet):
    number_field = "receipt_no"
    method = df.ChoiceFilter(
        label=_("支付方式"), choices=PayMethod.choices, empty_label=_("全部方式")
    )
    purpose = df.ChoiceFilter(
        label=_("用途"), choices=PaymentPurpose.choices, empty_label=_("全部用途")
    )
    date_from = df.DateFilter(label=_("开始日期"), field_name="paid_at", lookup_expr="date__gte")
    date_to = df.DateFilter(label=_("结束日期"), field_name="paid_at", lookup_expr="date__lte")

    class Meta:
        model = Payment
        fields = ["community", "method", "purpose", "date_from", "date_to", "q"]


class RefundFilter(CollectFilterSet):
    number_field = "refund_no"
    state = df.ChoiceFilter(label=_("状态"), choices=RefundState.choices, empty_label=_("全部状态"))

    class Meta:
        model = RefundRequest
        fields = ["community", "state", "q"]


class InvoiceFilter(CollectFilterSet):
    number_field = "invoice_no"
    state = df.ChoiceFilter(
        label=_("状态"), choices=InvoiceState.choices, empty_label=_("全部状态")
    )

    class Meta:
        model = InvoiceRequest
        fields = ["community", "state", "q"]


class OrderFilter(CollectFilterSet):
    number_field = "out_trade_no"
    state = df.ChoiceFilter(label=_("状态"), choices=OrderState.choices, empty_label=_("全部状态"))
    gateway = df.ChoiceFilter(label=_("渠道"), choices=Gateway.choices, empty_label=_("全部渠道"))

    class Meta:
        model = PaymentOrder
        fields = ["community", "state", "gateway", "q"]


class BalanceFilter(CollectFilterSet):
    held = df.ChoiceFilter(
        label=_("余额"),
        choices=[("prepaid", _("有预存")), ("deposit", _("有押金"))],
        empty_label=_("全部"),
        method="filter_held",
    )

    class Meta:
        model = PrepaidBalance
        fields = ["community", "held", "q"]

    def filter_held(self, queryset, name, value):
        if value == "prepaid":
            return queryset.filter(balance__gt=0)
        if value == "deposit":
            return queryset.filter(deposit_held__gt=0)
        return queryset


class DiscountFilter(CommunityFilterSet):
    class Meta:
        model = DiscountRule
        fields = ["community"]


class ReliefFilter(CollectFilterSet):
    state = df.ChoiceFilter(label=_("状态"), choices=ReliefState.choices, empty_label=_("全部状态"))

    class Meta:
        model = VacancyRelief
        fields = ["community", "state", "q"]
