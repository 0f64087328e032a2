"""Owner app (/app/community/…) pages of community life; the PWA's service-worker scope is
/app/. URL names are stable: the owner home's shortcut tiles link to them."""

from django.urls import path

from .owner import activities, emergency, help_posts, surveys, votes

app_name = "owner_community"
urlpatterns = [
    path("emergency/", emergency.emergency, name="emergency"),
    path("activities/", activities.activity_list, name="activity_list"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity_detail"),
    path("activities/<int:pk>/signup/", activities.activity_signup, name="activity_signup"),
    path("activities/<int:pk>/cancel/", activities.activity_signup_cancel, name="activity_cancel"),
    path("help/", help_posts.help_list, name="help_list"),
    path("help/new/", help_posts.help_new, name="help_new"),
    path("help/<int:pk>/", help_posts.help_detail, name="help_detail"),
    path("help/<int:pk>/comment/", help_posts.help_comment, name="help_comment"),
    path("help/<int:pk>/report/", help_posts.help_report, name="help_report"),
    path("help/<int:pk>/close/", help_posts.help_close, name="help_close"),
    path("surveys/", surveys.survey_list, name="survey_list"),
    path("surveys/<int:pk>/", surveys.survey_detail, name="survey_detail"),
    path("votes/", votes.vote_list, name="vote_list"),
    path("votes/<int:pk>/", votes.vote_detail, name="vote_detail"),
    path("votes/<int:pk>/ballot/", votes.vote_cast, name="vote_cast"),
]
