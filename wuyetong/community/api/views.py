"""Staff API of community life under /api/v1/community/ (module permission "community").
Thin: lists read through the console's selectors and FilterSets; writes call the services."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from wuyetong.core.api import HasModulePermission
from wuyetong.core.ids import lookup_pk

from .. import filters, selectors, selectors_life, selectors_surveys, services
from ..models import Question
from . import serializers as s


class StaffViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, HasModulePermission]
    permission_module = "community"

    def scope_action(self) -> str:
        return {"partial_update": "change", "update": "change", "destroy": "delete"}.get(
            self.action, "view"
        )


class CommitteeMemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    StaffViewSet,
):
    """业委会 seats. `end` closes a seat (离任); `change-role` ends it and opens a new one."""

    serializer_class = s.CommitteeMemberSerializer
    filterset_class = filters.CommitteeMemberFilter
    action_permissions = {"end": "change", "change_role": "change"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        action_ = "change" if self.action in ("end", "change_role") else self.scope_action()
        return selectors.committee_member_list(self.request.user, action_)

    def perform_create(self, serializer):
        serializer.instance = services.committee_member_add(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.committee_member_update(
            actor=self.request.user, member=serializer.instance, **serializer.validated_data
        )

    @extend_schema(request=s.CommitteeEndSerializer, responses=s.CommitteeMemberSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request, pk=None):
        member = self.get_object()
        data = s.CommitteeEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.committee_member_end(actor=request.user, member=member, **data.validated_data)
        return Response(self.get_serializer(member).data)

    @extend_schema(request=s.CommitteeRoleSerializer, responses={201: s.CommitteeMemberSerializer})
    @action(detail=True, methods=["post"], url_path="change-role")
    def change_role(self, request, pk=None):
        member = self.get_object()
        data = s.CommitteeRoleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.committee_member_change_role(
            actor=request.user, member=member, **data.validated_data
        )
        return Response(self.get_serializer(new).data, status=status.HTTP_201_CREATED)


class EmergencyContactViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    StaffViewSet,
):
    """一键救助 numbers per community. `defaults` adds 物业值班 / 110 / 119 / 120 if missing."""

    serializer_class = s.EmergencyContactSerializer
    filterset_class = filters.EmergencyContactFilter
    action_permissions = {"defaults": "add"}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.emergency_contact_list(self.request.user, self.scope_action())

    def perform_create(self, serializer):
        serializer.instance = services.emergency_contact_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.emergency_contact_update(
            actor=self.request.user, contact=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.emergency_contact_delete(actor=self.request.user, contact=instance)

    @extend_schema(request=s.DefaultsInputSerializer, responses=s.CountSerializer)
    @action(detail=False, methods=["post"])
    def defaults(self, request):
        data = s.DefaultsInputSerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        added = services.emergency_defaults_create(
            actor=request.user, community=data.validated_data["community"]
        )
        return Response({"added": added})


class VoteViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    StaffViewSet,
):
    """Owners' votes. Drafts are edited; `publish` freezes the roll and opens voting;
    `result` gives the four ratios (live while open); `paper-ballot` enters a signed paper
    ballot; `close` freezes the result after the deadline; `cancel` withdraws it."""

    serializer_class = s.VoteSerializer
    filterset_class = filters.VoteFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {
        "publish": "approve",
        "cancel": "approve",
        "close": "approve",
        "paper_ballot": "change",
        "result": "view",
        "roll": "view",
    }

    def get_queryset(self):
        action_ = self.action_permissions.get(self.action) or self.scope_action()
        return selectors.vote_list(self.request.user, action_)

    def perform_create(self, serializer):
        serializer.instance = services.vote_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.vote_update(
            actor=self.request.user, vote=serializer.instance, **serializer.validated_data
        )

    def _vote(self, vote):
        return Response(self.get_serializer(selectors.vote_get(self.request.user, vote.pk)).data)

    @extend_schema(request=None, responses=s.VoteSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._vote(services.vote_publish(actor=request.user, vote=self.get_object()))

    @extend_schema(request=None, responses=s.VoteSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._vote(services.vote_close(vote=self.get_object(), actor=request.user))

    @extend_schema(request=s.ReasonSerializer, responses=s.VoteSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        vote = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._vote(
            services.vote_cancel(actor=request.user, vote=vote, **data.validated_data)
        )

    @extend_schema(responses=s.VoteResultSerializer)
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        return Response(s.VoteResultSerializer(selectors.vote_result(self.get_object())).data)

    @extend_schema(responses=s.RollEntrySerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def roll(self, request, pk=None):
        roll = selectors.vote_roll(self.get_object(), status=request.query_params.get("status", ""))
        page = self.paginate_queryset(roll)
        return self.get_paginated_response(s.RollEntrySerializer(page, many=True).data)

    @extend_schema(request=s.PaperBallotSerializer, responses={201: s.BallotOutSerializer})
    @action(detail=True, methods=["post"], url_path="paper-ballot")
    def paper_ballot(self, request, pk=None):
        vote = self.get_object()
        data = s.PaperBallotSerializer(data=request.data, vote=vote)
        data.is_valid(raise_exception=True)
        ballot = services.ballot_record_paper(actor=request.user, vote=vote, **data.validated_data)
        return Response(s.BallotOutSerializer(ballot).data, status=status.HTTP_201_CREATED)


class SurveyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    StaffViewSet,
):
    """Surveys. A draft takes questions (`questions`, and DELETE `questions/<id>`);
    `publish` opens it to residents; `close` ends it; `results` counts the answers."""

    serializer_class = s.SurveySerializer
    filterset_class = filters.SurveyFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    action_permissions = {
        "publish": "change",
        "close": "change",
        "add_question": "change",
        "delete_question": "change",
        "results": "view",
    }

    def get_queryset(self):
        action_ = self.action_permissions.get(self.action) or self.scope_action()
        return selectors_surveys.survey_list(self.request.user, action_).prefetch_related(
            "buildings", "questions__options"
        )

    def perform_create(self, serializer):
        serializer.instance = services.survey_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.survey_update(
            actor=self.request.user, survey=serializer.instance, **serializer.validated_data
        )

    def _survey(self, survey):
        return Response(
            self.get_serializer(selectors_surveys.survey_get(self.request.user, survey.pk)).data
        )

    @extend_schema(request=s.QuestionInputSerializer, responses={201: s.SurveySerializer})
    @action(detail=True, methods=["post"], url_path="questions")
    def add_question(self, request, pk=None):
        survey = self.get_object()
        data = s.QuestionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.question_add(actor=request.user, survey=survey, **data.validated_data)
        response = self._survey(survey)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"questions/(?P<qid>\d+)")
    def delete_question(self, request, pk=None, qid=None):
        survey = self.get_object()
        question = get_object_or_404(Question, survey=survey, pk=lookup_pk(qid))
        services.question_delete(actor=request.user, question=question)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=s.SurveySerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._survey(services.survey_publish(actor=request.user, survey=self.get_object()))

    @extend_schema(request=None, responses=s.SurveySerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._survey(services.survey_close(survey=self.get_object(), actor=request.user))

    @extend_schema(responses=s.SurveyResultsSerializer)
    @action(detail=True, methods=["get"])
    def results(self, request, pk=None):
        results = selectors_surveys.survey_results(self.get_object())
        return Response(s.SurveyResultsSerializer(results).data)


class ActivityViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    StaffViewSet,
):
    """Activities: `publish`, `cancel` (with a reason) and the `signups` list."""

    serializer_class = s.ActivitySerializer
    filterset_class = filters.ActivityFilter
    http_method_names = ["get", "post", "patch", "head", "options"]
    action_permissions = {"publish": "change", "cancel": "change", "signups": "view"}

    def get_queryset(self):
        action_ = self.action_permissions.get(self.action) or self.scope_action()
        return selectors_life.activity_list(self.request.user, action_)

    def perform_create(self, serializer):
        serializer.instance = services.activity_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.activity_update(
            actor=self.request.user, activity=serializer.instance, **serializer.validated_data
        )

    def _activity(self, activity):
        return Response(
            self.get_serializer(selectors_life.activity_get(self.request.user, activity.pk)).data
        )

    @extend_schema(request=None, responses=s.ActivitySerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        return self._activity(
            services.activity_publish(actor=request.user, activity=self.get_object())
        )

    @extend_schema(request=s.ReasonSerializer, responses=s.ActivitySerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        activity = self.get_object()
        data = s.ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return self._activity(
            services.activity_cancel(actor=request.user, activity=activity, **data.validated_data)
        )

    @extend_schema(responses=s.SignupSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=None)
    def signups(self, request, pk=None):
        rows = selectors_life.activity_signups(self.get_object())
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(
            s.SignupSerializer(page, many=True, context={"request": request}).data
        )


def staff_name(user) -> str:
    return user.name or user.phone


class HelpPostViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, StaffViewSet):
    """Neighbour-help posts of the company's communities, most-reported first. `moderate`
    hides or restores the post or one of its comments (with the reason the author sees), or
    dismisses the open reports."""

    serializer_class = s.StaffHelpPostSerializer
    filterset_class = filters.HelpPostFilter
    action_permissions = {"moderate": "change"}

    def get_queryset(self):
        action_ = self.action_permissions.get(self.action) or self.scope_action()
        return selectors_life.help_post_list(self.request.user, action_)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "name": staff_name}

    @extend_schema(request=s.ModerationInputSerializer, responses=s.StaffHelpPostSerializer)
    @action(detail=True, methods=["post"])
    def moderate(self, request, pk=None):
        post = self.get_object()
        data = s.ModerationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        services.help_moderate(
            actor=request.user,
            post=post,
            action=d["action"],
            reason=d["reason"],
            comment_id=d.get("comment"),
        )
        post.refresh_from_db()
        return Response(self.get_serializer(post).data)
