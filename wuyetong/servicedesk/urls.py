from django.urls import include, path

from .views import cases, desk

app_name = "servicedesk"
# Console pages (desk, case list and page, configuration) are listed here; the workers'
# phone pages live in mobile_urls under m/.
urlpatterns: list = [
    path("desk/state/", desk.DeskState.as_view(), name="desk_state"),
    path("cases/", cases.CaseList.as_view(), name="case_list"),
    path("cases/<str:pk>/", cases.CaseDetail.as_view(), name="case_detail"),
    path("m/", include("wuyetong.servicedesk.mobile_urls")),
]
