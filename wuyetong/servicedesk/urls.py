from django.urls import include, path

from .views import cases, config, desk

app_name = "servicedesk"
# Console pages (desk, case list and page, configuration) are listed here; the workers'
# phone pages live in mobile_urls under m/.
urlpatterns: list = [
    path("desk/state/", desk.DeskState.as_view(), name="desk_state"),
    path("cases/", cases.CaseList.as_view(), name="case_list"),
    path("cases/<str:pk>/", cases.CaseDetail.as_view(), name="case_detail"),
    path("cases/<str:pk>/photos/<str:photo_pk>/", cases.CasePhotoView.as_view(), name="case_photo"),
    path("config/types/", config.TypeTree.as_view(), name="config_types"),
    path("config/sla/", config.SlaRules.as_view(), name="config_sla"),
    path("config/workers/", config.Workers.as_view(), name="config_workers"),
    path("config/settings/", config.CompanySettings.as_view(), name="config_settings"),
    path("m/", include("wuyetong.servicedesk.mobile_urls")),
]
