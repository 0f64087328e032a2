"""API serializers for community life: they parse and render; the services hold the rules.
Related ids resolve within the caller's reach, so another company's id reads as absent."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from wuyetong.core.access import get_access
from wuyetong.core.masking import mask_phone
from wuyetong.estates.models import Building, House, Resident
from wuyetong.orgs.models import Community

from ..choices import (
    AnswerMode,
    BallotChannel,
    BallotChoice,
    CommitteeRole,
    HelpKind,
    ModerationAction,
    QuestionKind,
    ReportReason,
    SurveyState,
)
from ..filters import reachable_communities
from ..models import Activity, CommitteeMember, EmergencyContact, Signup, Survey, Vote


class _Scoped(serializers.PrimaryKeyRelatedField):
    def _user(self):
        return getattr(self.context.get("request"), "user", None)


class CommunityField(_Scoped):
    """A community the caller reaches in the "community" module."""

    def get_queryset(self):
        return reachable_communities(self.context.get("request"))


class CompanyResidentField(_Scoped):
    """A resident of the caller's company (the service checks they own a house there)."""

    def get_queryset(self):
        return Resident.objects.filter(company_id=get_access(self._user()).company_id)


class _NoModelValidators(serializers.ModelSerializer):
    """Uniqueness and cross-field rules are the services'; DRF does not guess them. Fields in
    `create_only` are accepted when creating and read-only when updating an object."""

    create_only: tuple[str, ...] = ()

    def get_validators(self):
        return []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if isinstance(self.instance, self.Meta.model):
            for name in self.create_only:
                self.fields[name].read_only = True


class CommitteeMemberSerializer(_NoModelValidators):
    create_only = ("community", "role", "term_start")
    community: Any = CommunityField(queryset=Community.objects.none())
    resident: Any = CompanyResidentField(
        queryset=Resident.objects.none(), required=False, allow_null=True
    )
    community_name = serializers.CharField(source="community.name", read_only=True)
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = CommitteeMember
        fields = [
            "id",
            "community",
            "community_name",
            "name",
            "role",
            "role_display",
            "phone",
            "resident",
            "term_start",
            "term_end",
            "ended_on",
            "end_reason",
            "notes",
            "is_current",
        ]
        read_only_fields = ["ended_on", "end_reason"]
        extra_kwargs = {"name": {"required": False}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = getattr(self.context.get("request"), "user", None)
        if not get_access(user).can("community.change"):
            data["phone"] = mask_phone(data["phone"])
        return data


class CommitteeEndSerializer(serializers.Serializer):
    ended_on = serializers.DateField()
    reason = serializers.CharField(max_length=100)


class CommitteeRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=CommitteeRole.choices)
    on = serializers.DateField()


class EmergencyContactSerializer(_NoModelValidators):
    create_only = ("community",)
    community: Any = CommunityField(queryset=Community.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = EmergencyContact
        fields = [
            "id",
            "community",
            "community_name",
            "name",
            "phone",
            "kind",
            "kind_display",
            "note",
            "sort",
        ]


class OwnerEmergencyContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    kind = serializers.CharField()
    note = serializers.CharField()


class OwnerEmergencyGroupSerializer(serializers.Serializer):
    community = serializers.IntegerField()
    community_name = serializers.CharField()
    configured = serializers.BooleanField(help_text="false: 小区未配置，列出通用号码")
    contacts = OwnerEmergencyContactSerializer(many=True)


class DefaultsInputSerializer(serializers.Serializer):
    community: Any = CommunityField(queryset=Community.objects.none())


class CountSerializer(serializers.Serializer):
    added = serializers.IntegerField()


# ---------------------------------------------------------------- votes


class VoteSerializer(_NoModelValidators):
    create_only = ("community",)
    community: Any = CommunityField(queryset=Community.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    matter_display = serializers.CharField(source="get_matter_display", read_only=True)

    class Meta:
        model = Vote
        fields = [
            "id",
            "community",
            "community_name",
            "title",
            "description",
            "matter",
            "matter_display",
            "major",
            "state",
            "state_display",
            "opens_at",
            "closes_at",
            "published_at",
            "closed_at",
            "cancel_reason",
            "total_area",
            "total_owners",
            "valid",
            "passed",
        ]
        read_only_fields = [
            "major",
            "state",
            "published_at",
            "closed_at",
            "cancel_reason",
            "total_area",
            "total_owners",
            "valid",
            "passed",
        ]


class RatioSerializer(serializers.Serializer):
    label: Any = serializers.CharField()
    part = serializers.CharField()
    whole = serializers.CharField()
    percent = serializers.DecimalField(max_digits=6, decimal_places=2)
    rule = serializers.CharField()
    met = serializers.BooleanField()


class VoteResultSerializer(serializers.Serializer):
    final = serializers.BooleanField(help_text="true: 已结束，结果已冻结；false: 实时进度")
    verdict = serializers.ChoiceField(choices=["invalid", "passed", "rejected"])
    verdict_label = serializers.CharField()
    ratios = RatioSerializer(many=True, source="rows")
    total_area = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="tally.total_area"
    )
    total_owners = serializers.IntegerField(source="tally.total_owners")
    participant_area = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="tally.participant_area"
    )
    participant_count = serializers.IntegerField(source="tally.participant_count")
    agree_area = serializers.DecimalField(
        max_digits=14, decimal_places=2, source="tally.agree_area"
    )
    agree_count = serializers.IntegerField(source="tally.agree_count")


class BallotOutSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=BallotChoice.choices)
    choice_display = serializers.CharField(source="get_choice_display")
    channel = serializers.ChoiceField(choices=BallotChannel.choices)
    paper_ref = serializers.CharField()
    area = serializers.DecimalField(max_digits=14, decimal_places=2)
    cast_at = serializers.DateTimeField()


class RollEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label: Any = serializers.CharField()
    owner_names = serializers.CharField()
    area = serializers.DecimalField(max_digits=14, decimal_places=2)
    developer = serializers.BooleanField()
    ballot = serializers.SerializerMethodField()

    @extend_schema_field(BallotOutSerializer(allow_null=True))
    def get_ballot(self, obj):
        ballot = getattr(obj, "ballot", None) if hasattr(obj, "ballot") else None
        return BallotOutSerializer(ballot).data if ballot else None


class PaperBallotSerializer(serializers.Serializer):
    house = serializers.PrimaryKeyRelatedField(queryset=House.objects.none())
    choice = serializers.ChoiceField(choices=BallotChoice.choices)
    paper_ref = serializers.CharField(max_length=30)

    def __init__(self, *args, vote=None, **kwargs):
        super().__init__(*args, **kwargs)
        if vote is not None:
            field: Any = self.fields["house"]
            field.queryset = House.objects.filter(community_id=vote.community_id)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class CastSerializer(serializers.Serializer):
    choice = serializers.ChoiceField(choices=BallotChoice.choices)


class MyVoteSerializer(serializers.Serializer):
    vote = VoteSerializer()
    on_roll = serializers.BooleanField(help_text="是否在本次表决名册中（有表决权）")
    roll_label = serializers.CharField(allow_blank=True)
    roll_area = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    ballot = BallotOutSerializer(allow_null=True)
    result = VoteResultSerializer(
        allow_null=True, help_text="已结束的表决，或业委会成员查看进行中的表决"
    )


def my_vote_data(row: dict, result=None) -> dict:
    roll = row["roll"]
    return {
        "vote": row["vote"],
        "on_roll": roll is not None,
        "roll_label": roll.voter.label if roll else "",
        "roll_area": roll.voter.area if roll else None,
        "ballot": row["ballot"],
        "result": result,
    }


# ---------------------------------------------------------------- surveys


class OptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    text = serializers.CharField()
    required: Any = serializers.BooleanField()
    max_rating = serializers.IntegerField()
    options = OptionSerializer(many=True, source="options.all")


class QuestionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    text = serializers.CharField(max_length=200)
    required: Any = serializers.BooleanField(default=True)
    options = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=20
    )
    max_rating = serializers.IntegerField(min_value=2, max_value=10, default=5)


class SurveySerializer(_NoModelValidators):
    create_only = ("community",)
    community: Any = CommunityField(queryset=Community.objects.none())
    buildings: Any = serializers.PrimaryKeyRelatedField(
        queryset=Building.objects.none(), many=True, required=False
    )
    community_name = serializers.CharField(source="community.name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    questions = QuestionSerializer(many=True, read_only=True, source="questions.all")

    class Meta:
        model = Survey
        fields = [
            "id",
            "community",
            "community_name",
            "buildings",
            "title",
            "description",
            "answer_mode",
            "owners_only",
            "anonymous",
            "state",
            "state_display",
            "opens_at",
            "closes_at",
            "published_at",
            "closed_at",
            "questions",
        ]
        read_only_fields = ["state", "published_at", "closed_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field: Any = self.fields["buildings"]
        field.child_relation.queryset = Building.objects.filter(
            community__in=reachable_communities(self.context.get("request"))
        )


class OptionStatSerializer(serializers.Serializer):
    text = serializers.CharField()
    count = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=6, decimal_places=2)


class RatingStatSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    count = serializers.IntegerField()


class QuestionStatSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question.pk")
    number = serializers.IntegerField()
    text = serializers.CharField(source="question.text")
    kind = serializers.CharField(source="question.kind")
    answered = serializers.IntegerField()
    options = OptionStatSerializer(many=True)
    ratings = RatingStatSerializer(many=True)
    average = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    text_count = serializers.IntegerField()
    texts = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_texts(self, obj):
        return [a.text for a in obj.texts]


class SurveyResultsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="已收答卷")
    target = serializers.IntegerField(help_text="可答户数或人数")
    rate = serializers.DecimalField(max_digits=7, decimal_places=2, help_text="回收率(%)")
    questions = QuestionStatSerializer(many=True)


class MySurveySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="survey.pk")
    title = serializers.CharField(source="survey.title")
    community_name = serializers.CharField(source="survey.community.name")
    state = serializers.ChoiceField(choices=SurveyState.choices, source="survey.state")
    answer_mode = serializers.ChoiceField(choices=AnswerMode.choices, source="survey.answer_mode")
    opens_at = serializers.DateTimeField(source="survey.opens_at")
    closes_at = serializers.DateTimeField(source="survey.closes_at")
    pending_houses = serializers.ListField(
        child=serializers.IntegerField(), source="pending", help_text="还可以代表填写的房屋"
    )
    done_houses = serializers.ListField(child=serializers.IntegerField(), source="done")


class MySurveyDetailSerializer(MySurveySerializer):
    description = serializers.CharField(source="survey.description")
    questions = QuestionSerializer(many=True, source="survey.questions.all")


class ResponseInputSerializer(serializers.Serializer):
    house = serializers.IntegerField(
        required=False, allow_null=True, help_text="每户一份的问卷：代表哪套房屋填写"
    )
    answers = serializers.DictField(
        child=serializers.JSONField(),
        help_text="题目ID → 选项ID、选项ID列表、文字或分数",
    )


# ---------------------------------------------------------------- activities


class ActivitySerializer(_NoModelValidators):
    create_only = ("community",)
    community: Any = CommunityField(queryset=Community.objects.none())
    community_name = serializers.CharField(source="community.name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)
    places_left = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = Activity
        fields = [
            "id",
            "community",
            "community_name",
            "title",
            "description",
            "place",
            "starts_at",
            "ends_at",
            "signup_deadline",
            "capacity",
            "max_party",
            "signed_count",
            "places_left",
            "state",
            "state_display",
            "cancel_reason",
        ]
        read_only_fields = ["signed_count", "state", "cancel_reason"]


class SignupSerializer(serializers.ModelSerializer):
    house_label = serializers.SerializerMethodField()

    class Meta:
        model = Signup
        fields = ["id", "name", "phone", "house_label", "party_size", "note", "state", "created_at"]

    def get_house_label(self, obj) -> str:
        h = obj.house
        return f"{h.building.name}{h.unit.name}{h.room_no}" if h else ""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = getattr(self.context.get("request"), "user", None)
        if not get_access(user).can("community.change"):
            data["phone"] = mask_phone(data["phone"])
        return data


class SignupInputSerializer(serializers.Serializer):
    party_size = serializers.IntegerField(min_value=1, max_value=10, default=1)
    note = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class MySignupSerializer(serializers.Serializer):
    party_size = serializers.IntegerField()
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class MyActivitySerializer(serializers.Serializer):
    activity = ActivitySerializer()
    signup = MySignupSerializer(allow_null=True)


# ---------------------------------------------------------------- neighbour help


class HelpCommentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = serializers.SerializerMethodField()
    body = serializers.CharField()
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_author(self, obj) -> str:
        return self.context["name"](obj.author)


class HelpPostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    kind = serializers.ChoiceField(choices=HelpKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    body = serializers.CharField()
    contact = serializers.CharField()
    author = serializers.SerializerMethodField()
    closed = serializers.BooleanField()
    hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField(help_text="隐藏原因（发布人和物业可见）")
    comment_count = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_author(self, obj) -> str:
        return self.context["name"](obj.author)


class StaffHelpPostSerializer(HelpPostSerializer):
    open_reports = serializers.IntegerField()


class HelpPostInputSerializer(serializers.Serializer):
    community = serializers.IntegerField(required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=HelpKind.choices)
    title = serializers.CharField(max_length=60)
    body = serializers.CharField(max_length=1000)
    contact = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)


class HelpPostDetailSerializer(HelpPostSerializer):
    comments = HelpCommentSerializer(many=True, source="visible_comments")


class CommentInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=300)


class ReportInputSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=ReportReason.choices)
    comment = serializers.IntegerField(required=False, allow_null=True)
    detail = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


class ModerationInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ModerationAction.choices)
    reason = serializers.CharField(max_length=200)
    comment = serializers.IntegerField(required=False, allow_null=True)
