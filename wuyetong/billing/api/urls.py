"""Billing API under /api/v1/billing/."""

from django.urls import path

from . import ops
from .collect_urls import urlpatterns as collect_urls

urlpatterns = [
    path("fee-items/", ops.FeeItemListApi.as_view(), name="api-billing-fee-items"),
    path("fee-items/<int:pk>/", ops.FeeItemDetailApi.as_view(), name="api-billing-fee-item"),
    path("standards/", ops.FeeStandardListApi.as_view(), name="api-billing-standards"),
    path("standards/<int:pk>/", ops.FeeStandardDetailApi.as_view(), name="api-billing-standard"),
    path(
        "standards/<int:pk>/assign/",
        ops.FeeStandardAssignApi.as_view(),
        name="api-billing-standard-assign",
    ),
    path("assignments/", ops.AssignmentListApi.as_view(), name="api-billing-assignments"),
    path(
        "assignments/<int:pk>/end/",
        ops.AssignmentEndApi.as_view(),
        name="api-billing-assignment-end",
    ),
    path("runs/", ops.RunListApi.as_view(), name="api-billing-runs"),
    path("runs/preview/", ops.RunPreviewApi.as_view(), name="api-billing-run-preview"),
    path("runs/<int:pk>/void/", ops.RunVoidApi.as_view(), name="api-billing-run-void"),
    path("run-jobs/", ops.RunJobCreateApi.as_view(), name="api-billing-run-jobs"),
    path("run-jobs/<int:pk>/", ops.RunJobDetailApi.as_view(), name="api-billing-run-job"),
    path("bills/", ops.BillListApi.as_view(), name="api-billing-bills"),
    path("readings/", ops.ReadingListApi.as_view(), name="api-billing-readings"),
    path("readings/batch/", ops.ReadingBatchApi.as_view(), name="api-billing-readings-batch"),
    path("shared-meters/", ops.SharedMeterListApi.as_view(), name="api-billing-shared-meters"),
    path(
        "shared-meters/<int:pk>/preview/",
        ops.SharedPreviewApi.as_view(),
        name="api-billing-shared-preview",
    ),
    path(
        "shared-meters/<int:pk>/readings/",
        ops.SharedReadApi.as_view(),
        name="api-billing-shared-read",
    ),
    path(
        "my/bills/<int:pk>/shared-share/",
        ops.OwnerSharedShareApi.as_view(),
        name="api-billing-my-shared-share",
    ),
    *collect_urls,
]
