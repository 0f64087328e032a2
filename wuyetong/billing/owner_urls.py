"""Owner app (/app/…) pages of the billing module; the PWA's service-worker scope is /app/."""

app_name = "owner_billing"
urlpatterns: list = []
