"""Console URLs of the collecting side (/billing/…): desk, receipts, daily close, refunds,
invoices, balances, rules, online payment."""

from django.urls import path

from .views import cashier, collect, rules, statements

urlpatterns = [
    path("desk/", cashier.DeskSearch.as_view(), name="desk"),
    path("desk/house/<str:pk>/", cashier.DeskHouse.as_view(), name="desk_house"),
    path("desk/house/<str:pk>/quote/", cashier.DeskQuote.as_view(), name="desk_quote"),
    path("desk/house/<str:pk>/pay/", cashier.DeskPay.as_view(), name="desk_pay"),
    path("bills/<str:pk>/waive/", cashier.LateFeeWaive.as_view(), name="late_fee_waive"),
    path("close/", cashier.DailyCloseView.as_view(), name="daily_close"),
    path("receipts/", collect.ReceiptList.as_view(), name="receipt_list"),
    path("receipts/<str:pk>/", cashier.ReceiptDetail.as_view(), name="receipt_detail"),
    path("receipts/<str:pk>/pdf/", cashier.ReceiptPdf.as_view(), name="receipt_pdf"),
    path("receipts/<str:pk>/refund/", collect.RefundCreate.as_view(), name="refund_create"),
    path("refunds/", collect.RefundList.as_view(), name="refund_list"),
    path("refunds/<str:pk>/", collect.RefundDetail.as_view(), name="refund_detail"),
    path("refunds/<str:pk>/pdf/", collect.RefundPdf.as_view(), name="refund_pdf"),
    path("refunds/<str:pk>/route/", collect.RefundRoute.as_view(), name="refund_route"),
    path("invoices/", collect.InvoiceList.as_view(), name="invoice_list"),
    path("invoices/<str:pk>/", collect.InvoiceDetail.as_view(), name="invoice_detail"),
    path("invoices/<str:pk>/pdf/", collect.InvoicePdf.as_view(), name="invoice_pdf"),
    path("balances/", collect.BalanceList.as_view(), name="balance_list"),
    path("balances/<str:pk>/", collect.HouseBalance.as_view(), name="house_balance"),
    path("online/", collect.OrderList.as_view(), name="order_list"),
    path("online/reconciliation/", collect.Reconciliation.as_view(), name="reconciliation"),
    path("online/statements/", statements.StatementImportView.as_view(), name="statement_import"),
    path(
        "online/statements/<str:pk>/",
        statements.StatementDetail.as_view(),
        name="statement_detail",
    ),
    path(
        "online/sandbox-statement/",
        statements.SandboxStatement.as_view(),
        name="sandbox_statement",
    ),
    path("late-fees/", rules.LateFeeRules.as_view(), name="latefee_rules"),
    path("discounts/", rules.DiscountList.as_view(), name="discount_list"),
    path("discounts/new/", rules.DiscountCreate.as_view(), name="discount_create"),
    path("discounts/<str:pk>/disable/", rules.DiscountDisable.as_view(), name="discount_disable"),
    path("vacancy/", rules.ReliefList.as_view(), name="relief_list"),
    path("vacancy/new/", rules.ReliefCreate.as_view(), name="relief_create"),
    path("vacancy/<str:pk>/", rules.ReliefDetail.as_view(), name="relief_detail"),
]
