"""Console pages of billing under /billing/: each views module lists its own paths."""

from .urls_collect import urlpatterns as collect_urls
from .views import arrears, meters, reports, runs, setup, shared

app_name = "billing"
urlpatterns = [
    *setup.urlpatterns,
    *runs.urlpatterns,
    *meters.urlpatterns,
    *shared.urlpatterns,
    *arrears.urlpatterns,
    *reports.urlpatterns,
    *collect_urls,
]
