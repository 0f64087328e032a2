from .views import activities, committee, emergency, help_posts, surveys, votes

app_name = "community"
urlpatterns = (
    committee.urlpatterns
    + emergency.urlpatterns
    + votes.urlpatterns
    + surveys.urlpatterns
    + activities.urlpatterns
    + help_posts.urlpatterns
)
