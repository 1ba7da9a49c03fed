"""One pledge is never larger than its pool kind allows (settings POOL_MAX_PLEDGE_ORE)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from invest.fairs.selectors import fair_board
from pools.errors import AmountAboveMaximum
from pools.limits import max_pledge_krona_months, max_pledge_ore
from pools.models import Pledge, PledgeKind, PoolKind, PoolTotals
from pools.services import pledge_create
from pools.totals import pool_totals_figures, pool_totals_figures_range, pool_totals_reconcile
from tests.factories import PoolFactory, ShareOfferPoolFactory, UserFactory
from tests.invest.fairs.builders import card, live_fair
from tests.twofactor import login_verified
from treasury.reports import report_build, report_page, report_params

pytestmark = pytest.mark.django_db


def test_ten_billion_kronor_gift_is_refused_and_not_shown() -> None:
    pool = PoolFactory(kind=PoolKind.FAIR, target_ore=10_000_000)
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.post(f"/api/pools/{pool.pk}/pledges/", {"kind": "gift", "amount": "10000000000.00"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "amount_above_maximum"
    assert not Pledge.objects.exists()
    public = APIClient().get(f"/api/pools/{pool.pk}/").json()
    assert public["totals"] is None or public["totals"]["pledged"] == "0.00"


def test_a_million_share_subscription_is_refused() -> None:
    pool = ShareOfferPoolFactory(target_ore=10_000_000_00)
    with pytest.raises(AmountAboveMaximum):
        pledge_create(pool=pool, saver=UserFactory(), kind=PledgeKind.SHARE, share_count=1_000_000)


def test_a_pledge_at_the_limit_is_accepted_and_one_ore_more_is_not(settings) -> None:
    settings.POOL_MAX_PLEDGE_ORE = {**settings.POOL_MAX_PLEDGE_ORE, "support_saving": 1_000_00}
    pool = PoolFactory()
    assert max_pledge_ore(PoolKind.SUPPORT_SAVING) == 1_000_00
    pledge_create(pool=pool, saver=UserFactory(), kind=PledgeKind.SUPPORT_SAVING, amount_ore=1_000_00, term_months=6)
    with pytest.raises(AmountAboveMaximum):
        pledge_create(
            pool=pool, saver=UserFactory(), kind=PledgeKind.SUPPORT_SAVING, amount_ore=1_000_01, term_months=6
        )


def test_every_pool_kind_has_a_sensible_default() -> None:
    for kind in PoolKind:
        assert 10_000_00 <= max_pledge_ore(kind) <= 10_000_000_00, kind


# ---------------------------------------------------------------- every way in: a 400 naming the amount


def test_the_api_refuses_a_change_above_the_limit(saver):
    pool = PoolFactory(kind=PoolKind.FAIR)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.GIFT, amount_ore=1_000_00)
    api = APIClient()
    api.force_authenticate(saver)
    response = api.patch(f"/api/pledges/{pledge.pk}/", {"amount": "500000.01"}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "amount_above_maximum"
    pledge.refresh_from_db()
    assert pledge.amount_ore == 1_000_00


def test_a_phone_fair_card_above_the_limit_is_refused_with_the_amount_field(organiser):
    _fair, (pitch, _other) = live_fair(organiser)
    body = {"card_id": str(uuid.uuid4()), "kind": "gift", "amount": "500000.01", "name": "Bo", "may_contact": False}
    response = APIClient().post(f"/api/fair-cards/{pitch.code}/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "amount_above_maximum"
    assert "amount" in response.json()
    assert not Pledge.objects.exists()


def test_the_pledge_page_form_shows_the_limit_at_the_amount(client):
    saver = UserFactory(roles=(Role.SAVER,), language="sv")
    pool = PoolFactory(kind=PoolKind.FAIR)
    login_verified(client, saver)
    response = client.post(f"/pools/{pool.pk}/pledge/", {"kind": "gift", "amount": "10 000 000 000", "currency": "SEK"})
    assert response.status_code == 400
    assert "Ett löfte till den här insamlingen får vara högst" in response.text
    assert not Pledge.objects.exists()


def test_the_change_page_form_refuses_a_change_above_the_limit(client):
    saver = UserFactory(roles=(Role.SAVER,), language="sv")
    pool = PoolFactory()
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=1_000_00, term_months=12)
    login_verified(client, saver)
    response = client.post(f"/my/pledges/{pledge.pk}/change/", {"amount": "2000000,01", "term_months": "12"})
    assert response.status_code == 400
    assert "Ett löfte till den här insamlingen får vara högst" in response.text
    pledge.refresh_from_db()
    assert pledge.amount_ore == 1_000_00


# ---------------------------------------------------------------- rows written before the limits


def _stored_over_the_limit(pool, saver, *, kind=PledgeKind.GIFT, **fields) -> Pledge:  # type: ignore[no-untyped-def]
    """A pledge made within the limit, then raised around the service (as a legacy row or a database fix)."""
    pledge = pledge_create(pool=pool, saver=saver, kind=kind, **fields)
    Pledge.objects.filter(pk=pledge.pk).update(amount_ore=1_000_000_000_000)  # 10 000 000 000 kr
    return pledge


def test_a_pledge_stored_over_the_limit_does_not_inflate_the_public_pool_figures(client, saver, other_saver):
    pool = PoolFactory(kind=PoolKind.FAIR, target_ore=1_000_000_00)
    _stored_over_the_limit(pool, saver, amount_ore=1_000_00)
    pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.GIFT, amount_ore=2_000_00)
    pool_totals_reconcile()  # the scheduled full recomputation from the rows

    public = APIClient().get(f"/api/pools/{pool.pk}/").json()
    assert public["totals"]["pledged"] == "502000.00"  # 500 000 kr (the fair limit) + 2 000 kr
    assert public["totals"]["percent_of_target"] == "50.20"
    page = client.get(f"/pools/{pool.pk}/", HTTP_ACCEPT_LANGUAGE="sv").text
    assert "10 000 000 000" not in page and "10\u00a0000\u00a0000\u00a0000" not in page
    assert "502" in page


def test_points_of_a_saving_pledge_stored_over_the_limit_are_capped(saver):
    pool = PoolFactory(target_ore=None, target_points=1_000_000)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=1_000_00, term_months=12)
    Pledge.objects.filter(pk=pledge.pk).update(amount_ore=1_000_000_000_000, term_months=600)
    figures = pool_totals_figures(pool_ids=[pool.pk])[pool.pk]
    assert figures["pledged_ore"] == max_pledge_ore(PoolKind.SUPPORT_SAVING)
    assert figures["estimated_points"] <= max_pledge_krona_months(PoolKind.SUPPORT_SAVING) * pool.points_per_krona_month


def test_the_three_totals_paths_agree_on_pledges_over_the_limit(saver, other_saver):
    """Per pool (ORM), one pass over a range (SQL) and the reconciliation (its own SQL on PostgreSQL) cap alike."""
    fair, support, shares = PoolFactory(kind=PoolKind.FAIR), PoolFactory(minimum_ore=50_000), ShareOfferPoolFactory()
    _stored_over_the_limit(fair, saver, amount_ore=1_000_00)
    pledge_create(pool=fair, saver=other_saver, kind=PledgeKind.GIFT, amount_ore=3_000_00)
    saving = pledge_create(
        pool=support, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=1_000_00, term_months=12
    )
    Pledge.objects.filter(pk=saving.pk).update(amount_ore=1_000_000_000_000, term_months=600)
    pledge_create(pool=support, saver=other_saver, kind=PledgeKind.TIME, description="x", quantity=Decimal("2"))
    _stored_over_the_limit(shares, saver, kind=PledgeKind.SHARE, share_count=2)
    ids = sorted(p.pk for p in (fair, support, shares))

    per_pool = pool_totals_figures(pool_ids=ids)
    assert per_pool[fair.pk]["pledged_ore"] == max_pledge_ore(PoolKind.FAIR) + 3_000_00
    assert per_pool[support.pk]["pledged_ore"] == max_pledge_ore(PoolKind.SUPPORT_SAVING)
    assert per_pool[shares.pk]["pledged_ore"] == max_pledge_ore(PoolKind.SHARE_OFFER)
    assert pool_totals_figures_range(first_pool_id=ids[0], last_pool_id=ids[-1]) == per_pool
    for batch_size in (2, None):
        PoolTotals.objects.update(pledged_ore=3, estimated_points=5)
        pool_totals_reconcile(batch_size=batch_size)
        for pool_id in ids:
            stored = PoolTotals.objects.filter(pool_id=pool_id).values(*per_pool[pool_id]).get()
            assert stored == per_pool[pool_id], (batch_size, pool_id)


def test_the_fair_board_counts_a_card_stored_over_the_limit_at_the_limit(organiser):
    fair, (pitch, _other) = live_fair(organiser)
    made = card(pitch, amount_ore=1_000_00)
    Pledge.objects.filter(pk=made.pledge_id).update(amount_ore=1_000_000_000_000)
    [row] = fair_board(fair=fair, pitch=pitch)
    assert row.pledged_ore == max_pledge_ore(PoolKind.FAIR)


def test_the_treasurers_pledge_report_shows_how_far_a_pledge_is_over_its_limit(saver, other_saver):
    pool = PoolFactory(kind=PoolKind.FAIR)
    over = _stored_over_the_limit(pool, saver, amount_ore=1_000_00)
    within = pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.GIFT, amount_ore=max_pledge_ore(PoolKind.FAIR))
    params = report_params(as_of=None, date_from=None, date_to=None)
    for page in (None, report_page(number=1, sort="-over_limit_ore")):
        report = report_build(kind="pledges", params=params, page=page)
        assert "over_limit_ore" in [column.key for column in report.columns]
        rows = {row["pledge_id"]: row for row in report.rows}
        assert rows[over.pk]["over_limit_ore"] == 1_000_000_000_000 - max_pledge_ore(PoolKind.FAIR)
        assert rows[over.pk]["pledged_ore"] == 1_000_000_000_000  # the treasurer sees the row as it is
        assert rows[within.pk]["over_limit_ore"] == 0
    sorted_page = report_build(kind="pledges", params=params, page=report_page(number=1, sort="-over_limit_ore"))
    assert sorted_page.rows[0]["pledge_id"] == over.pk


@pytest.mark.parametrize("channel", ["phone", "paper"])
def test_the_fair_card_pages_show_the_limit_at_the_amount(client, organiser, channel):
    _fair, (pitch, _other) = live_fair(organiser)
    body = {"card_id": str(uuid.uuid4()), "kind": "gift", "amount": "600 000", "name": "Bo"}
    if channel == "phone":
        url = f"/f/{pitch.code}/"
    else:
        login_verified(client, organiser)
        url, body = f"/fairs/{pitch.fair_id}/cards/", {**body, "pitch": str(pitch.pk)}
    response = client.post(url, body, HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code in (200, 400)
    assert "Ett löfte till den här insamlingen får vara högst" in response.text
    assert not Pledge.objects.exists()
