"""Bill runs: choose a community and month → preview (count, total, samples, what is already
issued) → commit as a background job with a progress bar → result; the runs list, a run's
page with its bills and voiding before any payment; the bill list."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.views import ModulePermissionMixin, form_error_from, htmx_template

from .. import filters
from .. import selectors_ops as sel
from ..choices import BillRunState
from ..forms.runs import RunChooseForm, RunVoidForm
from ..services import bill_run_preview, bill_run_void
from ..services.jobs import bill_run_job_start
from .base import Col, ListPage, house_text, raise_http, url


def _run_state_tag(o) -> str:
    return "voided" if o.state == BillRunState.VOIDED else "committed"


class BillRunList(ListPage):
    title = _("账单批次")
    selector = sel.bill_run_list
    filterset_class = filters.BillRunFilter
    extra_links = [
        (_("账单查询"), "billing:bill_list", "billing.view"),
        (_("生成账单"), "billing:run_new", "billing.add"),
    ]
    columns = [
        Col(
            _("账期"), lambda o: f"{o.period:%Y-%m}", link=url("billing:run_detail"), order="period"
        ),
        Col(_("小区"), lambda o: o.community.name),
        Col(_("收费项目"), lambda o: o.fee_item.name),
        Col(_("账单数"), lambda o: o.bill_count, num=True, order="bill_count"),
        Col(_("合计(元)"), lambda o: o.total_amount, num=True, order="total_amount"),
        Col(_("状态"), lambda o: o.get_state_display(), tag=_run_state_tag),
        Col(_("已有收款"), lambda o: o.paid),
        Col(_("生成人"), lambda o: o.created_by.name if o.created_by else ""),
        Col(_("生成时间"), lambda o: o.committed_at),
        Col(_("作废原因"), lambda o: o.void_reason),
    ]


class BillRunNew(ModulePermissionMixin, View):
    """Pick a community and a month; with both chosen the page shows what a commit would
    add, and what the month already has."""

    permission = "billing.add"

    def get(self, request):
        communities = sel.billing_communities(request.user, "add")
        bound = "community" in request.GET or "period" in request.GET
        form = RunChooseForm(request.GET if bound else None, communities=communities)
        if not bound and communities.count() == 1:
            form.initial["community"] = communities.first()
        preview = None
        if bound and form.is_valid():
            try:
                preview = bill_run_preview(
                    actor=request.user,
                    community=form.cleaned_data["community"],
                    period=form.cleaned_data["period"],
                )
            except ApplicationError as exc:
                raise_http(exc)
                form_error_from(form, exc)
        jobs = sel.bill_run_job_list(request.user)[:8]
        return render(
            request,
            "billing/run_new.html",
            {"form": form, "preview": preview, "jobs": jobs},
            status=400 if bound and form.errors else 200,
        )


class BillRunCommit(ModulePermissionMixin, View):
    """Queues the month's run as a background job and shows its progress."""

    permission = "billing.add"

    def post(self, request):
        form = RunChooseForm(request.POST, communities=sel.billing_communities(request.user, "add"))
        if not form.is_valid():
            messages.error(request, _t("请选择小区和账期"))
            return redirect("billing:run_new")
        try:
            job = bill_run_job_start(
                actor=request.user,
                community=form.cleaned_data["community"],
                period=form.cleaned_data["period"],
            )
        except ApplicationError as exc:
            raise_http(exc)
            messages.error(request, exc.message)
            return redirect("billing:run_new")
        return redirect("billing:run_job", pk=job.pk)


class BillRunJobDetail(ModulePermissionMixin, View):
    """The job's progress bar (polled by htmx every second while it runs), then its result."""

    permission = "billing.view"

    def get(self, request, pk):
        job = sel.bill_run_job_get(request.user, pk)
        context = {"job": job, "progress": sel.job_progress(job)}
        template = htmx_template(request, "billing/run_job.html", "billing/_run_job.html")
        return render(request, template, context)


class BillRunDetail(ModulePermissionMixin, View):
    permission = "billing.view"

    def get(self, request, pk, void_form=None, status=200):
        run = sel.bill_run_get(request.user, pk)
        bills = sel.bill_list(request.user).filter(bill_run=run)
        can_void = (
            self.access.can("billing.approve") and run.state != BillRunState.VOIDED and not run.paid
        )
        return render(
            request,
            "billing/run_detail.html",
            {
                "run": run,
                "bills": bills[:20],
                "bill_count": run.bill_count,
                "can_void": can_void,
                "void_form": void_form or RunVoidForm(),
                "bills_url": reverse("billing:bill_list") + f"?bill_run={run.pk}",
            },
            status=status,
        )


class BillRunVoid(ModulePermissionMixin, View):
    permission = "billing.approve"

    def post(self, request, pk):
        run = sel.bill_run_get(request.user, pk, "approve")
        form = RunVoidForm(request.POST)
        if form.is_valid():
            try:
                bill_run_void(actor=request.user, run=run, reason=form.cleaned_data["reason"])
            except ApplicationError as exc:
                raise_http(exc)
                form_error_from(form, exc)
            else:
                messages.success(request, _t("批次已作废，账单已冲销（保留记录，未删除）"))
                return redirect("billing:run_detail", pk=run.pk)
        page = BillRunDetail()
        page.setup(request, pk=pk)
        page.access = self.access
        return page.get(request, pk, void_form=form, status=400)


def _bill_state_tag(o) -> str:
    return o.state


BILL_COLUMNS = [
    Col(_("小区"), lambda o: o.community.name),
    Col(
        _("房屋"),
        lambda o: house_text(o.house),
        link=lambda o: reverse("billing:bill_list") + f"?house={o.house_id}",
    ),
    Col(_("收费项目"), lambda o: o.fee_item.name),
    Col(_("账期"), lambda o: f"{o.period:%Y-%m}", order="period"),
    Col(_("计费期间"), lambda o: f"{o.period_start:%m-%d}~{o.period_end:%m-%d}"),
    Col(_("应缴日期"), lambda o: o.due_date, order="due_date"),
    Col(_("应收(元)"), lambda o: o.amount, num=True, order="amount"),
    Col(_("已收(元)"), lambda o: o.paid_amount, num=True),
    Col(_("状态"), lambda o: o.get_state_display(), tag=_bill_state_tag),
    Col(_("计算过程"), lambda o: o.calculation, screen=False),
]


class BillList(ListPage):
    title = _("账单查询")
    selector = sel.bill_list
    filterset_class = filters.BillFilter
    columns = BILL_COLUMNS
    extra_links = [(_("账单批次"), "billing:run_list", "billing.view")]


urlpatterns = [
    path("runs/", BillRunList.as_view(), name="run_list"),
    path("runs/new/", BillRunNew.as_view(), name="run_new"),
    path("runs/commit/", BillRunCommit.as_view(), name="run_commit"),
    path("runs/jobs/<str:pk>/", BillRunJobDetail.as_view(), name="run_job"),
    path("runs/<str:pk>/", BillRunDetail.as_view(), name="run_detail"),
    path("runs/<str:pk>/void/", BillRunVoid.as_view(), name="run_void"),
    path("bills/", BillList.as_view(), name="bill_list"),
]
