from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from wuyetong.core.access import get_access
from wuyetong.core.tasks import HEARTBEAT_KEY
from wuyetong.estates import selectors as estate_selectors
from wuyetong.orgs import selectors as org_selectors

from .workbench import workbench_groups


@never_cache
@require_GET
def healthz(request):
    """Liveness and database status for load balancers and `make run`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        db = {"status": "ok", "vendor": connection.vendor}
        code = 200
    except Exception as exc:  # any driver error means "down"
        db = {"status": "error", "error": exc.__class__.__name__}
        code = 503
    jobs = {
        "mode": "embedded" if settings.CELERY_TASK_ALWAYS_EAGER else "celery",
        "last_heartbeat": cache.get(HEARTBEAT_KEY),
    }
    return JsonResponse(
        {"status": "ok" if code == 200 else "error", "database": db, "jobs": jobs}, status=code
    )


@login_required
def dashboard(request):
    access = get_access(request.user)
    if access.is_platform:
        ctx = {"persona": "platform", "stats": org_selectors.platform_overview()}
    elif access.is_staff_member:
        ctx = {
            "persona": "staff",
            "stats": estate_selectors.staff_overview(access),
            "communities": estate_selectors.community_summaries(access),
            "todo": workbench_groups(request),
        }
    elif access.is_bureau:
        ctx = {
            "persona": "bureau",
            "stats": org_selectors.bureau_overview(access),
            "companies": org_selectors.bureau_company_summaries(access),
        }
    elif access.is_merchant:
        ctx = {"persona": "merchant", "merchants": org_selectors.merchant_list_for_access(access)}
    else:
        # Owners and residents use the phone app.
        return redirect("owner:home")
    return render(request, "web/dashboard.html", ctx)
