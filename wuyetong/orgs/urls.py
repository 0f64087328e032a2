from django.urls import path

from .views import employees, oversight, platform, roles, structure

app_name = "orgs"
urlpatterns = [
    # Company admin
    path("units/", structure.orgunit_list, name="orgunit_list"),
    path("units/<int:pk>/rename/", structure.orgunit_rename, name="orgunit_rename"),
    path("units/<int:pk>/move/", structure.orgunit_move, name="orgunit_move"),
    path("departments/", structure.department_list, name="department_list"),
    path("departments/<int:pk>/rename/", structure.department_rename, name="department_rename"),
    path("departments/<int:pk>/delete/", structure.department_delete, name="department_delete"),
    path("positions/", structure.position_list, name="position_list"),
    path("positions/<int:pk>/delete/", structure.position_delete, name="position_delete"),
    path("positions/<int:pk>/rename/", structure.position_rename, name="position_rename"),
    path("employees/", employees.employee_list, name="employee_list"),
    path("employees/new/", employees.employee_create, name="employee_create"),
    path("employees/export/", employees.employee_export, name="employee_export"),
    path("employees/<int:pk>/", employees.employee_detail, name="employee_detail"),
    path("employees/<int:pk>/roles/", employees.employee_roles, name="employee_roles"),
    path("employees/<int:pk>/active/", employees.employee_set_active, name="employee_set_active"),
    path("roles/", roles.role_list, name="role_list"),
    path("roles/<int:pk>/", roles.role_edit, name="role_edit"),
    path("roles/<int:pk>/delete/", roles.role_delete, name="role_delete"),
    # Company admin and platform
    path("oplog/", oversight.oplog_list, name="oplog_list"),
    path("oplog/export/", oversight.oplog_export, name="oplog_export"),
    # Housing bureau
    path("bureau/communities/", oversight.bureau_community_list, name="bureau_community_list"),
    # Platform admin
    path("platform/companies/", platform.company_list, name="platform_company_list"),
    path("platform/companies/<int:pk>/", platform.company_detail, name="platform_company_detail"),
    path(
        "platform/companies/<int:pk>/modules/",
        platform.company_modules,
        name="platform_company_modules",
    ),
    path(
        "platform/companies/<int:pk>/admins/",
        platform.company_admin_add,
        name="platform_company_admin_add",
    ),
    path("platform/communities/", platform.community_list, name="platform_community_list"),
    path(
        "platform/communities/<int:pk>/",
        platform.community_detail,
        name="platform_community_detail",
    ),
    path("platform/merchants/", platform.merchant_list, name="platform_merchant_list"),
    path("platform/merchants/<int:pk>/", platform.merchant_detail, name="platform_merchant_detail"),
    path("platform/bureaus/", platform.bureau_list, name="platform_bureau_list"),
    path("platform/bureaus/<int:pk>/", platform.bureau_detail, name="platform_bureau_detail"),
    path(
        "platform/bureaus/<int:pk>/active/",
        platform.bureau_set_active,
        name="platform_bureau_set_active",
    ),
]
