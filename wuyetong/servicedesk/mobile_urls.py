"""Workers' phone pages (/servicedesk/m/…): my tasks, accept, arrive, photos, complete."""

from django.urls import path

from . import mobile_views as views

urlpatterns: list = [
    path("", views.TaskList.as_view(), name="m_tasks"),
    path("<str:pk>/", views.TaskPage.as_view(), name="m_task"),
    path("<int:pk>/photos/<int:photo_pk>/", views.TaskPhoto.as_view(), name="m_photo"),
]
