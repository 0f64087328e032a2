from .views import activities, committee, emergency, surveys, votes

app_name = "community"
urlpatterns = (
    committee.urlpatterns
    + emergency.urlpatterns
    + votes.urlpatterns
    + surveys.urlpatterns
    + activities.urlpatterns
)
