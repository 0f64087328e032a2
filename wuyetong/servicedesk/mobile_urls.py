"""Workers' phone pages (/servicedesk/m/…): my tasks, accept, arrive, photos, complete."""

urlpatterns: list = []
