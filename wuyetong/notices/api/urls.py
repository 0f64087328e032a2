from django.urls import path

from . import views as v

urlpatterns = [
    path("", v.NoticeListApi.as_view(), name="api-notices"),
    path("<int:pk>/", v.NoticeDetailApi.as_view(), name="api-notice"),
    path("<int:pk>/publish/", v.NoticePublishApi.as_view(), name="api-notice-publish"),
    path("<int:pk>/withdraw/", v.NoticeWithdrawApi.as_view(), name="api-notice-withdraw"),
    path("<int:pk>/display/", v.NoticeDisplayApi.as_view(), name="api-notice-display"),
    path("<int:pk>/remind/", v.NoticeRemindApi.as_view(), name="api-notice-remind"),
    path("<int:pk>/receipts/", v.NoticeReceiptsApi.as_view(), name="api-notice-receipts"),
    path("<int:pk>/unread/", v.NoticeUnreadApi.as_view(), name="api-notice-unread"),
    path("<int:pk>/attachments/", v.NoticeAttachmentsApi.as_view(), name="api-notice-files"),
    path("<int:pk>/attachments/<int:file_pk>/", v.NoticeFileApi.as_view(), name="api-notice-file"),
]

# The owner's own, mounted under /api/v1/me/ by the owner app.
owner_urlpatterns = [
    path("notices/", v.MyNoticeListApi.as_view(), name="api-me-notices"),
    path("notices/<int:pk>/", v.MyNoticeDetailApi.as_view(), name="api-me-notice"),
    path("notices/<int:pk>/read/", v.MyNoticeReadApi.as_view(), name="api-me-notice-read"),
    path(
        "notices/<int:pk>/attachments/<int:file_pk>/",
        v.MyNoticeFileApi.as_view(),
        name="api-me-notice-file",
    ),
    path("messages/", v.MyMessageListApi.as_view(), name="api-me-messages"),
    path("messages/unread/", v.MyUnreadCountApi.as_view(), name="api-me-unread"),
    path("messages/read-all/", v.MyMessageReadAllApi.as_view(), name="api-me-messages-read-all"),
    path("messages/<int:pk>/read/", v.MyMessageReadApi.as_view(), name="api-me-message-read"),
    path("subscriptions/", v.MySubscriptionsApi.as_view(), name="api-me-subscriptions"),
    path("feed/", v.MyFeedApi.as_view(), name="api-me-feed"),
]
