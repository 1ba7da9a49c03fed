"""Pool cards and My pledges rows, rendered through the fragment cache (web/fragments.py).

`{% pool_card pool days_left %}` renders savers/_pool_card.html and `{% pool_card pool days_left with_community=True %}`
the card with its community's name under it (communities/_pool_with_community.html); `{% pledge_row row %}` one row
of My pledges (savers/_pledge_row.html); `{% pool_facts pool totals days_left %}` the facts column of a pool page
(savers/_pool_facts.html) and `{% pool_heading pool %}` its heading (savers/_pool_heading.html). Each builds the
plain values its template reads: those values are the fragment's cache key, so they must hold everything the
template shows (tests/web/test_fragments.py compares each with the template rendered from the model objects).
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import SafeString

from pools.models import FundingRule, PledgeKind, PledgeStatus, PoolKind, PoolStatus
from pools.offers.models import OfferInstrument
from web.fragments import fragment, rendered
from web.templatetags.paycodes import pledge_pay_block

register = template.Library()

POOL_CARD = "savers/_pool_card.html"
POOL_CARD_WITH_COMMUNITY = "communities/_pool_with_community.html"
PLEDGE_ROW = "savers/_pledge_row.html"
POOL_FACTS = "savers/_pool_facts.html"
POOL_HEADING = "savers/_pool_heading.html"
PAY_CODES = "savers/_pay_codes.html"


def _label(choices: Any, value: str) -> str:
    """A choice's label in the active language (what get_FOO_display gives, without its per-call dict building)."""
    return _label_in(choices, value, translation.get_language())


@functools.lru_cache(maxsize=512)
def _label_in(choices: Any, value: str, language: str | None) -> str:
    with translation.override(language):
        try:
            return str(choices(value).label)
        except ValueError:
            return str(value)


def _totals(pool: Any) -> dict[str, Any] | None:
    try:
        totals = pool.totals
    except ObjectDoesNotExist:
        return None
    return _totals_values(totals)


def _totals_values(totals: Any) -> dict[str, Any] | None:
    if totals is None:
        return None
    return {
        "pledged_ore": totals.pledged_ore,
        "received_ore": totals.received_ore,
        "saver_count": totals.saver_count,
        "percent_of_target": totals.percent_of_target,
        "percent_of_minimum": totals.percent_of_minimum,
        "estimated_points": totals.estimated_points,
    }


def pool_card_values(pool: Any, days_left: int, *, with_community: bool = False) -> dict[str, Any]:
    """Everything savers/_pool_card.html (and _progress.html in it) reads of a pool, as plain values."""
    values: dict[str, Any] = {
        "pool": {
            "pk": pool.pk,
            "title": pool.title,
            "beneficiary_name": pool.beneficiary_name,
            "get_kind_display": _label(PoolKind, pool.kind),
            "get_status_display": _label(PoolStatus, pool.status),
            "target_ore": pool.target_ore,
            "minimum_ore": pool.minimum_ore,
            "target_points": pool.target_points,
            "closes_on": pool.closes_on,
            "totals": _totals(pool),
        },
        "days_left": days_left,
    }
    if with_community:
        community = pool.community
        values["community"] = {
            "slug": community.slug,
            "name": community.name,
            "municipality": community.municipality,
        }
    return values


@register.simple_tag
def pool_card(pool: Any, days_left: int, with_community: bool = False) -> SafeString:
    template_name = POOL_CARD_WITH_COMMUNITY if with_community else POOL_CARD
    return fragment(template_name, pool_card_values(pool, days_left, with_community=with_community))


def pool_heading_values(pool: Any) -> dict[str, Any]:
    """Everything savers/_pool_heading.html (a pool page's project or beneficiary, kind and title) reads."""
    project = pool.project
    return {
        "pool": {
            "project": {"slug": project.slug, "name": project.name} if project is not None else None,
            "beneficiary_name": pool.beneficiary_name,
            "get_kind_display": _label(PoolKind, pool.kind),
            "title": pool.title,
        }
    }


@register.simple_tag
def pool_heading(pool: Any) -> SafeString:
    return fragment(POOL_HEADING, pool_heading_values(pool))


POOL_PAGE_FOR_VISITORS = "savers/pool_detail.html (visitors)"


def pool_page_visitor_values(request: Any, pool: Any, context: dict[str, Any]) -> dict[str, Any]:
    """Everything savers/pool_detail.html (with web/base.html) shows a visitor who is not signed in, as plain
    values: the heading, the facts, whether it is open, the regulated offer's terms and sheet version, and the
    page's path (the log-in links and the language form). The page kept under them (web/fragments.py
    page_with_csrf) is the same for every visitor; tests/web/test_fragments.py changes each of them and checks the
    page does."""
    offer = context.get("offer")
    sheet = context.get("offer_sheet")
    return {
        "heading": pool_heading_values(pool),
        "facts": pool_facts_values(pool, context["totals"], context["days_left"]),
        "is_open": bool(context["is_open"]),
        "offer": None
        if offer is None
        else {
            "instrument": _label(OfferInstrument, offer.instrument),
            "interest_rate_bp": offer.interest_rate_bp,
            "sheet_version": sheet.version if sheet is not None else None,
        },
        "path": request.path,
        "full_path": request.get_full_path(),
    }


def pool_facts_values(pool: Any, totals: Any, days_left: int) -> dict[str, Any]:
    """Everything savers/_pool_facts.html (a pool page's description, progress, days and terms) reads."""
    return {
        "pool": {
            "description": pool.description,
            "target_ore": pool.target_ore,
            "minimum_ore": pool.minimum_ore,
            "target_points": pool.target_points,
            "opens_on": pool.opens_on,
            "closes_on": pool.closes_on,
            "get_funding_rule_display": _label(FundingRule, pool.funding_rule),
            "min_per_saver_ore": pool.min_per_saver_ore,
            "max_per_saver_ore": pool.max_per_saver_ore,
            "cap_ore": pool.cap_ore,
            "share_price_ore": pool.share_price_ore,
            "member_bank": pool.member_bank,
        },
        "totals": _totals_values(totals),
        "days_left": days_left,
    }


@register.simple_tag
def pool_facts(pool: Any, totals: Any, days_left: int) -> SafeString:
    return fragment(POOL_FACTS, pool_facts_values(pool, totals, days_left))


def pledge_row_values(row: dict[str, Any]) -> dict[str, Any]:
    """Everything savers/_pledge_row.html reads of one My pledges row (web.savers.views._pledge_row), as plain
    values; the scan-to-pay block is rendered first, itself kept by its codes (and its QR drawings by their text)."""
    pledge, due = row["pledge"], row["due"]
    pay_block = ""
    if pledge.ocr_reference and due is not None and due.remaining_ore and pledge.kind != "support_saving":
        context = pledge_pay_block(pledge, due)
        codes = context["codes"]
        # The block is a function of its codes (amount, reference, bankgiro, Swish number, payloads) alone.
        pay_block = rendered(
            PAY_CODES,
            dataclasses.asdict(codes) if codes is not None else {},
            lambda: render_to_string(PAY_CODES, context),
        )
    return {
        "p": {
            "pk": pledge.pk,
            "pool": {"title": pledge.pool.title},
            "kind": pledge.kind,
            "get_kind_display": _label(PledgeKind, pledge.kind),
            "status": pledge.status,
            "get_status_display": _label(PledgeStatus, pledge.status),
            "source": pledge.source,
            "confirmation_token": pledge.confirmation_token,
            "is_money": pledge.is_money,
            "amount_ore": pledge.amount_ore,
            "description": pledge.description,
            "ocr_reference": pledge.ocr_reference,
        },
        "row": {
            "due": None
            if due is None
            else {
                "received_ore": due.received_ore,
                "pay_now_ore": due.pay_now_ore,
                "next_due_on": due.next_due_on,
                "estimated_points": due.estimated_points,
                "remaining_ore": due.remaining_ore,
            }
        },
        "pay_block": SafeString(pay_block),
    }


@register.simple_tag
def pledge_row(row: dict[str, Any]) -> SafeString:
    return fragment(PLEDGE_ROW, pledge_row_values(row))
