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
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template import Context, Engine
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from rest_framework.authtoken.models import Token

from api.pledges import IDEMPOTENCY_KEY, _request_hash
from operations.errors import DomainError
from pools.models import Pledge, PledgeKind, Pool
from pools.money import MoneyError, kronor_to_ore, ore_to_string
from pools.selectors import pledge_due, pool_get_public, pool_list_public
from pools.services import pledge_create, pledge_create_idempotent, pledge_received_ore
from treasury.reports import report_params

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


# ---------------------------------------------------------------- bench/scale.py's baselines
#
# Bare views for the pages bench/scale.py measures: the rows each page shows, read with hand-written SQL through a
# cursor (the same tables and indexes), rendered by a minimal template. What the real page adds on top (selectors,
# forms, its full template, the rows' helpers) is what the bench measures.

_SCALE_PAGE = Engine(libraries={}).from_string(
    "<!doctype html><html><head><title>{{ title }}</title></head><body><h1>{{ title }}</h1>"
    "{% if count is not None %}<p>{{ count }}</p>{% endif %}<table>"
    "{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}"
    "</table></body></html>"
)
_VISIBLE_POOLS = """
    FROM pools_pool po
    LEFT JOIN invest_project pr ON pr.id = po.project_id
    LEFT JOIN invest_microfund mf ON mf.id = po.micro_fund_id
    LEFT JOIN pools_pooltotals t ON t.pool_id = po.id
    JOIN communities_community c ON c.id = po.community_id
    WHERE po.status IN ('open', 'extended') AND (pr.status IS NULL OR pr.status NOT IN ('draft', 'withdrawn'))"""
_POOL_COLUMNS = "po.id, po.title, po.closes_on, po.target_ore, t.pledged_ore, c.name, pr.name, mf.name"


def _scale_page(title: str, rows: list[tuple[Any, ...]], count: int | None = None) -> HttpResponse:
    return HttpResponse(_SCALE_PAGE.render(Context({"title": title, "rows": rows, "count": count})))


def _fetch(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@require_GET
def bare_pool_search(request: HttpRequest) -> HttpResponse:
    """/pools/ first page: the filters' regions and municipalities, the count and 24 open pools closing first."""
    _fetch("SELECT DISTINCT region FROM communities_community WHERE region <> ''")
    _fetch("SELECT DISTINCT municipality FROM communities_community WHERE municipality <> ''")
    count = _fetch("SELECT count(*)" + _VISIBLE_POOLS)[0][0]
    rows = _fetch(f"SELECT {_POOL_COLUMNS}" + _VISIBLE_POOLS + " ORDER BY po.closes_on, po.id LIMIT 24")
    return _scale_page("Pools", rows, count)


@require_GET
def bare_community_page(request: HttpRequest, slug: str) -> HttpResponse:
    """/c/<slug>/: the community, its public projects, open pools, coming fairs and funds."""
    found = _fetch("SELECT id, name FROM communities_community WHERE slug = %s", [slug])
    if not found:
        raise Http404
    community_id, name = found[0]
    projects = _fetch(
        "SELECT id, name, place FROM invest_project WHERE community_id = %s AND status NOT IN ('draft', 'withdrawn')"
        " ORDER BY name LIMIT 100",
        [community_id],
    )
    pools = _fetch(
        f"SELECT {_POOL_COLUMNS}" + _VISIBLE_POOLS + " AND po.community_id = %s ORDER BY po.closes_on, po.id LIMIT 100",
        [community_id],
    )
    fairs = _fetch(
        "SELECT id, title, held_on FROM invest_fair WHERE community_id = %s AND held_on >= %s ORDER BY held_on, id"
        " LIMIT 20",
        [community_id, timezone.localdate()],
    )
    funds = _fetch(
        "SELECT id, name FROM invest_microfund WHERE community_id = %s ORDER BY name LIMIT 50", [community_id]
    )
    return _scale_page(name, [*projects, *pools, *fairs, *funds])


@require_GET
def bare_pool_page(request: HttpRequest, pool_id: int) -> HttpResponse:
    """/pools/<id>/: the pool with its project, fund, community and totals."""
    rows = _fetch(f"SELECT {_POOL_COLUMNS}, po.description" + _VISIBLE_POOLS + " AND po.id = %s", [pool_id])
    if not rows:
        raise Http404
    return _scale_page(rows[0][1], rows)


@require_GET
def bare_my_pledges(request: HttpRequest) -> HttpResponse:
    """/my/pledges/: the saver's newest 200 pledges with their pool and the money matched to each."""
    if not request.user.is_authenticated:
        return HttpResponse(status=302, headers={"Location": "/login/"})
    rows = _fetch(
        """SELECT pl.id, po.title, c.name, pl.kind, pl.status, pl.amount_ore, pl.ocr_reference,
                  COALESCE((SELECT SUM(a.amount_ore) FROM pools_paymentallocation a WHERE a.pledge_id = pl.id), 0)
           FROM pools_pledge pl JOIN pools_pool po ON po.id = pl.pool_id
           JOIN communities_community c ON c.id = po.community_id
           WHERE pl.saver_id = %s ORDER BY pl.created_at DESC, pl.id DESC LIMIT 200""",
        [request.user.pk],
    )
    return _scale_page("My pledges", rows)


_OVERVIEW_FLOOR = """
    SELECT po.kind,
           SUM(CASE WHEN pl.withdrawn_at IS NULL OR pl.withdrawn_at >= %(cutoff)s THEN pl.amount_ore ELSE 0 END),
           SUM(COALESCE(r.total, 0)),
           SUM(CASE WHEN pl.withdrawn_at IS NULL OR pl.withdrawn_at >= %(cutoff)s
                    THEN GREATEST(pl.amount_ore - COALESCE(r.total, 0), 0) ELSE 0 END),
           COUNT(*)
    FROM pools_pledge pl JOIN pools_pool po ON po.id = pl.pool_id
    LEFT JOIN (SELECT a.pledge_id, SUM(a.amount_ore) AS total
               FROM pools_paymentallocation a JOIN pools_payment pay ON pay.id = a.payment_id
               JOIN pools_pool apo ON apo.id = a.pool_id
               WHERE a.created_at < %(cutoff)s AND pay.received_on <= %(as_of)s
                     AND apo.community_id = ANY(%(communities)s)
               GROUP BY a.pledge_id) r ON r.pledge_id = pl.id
    WHERE pl.created_at < %(cutoff)s AND pl.kind <> 'time' AND po.community_id = ANY(%(communities)s)
    GROUP BY po.kind"""
_MONTHLY_FLOOR = """
    SELECT date_trunc('month', pay.received_on), SUM(a.amount_ore)
    FROM pools_paymentallocation a JOIN pools_payment pay ON pay.id = a.payment_id
    JOIN pools_pool po ON po.id = a.pool_id
    WHERE a.created_at < %(cutoff)s AND pay.received_on <= %(as_of)s AND po.community_id = ANY(%(communities)s)
    GROUP BY 1 ORDER BY 1"""


@require_GET
def bare_overview_report(request: HttpRequest) -> HttpResponse:
    """/treasury/reports/overview/?as_of=: the treasurer's communities, the figures per kind of pool as of the day
    and the money received per month (the hand-written floor of bench/reports.py, for those communities)."""
    if not request.user.is_authenticated or not request.user.has_perm("pools.view_reports"):
        raise PermissionDenied
    params = report_params(as_of=date.fromisoformat(request.GET["as_of"]), date_from=None, date_to=None)
    communities = [
        row[0]
        for row in _fetch(
            "SELECT community_id FROM communities_communitymembership WHERE user_id = %s AND role = 'treasurer'",
            [request.user.pk],
        )
    ]
    values = {"cutoff": params.cutoff, "as_of": params.as_of, "communities": communities}
    rows = _fetch(_OVERVIEW_FLOOR, values)
    monthly = _fetch(_MONTHLY_FLOOR, values)
    return _scale_page("Overview", [*rows, *monthly])


# ---------------------------------------------------------------- bench/scale.py's bare views, as in bench/api.py
#
# The baseline the issue names: "a bare-view baseline as in bench/api.py", whose bare views call the same selectors
# as the real endpoint and build the output by hand. These call the page's own selectors for its rows (the same
# ORM queries, so the same rows, indexes and settings) and render them with the minimal template above. The ratio
# page / bare is what the page adds on top of finding its rows: its templates, forms and the lookups of its hooks.
# The raw-SQL views above stay as the floor under both (the database alone), printed beside it.


def _pool_cells(pool: Pool) -> tuple[Any, ...]:
    totals = getattr(pool, "totals", None)
    return (pool.pk, pool.title, pool.closes_on, pool.target_ore, totals.pledged_ore if totals else None)


@require_GET
def selector_pool_search(request: HttpRequest) -> HttpResponse:
    """/pools/ first page through the page's selectors: the filters' choices, the count and the first 24 pools."""
    from invest.selectors import community_region_choices
    from pools.selectors import pool_search_open

    community_region_choices()
    page = Paginator(pool_search_open(today=timezone.localdate()), 24).get_page(None)
    rows = [(*_pool_cells(pool), pool.community.name) for pool in page.object_list]
    return _scale_page("Pools", rows, page.paginator.count)


@require_GET
def selector_community_page(request: HttpRequest, slug: str) -> HttpResponse:
    """/c/<slug>/ through communities.selectors.community_get_by_slug and invest.selectors.community_showcase."""
    from communities.selectors import community_get_by_slug
    from invest.selectors import community_showcase

    community = community_get_by_slug(slug=slug)
    showcase = community_showcase(community=community, today=timezone.localdate())
    rows: list[tuple[Any, ...]] = [(p.pk, p.name, p.place) for p in showcase.projects]
    rows += [_pool_cells(pool) for pool in showcase.pools]
    rows += [(f.pk, f.title, f.held_on) for f in showcase.fairs]
    rows += [(f.pk, f.name) for f in showcase.funds]
    return _scale_page(community.name, rows)


@require_GET
def selector_pool_page(request: HttpRequest, pool_id: int) -> HttpResponse:
    """/pools/<id>/ through pools.selectors.pool_get_public."""
    pool = pool_get_public(pool_id=pool_id)
    return _scale_page(pool.title, [(*_pool_cells(pool), pool.description)])


@require_GET
def selector_my_pledges(request: HttpRequest) -> HttpResponse:
    """/my/pledges/ through pools.selectors.pledge_list_for_saver_with_received (the newest 200)."""
    from pools.selectors import pledge_list_for_saver_with_received

    if not request.user.is_authenticated:
        return HttpResponse(status=302, headers={"Location": "/login/"})
    rows = [
        (p.pk, p.pool.title, p.pool.community.name, p.kind, p.status, p.amount_ore, p.ocr_reference, p.received_ore)
        for p in pledge_list_for_saver_with_received(saver=request.user)[:200]
    ]
    return _scale_page("My pledges", rows)


@require_GET
def selector_overview_report(request: HttpRequest) -> HttpResponse:
    """/treasury/reports/overview/?as_of= through treasury.reports.report_build, as the report page calls it."""
    from treasury.reports import report_build, report_page

    if not request.user.is_authenticated or not request.user.has_perm("pools.view_reports"):
        raise PermissionDenied
    params = report_params(as_of=date.fromisoformat(request.GET["as_of"]), date_from=None, date_to=None)
    report = report_build(
        kind="overview", params=params, pool_id=None, page=report_page(number=None, sort=None), user=request.user
    )
    rows = [tuple(row.values()) for row in report.rows] + [tuple(month.values()) for month in report.monthly]
    return _scale_page("Overview", rows)
