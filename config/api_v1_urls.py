from django.urls import include, path

urlpatterns = [
    path("accounts/", include("wuyetong.accounts.api.urls")),
    path("orgs/", include("wuyetong.orgs.api.urls")),
    path("estates/", include("wuyetong.estates.api.urls")),
    path("me/", include("wuyetong.owner.api.urls")),
    path("servicedesk/", include("wuyetong.servicedesk.api.urls")),
    path("billing/", include("wuyetong.billing.api.urls")),
    path("notices/", include("wuyetong.notices.api.urls")),
    path("community/", include("wuyetong.community.api.urls")),
    path("oversight/", include("wuyetong.oversight.api.urls")),
]
