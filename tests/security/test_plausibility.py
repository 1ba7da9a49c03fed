"""One pledge is never larger than its pool kind allows (settings POOL_MAX_PLEDGE_ORE)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from pools.errors import AmountAboveMaximum
from pools.limits import max_pledge_ore
from pools.models import Pledge, PledgeKind, PoolKind
from pools.services import pledge_create
from tests.factories import PoolFactory, ShareOfferPoolFactory, UserFactory

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
