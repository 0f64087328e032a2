"""Owner app (/app/community/…) pages of community life; the PWA's service-worker scope is
/app/. URL names are stable: the owner home's shortcut tiles link to them."""

from django.urls import path

from .owner import emergency

app_name = "owner_community"
urlpatterns = [
    path("emergency/", emergency.emergency, name="emergency"),
]
