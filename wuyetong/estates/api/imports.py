"""API of the .xlsx import (C3): the same two steps and the same service as the web pages.

POST /api/v1/estates/imports/preview  (multipart: community, kind, file) → counts, sample, token
POST /api/v1/estates/imports/commit   (token from preview) → counts written
A file with bad rows answers 400 {"code": "import_invalid", "message", "errors":
{"第<行>行/<列>": [reason, ...]}}.
"""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from wuyetong.core.api import HasModulePermission
from wuyetong.estates.services import imports as svc


class EstateImportPreviewInputSerializer(serializers.Serializer):
    community = serializers.IntegerField(help_text=_("小区 ID"))
    kind = serializers.ChoiceField(
        choices=[("structure", _("房屋")), ("owners", _("住户"))], help_text=_("导入类型")
    )
    file = serializers.FileField(help_text=_(".xlsx 文件"))


class EstateImportCommitInputSerializer(serializers.Serializer):
    token = serializers.CharField(help_text=_("预览返回的 token（有效期 2 小时，只能使用一次）"))


class EstateImportPreviewSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    community = serializers.IntegerField(source="community.pk")
    filename = serializers.CharField()
    rows = serializers.IntegerField(help_text=_("有效数据行数"))
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("将新增的楼栋、单元、房屋、住户、绑定数")
    )
    headers = serializers.ListField(child=serializers.CharField())
    sample = serializers.ListField(child=serializers.ListField(child=serializers.CharField()))
    token = serializers.CharField()


class EstateImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    community = serializers.IntegerField(source="community.pk")
    filename = serializers.CharField()
    rows = serializers.IntegerField()
    counts = serializers.DictField(child=serializers.IntegerField())
    seconds = serializers.FloatField()


class EstateImportErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


ERRORS = {
    400: OpenApiResponse(
        EstateImportErrorSerializer, description=_("文件或数据有误；errors 的键为 第<行>行/<列>")
    ),
    403: OpenApiResponse(EstateImportErrorSerializer, description=_("没有导入权限")),
    404: OpenApiResponse(EstateImportErrorSerializer, description=_("小区不存在或不在数据范围内")),
}


class ImportPreviewView(APIView):
    permission_classes = [HasModulePermission]
    permission_module = "estates"
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        operation_id="estates_imports_preview",
        tags=["estates"],
        request=EstateImportPreviewInputSerializer,
        responses={200: EstateImportPreviewSerializer, **ERRORS},
        summary=_("上传 .xlsx 并校验（不写入）"),
    )
    def post(self, request):
        data = EstateImportPreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        preview = svc.estate_import_preview(
            actor=request.user,
            community_id=data.validated_data["community"],
            kind=data.validated_data["kind"],
            upload=data.validated_data["file"],
        )
        return Response(EstateImportPreviewSerializer(preview).data)


class ImportCommitView(APIView):
    permission_classes = [HasModulePermission]
    permission_module = "estates"
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        operation_id="estates_imports_commit",
        tags=["estates"],
        request=EstateImportCommitInputSerializer,
        responses={201: EstateImportResultSerializer, **ERRORS},
        summary=_("确认导入（复核后一次性写入）"),
    )
    def post(self, request):
        data = EstateImportCommitInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = svc.estate_import_commit(actor=request.user, token=data.validated_data["token"])
        return Response(EstateImportResultSerializer(result).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("imports/preview", ImportPreviewView.as_view(), name="estates_import_preview"),
    path("imports/commit", ImportCommitView.as_view(), name="estates_import_commit"),
]
