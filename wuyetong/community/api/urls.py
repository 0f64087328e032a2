from django.urls import path
from rest_framework.routers import SimpleRouter

from . import owner, views

router = SimpleRouter()
router.register("committee-members", views.CommitteeMemberViewSet, basename="committee-member")
router.register("emergency-contacts", views.EmergencyContactViewSet, basename="emergency-contact")

urlpatterns = [
    path("my/emergency-contacts/", owner.MyEmergencyApi.as_view(), name="my-emergency-contacts"),
    *router.urls,
]
