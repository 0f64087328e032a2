from django.urls import path

from . import views

urlpatterns = [
    path("houses/", views.MyHousesApi.as_view(), name="api-me-houses"),
    path("bindings/", views.MyBindingsApi.as_view(), name="api-me-bindings"),
    path(
        "bindings/<int:pk>/cancel/",
        views.MyBindingCancelApi.as_view(),
        name="api-me-binding-cancel",
    ),
]
