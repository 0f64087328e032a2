"""Explicit input and output of the collecting API (desk, owner bills, refunds, invoices)."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from wuyetong.core.exceptions import ApplicationError

from ..choices import PayMethod
from ..services.common import parse_money


@extend_schema_field(OpenApiTypes.STR)
class MoneyInput(serializers.Field):
    """An amount as a string ("66.60") or an integer; a JSON float is refused, never rounded."""

    def to_internal_value(self, data) -> Decimal:
        try:
            return parse_money(
                data, field=self.field_name or "amount", label="金额", positive=False
            )
        except ApplicationError as exc:
            raise serializers.ValidationError(exc.message) from None

    def to_representation(self, value) -> str:
        return str(value)


class QuoteLineOutput(serializers.Serializer):
    bill_id = serializers.IntegerField(allow_null=True)
    fee_item = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    due_date = serializers.DateField()
    calculation = serializers.CharField()
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2)
    late_fee = serializers.DecimalField(max_digits=14, decimal_places=2)
    late_fee_text = serializers.CharField()
    discount = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_note = serializers.CharField()
    advance = serializers.BooleanField()
    pay = serializers.DecimalField(max_digits=14, decimal_places=2)


class QuoteOutput(serializers.Serializer):
    house_id = serializers.IntegerField()
    on = serializers.DateField()
    months_ahead = serializers.IntegerField()
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2)
    late_fees = serializers.DecimalField(max_digits=14, decimal_places=2)
    discounts = serializers.DecimalField(max_digits=14, decimal_places=2)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_rule = serializers.CharField()
    lines = QuoteLineOutput(many=True)


class OwnerBillsOutput(QuoteOutput):
    house = serializers.CharField()
    prepaid_balance = serializers.DecimalField(max_digits=14, decimal_places=2)


class OwnerQuoteInput(serializers.Serializer):
    house = serializers.IntegerField(min_value=1)
    bills = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500)
    months_ahead = serializers.IntegerField(min_value=0, max_value=36, default=0)


class OrderInput(OwnerQuoteInput):
    gateway = serializers.ChoiceField(choices=["sandbox", "wechat", "alipay"])
    expected_total = MoneyInput(required=False)


class OrderOutput(serializers.Serializer):
    out_trade_no = serializers.CharField()
    gateway = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    state = serializers.CharField()
    receipt_no = serializers.CharField(source="payment.receipt_no", default="")
    redirect_url = serializers.CharField(required=False)


class PaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    receipt_no = serializers.CharField()
    house_id = serializers.IntegerField()
    community_id = serializers.IntegerField()
    purpose = serializers.CharField()
    method = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    tendered = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    paid_at = serializers.DateTimeField()
    cashier = serializers.CharField(source="cashier.name", default="")


class DeskHouseOutput(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.CharField(source="community.name")
    label = serializers.CharField()  # type: ignore[assignment]
    building_area = serializers.DecimalField(max_digits=10, decimal_places=2)
    owed = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)


class DeskPayInput(serializers.Serializer):
    bills = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500
    )
    pay_all = serializers.BooleanField(default=False)
    months_ahead = serializers.IntegerField(min_value=0, max_value=36, default=0)
    method = serializers.ChoiceField(choices=PayMethod.choices)
    tendered = MoneyInput(required=False)
    expected_total = MoneyInput(required=False)
    idempotency_key = serializers.CharField(max_length=64)
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class WaiveInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class RefundInput(serializers.Serializer):
    bills = serializers.ListField(child=serializers.IntegerField(min_value=1), max_length=500)
    reason = serializers.CharField(max_length=200)
    method = serializers.ChoiceField(choices=PayMethod.choices, required=False, default="")


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class RouteEventOutput(serializers.Serializer):
    kind = serializers.CharField()
    state = serializers.CharField()
    changed = serializers.BooleanField()
    actor = serializers.SerializerMethodField()
    method = serializers.CharField()
    note = serializers.CharField()
    at = serializers.DateTimeField()

    def get_actor(self, obj) -> str:
        return (obj.actor.name or obj.actor.phone) if obj.actor_id else ""


class RouteOutput(serializers.Serializer):
    """A refund sent back through the payment's gateway (原路退回) and its steps."""

    gateway = serializers.CharField()
    out_trade_no = serializers.CharField(source="order.out_trade_no")
    out_refund_no = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    gateway_refund_id = serializers.CharField()
    error = serializers.CharField()
    attempts = serializers.IntegerField()
    paid_twice = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    events = RouteEventOutput(many=True, source="events.all")


class RouteRetryInput(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class RouteOfflineInput(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=[(m, PayMethod(m).label) for m in ("cash", "transfer", "bank_card")]
    )
    note = serializers.CharField(max_length=200)


class RefundOutput(serializers.Serializer):
    id = serializers.IntegerField()
    payment_id = serializers.IntegerField()
    house_id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    method = serializers.CharField()
    reason = serializers.CharField()
    state = serializers.CharField()
    refund_no = serializers.CharField()
    bill_ids = serializers.SerializerMethodField()
    route = serializers.SerializerMethodField()

    def get_bill_ids(self, obj) -> list[int]:
        return sorted(b.pk for b in obj.bills.all())

    @extend_schema_field(RouteOutput(allow_null=True))
    def get_route(self, obj) -> dict | None:
        route = getattr(obj, "gateway_refund", None)
        return RouteOutput(route).data if route is not None else None


class InvoiceInput(serializers.Serializer):
    title = serializers.CharField(max_length=100)
    tax_no = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    email = serializers.CharField(max_length=254)


class InvoiceReviewInput(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class InvoiceOutput(serializers.Serializer):
    id = serializers.IntegerField()
    payment_id = serializers.IntegerField()
    title = serializers.CharField()
    tax_no = serializers.CharField()
    email = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    state = serializers.CharField()
    invoice_no = serializers.CharField()
    reject_reason = serializers.CharField()


class DailyCloseOutput(serializers.Serializer):
    day = serializers.DateField()
    count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    by_method = serializers.DictField(child=serializers.CharField())


class MismatchOutput(serializers.Serializer):
    kind = serializers.CharField()
    when = serializers.DateTimeField()
    gateway = serializers.CharField()
    out_trade_no = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    detail = serializers.CharField()
    community = serializers.CharField()
