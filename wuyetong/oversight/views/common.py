"""Who reaches the oversight pages. Not logged in → login page; not a bureau official (or,
on the company's pages, no servicedesk.view) → 403; someone else's case → 404."""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied

from wuyetong.core.access import Access, get_access


def is_bureau(access: Access) -> bool:
    return access.is_bureau and not access.is_platform


def is_company_reader(access: Access) -> bool:
    return access.is_staff_member and access.can("servicedesk.view")


class PersonaMixin(LoginRequiredMixin):
    """`allowed(access)` decides; the view keeps `self.access`."""

    @staticmethod
    def allowed(access: Access) -> bool:
        return False

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.access = get_access(request.user)
        if not self.allowed(self.access):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class BureauMixin(PersonaMixin):
    allowed = staticmethod(is_bureau)


class CompanyMixin(PersonaMixin):
    allowed = staticmethod(is_company_reader)
