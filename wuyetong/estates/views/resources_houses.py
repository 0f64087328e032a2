"""The house page (facts, residents, vehicles, spaces, history, operation log), moving a
resident in from it, and the batch state change of the house list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import FieldDoesNotExist
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.masking import mask_phone
from wuyetong.core.views import ModulePermissionMixin, form_error_from

from .. import filters, forms, selectors
from ..models import House
from ..services import resources as svc


class HouseDetail(ModulePermissionMixin, View):
    permission = "estates.view"

    def get(self, request, pk, move_in_form=None, status=200):
        house = selectors.house_get(request.user, pk)
        sees_residents = self.access.can("residents.view")
        history = list(selectors.house_history(house)) if sees_residents else []
        sensitive = self.access.can("residents.view_sensitive")
        for o in history:
            o.phone_shown = o.resident.phone if sensitive else mask_phone(o.resident.phone)
        resident_url = "estates:resident_detail"
        return render(
            request,
            "estates/house_detail.html",
            {
                "house": house,
                "current": [o for o in history if o.end_date is None],
                "history": history,
                "vehicles": selectors.house_vehicles(house),
                "spaces": selectors.house_spaces(house),
                "sees_residents": sees_residents,
                "resident_url": resident_url,
                "can_change": self.access.can("estates.change"),
                "can_move": self.access.can("residents.add") and sees_residents,
                "can_move_out": self.access.can("residents.change") and sees_residents,
                "move_in_form": move_in_form
                or forms.MoveInForm(can_change_house=self.access.can("estates.change")),
                "oplog": [_readable_log(log) for log in selectors.house_oplog(request.user, house)]
                if self.access.can("oplog.view")
                else None,
            },
            status=status,
        )


def _readable_log(log):
    """Field names and choice values as a clerk reads them (建筑面积, 入住 …)."""
    changes = []
    if log.action == "update":
        for name, pair in log.changes.items():
            try:
                field = House._meta.get_field(name)
            except FieldDoesNotExist:
                label, choices = name, {}
            else:
                label, choices = field.verbose_name, dict(field.choices or [])
            old, new = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
            changes.append((label, choices.get(old, old), choices.get(new, new)))
    log.readable_changes = changes
    return log


class HouseMoveIn(ModulePermissionMixin, View):
    """Moves a resident into the house (form on the house page)."""

    permission = "residents.add"

    def post(self, request, pk):
        house = selectors.house_get(request.user, pk)
        form = forms.MoveInForm(request.POST, can_change_house=self.access.can("estates.change"))
        if form.is_valid():
            try:
                occupancy = svc.occupancy_move_in(
                    actor=request.user, house=house, **form.cleaned_data
                )
            except ApplicationError as exc:
                form_error_from(form, exc)
            else:
                messages.success(
                    request,
                    _("%(name)s 已入住 %(house)s")
                    % {"name": occupancy.resident.name, "house": house.label},
                )
                return redirect("estates:house_detail", pk=house.pk)
        page = HouseDetail()
        page.setup(request, pk=pk)
        page.access = self.access
        return page.get(request, pk, move_in_form=form, status=400)


BATCH_LIMIT = 5000


class HouseBatchState(ModulePermissionMixin, View):
    """Sets the state of the ticked houses, or of every house the list's filters match."""

    permission = "estates.change"

    def _matching_ids(self, request, querystring: str) -> list[int] | None:
        filterset = filters.HouseFilter(
            QueryDict(querystring),
            queryset=selectors.house_list(request.user, "change"),
            request=request,
        )
        ids = list(filterset.qs.values_list("pk", flat=True)[: BATCH_LIMIT + 1])
        return None if len(ids) > BATCH_LIMIT else ids

    def post(self, request):
        form = forms.HouseBatchStateForm(request.POST)
        back = request.POST.get("next") or reverse("estates:house_list")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("estates:house_list")
        if not form.is_valid():
            first = next(iter(form.errors.values()))[0]
            messages.error(request, _("批量修改失败：%(reason)s") % {"reason": first})
            return redirect(back)
        ids = form.cleaned_data["houses"]
        if form.cleaned_data["all_matching"]:
            ids = self._matching_ids(request, form.cleaned_data["filter"])
            if ids is None:
                messages.error(
                    request,
                    _("批量修改失败：一次最多修改 %(n)s 套，请缩小筛选范围") % {"n": BATCH_LIMIT},
                )
                return redirect(back)
        try:
            changed = svc.houses_set_state(
                actor=request.user, house_ids=ids, state=form.cleaned_data["state"]
            )
        except ApplicationError as exc:
            messages.error(request, _("批量修改失败：%(reason)s") % {"reason": exc.message})
        else:
            label = dict(form.fields["state"].choices)[form.cleaned_data["state"]]
            messages.success(
                request, _("已将 %(n)s 套房屋改为“%(state)s”") % {"n": changed, "state": label}
            )
        return redirect(back)
