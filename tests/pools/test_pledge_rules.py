"""Foundation services: pledges of every kind, the limits they must respect, payments and totals."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from operations.models import OutboxMessage
from pools.errors import (
    AllocationError,
    AmountAboveMaximum,
    AmountBelowMinimum,
    CurrencyNotSupported,
    InvalidPledge,
    PledgeKindNotAllowed,
    PledgeNotChangeable,
    PoolClosed,
    PoolOversubscribed,
)
from pools.models import Payment, Pledge, PledgeKind, PledgeSource, PledgeStatus, PoolStatus
from pools.references import ocr_is_valid
from pools.services import (
    allocation_reverse,
    payment_allocate,
    payment_record,
    pledge_create,
    pledge_withdraw,
)
from pools.totals import pool_totals_recompute
from tests.factories import PoolFactory, ShareOfferPoolFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_monthly_support_saving_pledge_gets_reference_and_queues_work(pool, saver):
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)
    assert pledge.amount_ore == 600_000
    assert ocr_is_valid(pledge.ocr_reference)
    assert pledge.status == PledgeStatus.PLEDGED
    tasks = set(OutboxMessage.objects.values_list("task_name", flat=True))
    assert tasks == {"workers.totals.recompute_pool_totals", "workers.receipts.send_pledge_receipt"}


def test_lump_support_saving_needs_a_term(pool, saver):
    with pytest.raises(InvalidPledge) as error:
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100_000)
    assert error.value.field == "term_months"
    assert not Pledge.objects.exists()


def test_share_pledge_costs_whole_shares(saver):
    pool = ShareOfferPoolFactory(share_price_ore=50_000)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=3)
    assert pledge.amount_ore == 150_000


def test_non_money_pledge_has_no_reference(pool, saver):
    pledge = pledge_create(
        pool=pool, saver=saver, kind=PledgeKind.TIME, description="Bygga hyllor", quantity=Decimal("4.5")
    )
    assert pledge.ocr_reference is None and pledge.unit == "hours"


@pytest.mark.parametrize("status", [PoolStatus.DRAFT, PoolStatus.SUCCEEDED, PoolStatus.CANCELLED])
def test_closed_pool_refuses_pledges(saver, status):
    pool = PoolFactory(status=status)
    with pytest.raises(PoolClosed):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=100, months=1)
    assert not Pledge.objects.exists()


def test_pool_past_its_closing_date_refuses_pledges(saver):
    today = timezone.localdate()
    pool = PoolFactory(opens_on=today - timedelta(days=60), closes_on=today - timedelta(days=1))
    with pytest.raises(PoolClosed):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.TIME, description="x", quantity=Decimal(1))


def test_wrong_kind_and_currency_are_refused(pool, saver):
    with pytest.raises(PledgeKindNotAllowed):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=1)
    with pytest.raises(CurrencyNotSupported):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=100, months=1, currency="EUR")


def test_minimum_and_per_saver_maximum(saver):
    pool = PoolFactory(min_per_saver_ore=10_000, max_per_saver_ore=100_000)
    with pytest.raises(AmountBelowMinimum):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=5_000, term_months=12)
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=80_000, term_months=12)
    with pytest.raises(AmountAboveMaximum):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=30_000, term_months=12)
    assert Pledge.objects.count() == 1


def test_capped_pool_refuses_oversubscription(saver, other_saver):
    pool = ShareOfferPoolFactory(share_price_ore=10_000, cap_ore=50_000)
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SHARE, share_count=4)
    with pytest.raises(PoolOversubscribed):
        pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.SHARE, share_count=2)
    pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.SHARE, share_count=1)


@pytest.mark.parametrize("bad", [0, -1, True, "100", 10**20, None])
def test_hostile_amounts_are_refused(pool, saver, bad):
    with pytest.raises(InvalidPledge):
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=bad, term_months=12)
    assert not Pledge.objects.exists()


def test_withdraw_only_while_open(pool, saver):
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SKILL, description="Webbdesign")
    assert pledge_withdraw(pledge=pledge, by=saver).status == PledgeStatus.WITHDRAWN
    with pytest.raises(PledgeNotChangeable):
        pledge_withdraw(pledge=pledge, by=saver)


@pytest.mark.parametrize("who", ["other_saver", "organiser", "treasurer"])
def test_only_its_saver_withdraws_an_online_pledge(pool, saver, who, request):
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SKILL, description="Webbdesign")
    with pytest.raises(PledgeNotChangeable):
        pledge_withdraw(pledge=pledge, by=request.getfixturevalue(who))
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.PLEDGED


def test_an_organiser_withdraws_a_fair_card_pledge_but_a_saver_may_not(organiser, other_saver):
    pool = PoolFactory(kind="fair")
    pledge = pledge_create(
        pool=pool,
        saver=None,
        kind=PledgeKind.GIFT,
        amount_ore=10_000,
        source=PledgeSource.FAIR_CARD,
        contact_name="Kim",
        contact_email="kim@example.se",
    )
    with pytest.raises(PledgeNotChangeable):
        pledge_withdraw(pledge=pledge, by=other_saver)
    assert pledge_withdraw(pledge=pledge, by=organiser).status == PledgeStatus.WITHDRAWN


def test_fair_card_without_account_gets_a_confirmation_token(db):
    pool = PoolFactory(kind="fair")
    pledge = pledge_create(
        pool=pool,
        saver=None,
        kind=PledgeKind.GIFT,
        amount_ore=20_000,
        source=PledgeSource.FAIR_CARD,
        contact_name="Åsa",
        contact_email="Asa@Example.se",
    )
    assert pledge.confirmation_token and pledge.contact_email == "asa@example.se"


def test_payment_split_and_reversal_update_status_and_totals(pool, saver):
    a = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=60_000, term_months=6)
    b = pledge_create(pool=pool, saver=UserFactory(), kind=PledgeKind.SUPPORT_SAVING, amount_ore=40_000, term_months=6)
    payment = payment_record(amount_ore=80_000, received_on=timezone.localdate(), channel="manual")
    with pytest.raises(AllocationError):
        payment_allocate(payment=payment, parts=[(a, 60_000), (b, 40_000)], by=None)
    first, _second = payment_allocate(payment=payment, parts=[(a, 60_000), (b, 20_000)], by=None)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, b.status) == (PledgeStatus.FULFILLED, PledgeStatus.PARTLY_FULFILLED)
    totals = pool_totals_recompute(pool_id=pool.pk)
    assert (totals.pledged_ore, totals.received_ore, totals.outstanding_ore) == (100_000, 80_000, 20_000)
    allocation_reverse(allocation=first, by=None)
    with pytest.raises(AllocationError):
        allocation_reverse(allocation=first, by=None)
    a.refresh_from_db()
    assert a.status == PledgeStatus.PLEDGED
    assert pool_totals_recompute(pool_id=pool.pk).received_ore == 20_000
    assert Payment.objects.get().allocations.count() == 3  # nothing deleted


def test_totals_recompute_is_idempotent_and_counts_kinds(pool, saver, other_saver):
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=10_000, months=12)
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.TIME, description="Kassa", quantity=Decimal("2.5"))
    pledge_create(pool=pool, saver=other_saver, kind=PledgeKind.TIME, description="Städ", quantity=Decimal(3))
    first = pool_totals_recompute(pool_id=pool.pk)
    second = pool_totals_recompute(pool_id=pool.pk)
    assert first.pledged_ore == second.pledged_ore == 120_000
    assert second.saver_count == 2 and second.pledge_count == 3 and second.non_money_pledge_count == 2
    assert second.hours == Decimal("5.50")
    # 100 kr a month for 12 months: 100 × (1+2+…+12) = 7 800 krona-months = 7 800 points
    assert second.estimated_points == 7_800
    assert second.percent_of_target == Decimal("0.12")


def test_money_matched_in_a_fund_pool_queues_the_fund_totals(saver):
    from tests.factories import MicroFundFactory

    fund = MicroFundFactory()
    pool = PoolFactory(kind="fund_capital", project=None, micro_fund=fund)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.GIFT, amount_ore=10_000)
    payment = payment_record(amount_ore=10_000, received_on=timezone.localdate(), channel="manual")
    OutboxMessage.objects.all().delete()
    [allocation] = payment_allocate(payment=payment, parts=[(pledge, 10_000)], by=None)
    assert OutboxMessage.objects.filter(task_name="workers.funds.recompute_fund_totals", args=[fund.pk]).exists()
    OutboxMessage.objects.all().delete()
    allocation_reverse(allocation=allocation, by=None)
    assert OutboxMessage.objects.filter(task_name="workers.funds.recompute_fund_totals", args=[fund.pk]).exists()


def test_pledge_terms_are_one_check_for_the_service_and_the_fair_card():
    """The card check and the pledge service refuse the same terms with the same message."""
    from decimal import Decimal

    from invest.fairs.errors import CardRefused
    from invest.fairs.services import CardInput, card_validate
    from pools.errors import InvalidPledge
    from pools.pledge_terms import pledge_terms_check

    with pytest.raises(InvalidPledge) as by_service:
        pledge_terms_check(kind="loan", amount_ore=100, term_months=601)
    with pytest.raises(CardRefused) as by_card:
        card_validate(CardInput(kind="loan", amount_ore=100, months=601))
    assert (by_service.value.field, by_card.value.field) == ("term_months", "months")
    assert str(by_service.value.message) == str(by_card.value.message)
    with pytest.raises(CardRefused) as by_card:
        card_validate(CardInput(kind="time", description="Hjälp", hours=Decimal("0.001")))
    assert by_card.value.field == "hours"
    terms = pledge_terms_check(kind="support_saving", monthly_ore=20_000, months=3)
    assert (terms.amount_ore, terms.monthly_ore, terms.months) == (60_000, 20_000, 3)
