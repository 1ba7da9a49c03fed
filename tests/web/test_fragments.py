"""The fragment cache (web/fragments.py) and the cards and rows rendered through it (web/templatetags/cards.py).

A fragment's plain values are its cache key, so they must hold everything its template reads: each fragment here is
rendered from its values and from the model objects, and the two must be the same HTML. A value left out of the
values would render empty in the first and not in the second.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from pools.models import PledgeSource, PoolKind, PoolTotals
from pools.services import pledge_create
from pools.totals import pool_totals_recompute
from tests.factories import PoolFactory, UserFactory
from web import fragments
from web.savers.views import _pledge_row
from web.templatetags.cards import (
    PLEDGE_ROW,
    POOL_CARD,
    POOL_CARD_WITH_COMMUNITY,
    POOL_FACTS,
    pledge_row,
    pledge_row_values,
    pool_card,
    pool_facts,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    fragments.clear()
    yield
    fragments.clear()


def _pools() -> list:
    """A kronor pool with a minimum and totals, a points pool without totals, a share offer closing today."""
    saver = UserFactory(roles=(Role.SAVER,))
    with_minimum = PoolFactory(kind=PoolKind.FAIR, minimum_ore=20_000_000, title="Bygdegården <tak>")
    pledge_create(pool=with_minimum, saver=saver, kind="gift", amount_ore=1_234_550)
    pool_totals_recompute(pool_id=with_minimum.pk)
    points = PoolFactory(target_ore=None, target_points=480_000)
    PoolTotals.objects.filter(pool=points).delete()
    closing = PoolFactory(kind=PoolKind.SHARE_OFFER, share_price_ore=50_000, closes_on=timezone.localdate())
    from pools.selectors import pool_list_public

    return list(pool_list_public().filter(pk__in=[with_minimum.pk, points.pk, closing.pk]).order_by("pk"))


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_pool_card_from_its_values_is_the_card_from_the_pool(language):
    with translation.override(language):
        for pool in _pools():
            days_left = pool.days_left(timezone.localdate())
            from_model = render_to_string(POOL_CARD, {"pool": pool, "days_left": days_left})
            assert pool_card(pool, days_left) == from_model
            assert pool_card(pool, days_left) == from_model  # the second time from the cache
            with_community = render_to_string(
                POOL_CARD_WITH_COMMUNITY, {"pool": pool, "days_left": days_left, "community": pool.community}
            )
            assert pool_card(pool, days_left, with_community=True) == with_community
            assert pool.community.name in with_community
    assert fragments.stats["hits"] >= 3


def test_the_cards_show_their_figures_escaped_and_in_the_language():
    pool = _pools()[0]
    with translation.override("sv"):
        swedish = pool_card(pool, 5)
    with translation.override("en"):
        english = pool_card(pool, 5)
    assert "Bygdegården &lt;tak&gt;" in swedish
    assert "<tak>" not in swedish
    assert "12\xa0345,50\xa0kr" in swedish or "12 345,50 kr" in swedish.replace("\xa0", " ")
    assert "SEK 12,345.50" in english.replace("\xa0", " ")
    assert swedish != english


def test_a_changed_figure_is_a_new_fragment_at_once():
    pool = _pools()[0]
    before = pool_card(pool, 5)
    pool.totals.pledged_ore += 100
    after = pool_card(pool, 5)
    assert after != before
    assert "12 346,50" in after.replace("\xa0", " ")
    assert pool_card(pool, 4) != after  # the days left are part of what it shows
    assert fragments.stats == {"hits": 0, "misses": 3}


def test_only_plain_values_are_taken():
    pool = _pools()[0]
    with pytest.raises(TypeError):
        fragments.fragment(POOL_CARD, {"pool": pool, "days_left": 1})


def test_the_cache_keeps_at_most_its_size(settings):
    settings.FRAGMENT_CACHE_SIZE = 2
    pool = _pools()[0]
    for days in (1, 2, 3):
        pool_card(pool, days)
    assert len(fragments._cache) == 2
    pool_card(pool, 1)  # the oldest went first
    assert fragments.stats["misses"] == 4


def test_with_debug_on_nothing_is_kept(settings):
    settings.DEBUG = True
    pool = _pools()[0]
    pool_card(pool, 1)
    pool_card(pool, 1)
    assert len(fragments._cache) == 0


def _row_from_models(row: dict) -> str:
    values = pledge_row_values(row)
    return render_to_string(PLEDGE_ROW, {"p": row["pledge"], "row": row, "pay_block": values["pay_block"]})


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_pledge_row_from_its_values_is_the_row_from_the_pledge(language):
    saver = UserFactory(roles=(Role.SAVER,))
    gift = pledge_create(pool=PoolFactory(kind=PoolKind.FAIR), saver=saver, kind="gift", amount_ore=50_000)
    saving = pledge_create(pool=PoolFactory(), saver=saver, kind="support_saving", monthly_ore=50_000, months=12)
    time_pledge = pledge_create(
        pool=PoolFactory(kind=PoolKind.FAIR),
        saver=saver,
        kind="time",
        quantity=Decimal("10"),
        description="Snickra <bänkar>",
    )
    card = pledge_create(pool=PoolFactory(kind=PoolKind.FAIR), saver=saver, kind="gift", amount_ore=20_000)
    card.source = PledgeSource.FAIR_CARD
    card.confirmation_token = "tok-123"
    card.save(update_fields=["source", "confirmation_token"])
    with translation.override(language):
        for pledge in (gift, saving, time_pledge, card):
            pledge.refresh_from_db()
            row = _pledge_row(pledge)
            assert pledge_row(row) == _row_from_models(row)
        gift_row = pledge_row(_pledge_row(gift))
        assert 'class="pay-codes"' in gift_row
        assert "<svg" in gift_row
        assert 'class="pay-codes"' not in pledge_row(_pledge_row(saving))
        assert "Snickra &lt;bänkar&gt;" in pledge_row(_pledge_row(time_pledge))
        assert "tok-123" in pledge_row(_pledge_row(card))


def test_my_pledges_shows_a_payment_as_soon_as_it_is_matched(client):
    """The rows are cached by what they show: a new figure on the same pledge is a new row, on the next visit."""
    from pools.models import Pledge
    from tests.twofactor import login_verified

    saver = UserFactory(roles=(Role.SAVER,), language="sv")
    pledge = pledge_create(pool=PoolFactory(kind=PoolKind.FAIR), saver=saver, kind="gift", amount_ore=50_000)
    login_verified(client, saver)
    first = client.get("/my/pledges/").text
    assert "Att betala nu" in first or "To pay now" in first
    Pledge.objects.filter(pk=pledge.pk).update(due_on=timezone.localdate() + timedelta(days=3))
    second = client.get("/my/pledges/").text
    assert (timezone.localdate() + timedelta(days=3)).isoformat() in second
    assert second != first


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_pool_pages_facts_from_their_values_are_the_facts_from_the_pool(language):
    pools = _pools()
    limits = PoolFactory(
        kind=PoolKind.FAIR,
        description="Tak.\n\nFönster & <dörrar>.",
        min_per_saver_ore=10_000,
        max_per_saver_ore=500_000,
        cap_ore=90_000_000,
        member_bank="",
    )
    from pools.selectors import pool_get_public

    with translation.override(language):
        for pool in [*pools, pool_get_public(pool_id=limits.pk)]:
            totals = getattr(pool, "totals", None)
            days_left = pool.days_left(timezone.localdate())
            from_model = render_to_string(POOL_FACTS, {"pool": pool, "totals": totals, "days_left": days_left})
            assert pool_facts(pool, totals, days_left) == from_model
        assert "Fönster &amp; &lt;dörrar&gt;." in pool_facts(limits, None, 3)


def test_the_pool_page_shows_new_totals_at_once(client):
    pool = _pools()[0]
    first = client.get(f"/pools/{pool.pk}/").text
    PoolTotals.objects.filter(pool=pool).update(saver_count=77)
    second = client.get(f"/pools/{pool.pk}/").text
    assert "<dd>77</dd>" in second
    assert "<dd>77</dd>" not in first


def test_values_that_render_differently_are_different_keys():
    frozen = fragments._frozen
    assert frozen({"a": "<b>"}) != frozen({"a": SafeString("<b>")})
    assert frozen({"a": True}) != frozen({"a": 1})
    assert frozen({"a": Decimal("1.50")}) != frozen({"a": Decimal("1.5")})
    assert frozen({"a": [1, 2]}) == frozen({"a": (1, 2)})
    assert frozen({"a": {"b": None}}) != frozen({"a": {"b": ""}})
    for refused in (object(), {"a": gettext_lazy("Pool")}, {"a": {1, 2}}):
        with pytest.raises(TypeError):
            frozen(refused)
