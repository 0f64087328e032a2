"""Console forms for notices. They parse what was typed; the services decide what is allowed
(audience, targets, files) and name the field when they refuse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from wuyetong.core.access import get_access

from .choices import NoticeKind, NoticeTarget
from .filters import notice_communities

DATETIME_INPUT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input; the service checks their number, type and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        one = super().clean
        if isinstance(data, list | tuple):
            return [one(d, initial) for d in data if d]
        return [one(data, initial)] if data else []


class IdListField(forms.Field):
    """Ids ticked in the audience picker, passed as typed: the service checks that each is a
    valid id of the chosen community and names the field when one is not."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        return [str(v) for v in (value if isinstance(value, list | tuple) else [value])]


def kind_choices(access) -> list[tuple[str, object]]:
    if access.is_bureau and not access.is_staff_member:
        return [(k.value, k.label) for k in (NoticeKind.POLICY, NoticeKind.PUBLIC)]
    return [(k.value, k.label) for k in (NoticeKind.COMMUNITY, NoticeKind.COMPANY)]


def target_choices(access) -> list[tuple[str, object]]:
    if access.is_bureau and not access.is_staff_member:
        targets = [NoticeTarget.JURISDICTION, NoticeTarget.COMMUNITY]
    else:
        targets = [NoticeTarget.COMMUNITY, NoticeTarget.BUILDINGS, NoticeTarget.HOUSES]
        if access.community_ids is None:
            targets.append(NoticeTarget.COMPANY)
    return [(t.value, t.label) for t in targets]


class NoticeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"),
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择通知类型"), "invalid_choice": _("请选择通知类型")},
    )
    target = forms.ChoiceField(
        label=_("发送范围"),
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择发送范围"), "invalid_choice": _("请选择发送范围")},
    )
    community: forms.ModelChoiceField = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("小区"),
        empty_label=_("请选择小区"),
        error_messages={"invalid_choice": _("小区不存在或不在您的管理范围内")},
    )
    building_ids = IdListField(required=False, label=_("楼栋"))
    house_ids = IdListField(required=False, label=_("房屋"))
    title = forms.CharField(
        label=_("标题"),
        max_length=100,
        error_messages={"required": _("请填写标题"), "max_length": _("标题不能超过100个字")},
    )
    body = forms.CharField(
        label=_("正文"),
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("请填写正文")},
    )
    urgent = forms.BooleanField(
        label=_("紧急"),
        required=False,
        help_text=_("同时短信通知所有收件住户（含未注册 App 的住户）"),
    )
    pinned = forms.BooleanField(label=_("置顶"), required=False)
    publish_at = forms.DateTimeField(
        label=_("定时发布"),
        required=False,
        input_formats=DATETIME_INPUT,
        widget=DateTimeLocalInput(),
        help_text=_("留空则点“发布”时立即发布"),
    )
    expires_at = forms.DateTimeField(
        label=_("过期时间"),
        required=False,
        input_formats=DATETIME_INPUT,
        widget=DateTimeLocalInput(),
        help_text=_("过期后业主端不再显示"),
    )
    attachments = MultipleFileField(
        label=_("附件"), help_text=_("最多 5 个，每个不超过 10MB：PDF、图片、Word、Excel")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        access = get_access(user)
        self.fields["kind"].choices = kind_choices(access)
        self.fields["target"].choices = target_choices(access)
        self.fields["community"].queryset = notice_communities(user)  # type: ignore[attr-defined]
        self.fields["community"].label_from_instance = lambda c: c.name  # type: ignore[attr-defined]

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        community = d.get("community")
        return {
            "kind": d["kind"],
            "target": d["target"],
            "title": d["title"],
            "body": d["body"],
            "community_id": community.pk if community else None,
            "building_ids": d.get("building_ids") or [],
            "house_ids": d.get("house_ids") or [],
            "urgent": d.get("urgent", False),
            "pinned": d.get("pinned", False),
            "publish_at": d.get("publish_at"),
            "expires_at": d.get("expires_at"),
        }


class DisplayForm(forms.Form):
    pinned = forms.BooleanField(label=_("置顶"), required=False)
    expires_at = forms.DateTimeField(
        label=_("过期时间"),
        required=False,
        input_formats=DATETIME_INPUT,
        widget=DateTimeLocalInput(),
    )


class RemindForm(forms.Form):
    sms = forms.BooleanField(label=_("同时发送短信"), required=False)
