"""Fixtures for micro-fund tests: a fund with rules, a share offer, and helpers to pay in capital."""

from __future__ import annotations

from datetime import date

import pytest

from invest.funds.services import fund_rules_set
from pools.models import PaymentChannel, Pledge, PledgeKind, PoolKind
from pools.services import payment_allocate, payment_record, pledge_create
from tests.factories import PoolFactory, ProjectFactory, ShareOfferPoolFactory

RULES = dict(
    required_share_ore=100_000,  # 1 000 kr
    max_instalments=4,
    instalment_interval_months=1,
    voluntary_shares_allowed=True,
    withdrawal_notice_days=90,
    max_per_project_ore=50_000_000,  # 500 000 kr
    max_per_project_bp=2_500,  # 25 %
    max_exposure_bp=10_000,  # 100 %
    guarantee_max_coverage_bp=9_000,  # 90 %
    guarantee_fee_bp=100,  # 1 % a year
)


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Users are made by the dozen here: hash their passwords cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fund(organiser):
    from tests.factories import MicroFundFactory

    return MicroFundFactory(organiser=organiser)


@pytest.fixture
def rules(fund, organiser):
    return fund_rules_set(fund=fund, by=organiser, **RULES)


@pytest.fixture
def share_pool(fund):
    return ShareOfferPoolFactory(project=None, micro_fund=fund, share_price_ore=50_000, target_ore=10_000_000_000)


@pytest.fixture
def capital_pool(fund):
    return PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL, target_ore=10_000_000_000)


@pytest.fixture
def project(db):
    return ProjectFactory()


def pay(pledge: Pledge, amount_ore: int, on: date, by=None):
    """Money arriving for a pledge on a day, matched to it."""
    payment = payment_record(
        amount_ore=amount_ore, received_on=on, channel=PaymentChannel.MANUAL, reference=pledge.ocr_reference or ""
    )
    return payment_allocate(payment=payment, parts=[(pledge, amount_ore)], by=by)[0]


@pytest.fixture
def add_capital(capital_pool, other_saver):
    """Pay capital into the fund as a gift to its capital pool, received on a given day."""

    def _add(amount_ore: int, on: date) -> Pledge:
        pledge = pledge_create(pool=capital_pool, saver=other_saver, kind=PledgeKind.GIFT, amount_ore=amount_ore)
        pay(pledge, amount_ore, on)
        return pledge

    return _add
