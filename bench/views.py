"""Baselines for bench/api.py: bare Django views doing the API's work without DRF.

- BarePoolListView / BarePoolDetailView: the same selector query, the same JSON as
  /api/pools/ and /api/pools/<id>/, built by hand.
- BarePledgeCreateView: token lookup, JSON parsing and pools.services.pledge_create, as
  plain Django. ApiPledgeCreateView is the same through DRF (serializers, token
  authentication, the pledge throttle): the saver team's pledge endpoint is not on this
  branch, so this minimal DRF view stands in for it.
Mounted under /bench/ only when LOKALKAPITAL_BENCH=1 (config/urls.py).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fields import KronorField, OreAsKronorField
from operations.errors import DomainError
from pools.models import Pledge, PledgeKind, Pool
from pools.money import MoneyError, kronor_to_ore, ore_to_string
from pools.selectors import pool_get_public, pool_list_public
from pools.services import pledge_create

PAGE_SIZE = 50


def _money(value: int | None) -> str | None:
    return None if value is None else ore_to_string(value)


def _decimal(value: Any) -> str | None:
    return None if value is None else f"{value:.2f}"


def _datetime(value: Any) -> str | None:
    if value is None:
        return None
    text = timezone.localtime(value).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def pool_json(pool: Pool) -> dict[str, Any]:
    """The dict PoolSerializer renders, written out by hand."""
    totals = getattr(pool, "totals", None) if hasattr(pool, "totals") else None
    return {
        "id": pool.pk,
        "slug": pool.slug,
        "title": pool.title,
        "description": pool.description,
        "kind": pool.kind,
        "status": pool.status,
        "project_id": pool.project_id,
        "micro_fund_id": pool.micro_fund_id,
        "beneficiary": pool.beneficiary_name,
        "target": _money(pool.target_ore),
        "target_points": pool.target_points,
        "minimum": _money(pool.minimum_ore),
        "cap": _money(pool.cap_ore),
        "min_per_saver": _money(pool.min_per_saver_ore),
        "max_per_saver": _money(pool.max_per_saver_ore),
        "share_price": _money(pool.share_price_ore),
        "opens_on": _date(pool.opens_on),
        "closes_on": _date(pool.closes_on),
        "funding_rule": pool.funding_rule,
        "currency": pool.currency,
        "bankgiro": pool.bankgiro,
        "totals": None
        if totals is None
        else {
            "pledged": _money(totals.pledged_ore),
            "received": _money(totals.received_ore),
            "outstanding": _money(totals.outstanding_ore),
            "saver_count": totals.saver_count,
            "pledge_count": totals.pledge_count,
            "non_money_pledge_count": totals.non_money_pledge_count,
            "hours": _decimal(totals.hours),
            "percent_of_target": _decimal(totals.percent_of_target),
            "percent_of_minimum": _decimal(totals.percent_of_minimum),
            "estimated_points": totals.estimated_points,
            "computed_at": _datetime(totals.computed_at),
        },
    }


class BarePoolListView(View):
    def get(self, request: HttpRequest) -> JsonResponse:
        page = Paginator(pool_list_public().order_by("closes_on", "pk"), PAGE_SIZE).page(1)
        next_url = request.build_absolute_uri("?page=2") if page.has_next() else None
        body = {
            "count": page.paginator.count,
            "next": next_url,
            "previous": None,
            "results": [pool_json(p) for p in page.object_list],
        }
        return JsonResponse(body)


class BarePoolDetailView(View):
    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        return JsonResponse(pool_json(pool_get_public(pool_id=pk)))


def pledge_json(pledge: Pledge) -> dict[str, Any]:
    return {
        "id": pledge.pk,
        "pool_id": pledge.pool_id,
        "kind": pledge.kind,
        "status": pledge.status,
        "amount": _money(pledge.amount_ore),
        "term_months": pledge.term_months,
        "ocr_reference": pledge.ocr_reference,
        "created_at": _datetime(pledge.created_at),
    }


@method_decorator(csrf_exempt, name="dispatch")
class BarePledgeCreateView(View):
    def post(self, request: HttpRequest) -> JsonResponse:
        header = request.headers.get("Authorization", "")
        token = Token.objects.select_related("user").filter(key=header.removeprefix("Token ")).first()
        if token is None or not token.user.is_active:
            return JsonResponse({"detail": "Invalid token."}, status=401)
        try:
            data = json.loads(request.body)
            amount_ore = kronor_to_ore(str(data["amount"]))
            pool = pool_get_public(pool_id=int(data["pool"]))
            pledge = pledge_create(
                pool=pool,
                saver=token.user,
                kind=str(data["kind"]),
                amount_ore=amount_ore,
                term_months=int(data["term_months"]),
            )
        except (ValueError, KeyError, TypeError, MoneyError, DomainError) as exc:
            return JsonResponse({"non_field_errors": [str(exc)]}, status=400)
        return JsonResponse(pledge_json(pledge), status=201)


class BenchPledgeIn(serializers.Serializer):
    pool = serializers.IntegerField(min_value=1)
    kind = serializers.ChoiceField(choices=PledgeKind.choices)
    amount = KronorField()
    term_months = serializers.IntegerField(min_value=1, max_value=600)


class BenchPledgeOut(serializers.ModelSerializer):
    amount = OreAsKronorField(source="amount_ore")
    pool_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Pledge
        fields = ["id", "pool_id", "kind", "status", "amount", "term_months", "ocr_reference", "created_at"]
        read_only_fields = fields


class ApiPledgeCreateView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_scope = "pledge_create"

    def post(self, request: Request) -> Response:
        payload = BenchPledgeIn(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        pledge = pledge_create(
            pool=pool_get_public(pool_id=data["pool"]),
            saver=request.user,
            kind=data["kind"],
            amount_ore=data["amount"],
            term_months=data["term_months"],
        )
        return Response(BenchPledgeOut(pledge).data, status=status.HTTP_201_CREATED)
