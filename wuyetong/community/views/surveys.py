"""问卷调查 console pages: draft the questions, publish, close, and read the results with
a chart per question and an Excel export (summary + every response)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View

from wuyetong.core.excel import Sheet, xlsx_sheets_response
from wuyetong.core.exceptions import ApplicationError
from wuyetong.core.views import ModulePermissionMixin, form_error_from

from .. import filters, forms, selectors_surveys, services
from ..choices import SurveyState
from ..models import Question
from .base import Col, CreatePage, EditPage, ListPage, run_action, url_of


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


class SurveyList(ListPage):
    title = _("问卷调查")
    selector = selectors_surveys.survey_list
    filterset_class = filters.SurveyFilter
    create_url = "community:survey_create"
    columns = [
        Col(_("小区"), lambda o: o.community.name),
        Col(_("问卷标题"), lambda o: o.title, link=url_of("community:survey_detail")),
        Col(_("答卷方式"), lambda o: o.get_answer_mode_display()),
        Col(_("状态"), lambda o: o.get_state_display(), tag=lambda o: f"vs-{o.state}"),
        Col(_("开始时间"), lambda o: _when(o.opens_at), order="opens_at"),
        Col(_("截止时间"), lambda o: _when(o.closes_at), order="closes_at"),
        Col(_("已收答卷"), lambda o: o.response_count, num=True, order="response_count"),
    ]


class SurveyCreate(CreatePage):
    title = _("新建问卷")
    form_class = forms.SurveyForm
    cancel_url = "community:survey_list"

    def perform(self, form):
        return services.survey_create(actor=self.request.user, **form.service_data())

    def success_url(self, obj):
        return reverse("community:survey_detail", args=[obj.pk])


class SurveyEdit(EditPage):
    form_class = forms.SurveyForm
    getter = selectors_surveys.survey_get
    update = services.survey_update
    obj_kw = "survey"
    detail_url = "community:survey_detail"
    title_format = _("修改问卷：%(name)s")


class SurveyDetail(ModulePermissionMixin, View):
    """A draft: its questions and the form to add one. Published: the results."""

    permission = "community.view"

    def get(self, request, pk, question_form=None, status=200):
        survey = selectors_surveys.survey_get(request.user, pk)
        if request.GET.get("export") == "xlsx":
            return self.export(survey)
        draft = survey.state == SurveyState.DRAFT
        can_change = self.access.can("community.change")
        return render(
            request,
            "community/survey_detail.html",
            {
                "survey": survey,
                "questions": list(survey.questions.all()),
                "buildings": list(survey.buildings.all()),
                "results": None if draft else selectors_surveys.survey_results(survey),
                "can_edit": draft and can_change,
                "can_close": survey.state == SurveyState.OPEN and can_change,
                "can_export": not draft and self.access.can("community.export"),
                "question_form": question_form or forms.QuestionForm(),
            },
            status=status,
        )

    def export(self, survey):
        if not self.access.can("community.export"):
            raise PermissionDenied
        results = selectors_surveys.survey_results(survey, texts_per_question=0)
        summary_headers, summary_rows = selectors_surveys.survey_summary_rows(results)
        headers, rows = selectors_surveys.survey_export_rows(survey)
        return xlsx_sheets_response(
            gettext("问卷结果-%(title)s") % {"title": survey.title},
            [
                Sheet(gettext("统计"), summary_headers, summary_rows, widths=[6, 40, 30, 8, 10]),
                Sheet(gettext("答卷明细"), headers, rows),
            ],
        )


class QuestionAdd(ModulePermissionMixin, View):
    permission = "community.change"

    def post(self, request, pk):
        survey = selectors_surveys.survey_get(request.user, pk, "change")
        form = forms.QuestionForm(request.POST)
        if form.is_valid():
            try:
                services.question_add(actor=request.user, survey=survey, **form.service_data())
            except ApplicationError as exc:
                form_error_from(form, exc)
            else:
                messages.success(request, gettext("已添加题目"))
                return redirect(reverse("community:survey_detail", args=[survey.pk]) + "#add")
        page = SurveyDetail()
        page.setup(request, pk=pk)
        page.access = self.access
        return page.get(request, pk, question_form=form, status=400)


class QuestionDelete(ModulePermissionMixin, View):
    permission = "community.change"

    def post(self, request, pk, qid):
        survey = selectors_surveys.survey_get(request.user, pk, "change")
        question = get_object_or_404(Question, survey=survey, pk=qid)
        return run_action(
            request,
            lambda: services.question_delete(actor=request.user, question=question),
            success=gettext("已删除题目"),
            back=reverse("community:survey_detail", args=[survey.pk]),
        )


class SurveyPublish(ModulePermissionMixin, View):
    permission = "community.change"

    def post(self, request, pk):
        survey = selectors_surveys.survey_get(request.user, pk, "change")
        return run_action(
            request,
            lambda: services.survey_publish(actor=request.user, survey=survey),
            success=gettext("问卷已发布，住户可在手机上填写"),
            back=reverse("community:survey_detail", args=[survey.pk]),
        )


class SurveyClose(ModulePermissionMixin, View):
    permission = "community.change"

    def post(self, request, pk):
        survey = selectors_surveys.survey_get(request.user, pk, "change")
        return run_action(
            request,
            lambda: services.survey_close(survey=survey, actor=request.user),
            success=gettext("问卷已结束"),
            back=reverse("community:survey_detail", args=[survey.pk]),
        )


urlpatterns = [
    path("surveys/", SurveyList.as_view(), name="survey_list"),
    path("surveys/new/", SurveyCreate.as_view(), name="survey_create"),
    path("surveys/<int:pk>/", SurveyDetail.as_view(), name="survey_detail"),
    path("surveys/<int:pk>/edit/", SurveyEdit.as_view(), name="survey_edit"),
    path("surveys/<int:pk>/questions/", QuestionAdd.as_view(), name="question_add"),
    path(
        "surveys/<int:pk>/questions/<int:qid>/delete/",
        QuestionDelete.as_view(),
        name="question_delete",
    ),
    path("surveys/<int:pk>/publish/", SurveyPublish.as_view(), name="survey_publish"),
    path("surveys/<int:pk>/close/", SurveyClose.as_view(), name="survey_close"),
]
