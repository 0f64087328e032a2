from django.urls import path
from rest_framework.routers import SimpleRouter

from . import owner, views

router = SimpleRouter()
router.register("committee-members", views.CommitteeMemberViewSet, basename="committee-member")
router.register("emergency-contacts", views.EmergencyContactViewSet, basename="emergency-contact")
router.register("votes", views.VoteViewSet, basename="vote")
router.register("surveys", views.SurveyViewSet, basename="survey")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("help-posts", views.HelpPostViewSet, basename="help-post")

urlpatterns = [
    path("my/emergency-contacts/", owner.MyEmergencyApi.as_view(), name="my-emergency-contacts"),
    path("my/activities/", owner.MyActivityListApi.as_view(), name="my-activities"),
    path(
        "my/activities/<int:pk>/",
        owner.MyActivitySignupApi.as_view(),
        name="my-activity",
    ),
    path("my/help-posts/", owner.MyHelpPostListApi.as_view(), name="my-help-posts"),
    path("my/help-posts/<int:pk>/", owner.MyHelpPostApi.as_view(), name="my-help-post"),
    path(
        "my/help-posts/<int:pk>/comments/",
        owner.MyHelpCommentApi.as_view(),
        name="my-help-comments",
    ),
    path(
        "my/help-posts/<int:pk>/reports/", owner.MyHelpReportApi.as_view(), name="my-help-reports"
    ),
    path("my/help-posts/<int:pk>/close/", owner.MyHelpCloseApi.as_view(), name="my-help-close"),
    path("my/surveys/", owner.MySurveyListApi.as_view(), name="my-surveys"),
    path("my/surveys/<int:pk>/", owner.MySurveyApi.as_view(), name="my-survey"),
    path(
        "my/surveys/<int:pk>/responses/",
        owner.MySurveyResponseApi.as_view(),
        name="my-survey-responses",
    ),
    path("my/votes/", owner.MyVoteListApi.as_view(), name="my-votes"),
    path("my/votes/<int:pk>/", owner.MyVoteApi.as_view(), name="my-vote"),
    path("my/votes/<int:pk>/ballot/", owner.MyBallotApi.as_view(), name="my-vote-ballot"),
    *router.urls,
]
