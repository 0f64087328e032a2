"""Owner app (/app/…) pages of the servicedesk module; the PWA's service-worker scope is /app/.
The home's shortcut tiles and cards link to repair_create, complaint_create, case_list and
case_detail; the owner's messages about a case link to case_detail."""

from django.urls import path

from . import owner_views as views

app_name = "owner_servicedesk"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("repair/", views.repair_create, name="repair_create"),
    path("complaint/", views.complaint_create, name="complaint_create"),
    path("<int:pk>/", views.case_detail, name="case_detail"),
    path("<int:pk>/cancel/", views.case_action, {"action": "cancel"}, name="case_cancel"),
    path("<int:pk>/info/", views.case_action, {"action": "add_info"}, name="case_add_info"),
    path("<int:pk>/quote/", views.case_action, {"action": "quote"}, name="case_quote_accept"),
    path("<int:pk>/rate/", views.case_action, {"action": "rate"}, name="case_rate"),
    path("<int:pk>/reopen/", views.case_action, {"action": "reopen"}, name="case_reopen"),
    path("<int:pk>/photos/<int:photo_pk>/", views.case_photo, name="case_photo"),
]
