from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.NoticeList.as_view(), name="notice_list"),
    path("new/", views.NoticeCreate.as_view(), name="notice_create"),
    path("audience/", views.AudienceOptions.as_view(), name="audience"),
    path("<int:pk>/", views.NoticeDetail.as_view(), name="notice_detail"),
    path("<int:pk>/edit/", views.NoticeEdit.as_view(), name="notice_edit"),
    path(
        "<int:pk>/<str:verb>/",
        views.NoticeAction.as_view(),
        name="notice_action",
    ),
    path("<int:pk>/files/<int:file_pk>/", views.NoticeFile.as_view(), name="notice_file"),
]
