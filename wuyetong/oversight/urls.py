"""Oversight pages (/oversight/): the bureau's statistics, drill-down, queue and read-only
case page; the company's own statistics."""

from django.urls import path

from .views import cases, committees, dashboard

app_name = "oversight"
urlpatterns = [
    path("dashboard/", dashboard.BureauDashboard.as_view(), name="bureau_dashboard"),
    path("cases/", cases.BureauCaseList.as_view(), name="bureau_case_list"),
    path("cases/<str:pk>/", cases.BureauCaseDetail.as_view(), name="bureau_case_detail"),
    path(
        "cases/<str:pk>/photos/<str:photo_pk>/",
        cases.BureauCasePhoto.as_view(),
        name="bureau_case_photo",
    ),
    path("queue/", cases.BureauQueue.as_view(), name="bureau_queue"),
    path("committees/", committees.BureauCommitteeList.as_view(), name="bureau_committee_list"),
    path(
        "committees/<str:pk>/",
        committees.BureauCommitteeDetail.as_view(),
        name="bureau_committee_detail",
    ),
    path("company/", dashboard.CompanyDashboard.as_view(), name="company_dashboard"),
    path("company/cases/", cases.CompanyCaseList.as_view(), name="company_case_list"),
]
