"""Report files prepared by a worker on the heavy queue: ask for one, follow its status, download it.

Asking again for the same file while it is queued or being prepared answers 200 with that build (a new
one answers 201). Any treasurer of the build's community may see and download it; others get 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import FileResponse
from django.urls import reverse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Language
from api.treasury.common import ERRORS, CanViewReports
from treasury.errors import ReportBuildNotReady
from treasury.exports import EXPORT_MEDIA_TYPES
from treasury.models import ReportBuild, ReportFormat
from treasury.report_builds import report_build_request
from treasury.reports import REPORT_KINDS, report_params
from treasury.selectors import report_build_get, report_build_list


class ReportBuildRequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k, k) for k in REPORT_KINDS])
    format = serializers.ChoiceField(choices=ReportFormat.choices)
    as_of = serializers.DateField(required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    pool = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    community = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    language = serializers.ChoiceField(choices=Language.choices, required=False)


class ReportBuildSerializer(serializers.ModelSerializer):
    format = serializers.ChoiceField(source="file_format", choices=ReportFormat.choices, read_only=True)
    pool = serializers.IntegerField(source="pool_id_param", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportBuild
        fields = [
            "id",
            "community",
            "kind",
            "as_of",
            "date_from",
            "date_to",
            "pool",
            "format",
            "language",
            "status",
            "filename",
            "size_bytes",
            "row_count",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "expires_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, build: ReportBuild) -> str | None:
        if not build.is_ready:
            return None
        return reverse("api:treasury-report-build-download", kwargs={"pk": build.pk})


class ReportBuildListView(APIView):
    """The report files the user asked for (newest first, at most 200), or ask for one to be prepared."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: ReportBuildSerializer(many=True), **ERRORS})
    def get(self, request: Request) -> Response:
        rows = report_build_list(user=request.user)[:200]
        return Response(ReportBuildSerializer(rows, many=True).data)

    @extend_schema(
        request=ReportBuildRequestSerializer,
        responses={201: ReportBuildSerializer, 200: ReportBuildSerializer, **ERRORS},
    )
    def post(self, request: Request) -> Response:
        payload = ReportBuildRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        params = report_params(as_of=data.get("as_of"), date_from=data.get("date_from"), date_to=data.get("date_to"))
        build, created = report_build_request(
            by=request.user,
            kind=data["kind"],
            params=params,
            file_format=data["format"],
            language=data.get("language") or translation.get_language() or settings.LANGUAGE_CODE,
            pool_id=data.get("pool"),
            community_id=data.get("community"),
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(ReportBuildSerializer(build).data, status=code)


class ReportBuildDetailView(APIView):
    """One report file's status: queued, running, done (with its download link) or failed (with the reason)."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(responses={200: ReportBuildSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(ReportBuildSerializer(report_build_get(build_id=pk, user=request.user)).data)


class ReportBuildDownloadView(APIView):
    """The prepared file; 409 while it is still being prepared or when it failed."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(
        responses={**{(200, media_type): OpenApiTypes.BINARY for media_type in EXPORT_MEDIA_TYPES.values()}, **ERRORS}
    )
    def get(self, request: Request, pk: int) -> Any:
        build = report_build_get(build_id=pk, user=request.user)
        if not build.is_ready:
            raise ReportBuildNotReady()
        return FileResponse(
            build.stored_file.open("rb"),
            as_attachment=True,
            filename=build.filename,
            content_type=EXPORT_MEDIA_TYPES[build.file_format],
        )
