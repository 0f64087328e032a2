"""Small forms of the case page's actions. They only carry the input: every rule (required
reason, amount, photos, who may act in which state) is the service's, whose ApplicationError
lands on the field it names."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def _text(label, *, rows: int = 0, max_length: int = 500, placeholder=""):
    widget = (
        forms.Textarea(attrs={"rows": rows, "placeholder": placeholder})
        if rows
        else forms.TextInput(attrs={"placeholder": placeholder})
    )
    return forms.CharField(label=label, required=False, max_length=max_length, widget=widget)


class ActionForm(forms.Form):
    """The services read keyword arguments named like these fields."""

    def __init__(self, *args, case=None, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.case = case


class EmptyForm(ActionForm):
    pass


class AssignForm(ActionForm):
    assignee = forms.TypedChoiceField(
        label=_("处理人"),
        coerce=int,
        error_messages={
            "required": _("请选择处理人"),
            "invalid_choice": _("请选择本项目的在职员工"),
        },
    )
    note = _text(_("派单说明"), placeholder=_("可选"))

    def __init__(self, *args, choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", _("选择处理人"))] + [
            (e.pk, f"{e.user.name}（{e.org_unit.name}）") for e in (choices or [])
        ]

    def service_kwargs(self) -> dict:
        return {"assignee_id": self.cleaned_data["assignee"], "note": self.cleaned_data["note"]}


class ReasonForm(ActionForm):
    reason = _text(_("原因"), max_length=500)


class NoteForm(ActionForm):
    note = _text(_("备注"), rows=2)


class VisitForm(ActionForm):
    note = _text(_("回访记录"), rows=2, placeholder=_("回访了谁、业主的意见"))


class QuoteForm(ActionForm):
    amount = forms.CharField(label=_("金额(元)"), required=False, max_length=20)
    note = _text(_("报价说明"), max_length=200, placeholder=_("材料、人工"))


class CompleteForm(ActionForm):
    note = _text(_("处理说明"), rows=2)
    reply = _text(_("书面答复"), rows=2, max_length=2000)


class ReplyForm(ActionForm):
    reply = _text(_("书面答复"), rows=3, max_length=2000)


class AnswerForm(ActionForm):
    urge = forms.IntegerField(widget=forms.HiddenInput, required=False)
    answer = _text(_("答复"), rows=2, max_length=2000)
