"""Notices API: staff and bureau officials manage their notices under notices/ (the same
services and selectors as the console); owners read theirs, their message centre, feed and
subscriptions under me/. Another tenant's notice answers 404."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from wuyetong.accounts.api.serializers import with_errors
from wuyetong.core.access import get_access
from wuyetong.core.exceptions import NotFound
from wuyetong.core.ids import lookup_pk

from .. import selectors, services
from ..choices import FeedTopic, MessageKind, NoticeKind
from ..feed import selectors as feed_selectors
from ..feed import services as feed_services
from ..files import attachment_response
from ..filters import NoticeFilter
from ..models import Message, Notice
from ..selectors import may_manage
from . import serializers as s

PARSERS = [JSONParser, MultiPartParser, FormParser]


class CanManageNotices(permissions.BasePermission):
    """Reads need notices.view, writes the view's `write_action` (bureau: its own notices)."""

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        action = (
            "view"
            if request.method in permissions.SAFE_METHODS
            else getattr(view, "write_action", "change")
        )
        return may_manage(get_access(request.user), action)


class StaffBase(GenericAPIView):
    queryset = Notice.objects.none()  # for the schema; reads go through selectors
    permission_classes = [CanManageNotices]
    parser_classes = PARSERS
    serializer_class: type[serializers.Serializer] = s.NoticeDetailOutput

    def detail(self, pk: int, status: int = 200) -> Response:
        notice = (
            selectors.notice_list(user=self.request.user)
            .prefetch_related("attachments", "buildings", "houses")
            .filter(pk=pk)
            .first()
        )
        if notice is None:
            raise NotFound()
        return Response(s.NoticeDetailOutput(notice).data, status=status)


class NoticeListApi(StaffBase):
    filter_backends = [DjangoFilterBackend]
    filterset_class = NoticeFilter
    write_action = "add"

    def get_queryset(self):
        return selectors.notice_list(user=self.request.user)

    @extend_schema(
        tags=["notices"],
        summary=_("通知公告列表（含送达和已读人数）"),
        responses=with_errors({200: s.NoticeOutput(many=True)}, 400, 401, 403),
    )
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.NoticeOutput(page, many=True).data)

    @extend_schema(
        tags=["notices"],
        summary=_("新建通知（草稿；publish=true 时立即发布或定时）"),
        request={
            "application/json": s.NoticeCreateInput,
            "multipart/form-data": s.NoticeCreateInput,
        },
        responses=with_errors({201: s.NoticeDetailOutput}, 400, 401, 403),
    )
    def post(self, request):
        data = s.NoticeCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_create(
            actor=request.user,
            attachments=data.validated_data["attachments"],
            **data.service_kwargs(),
        )
        if data.validated_data["publish"]:
            services.notice_publish(actor=request.user, notice_id=notice.pk)
        return self.detail(notice.pk, status=201)


class NoticeDetailApi(StaffBase):
    @extend_schema(
        tags=["notices"],
        summary=_("通知详情"),
        responses=with_errors({200: s.NoticeDetailOutput}, 401, 403, 404),
    )
    def get(self, request, pk: int):
        return self.detail(lookup_pk(pk))

    @extend_schema(
        tags=["notices"],
        summary=_("修改草稿或待发布的通知（publish=true 时随即发布）"),
        request=s.NoticeInput,
        responses=with_errors({200: s.NoticeDetailOutput}, 400, 401, 403, 404),
    )
    def put(self, request, pk: int):
        data = s.NoticeInput(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_update(
            actor=request.user, notice_id=lookup_pk(pk), **data.service_kwargs()
        )
        if data.validated_data["publish"]:
            services.notice_publish(actor=request.user, notice_id=notice.pk)
        return self.detail(notice.pk)


class NoticePublishApi(StaffBase):
    @extend_schema(
        tags=["notices"],
        summary=_("发布（设有未来的定时发布时间则进入待发布）"),
        request=None,
        responses=with_errors({200: s.NoticeDetailOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        notice = services.notice_publish(actor=request.user, notice_id=lookup_pk(pk))
        return self.detail(notice.pk)


class NoticeWithdrawApi(StaffBase):
    @extend_schema(
        tags=["notices"],
        summary=_("撤回（业主端不再显示，阅读记录保留）"),
        request=None,
        responses=with_errors({200: s.NoticeDetailOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        notice = services.notice_withdraw(actor=request.user, notice_id=lookup_pk(pk))
        return self.detail(notice.pk)


class NoticeDisplayApi(StaffBase):
    @extend_schema(
        tags=["notices"],
        summary=_("置顶与过期时间（发布后也可修改）"),
        request=s.DisplayInput,
        responses=with_errors({200: s.NoticeDetailOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        data = s.DisplayInput(data=request.data)
        data.is_valid(raise_exception=True)
        notice = services.notice_set_display(
            actor=request.user, notice_id=lookup_pk(pk), **data.validated_data
        )
        return self.detail(notice.pk)


class NoticeRemindApi(StaffBase):
    serializer_class = s.RemindOutput

    @extend_schema(
        tags=["notices"],
        summary=_("提醒未读（站内消息，可选短信）"),
        request=s.RemindInput,
        responses=with_errors({201: s.RemindOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        data = s.RemindInput(data=request.data)
        data.is_valid(raise_exception=True)
        reminder = services.notice_remind_unread(
            actor=request.user, notice_id=lookup_pk(pk), sms=data.validated_data["sms"]
        )
        return Response(s.RemindOutput(reminder).data, status=201)


class NoticeReceiptsApi(StaffBase):
    serializer_class = s.ReceiptsOutput

    @extend_schema(
        tags=["notices"],
        summary=_("阅读回执：送达、已读、未读，按小区"),
        responses=with_errors({200: s.ReceiptsOutput}, 401, 403, 404),
    )
    def get(self, request, pk: int):
        stats = selectors.notice_read_stats(user=request.user, notice_id=lookup_pk(pk))
        return Response(s.ReceiptsOutput(stats).data)


class NoticeUnreadApi(StaffBase):
    serializer_class = s.UnreadOutput

    @extend_schema(
        tags=["notices"],
        summary=_("未读名单（物业员工；房管部门只看人数）"),
        responses=with_errors({200: s.UnreadOutput(many=True)}, 401, 403, 404),
    )
    def get(self, request, pk: int):
        unread = selectors.notice_unread_deliveries(user=request.user, notice_id=lookup_pk(pk))
        page = self.paginate_queryset(unread)
        rows = selectors.unread_recipients(user=request.user, deliveries=page)
        return self.get_paginated_response(s.UnreadOutput(rows, many=True).data)


class NoticeAttachmentsApi(StaffBase):
    @extend_schema(
        tags=["notices"],
        summary=_("为草稿或待发布的通知添加附件"),
        request={"multipart/form-data": s.AttachmentInput},
        responses=with_errors({201: s.NoticeDetailOutput}, 400, 401, 403, 404),
    )
    def post(self, request, pk: int):
        data = s.AttachmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.notice_attachment_add(
            actor=request.user, notice_id=lookup_pk(pk), files=data.validated_data["files"]
        )
        return self.detail(lookup_pk(pk), status=201)


class NoticeFileApi(StaffBase):
    @extend_schema(
        tags=["notices"],
        summary=_("下载附件"),
        responses={(200, "application/octet-stream"): bytes},
    )
    def get(self, request, pk: int, file_pk: int):
        notice = selectors.notice_get(user=request.user, notice_id=lookup_pk(pk))
        return attachment_response(notice, file_pk)

    @extend_schema(
        tags=["notices"],
        summary=_("删除草稿或待发布通知的附件"),
        request=None,
        responses=with_errors({204: None}, 400, 401, 403, 404),
    )
    def delete(self, request, pk: int, file_pk: int):
        services.notice_attachment_remove(
            actor=request.user, notice_id=lookup_pk(pk), attachment_id=file_pk
        )
        return Response(status=204)


# --- the owner's own (/api/v1/me/) ----------------------------------------------------------


class OwnerBase(GenericAPIView):
    queryset = Notice.objects.none()
    permission_classes = [permissions.IsAuthenticated]
    parser_classes = PARSERS
    serializer_class: type[serializers.Serializer] = s.OwnerNoticeOutput


class MyNoticeListApi(OwnerBase):
    @extend_schema(
        tags=["me"],
        summary=_("发给我的通知公告（置顶在前，未过期）"),
        parameters=[
            OpenApiParameter("kind", str, enum=NoticeKind.values, required=False),
            OpenApiParameter("unread", bool, required=False),
        ],
        responses=with_errors({200: s.OwnerNoticeOutput(many=True)}, 401),
    )
    def get(self, request):
        qs = selectors.owner_notice_list(user=request.user)
        kind = request.query_params.get("kind")
        if kind in NoticeKind.values:
            qs = qs.filter(kind=kind)
        if request.query_params.get("unread") in ("1", "true", "True"):
            qs = qs.filter(read_at__isnull=True)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.OwnerNoticeOutput(page, many=True).data)


class MyNoticeDetailApi(OwnerBase):
    serializer_class = s.OwnerNoticeDetailOutput

    @extend_schema(
        tags=["me"],
        summary=_("通知详情（不改变已读状态，阅读后请调用 read）"),
        responses=with_errors({200: s.OwnerNoticeDetailOutput}, 401, 404),
    )
    def get(self, request, pk: int):
        notice = selectors.owner_notice_get(user=request.user, notice_id=lookup_pk(pk))
        return Response(
            s.OwnerNoticeDetailOutput(notice, context={"file_route": "api-me-notice-file"}).data
        )


class MyNoticeReadApi(OwnerBase):
    serializer_class = s.OwnerNoticeDetailOutput

    @extend_schema(
        tags=["me"],
        summary=_("标记已读（阅读回执；重复调用保留首次阅读时间）"),
        request=None,
        responses=with_errors({200: s.OwnerNoticeDetailOutput}, 401, 404),
    )
    def post(self, request, pk: int):
        services.notice_mark_read(user=request.user, notice_id=lookup_pk(pk))
        notice = selectors.owner_notice_get(user=request.user, notice_id=lookup_pk(pk))
        return Response(
            s.OwnerNoticeDetailOutput(notice, context={"file_route": "api-me-notice-file"}).data
        )


class MyNoticeFileApi(OwnerBase):
    @extend_schema(
        tags=["me"],
        summary=_("下载通知附件"),
        responses={(200, "application/octet-stream"): bytes},
    )
    def get(self, request, pk: int, file_pk: int):
        notice = selectors.owner_notice_get(user=request.user, notice_id=lookup_pk(pk))
        return attachment_response(notice, file_pk)


class MyMessageListApi(OwnerBase):
    serializer_class = s.MessageOutput

    @extend_schema(
        tags=["me"],
        summary=_("我的消息（最新在前）"),
        parameters=[OpenApiParameter("kind", str, enum=MessageKind.values, required=False)],
        responses=with_errors({200: s.MessageOutput(many=True)}, 401),
    )
    def get(self, request):
        qs = selectors.message_list(user=request.user)
        kind = request.query_params.get("kind")
        if kind in MessageKind.values:
            qs = qs.filter(kind=kind)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.MessageOutput(page, many=True).data)


class MyUnreadCountApi(OwnerBase):
    serializer_class = s.UnreadCountOutput

    @extend_schema(
        tags=["me"],
        summary=_("未读数（消息、通知）"),
        responses=with_errors({200: s.UnreadCountOutput}, 401),
    )
    def get(self, request):
        return Response(
            {
                "messages": selectors.message_unread_count(user=request.user),
                "notices": selectors.owner_notice_unread_count(user=request.user),
            }
        )


class MyMessageReadApi(OwnerBase):
    serializer_class = s.MessageOutput

    @extend_schema(
        tags=["me"],
        summary=_("标记消息已读"),
        request=None,
        responses=with_errors({200: s.MessageOutput}, 401, 404),
    )
    def post(self, request, pk: int):
        message: Message = services.message_mark_read(user=request.user, message_id=lookup_pk(pk))
        return Response(s.MessageOutput(message).data)


class MyMessageReadAllApi(OwnerBase):
    serializer_class = s.ReadAllOutput

    @extend_schema(
        tags=["me"],
        summary=_("全部消息标为已读"),
        request=None,
        responses=with_errors({200: s.ReadAllOutput}, 401),
    )
    def post(self, request):
        return Response({"marked": services.message_mark_all_read(user=request.user)})


class MySubscriptionsApi(OwnerBase):
    serializer_class = s.TopicOutput

    def _topics(self, chosen: set[str]) -> Response:
        rows = [
            {"topic": v, "label": str(label), "subscribed": v in chosen}
            for v, label in FeedTopic.choices
        ]
        return Response(s.TopicOutput(rows, many=True).data)

    @extend_schema(
        tags=["me"],
        summary=_("资讯订阅：全部主题及是否已订阅"),
        responses=with_errors({200: s.TopicOutput(many=True)}, 401),
    )
    def get(self, request):
        return self._topics(feed_selectors.subscribed_topics(request.user))

    @extend_schema(
        tags=["me"],
        summary=_("设置资讯订阅（列出的主题订阅，其余退订）"),
        request=s.SubscriptionsInput,
        responses=with_errors({200: s.TopicOutput(many=True)}, 400, 401),
    )
    def put(self, request):
        data = s.SubscriptionsInput(data=request.data)
        data.is_valid(raise_exception=True)
        chosen = feed_services.subscription_set(
            user=request.user, topics=data.validated_data["topics"]
        )
        return self._topics(chosen)


class MyFeedApi(OwnerBase):
    serializer_class = s.FeedOutput

    @extend_schema(
        tags=["me"],
        summary=_("今日资讯：所住城市的天气、空气、交通、新闻和社区新闻（按订阅）"),
        parameters=[
            OpenApiParameter(
                "topics",
                str,
                required=False,
                description=_("逗号分隔的主题，不填则为已订阅的主题"),
            )
        ],
        responses=with_errors({200: s.FeedOutput}, 401),
    )
    def get(self, request):
        raw = request.query_params.get("topics")
        topics = None
        if raw is not None:
            topics = {t for t in raw.split(",") if t in FeedTopic.values}
        feed = feed_selectors.owner_feed(user=request.user, topics=topics)
        return Response(
            s.FeedOutput(
                {
                    "day": feed.day,
                    "topics": sorted(feed.topics),
                    "cities": feed.cities,
                    "community_news": [
                        {
                            "community_id": place.community_id,
                            "community": place.community_name,
                            "items": items,
                        }
                        for place, items in feed.community_news
                    ],
                }
            ).data
        )
