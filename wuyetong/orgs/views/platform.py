"""平台管理: review companies, communities and merchants; modules; housing bureaus."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.views import form_error_from, paginate

from .. import selectors, services
from ..choices import ApprovalStatus
from ..filters import CommunityReviewFilter, CompanyReviewFilter, MerchantReviewFilter
from ..forms import (
    BureauCreateForm,
    BureauMemberForm,
    CompanyAdminForm,
    CompanyReviewForm,
    ModulesForm,
    ReviewForm,
)
from ..permissions import DEFAULT_COMPANY_MODULES, MODULE_LABELS
from .common import platform_required, querystring_without_page, run_service


def _list(request, filter_class, queryset, template, extra=None):
    filterset = filter_class(request.GET or None, queryset=queryset, request=request)
    ctx = {
        "filter": filterset,
        "page": paginate(request, filterset.qs),
        "qs": querystring_without_page(request),
    }
    ctx.update(extra or {})
    return render(request, template, ctx)


def _review(request, obj, service, kwarg: str, back: str, form=None):
    """Handles the 通过 / 驳回 form; returns a redirect on success, else the bound form."""
    form = form or ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        approve = form.cleaned_data["decision"] == "approve"
        extra = {}
        if approve and "modules" in form.cleaned_data:
            extra["modules"] = form.cleaned_data["modules"]
        done = run_service(
            request,
            form,
            lambda: service(
                actor=request.user,
                approve=approve,
                reason=form.cleaned_data["reason"],
                **{kwarg: obj},
                **extra,
            ),
            _("已审核通过") if approve else _("已驳回"),
            back,
        )
        if done:
            return done, form
    return None, form


@require_http_methods(["GET"])
@platform_required
def company_list(request):
    return _list(
        request,
        CompanyReviewFilter,
        selectors.platform_company_list(),
        "orgs/platform/company_list.html",
        {"module_labels": MODULE_LABELS},
    )


@require_http_methods(["GET", "POST"])
@platform_required
def company_detail(request, pk: int):
    company = get_object_or_404(selectors.platform_company_list(), pk=pk)
    back = reverse("orgs:platform_company_detail", args=[pk])
    initial = {"modules": company.modules or DEFAULT_COMPANY_MODULES}
    if company.status == ApprovalStatus.APPROVED:
        review_form = ReviewForm(request.POST or None)
    else:
        review_form = CompanyReviewForm(request.POST or None, initial=initial)
    done, review_form = _review(
        request, company, services.company_review, "company", back, review_form
    )
    if done:
        return done
    modules_form = ModulesForm(initial={"modules": company.modules})
    admins = selectors.company_admin_list(company)
    return render(
        request,
        "orgs/platform/company_detail.html",
        {
            "company": company,
            "review_form": review_form,
            "modules_form": modules_form,
            "admins": admins,
            "admin_form": CompanyAdminForm(),
            "module_labels": [MODULE_LABELS[m] for m in company.modules if m in MODULE_LABELS],
        },
    )


@require_POST
@platform_required
def company_modules(request, pk: int):
    company = get_object_or_404(selectors.platform_company_list(), pk=pk)
    form = ModulesForm(request.POST)
    if form.is_valid():
        try:
            services.company_grant_modules(
                actor=request.user, company=company, modules=form.cleaned_data["modules"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("开通模块已保存"))
    else:
        messages.error(request, _("所选模块无效"))
    return redirect("orgs:platform_company_detail", pk=pk)


@require_POST
@platform_required
def company_admin_add(request, pk: int):
    company = get_object_or_404(selectors.platform_company_list(), pk=pk)
    form = CompanyAdminForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写手机号和姓名"))
    else:
        try:
            services.company_admin_add(actor=request.user, company=company, **form.cleaned_data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request, _("已设置「%(name)s」为总部管理员") % {"name": form.cleaned_data["name"]}
            )
    return redirect("orgs:platform_company_detail", pk=pk)


@require_http_methods(["GET"])
@platform_required
def community_list(request):
    return _list(
        request,
        CommunityReviewFilter,
        selectors.platform_community_list(),
        "orgs/platform/community_list.html",
    )


@require_http_methods(["GET", "POST"])
@platform_required
def community_detail(request, pk: int):
    community = get_object_or_404(selectors.platform_community_list(), pk=pk)
    back = reverse("orgs:platform_community_detail", args=[pk])
    done, form = _review(request, community, services.community_review, "community", back)
    if done:
        return done
    return render(
        request,
        "orgs/platform/community_detail.html",
        {"community": community, "review_form": form},
    )


@require_http_methods(["GET"])
@platform_required
def merchant_list(request):
    return _list(
        request,
        MerchantReviewFilter,
        selectors.platform_merchant_list(),
        "orgs/platform/merchant_list.html",
    )


@require_http_methods(["GET", "POST"])
@platform_required
def merchant_detail(request, pk: int):
    merchant = get_object_or_404(selectors.platform_merchant_list(), pk=pk)
    back = reverse("orgs:platform_merchant_detail", args=[pk])
    done, form = _review(request, merchant, services.merchant_review, "merchant", back)
    if done:
        return done
    return render(
        request, "orgs/platform/merchant_detail.html", {"merchant": merchant, "review_form": form}
    )


@require_http_methods(["GET", "POST"])
@platform_required
def bureau_list(request):
    form = BureauCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        done = run_service(
            request,
            form,
            lambda: services.bureau_create(
                actor=request.user, name=d["name"], city=d["city"], district=d["district"]
            ),
            _("已新增房管部门「%(name)s」，添加人员后请开通") % {"name": d["name"]},
            lambda bureau: reverse("orgs:platform_bureau_detail", args=[bureau.pk]),
        )
        if done:
            return done
    bureaus = selectors.platform_bureau_list()
    return render(request, "orgs/platform/bureau_list.html", {"bureaus": bureaus, "form": form})


@require_http_methods(["GET", "POST"])
@platform_required
def bureau_detail(request, pk: int):
    bureau = get_object_or_404(selectors.platform_bureau_list(), pk=pk)
    form = BureauMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.bureau_member_add(
                actor=request.user,
                bureau=bureau,
                phone=d["phone"],
                name=d["name"],
                title=d["title"],
            )
        except ApplicationError as exc:
            form_error_from(form, exc)
        else:
            messages.success(request, _("已添加人员"))
            return redirect("orgs:platform_bureau_detail", pk=pk)
    return render(request, "orgs/platform/bureau_detail.html", {"bureau": bureau, "form": form})


@require_POST
@platform_required
def bureau_set_active(request, pk: int):
    bureau = get_object_or_404(selectors.platform_bureau_list(), pk=pk)
    active = request.POST.get("active") == "1"
    services.bureau_set_active(actor=request.user, bureau=bureau, active=active)
    messages.success(request, _("已开通") if active else _("已停用"))
    return redirect("orgs:platform_bureau_detail", pk=pk)
