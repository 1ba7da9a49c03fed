"""The savers' demo rows: one fair card for the demo saver, and a second run adds nothing."""

from __future__ import annotations

import random

import pytest

from demo.seeders.savers import CARD_EMAIL, seed
from pools.models import Pledge, PledgeSource
from tests.factories import PoolFactory

pytestmark = pytest.mark.django_db


def test_savers_seeder_is_idempotent():
    pools = {"stodspar-butik": PoolFactory()}
    seed(people={}, pools=pools, rng=random.Random(1))
    seed(people={}, pools=pools, rng=random.Random(1))
    cards = Pledge.objects.filter(source=PledgeSource.FAIR_CARD, contact_email=CARD_EMAIL)
    assert cards.count() == 1 and cards.get().confirmation_token
