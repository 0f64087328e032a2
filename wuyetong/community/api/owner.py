"""The owner's community-life API under /api/v1/community/my/…: everything is read and
written as the requesting owner, within the communities they live in."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from wuyetong.accounts.api.serializers import with_errors

from .. import selectors
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
