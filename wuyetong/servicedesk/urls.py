from django.urls import include, path

app_name = "servicedesk"
# Console pages (desk, case list and page, configuration) are listed here; the workers'
# phone pages live in mobile_urls under m/.
urlpatterns: list = [
    path("m/", include("wuyetong.servicedesk.mobile_urls")),
]
