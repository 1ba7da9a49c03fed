"""Demo rows for the saver's side: a fair pledge card waiting for Sara to confirm it."""

from __future__ import annotations

import random

from accounts.models import User
from pools.models import Pledge, PledgeKind, PledgeSource, Pool
from pools.services import pledge_create

CARD_EMAIL = "sparare@demo.lokalkapital.se"


def seed(*, people: dict[str, User], pools: dict[str, Pool], rng: random.Random) -> None:
    """One unconfirmed fair card given with Sara's email (claimed when she logs in). Idempotent."""
    pool = pools.get("stodspar-butik")
    if pool is None or not pool.is_open:
        return
    if Pledge.objects.filter(pool=pool, source=PledgeSource.FAIR_CARD, contact_email=CARD_EMAIL).exists():
        return
    pledge_create(
        pool=pool,
        saver=None,
        kind=PledgeKind.SUPPORT_SAVING,
        source=PledgeSource.FAIR_CARD,
        amount_ore=2_000_000,
        term_months=24,
        contact_name="Sara Sparare",
        contact_email=CARD_EMAIL,
    )
