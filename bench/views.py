"""Baselines for bench/api.py: bare Django views doing the API's work without DRF.

- BarePoolListView / BarePoolDetailView: the same selector query, the same JSON as
  /api/pools/ and /api/pools/<id>/, built by hand.
- BarePledgeCreateView: POST /api/pools/<id>/pledges/ as plain Django: token lookup, JSON
  parsing, pools.services.pledge_create (pledge_create_idempotent with an Idempotency-Key
  header) and the JSON api.pledges.PledgeSerializer renders, built by hand.
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
from rest_framework.authtoken.models import Token

from api.pledges import IDEMPOTENCY_KEY, _request_hash
from operations.errors import DomainError
from pools.models import Pledge, PledgeKind, Pool
from pools.money import MoneyError, kronor_to_ore, ore_to_string
from pools.selectors import pledge_due, pool_get_public, pool_list_public
from pools.services import pledge_create, pledge_create_idempotent, pledge_received_ore

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


def pledge_json(pledge: Pledge, *, received_ore: int) -> dict[str, Any]:
    """The dict api.pledges.PledgeSerializer renders, written out by hand."""
    payment = None
    if pledge.is_money:
        due = pledge_due(pledge=pledge, received_ore=received_ore, today=timezone.localdate())
        payment = {
            "bankgiro": pledge.pool.bankgiro,
            "ocr_reference": pledge.ocr_reference,
            "member_bank": pledge.pool.member_bank if pledge.kind == PledgeKind.SUPPORT_SAVING else "",
            "received": ore_to_string(received_ore),
            "due_now": ore_to_string(due.due_now_ore) if due else "0.00",
            "remaining": ore_to_string(due.remaining_ore) if due else "0.00",
            "next_due_on": due.next_due_on.isoformat() if due and due.next_due_on else None,
            "estimated_points": due.estimated_points if due else 0,
        }
    return {
        "id": pledge.pk,
        "pool_id": pledge.pool_id,
        "pool_title": pledge.pool.title,
        "kind": pledge.kind,
        "source": pledge.source,
        "status": pledge.status,
        "amount": _money(pledge.amount_ore),
        "monthly_amount": _money(pledge.monthly_ore),
        "months": pledge.months,
        "term_months": pledge.term_months,
        "share_count": pledge.share_count,
        "ocr_reference": pledge.ocr_reference,
        "description": pledge.description,
        "quantity": _decimal(pledge.quantity),
        "unit": pledge.unit,
        "is_name_public": pledge.is_name_public,
        "may_contact": pledge.may_contact,
        "starts_on": _date(pledge.starts_on),
        "due_on": _date(pledge.due_on),
        "created_at": _datetime(pledge.created_at),
        "confirmed_at": _datetime(pledge.confirmed_at),
        "withdrawn_at": _datetime(pledge.withdrawn_at),
        "payment": payment,
    }


def _pledge_arguments(data: Any) -> dict[str, Any]:
    """What the bench sends, parsed by hand: kind, amount or monthly_amount and months, term_months."""
    if not isinstance(data, dict):
        raise ValueError("Send a JSON object.")
    arguments: dict[str, Any] = {"kind": str(data["kind"])}
    if "amount" in data:
        arguments["amount_ore"] = kronor_to_ore(str(data["amount"]))
    if "monthly_amount" in data:
        arguments["monthly_ore"] = kronor_to_ore(str(data["monthly_amount"]))
        arguments["months"] = int(data["months"])
    if "term_months" in data:
        arguments["term_months"] = int(data["term_months"])
    return arguments


def _token_user(request: HttpRequest) -> Any:
    header = request.headers.get("Authorization", "")
    token = Token.objects.select_related("user").filter(key=header.removeprefix("Token ")).first()
    return token.user if token is not None and token.user.is_active else None


@method_decorator(csrf_exempt, name="dispatch")
class BarePledgeCreateView(View):
    """POST /api/pools/<id>/pledges/ without DRF: token, JSON, pledge_create (or its idempotent form)."""

    def post(self, request: HttpRequest, pool_id: int) -> JsonResponse:
        user = _token_user(request)
        if user is None:
            return JsonResponse({"detail": "Invalid token."}, status=401)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not IDEMPOTENCY_KEY.match(key):
            return JsonResponse({"idempotency_key": ["invalid"], "code": "invalid"}, status=400)
        try:
            data = json.loads(request.body)
            arguments = _pledge_arguments(data)
            pool = pool_get_public(pool_id=pool_id)
            if key is None:
                pledge = pledge_create(pool=pool, saver=user, **arguments)
                return JsonResponse(pledge_json(pledge, received_ore=pledge_received_ore(pledge)), status=201)
            code, body, replayed = pledge_create_idempotent(
                user=user,
                key=key,
                request_hash=_request_hash(pool.pk, data),
                respond=lambda pledge: pledge_json(pledge, received_ore=pledge_received_ore(pledge)),
                pool=pool,
                **arguments,
            )
        except (ValueError, KeyError, TypeError, MoneyError, DomainError) as exc:
            return JsonResponse({"non_field_errors": [str(exc)]}, status=400)
        response = JsonResponse(body, status=code)
        if replayed:
            response["Idempotent-Replayed"] = "true"
        return response
