from .views import committee, emergency, surveys, votes

app_name = "community"
urlpatterns = (
    committee.urlpatterns + emergency.urlpatterns + votes.urlpatterns + surveys.urlpatterns
)
