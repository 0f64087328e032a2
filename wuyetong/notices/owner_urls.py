"""Owner app (/app/…) pages of the notices module; the PWA's service-worker scope is /app/."""

app_name = "owner_notices"
urlpatterns: list = []
