"""Console forms. They parse input only; the rules live in the services, whose
ApplicationError lands on the field it names."""

from __future__ import annotations

from typing import cast

from django import forms
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wuyetong.core.ids import parse_pk
from wuyetong.estates.forms import DATE, ServiceForm
from wuyetong.estates.models import Building, House, Occupancy, Resident
from wuyetong.orgs.models import Community

from .choices import BallotChoice, CommitteeRole, ModerationAction, QuestionKind
from .filters import reachable_communities
from .models import (
    Activity,
    CommitteeMember,
    EmergencyContact,
    Survey,
    Vote,
    VoteRollHouse,
)


class UserRequest:
    """What the community choice lists read from a request: just the user."""

    def __init__(self, user):
        self.user = user


def scope_community_field(form: forms.BaseForm, user) -> None:
    field = cast(forms.ModelChoiceField, form.fields["community"])
    field.queryset = reachable_communities(UserRequest(user))
    field.empty_label = gettext("请选择小区")


def community_owners(community_id: int | None):
    """Residents owning a house in the community now, each labelled with their first house."""
    if not community_id:
        return Resident.objects.none()
    links = Occupancy.objects.filter(
        house__community_id=community_id, relation="owner", end_date__isnull=True
    )
    first_house = links.filter(resident=OuterRef("pk")).order_by(
        "house__building__sort", "house__unit__name", "house__room_no"
    )
    return (
        Resident.objects.filter(pk__in=links.values("resident_id"))
        .annotate(
            house_label=Subquery(
                first_house.annotate(
                    label=Concat("house__building__name", "house__unit__name", "house__room_no")
                ).values("label")[:1]
            )
        )
        .order_by("house_label", "name")
    )


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.house_label} {obj.name}"


class CommitteeMemberForm(ServiceForm):
    resident = OwnerChoiceField(
        label=_("关联业主"),
        queryset=Resident.objects.none(),
        required=False,
        empty_label=_("不关联（非在册业主信息）"),
        help_text=_("业委会成员应为本小区业主；关联后该业主可在手机上查看表决进度"),
    )

    class Meta:
        model = CommitteeMember
        fields = [
            "community",
            "role",
            "resident",
            "name",
            "phone",
            "term_start",
            "term_end",
            "notes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["community"], self.fields["role"], self.fields["term_start"]
        else:
            scope_community_field(self, self.user)
            # The owners list follows the community being added to (posted or preselected).
            posted = self.data.get("community") if self.is_bound else None
            self.community_id = parse_pk(posted) or self.community_id
            self.fields["term_start"].initial = timezone.localdate()
        self.fields["name"].required = False
        self.fields["name"].help_text = _("关联业主时可不填，取业主档案姓名")
        resident_field = cast(OwnerChoiceField, self.fields["resident"])
        resident_field.queryset = community_owners(self.community_id)
        if not self.community_id:
            resident_field.help_text = _("先选择小区，再从本小区业主中选择")


class CommitteeEndForm(forms.Form):
    ended_on = forms.DateField(label=_("离任日期"), widget=DATE)
    reason = forms.CharField(label=_("离任原因"), max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ended_on"].initial = timezone.localdate()


class CommitteeRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("新职务"), choices=CommitteeRole.choices)
    on = forms.DateField(label=_("变更日期"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["on"].initial = timezone.localdate()


class EmergencyContactForm(ServiceForm):
    class Meta:
        model = EmergencyContact
        fields = ["community", "name", "phone", "kind", "note", "sort"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["community"]
        else:
            scope_community_field(self, self.user)


class CommunityPickForm(forms.Form):
    """Picks one of the user's communities (e.g. to add the default emergency numbers)."""

    community: forms.ModelChoiceField = forms.ModelChoiceField(
        label=_("小区"), queryset=Community.objects.none()
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        scope_community_field(self, user)


DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class VoteForm(ServiceForm):
    class Meta:
        model = Vote
        fields = ["community", "title", "matter", "description", "opens_at", "closes_at"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            self.fields[name].widget = DATETIME
        self.fields["matter"].help_text = _(
            "第六至八项（筹集维修资金、改建重建、改变共有部分用途或经营）须经参与表决面积和人数各四分之三以上同意；其他事项过半数"
        )
        if self.instance.pk:
            del self.fields["community"]
        else:
            scope_community_field(self, self.user)


class RollHouseChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.building.name}{obj.unit.name}{obj.room_no}"


class PaperBallotForm(forms.Form):
    house = RollHouseChoiceField(
        label=_("房屋"), queryset=House.objects.none(), empty_label=_("请选择房屋")
    )
    choice = forms.ChoiceField(
        label=_("表决意见"), choices=BallotChoice.choices, widget=forms.RadioSelect
    )
    paper_ref = forms.CharField(label=_("纸质票编号"), max_length=30)

    def __init__(self, *args, vote=None, **kwargs):
        super().__init__(*args, **kwargs)
        if vote is not None:
            field = cast(RollHouseChoiceField, self.fields["house"])
            field.queryset = (
                House.objects.filter(
                    pk__in=VoteRollHouse.objects.filter(
                        vote=vote, voter__ballot__isnull=True
                    ).values("house_id")
                )
                .select_related("building", "unit")
                .order_by("building__sort", "unit__name", "floor", "room_no")
            )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=200)


class BuildingsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SurveyForm(ServiceForm):
    buildings = BuildingsField(
        label=_("面向楼栋"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("不选则面向全小区"),
    )

    class Meta:
        model = Survey
        fields = [
            "community",
            "title",
            "description",
            "answer_mode",
            "owners_only",
            "anonymous",
            "buildings",
            "opens_at",
            "closes_at",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("opens_at", "closes_at"):
            self.fields[name].widget = DATETIME
        if self.instance.pk:
            del self.fields["community"]
            self.initial["buildings"] = list(self.instance.buildings.all())
        else:
            scope_community_field(self, self.user)
            posted = self.data.get("community") if self.is_bound else None
            self.community_id = parse_pk(posted) or self.community_id
        buildings = cast(BuildingsField, self.fields["buildings"])
        buildings.queryset = (
            Building.objects.filter(community_id=self.community_id).order_by("sort", "name")
            if self.community_id
            else Building.objects.none()
        )
        if not self.community_id:
            buildings.help_text = _("先选择小区；不选楼栋则面向全小区")


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("题型"), choices=QuestionKind.choices)
    text = forms.CharField(label=_("题目"), max_length=200)
    options = forms.CharField(
        label=_("选项"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("每行一个选项")}),
        help_text=_("单选、多选题填写，每行一个"),
    )
    max_rating = forms.IntegerField(
        label=_("最高分"),
        min_value=2,
        max_value=10,
        initial=5,
        required=False,
        help_text=_("评分题填写"),
    )
    required = forms.BooleanField(label=_("必答"), required=False, initial=True)

    def service_data(self) -> dict:
        d = self.cleaned_data
        return {
            "kind": d["kind"],
            "text": d["text"],
            "required": d["required"],
            "options": (d.get("options") or "").splitlines(),
            "max_rating": d.get("max_rating") or 5,
        }


class ActivityForm(ServiceForm):
    class Meta:
        model = Activity
        fields = [
            "community",
            "title",
            "place",
            "description",
            "starts_at",
            "ends_at",
            "signup_deadline",
            "capacity",
            "max_party",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("starts_at", "ends_at", "signup_deadline"):
            self.fields[name].widget = DATETIME
        if self.instance.pk:
            del self.fields["community"]
        else:
            scope_community_field(self, self.user)


class ModerationForm(forms.Form):
    action = forms.ChoiceField(choices=ModerationAction.choices, widget=forms.HiddenInput)
    comment_id = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("原因（发布人可见）")}),
    )
