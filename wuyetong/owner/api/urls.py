from django.urls import path

from wuyetong.notices.api.urls import owner_urlpatterns as notice_urlpatterns

from . import views

urlpatterns = [
    path("home/", views.MyHomeApi.as_view(), name="api-me-home"),
    path("houses/", views.MyHousesApi.as_view(), name="api-me-houses"),
    path("bindings/", views.MyBindingsApi.as_view(), name="api-me-bindings"),
    path(
        "bindings/<int:pk>/cancel/",
        views.MyBindingCancelApi.as_view(),
        name="api-me-binding-cancel",
    ),
]
urlpatterns += notice_urlpatterns
