"""Owner app (/app/…) pages of the servicedesk module; the PWA's service-worker scope is /app/."""

app_name = "owner_servicedesk"
urlpatterns: list = []
