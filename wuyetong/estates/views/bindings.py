"""Staff review of owners' house-binding requests (业主认证): list, review, correct, approve,
reject. Another company's request answers 404; a role without `bindings.approve` may look
but not decide (403)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.ids import lookup_pk
from wuyetong.core.masking import mask_id_card, mask_phone
from wuyetong.core.views import ModulePermissionMixin, form_error_from, htmx_template, paginate
from wuyetong.orgs.models import Community, OperationLog

from ..choices import BindingStatus, Relation
from ..models import BindingRequest, House, Occupancy
from ..services import bindings as services

PER_PAGE = 30


class CorrectForm(forms.Form):
    applicant_name = forms.CharField(label=_("申请人姓名"), max_length=50)
    applicant_id_card = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    house = forms.ModelChoiceField(
        label=_("房屋"),
        queryset=House.objects.none(),
        error_messages={"invalid_choice": _("所选房屋不存在或不在您的管理范围内")},
    )
    relation = forms.ChoiceField(label=_("身份"), choices=Relation.choices)

    def __init__(self, *args, houses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["house"].queryset = houses if houses is not None else House.objects.none()
        self.fields["house"].label_from_instance = lambda h: (
            f"{h.building.name}{h.unit.name}{h.room_no}"
        )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("驳回原因"),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("驳回时必须填写原因")},
    )


def _masked(binding: BindingRequest, sensitive: bool) -> None:
    phone, id_card = binding.user.phone, binding.applicant_id_card
    binding.shown_phone = phone if sensitive else mask_phone(phone)  # type: ignore[attr-defined]
    binding.shown_id_card = id_card if sensitive else mask_id_card(id_card)  # type: ignore[attr-defined]


class BindingListView(ModulePermissionMixin, View):
    permission = "bindings.view"

    def get(self, request):
        qs = (
            BindingRequest.objects.for_user(request.user, "view")
            .select_related("user", "house", "house__community", "house__building", "house__unit")
            .order_by("-created_at", "-id")
        )
        status = request.GET.get("status", "")
        if status in BindingStatus.values:
            qs = qs.filter(status=status)
        community = request.GET.get("community", "")
        if community_id := services.parse_pk(community):
            qs = qs.filter(house__community_id=community_id)
        q = request.GET.get("q", "").strip()
        if q:
            qs = qs.filter(
                Q(applicant_name__contains=q)
                | Q(user__phone__contains=q)
                | Q(user__name__contains=q)
            )
        page = paginate(request, qs, PER_PAGE)
        sensitive = self.access.can("residents.view_sensitive")
        for b in page.object_list:
            _masked(b, sensitive)
        query = request.GET.copy()
        query.pop("page", None)
        ctx = {
            "page": page,
            "status": status,
            "q": q,
            "community": community,
            "querystring": query.urlencode(),
            "statuses": BindingStatus.choices,
            "communities": Community.objects.for_access(self.access, "view").order_by("code"),
            "can_approve": self.access.can("bindings.approve"),
            "has_pending": any(b.status == BindingStatus.PENDING for b in page.object_list),
        }
        return render(
            request,
            htmx_template(request, "estates/binding_list.html", "estates/_binding_rows.html"),
            ctx,
        )


class BindingDetailView(ModulePermissionMixin, View):
    """The review page; POST handles one of the three forms (action=correct/approve/reject)."""

    permission = "bindings.view"

    def get_binding(self, pk: int) -> BindingRequest:
        return get_object_or_404(
            BindingRequest.objects.for_user(self.request.user, "view").select_related(
                "user",
                "house",
                "house__community",
                "house__building",
                "house__unit",
                "replaces",
                "replaces__house",
                "replaces__house__building",
                "replaces__house__unit",
                "reviewed_by",
            ),
            pk=lookup_pk(pk),
        )

    def houses(self, binding):
        return (
            House.objects.for_access(self.access, "view")
            .filter(community_id=binding.house.community_id)
            .select_related("building", "unit")
            .order_by("building__sort", "building__name", "unit__name", "room_no")
        )

    def occupants(self, binding, sensitive: bool):
        """Who lives in the requested house now: the reviewer's first question."""
        if not self.access.can("residents.view"):
            return None
        rows = list(
            Occupancy.objects.filter(house_id=binding.house_id, end_date__isnull=True)
            .select_related("resident")
            .order_by("relation", "start_date")
        )
        for o in rows:
            o.shown_phone = o.resident.phone if sensitive else mask_phone(o.resident.phone)  # type: ignore[attr-defined]
        return rows

    def render_page(self, binding, correct_form=None, reject_form=None, status=200):
        sensitive = self.access.can("residents.view_sensitive")
        _masked(binding, sensitive)
        if correct_form is None:
            correct_form = CorrectForm(
                houses=self.houses(binding),
                initial={
                    "applicant_name": binding.applicant_name,
                    "applicant_id_card": binding.shown_id_card,
                    "house": binding.house_id,
                    "relation": binding.relation,
                },
            )
        # The applicant's bindings with this company, past and present, to judge a rebind.
        # Only what the reviewer may see anyway: homes in their projects with residents.view,
        # the history with oplog.view (scoped as the operation log page is).
        bound = None
        if self.access.can("residents.view"):
            bound = (
                Occupancy.objects.for_access(self.access, "view")
                .filter(
                    resident__user_id=binding.user_id,
                    resident__company_id=binding.house.community.company_id,
                )
                .select_related("house", "house__building", "house__unit")
                .order_by("-start_date", "-id")[:20]
            )
        history = None
        if self.access.can("oplog.view"):
            history = (
                OperationLog.objects.for_access(self.access, "view")
                .filter(
                    content_type=ContentType.objects.get_for_model(BindingRequest),
                    object_id=str(binding.pk),
                )
                .select_related("actor")
                .order_by("created_at", "id")
            )
        return render(
            self.request,
            "estates/binding_detail.html",
            {
                "b": binding,
                "correct_form": correct_form,
                "reject_form": reject_form or RejectForm(),
                "can_approve": self.access.can("bindings.approve"),
                "can_view_estates": self.access.can("estates.view"),
                "pending": binding.status == BindingStatus.PENDING,
                "bound": bound,
                "occupants": self.occupants(binding, sensitive),
                "history": history,
            },
            status=status,
        )

    def get(self, request, pk: int):
        return self.render_page(self.get_binding(pk))

    def post(self, request, pk: int):
        binding = self.get_binding(pk)  # 404 before 403: another company's request stays invisible
        if not self.access.can("bindings.approve"):
            raise PermissionDenied
        action = request.POST.get("action")
        correct_form = reject_form = None
        try:
            if action == "approve":
                services.binding_approve(actor=request.user, binding=binding)
                messages.success(
                    request,
                    gettext("已通过 %(name)s 的认证申请") % {"name": binding.applicant_name},
                )
                return redirect(f"{_list_url()}?status=pending")
            if action == "reject":
                reject_form = RejectForm(request.POST)
                if reject_form.is_valid():
                    services.binding_reject(
                        actor=request.user,
                        binding=binding,
                        reason=reject_form.cleaned_data["reason"],
                    )
                    messages.success(
                        request,
                        gettext("已驳回 %(name)s 的认证申请") % {"name": binding.applicant_name},
                    )
                    return redirect(f"{_list_url()}?status=pending")
            elif action == "correct":
                correct_form = CorrectForm(request.POST, houses=self.houses(binding))
                if correct_form.is_valid():
                    d = correct_form.cleaned_data
                    services.binding_correct(
                        actor=request.user,
                        binding=binding,
                        applicant_name=d["applicant_name"],
                        applicant_id_card=d["applicant_id_card"],
                        house_id=d["house"].pk,
                        relation=d["relation"],
                    )
                    messages.success(request, gettext("申请信息已更正"))
                    return redirect("estates:binding_detail", pk=binding.pk)
            else:
                messages.error(request, gettext("未知操作"))
        except ApplicationError as exc:
            form = correct_form if action == "correct" else reject_form
            if form is not None:
                form_error_from(form, exc)
            else:
                messages.error(request, exc.message)
            binding = self.get_binding(pk)
        return self.render_page(
            binding, correct_form=correct_form, reject_form=reject_form, status=400
        )


class BindingBulkApproveView(ModulePermissionMixin, View):
    """Approve several pending requests at once (a new community's first week). Each one is
    its own transaction, so one problem does not hold back the others."""

    permission = "bindings.approve"

    def post(self, request):
        ids = [pk for i in request.POST.getlist("ids")[:200] if (pk := services.parse_pk(i))]
        pending = BindingRequest.objects.for_user(request.user, "approve").filter(
            pk__in=ids, status=BindingStatus.PENDING
        )
        done, failed = 0, []
        for binding in pending:
            try:
                services.binding_approve(actor=request.user, binding=binding)
                done += 1
            except ApplicationError as exc:
                failed.append(
                    gettext("%(name)s：%(message)s")
                    % {"name": binding.applicant_name, "message": exc.message}
                )
        if done:
            messages.success(request, gettext("已通过 %(n)s 条认证申请") % {"n": done})
        for line in failed[:5]:
            messages.error(request, line)
        if not done and not failed:
            messages.warning(request, gettext("请先勾选待审核的申请"))
        back = request.POST.get("back", "")
        return redirect(f"{_list_url()}?{back}" if back and "//" not in back else _list_url())


def _list_url() -> str:
    return reverse("estates:binding_list")


urlpatterns = [
    path("bindings/", BindingListView.as_view(), name="binding_list"),
    path("bindings/<int:pk>/", BindingDetailView.as_view(), name="binding_detail"),
    path("bindings/approve/", BindingBulkApproveView.as_view(), name="binding_bulk_approve"),
]
