"""Treasurer reports as JSON, CSV or spreadsheet."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.treasury.common import ERRORS, CanViewReports
from operations.replica import reporting_response
from pools.money import ore_to_string
from treasury.exports import EXPORT_FORMATS, EXPORT_MEDIA_TYPES, report_http_response
from treasury.reports import MAX_PAGE_SIZE, REPORT_KINDS, report_build, report_page, report_params


class ReportQuerySerializer(serializers.Serializer):
    as_of = serializers.DateField(required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
    pool = serializers.IntegerField(required=False, min_value=1, max_value=2**62)
    export = serializers.ChoiceField(choices=[(f, f) for f in EXPORT_FORMATS], required=False)
    page = serializers.IntegerField(required=False, min_value=1, max_value=10**9)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)
    sort = serializers.RegexField(r"^-?[a-z_]{1,40}$", required=False)


def _json_value(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "money":
        return ore_to_string(int(value))
    if kind == "date":
        return value.isoformat()
    if kind == "percent":
        return f"{value:.1f}"
    return value


class ReportView(APIView):
    """A report as of any date and for any period; `export=csv|xlsx|pdf` answers with the file."""

    permission_classes = [IsAuthenticated, CanViewReports]

    @extend_schema(
        parameters=[ReportQuerySerializer, OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=REPORT_KINDS)],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            **{(200, media_type): OpenApiTypes.BINARY for media_type in EXPORT_MEDIA_TYPES.values()},
            **ERRORS,
        },
    )
    def get(self, request: Request, kind: str) -> Any:
        if kind not in REPORT_KINDS:
            raise Http404
        # Reads from the replica when one is configured and close enough behind (operations/replica.py);
        # the X-Report-Source and X-Report-Replica-Lag headers say where it read.
        return reporting_response(lambda source: self._report(request, kind))

    def _report(self, request: Request, kind: str) -> Any:
        query = ReportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        params = report_params(as_of=data.get("as_of"), date_from=data.get("date_from"), date_to=data.get("date_to"))
        # With `page`, one sorted page of rows (totals over all of them); without, every row. Exports carry all.
        page = None
        if data.get("page") and not data.get("export"):
            page = report_page(number=data["page"], size=data.get("page_size"), sort=data.get("sort"))
        report = report_build(kind=kind, params=params, pool_id=data.get("pool"), page=page, user=request.user)
        if data.get("export"):
            return report_http_response(report, data["export"], language=translation.get_language() or "sv")
        columns = report.columns
        rows = [{c.key: _json_value(c.kind, row.get(c.key)) for c in columns} for row in report.rows]
        money_keys = {c.key for c in columns if c.kind == "money"}
        totals = {
            k: (ore_to_string(v) if k in money_keys or k.endswith("_ore") else v) for k, v in report.totals.items()
        }
        return Response(
            {
                "kind": kind,
                "title": str(report.title),
                "as_of": params.as_of.isoformat(),
                "date_from": params.date_from.isoformat() if params.date_from else None,
                "date_to": params.date_to.isoformat() if params.date_to else None,
                "columns": [{"key": c.key, "label": str(c.label), "kind": c.kind} for c in columns],
                "rows": rows,
                "row_count": report.row_count if page is not None else len(rows),
                "totals": totals,
                "monthly": [
                    {
                        "month": m["month"],
                        "received": ore_to_string(m["received_ore"]),
                        "cumulative": ore_to_string(m["cumulative_ore"]),
                    }
                    for m in report.monthly
                ],
            }
        )
