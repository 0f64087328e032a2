from .views import committee, emergency

app_name = "community"
urlpatterns = committee.urlpatterns + emergency.urlpatterns
