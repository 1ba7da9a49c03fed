"""Demo data for regulated offers: a loan with interest to the village shop, regulated, with an approved key
investment information sheet in Swedish and English. Idempotent: the pool is looked up before it is made."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from invest.models import Project
from pools.models import FundingRule, Pool, PoolKind
from pools.offers.models import OfferInstrument
from pools.offers.services import pool_offer_set, sheet_approve, sheet_write
from pools.services import pool_open

SLUG = "lan-lanthandel"
SHEET = {
    "sv": {
        "owner": "Byns Lanthandel ekonomisk förening i Ödeby, org.nr 769600-0000, ägs av 212 medlemmar i bygden.",
        "project": "Ny kyl- och frysdisk och solceller på taket, så att butiken kan hålla öppet året runt.",
        "risks": "Butiken kan få för få kunder och inte kunna betala tillbaka. Lånet har ingen säkerhet. "
        "Du kan förlora hela beloppet, och lånet kan inte säljas vidare.",
        "terms": "Lägsta mål 300 000 kr, sista dag enligt poolen. Nås inte målet betalas inbetalda pengar tillbaka.",
        "fees": "Inga avgifter för långivare. Föreningen betalar inga avgifter till plattformen.",
        "rights": "Rätt till ränta och återbetalning enligt låneavtalet; ingen rösträtt.",
        "instrument": "4 % ränta om året, betalas varje december. Lånet betalas tillbaka rakt på fem år.",
    },
    "en": {
        "owner": "Byns Lanthandel economic association in Ödeby, reg. no. 769600-0000, owned by 212 local members.",
        "project": "A new fridge and freezer counter and solar panels on the roof, so the shop can stay open all year.",
        "risks": "The shop may have too few customers to repay. The loan is unsecured. "
        "You may lose the whole amount, and the loan cannot be sold on.",
        "terms": "Minimum target 300,000 kr, deadline as the pool's. If it is not reached, money paid in is refunded.",
        "fees": "No fees for lenders. The association pays the platform nothing.",
        "rights": "A right to interest and repayment under the loan agreement; no vote.",
        "instrument": "4 % interest a year, paid each December. Repaid in equal parts over five years.",
    },
}


def seed(*, people: dict[str, User], pools: dict[str, Pool], rng: random.Random) -> None:
    """The regulated loan pool of the village shop (shown to savers after its sheet)."""
    if Pool.objects.filter(slug=SLUG).exists():
        pools[SLUG] = Pool.objects.get(slug=SLUG)
        return
    owner, organiser = people["agare"], people["arrangor"]
    project = Project.objects.get(name="Byns Lanthandel", place="Ödeby")
    today = timezone.localdate()
    pool = Pool.objects.create(
        slug=SLUG,
        title="Lån till Byns Lanthandel",
        description="Låna ut till butikens nya kyldisk och solceller, 4 % ränta om året.",
        kind=PoolKind.FAIR,
        project=project,
        target_ore=50_000_000,
        minimum_ore=30_000_000,
        funding_rule=FundingRule.ALL_OR_NOTHING,
        opens_on=today - timedelta(days=5),
        closes_on=today + timedelta(days=55),
        bankgiro="5050-1055",
    )
    pool_offer_set(pool=pool, by=organiser, instrument=OfferInstrument.INTEREST_LOAN, interest_rate_bp=400)
    sheet = sheet_write(pool=pool, by=owner, content=SHEET)
    sheet_approve(sheet=sheet, by=organiser)
    pools[SLUG] = pool_open(pool=pool)
