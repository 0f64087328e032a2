"""一键救助 console pages: each community's tap-to-call numbers."""

from __future__ import annotations

from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.views import ModulePermissionMixin

from .. import filters, forms, selectors, services
from ..models import EmergencyContact
from .base import Col, CreatePage, FormPage, ListPage, run_action, url_of


class EmergencyList(ListPage):
    template_name = "community/emergency_list.html"
    title = _("一键救助电话")
    selector = selectors.emergency_contact_list
    filterset_class = filters.EmergencyContactFilter
    create_url = "community:emergency_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("名称"), lambda o: o.name, link=url_of("community:emergency_edit")),
        Col(_("电话"), lambda o: o.phone),
        Col(_("类别"), lambda o: o.get_kind_display()),
        Col(_("说明"), lambda o: o.note),
        Col(_("排序"), lambda o: o.sort, num=True, order="sort"),
    ]

    def extra_context(self):
        can_add = self.access.can("community.add")
        return {
            "defaults_form": forms.CommunityPickForm(user=self.request.user) if can_add else None
        }


class EmergencyCreate(CreatePage):
    title = _("新增救助电话")
    form_class = forms.EmergencyContactForm
    cancel_url = "community:emergency_list"

    def perform(self, form):
        return services.emergency_contact_create(actor=self.request.user, **form.service_data())

    def success_url(self, obj):
        return reverse("community:emergency_list") + f"?community={obj.community_id}"


class EmergencyEdit(FormPage):
    permission = "community.change"
    form_class = forms.EmergencyContactForm
    cancel_url = "community:emergency_list"
    template_name = "community/emergency_form.html"

    def get_object(self):
        return selectors.emergency_contact_get(self.request.user, self.kwargs["pk"], "change")

    def get_title(self):
        return gettext("修改救助电话：%(name)s") % {"name": self.object.name}

    def context(self, form):
        return {**super().context(form), "can_delete": self.access.can("community.delete")}

    def perform(self, form):
        return services.emergency_contact_update(
            actor=self.request.user, contact=self.object, **form.service_data()
        )

    def success_url(self, obj):
        return reverse("community:emergency_list") + f"?community={obj.community_id}"


class EmergencyDelete(ModulePermissionMixin, View):
    permission = "community.delete"

    def post(self, request, pk):
        contact: EmergencyContact = selectors.emergency_contact_get(request.user, pk, "delete")
        return run_action(
            request,
            lambda: services.emergency_contact_delete(actor=request.user, contact=contact),
            success=gettext("已删除“%(name)s”") % {"name": contact.name},
            back=reverse("community:emergency_list") + f"?community={contact.community_id}",
        )


class EmergencyDefaults(ModulePermissionMixin, View):
    """Adds 物业值班 / 110 / 119 / 120 to a community that lacks them."""

    permission = "community.add"

    def post(self, request):
        form = forms.CommunityPickForm(request.POST, user=request.user)
        back = reverse("community:emergency_list")
        if form.is_valid():
            back += f"?community={form.cleaned_data['community'].pk}"
        return run_action(
            request,
            lambda community: services.emergency_defaults_create(
                actor=request.user, community=community
            ),
            form=form,
            success=lambda n: (
                gettext("已添加 %(n)s 个默认号码") % {"n": n}
                if n
                else gettext("默认号码都已存在，未做改动")
            ),
            back=back,
        )


urlpatterns = [
    path("emergency/", EmergencyList.as_view(), name="emergency_list"),
    path("emergency/new/", EmergencyCreate.as_view(), name="emergency_create"),
    path("emergency/defaults/", EmergencyDefaults.as_view(), name="emergency_defaults"),
    path("emergency/<int:pk>/edit/", EmergencyEdit.as_view(), name="emergency_edit"),
    path("emergency/<int:pk>/delete/", EmergencyDelete.as_view(), name="emergency_delete"),
]
