"""Collecting API paths: owners' bills, orders and receipts; the desk; refunds, invoices;
gateway notifications."""

from django.urls import path

from . import collect_views as c
from . import statement_views as st

urlpatterns = [
    path("my/bills/", c.OwnerBillsApi.as_view(), name="api-billing-my-bills"),
    path("my/quote/", c.OwnerQuoteApi.as_view(), name="api-billing-my-quote"),
    path("my/orders/", c.OwnerOrderCreateApi.as_view(), name="api-billing-my-orders"),
    path("my/orders/<str:no>/", c.OwnerOrderApi.as_view(), name="api-billing-my-order"),
    path("my/receipts/", c.OwnerReceiptListApi.as_view(), name="api-billing-my-receipts"),
    path(
        "my/receipts/<int:pk>/pdf/",
        c.OwnerReceiptPdfApi.as_view(),
        name="api-billing-my-receipt-pdf",
    ),
    path(
        "my/receipts/<int:pk>/invoice/", c.OwnerInvoiceApi.as_view(), name="api-billing-my-invoice"
    ),
    path("desk/houses/", c.DeskHouseListApi.as_view(), name="api-billing-desk-houses"),
    path("desk/houses/<int:pk>/", c.DeskHouseApi.as_view(), name="api-billing-desk-house"),
    path("desk/houses/<int:pk>/pay/", c.DeskPayApi.as_view(), name="api-billing-desk-pay"),
    path("bills/<int:pk>/waive-late-fee/", c.WaiveApi.as_view(), name="api-billing-waive"),
    path("payments/", c.PaymentListApi.as_view(), name="api-billing-payments"),
    path("payments/<int:pk>/pdf/", c.PaymentPdfApi.as_view(), name="api-billing-payment-pdf"),
    path(
        "payments/<int:pk>/refunds/", c.RefundCreateApi.as_view(), name="api-billing-refund-create"
    ),
    path("refunds/", c.RefundListApi.as_view(), name="api-billing-refunds"),
    path(
        "refunds/<int:pk>/approve/", c.RefundDecideApi.as_view(), name="api-billing-refund-approve"
    ),
    path("refunds/<int:pk>/reject/", c.RefundRejectApi.as_view(), name="api-billing-refund-reject"),
    path("refunds/<int:pk>/route/", c.RefundRouteApi.as_view(), name="api-billing-refund-route"),
    path(
        "refunds/<int:pk>/route/retry/",
        c.RefundRouteRetryApi.as_view(),
        name="api-billing-refund-route-retry",
    ),
    path(
        "refunds/<int:pk>/route/offline/",
        c.RefundRouteOfflineApi.as_view(),
        name="api-billing-refund-route-offline",
    ),
    path("invoices/", c.InvoiceListApi.as_view(), name="api-billing-invoices"),
    path(
        "invoices/<int:pk>/review/",
        c.InvoiceActionApi.as_view(step="review"),
        name="api-billing-invoice-review",
    ),
    path(
        "invoices/<int:pk>/issue/",
        c.InvoiceActionApi.as_view(step="issue"),
        name="api-billing-invoice-issue",
    ),
    path(
        "invoices/<int:pk>/send/",
        c.InvoiceActionApi.as_view(step="send"),
        name="api-billing-invoice-send",
    ),
    path("close/", c.DailyCloseApi.as_view(), name="api-billing-close"),
    path("reconciliation/", c.ReconciliationApi.as_view(), name="api-billing-reconciliation"),
    path(
        "reconciliation/statements/",
        st.StatementListApi.as_view(),
        name="api-billing-statements",
    ),
    path(
        "reconciliation/statements/<str:pk>/",
        st.StatementDetailApi.as_view(),
        name="api-billing-statement",
    ),
    path("notify/<str:gateway>/", c.notify_view, name="api-billing-notify"),
    path("notify/<str:gateway>/refund/", c.refund_notify_view, name="api-billing-refund-notify"),
]
