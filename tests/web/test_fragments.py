"""The fragment cache (web/fragments.py) and the cards and rows rendered through it (web/templatetags/cards.py).

A fragment's plain values are its cache key, so they must hold everything its template reads: each fragment here is
rendered from its values and from the model objects, and the two must be the same HTML. A value left out of the
values would render empty in the first and not in the second.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy

from accounts.roles import Role
from pools.models import PledgeSource, PoolKind, PoolTotals
from pools.services import pledge_create
from pools.totals import pool_totals_recompute
from tests.factories import MicroFundFactory, PoolFactory, UserFactory
from web import fragments
from web.savers.views import _pledge_row
from web.templatetags.cards import (
    PLEDGE_ROW,
    POOL_CARD,
    POOL_CARD_WITH_COMMUNITY,
    POOL_FACTS,
    POOL_HEADING,
    pledge_row,
    pledge_row_values,
    pool_card,
    pool_facts,
    pool_heading,
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


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_pool_pages_heading_from_its_values_is_the_heading_from_the_pool(language):
    from invest.models import Project
    from pools.selectors import pool_get_public

    pools = _pools()
    Project.objects.filter(pk=pools[0].project_id).update(name="Bygdegården & <tak>")
    without_project = PoolFactory(
        project=None, micro_fund=MicroFundFactory(name="Ortens <förening>"), kind=PoolKind.FUND_CAPITAL
    )
    with translation.override(language):
        for pool in [*pools, pool_get_public(pool_id=pools[0].pk), pool_get_public(pool_id=without_project.pk)]:
            from_model = render_to_string(POOL_HEADING, {"pool": pool})
            assert pool_heading(pool) == from_model
        assert "Ortens &lt;förening&gt;" in pool_heading(pool_get_public(pool_id=without_project.pk))
        assert "Bygdegården &amp; &lt;tak&gt;" in pool_heading(pool_get_public(pool_id=pools[0].pk))


# The header as web/base.html wrote it before it became a fragment (web/templatetags/layout.py), from the user and
# the request: the fragment must render exactly this, for every kind of user, in both languages, with this request's
# CSRF token in its forms.
HEADER_FROM_MODELS = (Path(__file__).parent / "header_from_models.html").read_text()


def _headers(user, path: str = "/pools/?q=<tak>&kind=fair", working_community_id=None) -> tuple[str, str]:
    """The header from the models and from the fragment, rendered in one context (one CSRF token)."""
    from django.contrib.auth.models import AnonymousUser
    from django.template import engines
    from django.test import RequestFactory

    from communities.selectors import WORKING_COMMUNITY_ATTRIBUTE, working_community_choices

    request = RequestFactory().get(path)
    request.user = user if user is not None else AnonymousUser()
    if working_community_id is not None:
        setattr(request.user, WORKING_COMMUNITY_ATTRIBUTE, working_community_id)
    both = engines["django"].from_string("{% load i18n layout %}" + HEADER_FROM_MODELS + "|||{% site_header %}")
    # The header read the chooser's communities as model rows (working_community_choices); now as (id, name).
    chooser = {"working_communities": working_community_choices(user=request.user)}
    from_models, from_values = both.render(chooser, request).split("|||")
    return from_models, from_values


@pytest.mark.parametrize("language", ["sv", "en"])
def test_the_header_from_its_values_is_the_header_from_the_user(language):
    from communities.models import MembershipRole
    from communities.services import community_create, membership_grant

    village = community_create(name="Åsbyns <byalag>", slug="asbyn")
    other = community_create(name="Kvarnbyn & co", slug="kvarnbyn")
    treasurer = UserFactory(roles=(), full_name="Kassör <Karin>")
    membership_grant(user=treasurer, community=village, role=MembershipRole.TREASURER)
    membership_grant(user=treasurer, community=other, role=MembershipRole.ORGANISER)
    single = UserFactory(roles=())
    membership_grant(user=single, community=village, role=MembershipRole.TREASURER)
    people = [
        (None, None),
        (UserFactory(roles=(Role.SAVER,), full_name="Sara Sparare"), None),
        (UserFactory(roles=(Role.PROJECT_OWNER,)), None),
        (single, None),
        (treasurer, None),
        (treasurer, other.pk),
        (UserFactory(roles=(), is_staff=True), village.pk),
    ]
    with translation.override(language):
        for user, chosen in people:
            from_models, from_values = _headers(user, working_community_id=chosen)
            assert from_values == from_models, user
            assert 'name="csrfmiddlewaretoken"' in from_values
        from_models, from_values = _headers(treasurer, working_community_id=other.pk)
        assert f'<option value="{other.pk}" selected>Kvarnbyn &amp; co</option>' in from_values
        assert "Kassör &lt;Karin&gt;" in from_values
        assert 'value="/pools/?q=%3Ctak%3E&amp;kind=fair"' in from_values
    assert fragments.stats["hits"] >= 1 or fragments.stats["misses"] >= len(people)


def test_the_header_carries_each_requests_own_csrf_token_and_each_users_own_name(client):
    import re

    from django.test import Client

    pool = _pools()[0]
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    tokens = []
    for visitor in (first, second):
        html = visitor.get(f"/pools/{pool.pk}/").content.decode()
        found = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html))
        assert len(found) == 1  # the header's forms and the page share this request's token
        tokens.append(found.pop())
        assert tokens[-1] in html.split("<header", 1)[0]  # the htmx header on <body> carries the same one
    assert tokens[0] != tokens[1]
    assert fragments.stats["hits"] >= 1  # the second visitor's header came from the cache, with its own token
    # The token works: the language form posts with it (and without it is refused).
    refused = second.post("/language/", {"language": "en", "next": "/"})
    assert refused.status_code == 403
    switched = second.post("/language/", {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens[1]})
    assert switched.status_code == 302
    # Another person's name never shows: the name is part of what the fragment is kept under.
    for name in ("Anna Andersson", "Bo Bengtsson"):
        person = Client()
        person.force_login(UserFactory(roles=(Role.SAVER,), full_name=name))
        html = person.get(f"/pools/{pool.pk}/").content.decode()
        assert f'<span class="who">{name}</span>' in html
        assert ("Anna Andersson" in html) == (name == "Anna Andersson")


@pytest.mark.parametrize("language", ["sv", "en"])
def test_kept_includes_are_the_includes(language):
    """{% kept %} renders a template that reads only its values and the language: the treasury's navigation and
    the report tabs are the same HTML as their plain includes, the current tab marked."""
    from django.template import engines

    from web.report_tabs import report_tabs

    kinds = report_tabs()
    with translation.override(language):
        for kind in ("overview", "savers"):
            both = engines["django"].from_string(
                '{% load layout %}{% include "treasury/_nav.html" %}{% include "treasury/_report_tabs.html" %}|||'
                '{% kept "treasury/_nav.html" %}{% kept "treasury/_report_tabs.html" kinds=kinds kind=kind %}'
            )
            included, kept = both.render({"kinds": kinds, "kind": kind}).split("|||")
            assert kept == included
            assert f'/treasury/reports/{kind}/" aria-current="page"' in kept
            assert kept.count('aria-current="page"') == 1


# ---------------------------------------------------------------- the pool page as visitors see it, kept whole

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]+)"|"X-CSRFToken": "([A-Za-z0-9]+)"')


def _visitor_page(client, url: str) -> tuple[str, set[str]]:
    """The page's HTML with its CSRF tokens taken out, and the tokens."""
    html = client.get(url).content.decode()
    tokens = {a or b for a, b in TOKEN.findall(html)}
    return TOKEN.sub("TOKEN", html), tokens


def _visitor_pools():
    from pools.models import PoolStatus
    from tests.pools.offers_helpers import regulated_loan_pool

    plain = _pools()
    closed_offer = regulated_loan_pool(rate_bp=725)
    from pools.models import Pool

    Pool.objects.filter(pk=closed_offer.pk).update(status=PoolStatus.SUCCEEDED)  # no sheet gate: the offer block shows
    fund_pool = PoolFactory(project=None, micro_fund=MicroFundFactory(), kind=PoolKind.FUND_CAPITAL)
    return [*plain, closed_offer, fund_pool]


@pytest.mark.parametrize("language", ["sv", "en"])
def test_a_visitors_pool_page_kept_whole_is_the_page_rendered_the_ordinary_way(monkeypatch, language):
    from django.test import Client

    import web.savers.views

    pools = _visitor_pools()
    visitor = Client()
    visitor.cookies["django_language"] = language
    for pool in pools:
        for query in ("", "?utm=<x>&a=1"):
            url = f"/pools/{pool.pk}/{query}"
            _visitor_page(visitor, url)  # fills the cache
            kept, kept_tokens = _visitor_page(visitor, url)
            with monkeypatch.context() as ordinary:  # as with a message waiting: rendered by render(), not kept
                ordinary.setattr(web.savers.views, "get_messages", lambda request: ["a message"])
                rendered, rendered_tokens = _visitor_page(visitor, url)
            assert kept == rendered, pool
            assert len(kept_tokens) == 1 and len(rendered_tokens) == 1  # this request's token, in every slot
            assert kept.count("TOKEN") == 2  # the language form and htmx's header
            assert ('id="offer-steps"' in kept) == (pool.pk == pools[-2].pk)  # the regulated pool shows its offer
    assert fragments.stats["hits"] >= len(pools) * 2


def test_every_figure_on_a_visitors_pool_page_shows_at_once(client):
    from invest.models import Project
    from pools.models import Pool, PoolStatus
    from pools.offers.models import PoolOffer
    from pools.offers.services import sheet_approve, sheet_write
    from tests.pools.offers_helpers import SHEET, regulated_loan_pool

    pool = _pools()[0]
    url = f"/pools/{pool.pk}/"
    before = client.get(url).content.decode()
    changes = [
        (lambda: Pool.objects.filter(pk=pool.pk).update(title="Nytt tak på bygdegården"), "Nytt tak på bygdegården"),
        (lambda: Project.objects.filter(pk=pool.project_id).update(name="Byalaget Ny"), "Byalaget Ny"),
        (lambda: PoolTotals.objects.filter(pool=pool).update(saver_count=4321), "<dd>4321</dd>"),
        (lambda: Pool.objects.filter(pk=pool.pk).update(description="Helt ny text"), "Helt ny text"),
        (lambda: Pool.objects.filter(pk=pool.pk).update(status=PoolStatus.SUCCEEDED), 'class="error"'),
    ]
    for change, shown in changes:
        assert shown not in before
        change()
        assert shown in client.get(url).content.decode(), shown
    offered = regulated_loan_pool(rate_bp=500)
    Pool.objects.filter(pk=offered.pk).update(status=PoolStatus.SUCCEEDED)  # closed: no sheet gate before the page
    offer_url = f"/pools/{offered.pk}/"
    client.cookies["django_language"] = "en"
    first = client.get(offer_url).content.decode()
    assert "interest 500 basis points a year" in first and "(version 1)" in first
    PoolOffer.objects.filter(pool=offered).update(interest_rate_bp=650)
    assert "interest 650 basis points a year" in client.get(offer_url).content.decode()
    organiser = UserFactory(roles=(Role.ORGANISER,))
    sheet_approve(sheet=sheet_write(pool=offered, by=offered.project.owner, content=SHEET), by=organiser)
    assert "(version 2)" in client.get(offer_url).content.decode()
    client.cookies["django_language"] = "sv"
    swedish = client.get(offer_url).content.decode()  # the language is part of the key
    assert "basis points a year" not in swedish and "(version 2)" in swedish


def test_a_visitor_with_a_message_gets_it_and_the_kept_page_never_holds_it(client, rf):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import Client

    pool = _pools()[0]
    url = f"/pools/{pool.pk}/"
    client.get(url)
    client.get(url)  # kept
    client.cookies["messages"] = CookieStorage(rf.get("/"))._encode([Message(constants.INFO, "Du är utloggad.")])
    assert "Du är utloggad." in client.get(url).content.decode()
    assert "Du är utloggad." not in client.get(url).content.decode()  # shown once, as on every page
    assert "Du är utloggad." not in Client().get(url).content.decode()


def test_a_page_that_carries_a_real_token_is_never_kept(rf):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/pools/1/")
    request.user = AnonymousUser()
    leaky = '<input type="hidden" name="csrfmiddlewaretoken" value="abcDEF123"><!--csrf-->'
    for _ in range(2):
        html = fragments.page_with_csrf(request, "leaky", {"a": 1}, lambda: leaky)
        assert "<!--" not in html and html.count("csrfmiddlewaretoken") == 2
    assert fragments.stats["hits"] == 0  # refused both times: nothing was kept
    kept = fragments.page_with_csrf(request, "clean", {"a": 1}, lambda: '<p>x</p><!--csrf--> "<!--csrf-value-->"')
    again = fragments.page_with_csrf(request, "clean", {"a": 1}, lambda: "never rendered")
    assert fragments.stats["hits"] == 1
    for html in (kept, again):
        [token] = re.findall(r'value="([A-Za-z0-9]{64})"', html)
        assert html == f'<p>x</p><input type="hidden" name="csrfmiddlewaretoken" value="{token}"> "{token}"'
