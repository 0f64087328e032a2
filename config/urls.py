from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from django.views.static import serve

from wuyetong.web.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("django-admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("accounts/", include("wuyetong.accounts.urls")),
    # Owner app pages of each module live under /app/ so the PWA's service worker covers them.
    path("app/service/", include("wuyetong.servicedesk.owner_urls")),
    path("app/bills/", include("wuyetong.billing.owner_urls")),
    path("app/notices/", include("wuyetong.notices.owner_urls")),
    path("app/community/", include("wuyetong.community.owner_urls")),
    path("app/", include("wuyetong.owner.urls")),
    path("orgs/", include("wuyetong.orgs.urls")),
    path("estates/", include("wuyetong.estates.urls")),
    path("servicedesk/", include("wuyetong.servicedesk.urls")),
    path("billing/", include("wuyetong.billing.urls")),
    path("notices/", include("wuyetong.notices.urls")),
    path("community/", include("wuyetong.community.urls")),
    path("oversight/", include("wuyetong.oversight.urls")),
    path("", include("wuyetong.web.urls")),
]
if settings.SERVE_MEDIA:
    # Embedded mode only; production serves media from the proxy. Uploads may show people, so
    # even here nobody reads them without logging in.
    urlpatterns += [
        path("media/<path:path>", login_required(serve), {"document_root": settings.MEDIA_ROOT})
    ]
