"""Owner app (/app/…) pages of the billing module; the PWA's service-worker scope is /app/."""

from django.urls import path

from . import owner_views as v

app_name = "owner_billing"
urlpatterns: list = [
    path("", v.bills, name="bill_list"),
    path("bill/<str:pk>/", v.bill_detail, name="bill"),
    path("pay/", v.pay, name="pay"),
    path("pay/sandbox/<str:no>/", v.sandbox, name="sandbox"),
    path("orders/<str:no>/", v.order, name="order"),
    path("receipts/", v.receipts, name="receipts"),
    path("receipts/<str:pk>/pdf/", v.receipt_pdf, name="receipt_pdf"),
    path("receipts/<str:pk>/invoice/", v.invoice, name="invoice"),
]
