"""The owner's community-life API under /api/v1/community/my/…: everything is read and
written as the requesting owner, within the communities they live in."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from wuyetong.accounts.api.serializers import with_errors
from wuyetong.core.api import StandardPagination

from .. import selectors, selectors_life, selectors_surveys, services
from ..choices import HelpKind, VoteState
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


def _ctx() -> dict:
    return {"name": lambda user: selectors_life.mask_name(user.name)}


def _my_post(request, pk):
    data = selectors_life.owner_help_post(request.user, pk)
    post = data["post"]
    post.visible_comments = data["comments"]
    return s.HelpPostDetailSerializer(post, context=_ctx()).data


class MyHelpPostListApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("邻里互助：我所在小区的帖子（kind 筛选类别，mine=1 只看我的）"),
        parameters=[
            OpenApiParameter("kind", str, enum=[*HelpKind.values]),
            OpenApiParameter("mine", bool),
            OpenApiParameter("page", int),
        ],
        responses=with_errors({200: s.HelpPostSerializer(many=True)}, 401),
    )
    def get(self, request):
        kind = request.query_params.get("kind", "")
        posts = selectors_life.owner_help_posts(
            request.user,
            kind=kind if kind in HelpKind.values else "",
            mine=request.query_params.get("mine") in ("1", "true"),
        )
        paginator = StandardPagination()
        page = paginator.paginate_queryset(posts, request, view=self)
        return paginator.get_paginated_response(
            s.HelpPostSerializer(page, many=True, context=_ctx()).data
        )

    @extend_schema(
        tags=["community-owner"],
        summary=_("发布互助帖"),
        request=s.HelpPostInputSerializer,
        responses=with_errors({201: s.HelpPostDetailSerializer}, 400, 401),
    )
    def post(self, request):
        data = s.HelpPostInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        post = services.help_post_create(
            user=request.user,
            community_id=d.get("community"),
            kind=d["kind"],
            title=d["title"],
            body=d["body"],
            contact=d.get("contact", ""),
        )
        return Response(_my_post(request, post.pk), status=status.HTTP_201_CREATED)


class MyHelpPostApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("一条互助帖和评论（自己被隐藏的内容带原因）"),
        responses=with_errors({200: s.HelpPostDetailSerializer}, 401, 404),
    )
    def get(self, request, pk):
        return Response(_my_post(request, pk))


class MyHelpCommentApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("评论"),
        request=s.CommentInputSerializer,
        responses=with_errors({201: s.HelpPostDetailSerializer}, 400, 401, 404),
    )
    def post(self, request, pk):
        data = s.CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.help_comment_create(user=request.user, post_id=pk, **data.validated_data)
        return Response(_my_post(request, pk), status=status.HTTP_201_CREATED)


class MyHelpReportApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("举报帖子或其中一条评论"),
        request=s.ReportInputSerializer,
        responses=with_errors({201: None}, 400, 401, 404),
    )
    def post(self, request, pk):
        data = s.ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        services.help_report(
            user=request.user,
            post_id=pk,
            reason=d["reason"],
            comment_id=d.get("comment"),
            detail=d.get("detail", ""),
        )
        return Response(status=status.HTTP_201_CREATED)


class MyHelpCloseApi(APIView):
    @extend_schema(
        tags=["community-owner"],
        summary=_("标记我的帖子为已解决"),
        request=None,
        responses=with_errors({200: s.HelpPostDetailSerializer}, 401, 404),
    )
    def post(self, request, pk):
        services.help_post_close(user=request.user, post_id=pk)
        return Response(_my_post(request, pk))
