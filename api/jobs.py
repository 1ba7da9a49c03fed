"""Scheduled jobs: when each last ran, how long it took and what it did (treasurers and organisers)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from communities.selectors import job_run_community_ids
from operations.models import JobRun
from operations.selectors import job_latest_runs


class CanViewJobs(BasePermission):
    message = "Only treasurers and organisers see the scheduled jobs."

    def has_permission(self, request: Request, view: object) -> bool:
        return bool(request.user and request.user.has_perm("operations.view_jobrun"))


class JobRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobRun
        fields = ["name", "status", "started_at", "finished_at", "duration_ms", "summary", "error"]
        read_only_fields = fields


class JobLatestRunsView(APIView):
    permission_classes = [IsAuthenticated, CanViewJobs]

    @extend_schema(
        summary="The latest run of each scheduled job",
        responses={
            200: JobRunSerializer(many=True),
            401: OpenApiResponse(description="Not logged in"),
            403: OpenApiResponse(description="Not a treasurer or organiser"),
        },
    )
    def get(self, request: Request) -> Response:
        return Response(
            JobRunSerializer(job_latest_runs(community_ids=job_run_community_ids(request.user)), many=True).data
        )
