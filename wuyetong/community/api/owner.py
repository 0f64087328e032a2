"""The owner's community-life API under /api/v1/community/my/…: everything is read and
written as the requesting owner, within the communities they live in."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from wuyetong.accounts.api.serializers import with_errors

from .. import selectors, selectors_life, selectors_surveys, services
from ..choices import VoteState
from . import serializers as s


class MyEmergencyApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("一键救助电话（我所在小区）"),
        responses=with_errors({200: s.OwnerEmergencyGroupSerializer(many=True)}, 401),
    )
    def get(self, request):
        groups = selectors.owner_emergency_groups(request.user)
        return Response(s.OwnerEmergencyGroupSerializer(groups, many=True).data)


class MyVoteListApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("我所在小区的业主表决（含我的表决状态）"),
        responses=with_errors({200: s.MyVoteSerializer(many=True)}, 401),
    )
    def get(self, request):
        rows = [s.my_vote_data(r) for r in selectors.owner_votes(request.user)]
        return Response(s.MyVoteSerializer(rows, many=True).data)


def _my_vote(request, pk) -> dict:
    row = selectors.owner_vote(request.user, pk)
    vote = row["vote"]
    shows = vote.state == VoteState.CLOSED or row["sees_progress"]
    return s.my_vote_data(row, selectors.vote_result(vote) if shows else None)


class MyVoteApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("一项表决：我的表决权、我的票、结果（业委会成员可看实时进度）"),
        responses=with_errors({200: s.MyVoteSerializer}, 401, 404),
    )
    def get(self, request, pk):
        return Response(s.MyVoteSerializer(_my_vote(request, pk)).data)


class MyBallotApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("投票（每位业主一次，提交后不能更改）"),
        request=s.CastSerializer,
        responses=with_errors({201: s.MyVoteSerializer}, 400, 401, 404),
    )
    def post(self, request, pk):
        vote = selectors.owner_vote(request.user, pk)["vote"]
        data = s.CastSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.ballot_cast(user=request.user, vote_id=vote.pk, **data.validated_data)
        return Response(
            s.MyVoteSerializer(_my_vote(request, pk)).data, status=status.HTTP_201_CREATED
        )


class MySurveyListApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("面向我的房屋的问卷（含填写状态）"),
        responses=with_errors({200: s.MySurveySerializer(many=True)}, 401),
    )
    def get(self, request):
        return Response(
            s.MySurveySerializer(selectors_surveys.owner_surveys(request.user), many=True).data
        )


class MySurveyApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("一份问卷的题目和我的填写状态"),
        responses=with_errors({200: s.MySurveyDetailSerializer}, 401, 404),
    )
    def get(self, request, pk):
        return Response(
            s.MySurveyDetailSerializer(selectors_surveys.owner_survey(request.user, pk)).data
        )


class MySurveyResponseApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("提交问卷（每户或每人一份，提交后不能修改）"),
        request=s.ResponseInputSerializer,
        responses=with_errors({201: s.MySurveyDetailSerializer}, 400, 401, 404),
    )
    def post(self, request, pk):
        survey = selectors_surveys.owner_survey(request.user, pk)["survey"]
        data = s.ResponseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.response_submit(
            user=request.user,
            survey_id=survey.pk,
            house_id=data.validated_data.get("house"),
            answers=data.validated_data["answers"],
        )
        return Response(
            s.MySurveyDetailSerializer(selectors_surveys.owner_survey(request.user, pk)).data,
            status=status.HTTP_201_CREATED,
        )


class MyActivityListApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("我所在小区的活动（含我的报名）"),
        responses=with_errors({200: s.MyActivitySerializer(many=True)}, 401),
    )
    def get(self, request):
        return Response(
            s.MyActivitySerializer(selectors_life.owner_activities(request.user), many=True).data
        )


class MyActivitySignupApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("一项活动和我的报名"),
        responses=with_errors({200: s.MyActivitySerializer}, 401, 404),
    )
    def get(self, request, pk):
        return Response(
            s.MyActivitySerializer(selectors_life.owner_activity(request.user, pk)).data
        )

    @extend_schema(
        tags=["community-owner"],
        summary=_("报名（名额有限，先到先得）"),
        request=s.SignupInputSerializer,
        responses=with_errors({201: s.MyActivitySerializer}, 400, 401, 404),
    )
    def post(self, request, pk):
        activity = selectors_life.owner_activity(request.user, pk)["activity"]
        data = s.SignupInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.signup_create(user=request.user, activity_id=activity.pk, **data.validated_data)
        return Response(
            s.MyActivitySerializer(selectors_life.owner_activity(request.user, pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        tags=["community-owner"],
        summary=_("取消报名（活动开始前）"),
        request=None,
        responses=with_errors({200: s.MyActivitySerializer}, 400, 401, 404),
    )
    def delete(self, request, pk):
        activity = selectors_life.owner_activity(request.user, pk)["activity"]
        services.signup_cancel(user=request.user, activity_id=activity.pk)
        return Response(
            s.MyActivitySerializer(selectors_life.owner_activity(request.user, pk)).data
        )
