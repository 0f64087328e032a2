"""Owner app (/app/notices/…) pages of the notices module; the PWA's service-worker scope is
/app/. Messages link to `notice_owner_link` (/app/notices/<id>/), the detail page here."""

from django.urls import path

from . import owner_views as views

app_name = "owner_notices"
urlpatterns = [
    path("", views.notice_list, name="notice_list"),
    path("<int:pk>/", views.notice_detail, name="notice_detail"),
    path("<int:pk>/files/<int:file_pk>/", views.notice_attachment, name="notice_attachment"),
    path("messages/", views.message_list, name="message_list"),
    path("messages/<int:pk>/", views.message_open, name="message_open"),
    path("messages/read-all/", views.message_read_all, name="message_read_all"),
    path("news/", views.feed, name="feed"),
    path("news/subscriptions/", views.subscriptions, name="subscriptions"),
]
