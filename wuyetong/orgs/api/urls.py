from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import platform, views

router = SimpleRouter()
router.register("units", views.OrgUnitViewSet, basename="orgunit")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("positions", views.PositionViewSet, basename="position")
router.register("employees", views.EmployeeViewSet, basename="employee")
router.register("roles", views.RoleViewSet, basename="role")
router.register("platform/companies", platform.CompanyReviewViewSet, basename="platform-company")
router.register(
    "platform/communities", platform.CommunityReviewViewSet, basename="platform-community"
)
router.register("platform/merchants", platform.MerchantReviewViewSet, basename="platform-merchant")
router.register("platform/bureaus", platform.BureauViewSet, basename="platform-bureau")

app_name = "orgs-api"
urlpatterns = [
    path("role-templates/", views.RoleTemplateListView.as_view(), name="role-templates"),
    path("oplog/", views.OperationLogListView.as_view(), name="oplog"),
    path(
        "bureau/communities/", platform.BureauCommunityListView.as_view(), name="bureau-communities"
    ),
    path("", include(router.urls)),
]
