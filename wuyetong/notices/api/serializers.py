"""Explicit input and output shapes of the notices API (staff, bureau and the owner's own)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from ..choices import FeedTopic, MessageKind, NoticeKind, NoticeState, NoticeTarget


class CommunityBrief(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    url = serializers.SerializerMethodField(help_text=_("下载地址（需登录）"))

    def get_url(self, obj) -> str:
        return reverse(
            self.context.get("file_route", "api-notice-file"), args=[obj.notice_id, obj.pk]
        )


class NoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    target = serializers.ChoiceField(choices=NoticeTarget.choices)
    target_label = serializers.CharField(source="get_target_display")
    community = CommunityBrief(allow_null=True)
    publisher = serializers.CharField(source="publisher_name")
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=NoticeState.choices)
    state_label = serializers.CharField(source="get_state_display")
    urgent = serializers.BooleanField()
    pinned = serializers.BooleanField()
    publish_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    delivered_count = serializers.IntegerField(help_text=_("送达人数（项目员工只计本项目小区）"))
    read_count = serializers.IntegerField()
    sms_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class NoticeDetailOutput(NoticeOutput):
    body = serializers.CharField()
    building_ids = serializers.SerializerMethodField()
    house_ids = serializers.SerializerMethodField()
    attachments = AttachmentOutput(many=True, source="attachments.all")

    def get_building_ids(self, obj) -> list[int]:
        return sorted(b.pk for b in obj.buildings.all())

    def get_house_ids(self, obj) -> list[int]:
        return sorted(h.pk for h in obj.houses.all())


class NoticeInput(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=NoticeKind.choices,
        help_text=_("物业：community（社区通知）/ company（公司公告）；房管部门：policy / public"),
    )
    target = serializers.ChoiceField(choices=NoticeTarget.choices)
    community = serializers.IntegerField(required=False, allow_null=True, default=None)
    building_ids = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text=_("target=buildings 时必填"),
    )
    house_ids = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text=_("target=houses 时必填"),
    )
    title = serializers.CharField(max_length=100)
    body = serializers.CharField()
    urgent = serializers.BooleanField(required=False, default=False)
    pinned = serializers.BooleanField(required=False, default=False)
    publish_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    publish = serializers.BooleanField(
        required=False, default=False, help_text=_("true：保存后立即发布（或按 publish_at 定时）")
    )

    def service_kwargs(self) -> dict:
        d = self.validated_data
        return {
            "kind": d["kind"],
            "target": d["target"],
            "community_id": d["community"],
            "building_ids": d["building_ids"],
            "house_ids": d["house_ids"],
            "title": d["title"],
            "body": d["body"],
            "urgent": d["urgent"],
            "pinned": d["pinned"],
            "publish_at": d["publish_at"],
            "expires_at": d["expires_at"],
        }


class NoticeCreateInput(NoticeInput):
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text=_("multipart 上传")
    )


class AttachmentInput(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(), min_length=1)


class RemindInput(serializers.Serializer):
    sms = serializers.BooleanField(required=False, default=False)


class RemindOutput(serializers.Serializer):
    recipient_count = serializers.IntegerField()
    by_sms = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class DisplayInput(serializers.Serializer):
    pinned = serializers.BooleanField()
    expires_at = serializers.DateTimeField(allow_null=True)


class CommunityReadsOutput(serializers.Serializer):
    community_id = serializers.IntegerField(allow_null=True)
    community = serializers.CharField()
    delivered = serializers.IntegerField()
    read = serializers.IntegerField()


class ReceiptsOutput(serializers.Serializer):
    delivered = serializers.IntegerField()
    read = serializers.IntegerField()
    unread = serializers.IntegerField()
    read_rate = serializers.FloatField()
    by_community = CommunityReadsOutput(many=True)


class UnreadOutput(serializers.Serializer):
    user_id = serializers.IntegerField()
    name = serializers.CharField()
    phone = serializers.CharField(help_text=_("除有“查看完整手机号”权限的角色外均脱敏"))
    houses = serializers.CharField()
    reminded_count = serializers.IntegerField()


# --- the owner's own -------------------------------------------------------------------------


class OwnerNoticeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=NoticeKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    publisher = serializers.CharField(source="publisher_name")
    community = CommunityBrief(allow_null=True)
    title = serializers.CharField()
    urgent = serializers.BooleanField()
    pinned = serializers.BooleanField()
    published_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    read_at = serializers.DateTimeField(allow_null=True)


class OwnerNoticeDetailOutput(OwnerNoticeOutput):
    body = serializers.CharField()
    attachments = AttachmentOutput(many=True, source="attachments.all")


class MessageOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MessageKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField()
    notice_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class UnreadCountOutput(serializers.Serializer):
    messages = serializers.IntegerField()
    notices = serializers.IntegerField()


class ReadAllOutput(serializers.Serializer):
    marked = serializers.IntegerField()


class TopicOutput(serializers.Serializer):
    topic = serializers.ChoiceField(choices=FeedTopic.choices)
    label = serializers.CharField()  # type: ignore[assignment]
    subscribed = serializers.BooleanField()


class SubscriptionsInput(serializers.Serializer):
    topics = serializers.ListField(
        child=serializers.CharField(), allow_empty=True, help_text=_("订阅的主题，其余退订")
    )


class WeatherOutput(serializers.Serializer):
    day = serializers.DateField()
    text_day = serializers.CharField()
    text_night = serializers.CharField()
    temp_high = serializers.IntegerField()
    temp_low = serializers.IntegerField()
    wind = serializers.CharField()
    humidity = serializers.IntegerField(allow_null=True)
    summary = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]


class AirOutput(serializers.Serializer):
    day = serializers.DateField()
    aqi = serializers.IntegerField()
    category = serializers.CharField()
    primary = serializers.CharField()
    pm25 = serializers.IntegerField()
    source = serializers.CharField()  # type: ignore[assignment]


class FeedItemOutput(serializers.Serializer):
    title = serializers.CharField()
    summary = serializers.CharField()
    url = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    source = serializers.CharField()  # type: ignore[assignment]
    tags = serializers.ListField(child=serializers.CharField())


class CityFeedOutput(serializers.Serializer):
    city = serializers.CharField(source="place.city_name")
    city_code = serializers.CharField(source="place.city_code")
    weather = WeatherOutput(allow_null=True)
    tomorrow = WeatherOutput(allow_null=True)
    air = AirOutput(allow_null=True)
    traffic = FeedItemOutput(many=True, allow_null=True)
    city_news = FeedItemOutput(many=True, allow_null=True)


class CommunityNewsOutput(serializers.Serializer):
    community_id = serializers.IntegerField()
    community = serializers.CharField()
    items = FeedItemOutput(many=True, allow_null=True, help_text=_("null：暂时无法获取"))


class FeedOutput(serializers.Serializer):
    day = serializers.DateField()
    topics = serializers.ListField(child=serializers.CharField())
    cities = CityFeedOutput(many=True)
    community_news = CommunityNewsOutput(many=True)
