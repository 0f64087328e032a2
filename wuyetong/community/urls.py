from .views import committee, emergency, votes

app_name = "community"
urlpatterns = committee.urlpatterns + emergency.urlpatterns + votes.urlpatterns
