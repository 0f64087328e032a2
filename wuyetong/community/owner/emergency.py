"""一键救助: big tap-to-call buttons for the numbers of the owner's communities."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import selectors
from .common import owner_login_required


@require_GET
@owner_login_required
def emergency(request):
    groups = selectors.owner_emergency_groups(request.user)
    return render(
        request,
        "community/owner/emergency.html",
        {"groups": groups, "national": [] if groups else selectors.national_numbers()},
    )
