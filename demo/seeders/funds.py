"""Demo data for micro-funds: rules, a share offer, members paying in instalments, a loan with
repayments (one overdue), a guarantee whose bank loan is being repaid, and a withdrawal waiting
for a treasurer. Idempotent: every row is looked up before it is made."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from invest.funds.models import CapitalWithdrawal, FundMembership, Guarantee, Loan
from invest.funds.selectors import fund_rules_current
from invest.funds.services import (
    capital_withdrawal_request,
    fund_member_join,
    fund_rules_set,
    fund_totals_recompute,
    guarantee_balance_report,
    guarantee_create,
    loan_create,
    loan_repayment_record,
)
from invest.models import MicroFund, Project
from pools.models import PaymentChannel, Pledge, PledgeKind, PledgeSource, Pool, PoolKind
from pools.services import payment_allocate, payment_record, pledge_create, pool_open

FUND_NAME = "Ödebygdens Mikrofond"
RULES = dict(
    required_share_ore=100_000,  # 1 000 kr
    max_instalments=4,
    instalment_interval_months=1,
    voluntary_shares_allowed=True,
    withdrawal_notice_days=90,
    max_per_project_ore=30_000_000,  # 300 000 kr
    max_per_project_bp=3_000,  # 30 %
    max_exposure_bp=15_000,  # 150 % of capital
    guarantee_max_coverage_bp=9_000,  # 90 %
    guarantee_fee_bp=100,  # 1 % a year
)
FOUNDATION = "Sparbanken Bygds stiftelse"


def _pay(pledge: Pledge, amount_ore: int, days_ago: int, payer: str) -> None:
    payment = payment_record(
        amount_ore=amount_ore,
        received_on=timezone.localdate() - timedelta(days=days_ago),
        channel=PaymentChannel.BGMAX,
        reference=pledge.ocr_reference or "",
        payer_name=payer,
    )
    payment_allocate(payment=payment, parts=[(pledge, amount_ore)], by=None)


def seed(*, people: dict[str, User], pools: dict[str, Pool], rng: random.Random) -> None:
    """Seed the fund's rules, members, engagements and totals (running twice changes nothing)."""
    fund = MicroFund.objects.filter(name=FUND_NAME).first()
    if fund is None:
        return
    organiser, treasurer = people["arrangor"], people["kassor"]
    today = timezone.localdate()
    if fund_rules_current(fund=fund) is None:
        fund_rules_set(fund=fund, by=organiser, note="Antagna vid föreningsstämman.", **RULES)

    share_pool = Pool.objects.filter(slug="andelar-fond").first()
    if share_pool is None:
        share_pool = Pool.objects.create(
            slug="andelar-fond",
            title="Medlemsinsatser i Ödebygdens Mikrofond",
            description="Bli medlem: en insats på 1 000 kr, gärna i delbetalningar.",
            kind=PoolKind.SHARE_OFFER,
            micro_fund=fund,
            target_ore=200_000_000,
            share_price_ore=50_000,
            opens_on=today - timedelta(days=120),
            closes_on=today + timedelta(days=240),
            bankgiro="5050-1055",
        )
        share_pool = pool_open(pool=share_pool)

    # Capital from the local savings bank's foundation, to the fund's capital pool.
    capital_pool = pools.get("kapital-fond")
    if capital_pool is not None and not Pledge.objects.filter(pool=capital_pool, contact_name=FOUNDATION).exists():
        gift = pledge_create(
            pool=capital_pool,
            saver=None,
            kind=PledgeKind.GIFT,
            source=PledgeSource.TREASURER,
            amount_ore=90_000_000,
            contact_name=FOUNDATION,
        )
        Pledge.objects.filter(pk=gift.pk).update(receipt_sent_at=timezone.now())
        _pay(gift, 90_000_000, 110, FOUNDATION)

    # Members: the two demo savers and some of the village's savers, paying in instalments.
    village = User.objects.filter(email__startswith="sparare0", email__endswith="@demo.lokalkapital.se")
    candidates = [people["sparare"], people["saver.en"], *village.order_by("email")[:12]]
    for index, user in enumerate(candidates):
        if FundMembership.objects.filter(fund=fund, member=user).exists():
            continue
        member_rng = random.Random(f"fund-member-{index}")
        instalments = member_rng.choice([1, 2, 4])
        membership = fund_member_join(
            fund=fund,
            user=user,
            pool=share_pool,
            instalments=instalments,
            voluntary_share_count=member_rng.choice([0, 0, 2, 4]),
        )
        for share in membership.shares.select_related("pledge"):
            Pledge.objects.filter(pk=share.pledge_id).update(receipt_sent_at=timezone.now())
            paid_instalments = list(share.instalments.all())[: member_rng.randint(0, len(share.instalments.all()))]
            if index == 0:
                paid_instalments = list(share.instalments.all())  # Sara has paid all: she votes
            for inst in paid_instalments:
                _pay(share.pledge, inst.amount_ore, member_rng.randint(1, 20), user.display_name)

    # A loan to the café, two instalments repaid, the third overdue.
    cafe = Project.objects.filter(name="Kafé Kvarnen").first()
    if cafe is not None and not Loan.objects.filter(fund=fund, project=cafe).exists():
        loan = loan_create(
            fund=fund,
            by=organiser,
            project=cafe,
            principal_ore=15_000_000,
            term_months=24,
            interest_bp=500,
            disbursed_on=today - timedelta(days=100),
        )
        for number in (1, 2):
            due = loan.instalments.get(number=number)
            loan_repayment_record(
                loan=loan, by=treasurer, amount_ore=due.amount_ore, paid_on=due.due_on, reference=f"DEMO-{number}"
            )

    # A guarantee for the village shop's bank loan, which is being repaid.
    shop = Project.objects.filter(name="Byns Lanthandel").first()
    if shop is not None and not Guarantee.objects.filter(fund=fund, project=shop).exists():
        guarantee = guarantee_create(
            fund=fund,
            by=organiser,
            project=shop,
            bank="Sparbanken Bygd",
            loan_amount_ore=30_000_000,
            coverage_bp=8_000,
            term_months=60,
            issued_on=today - timedelta(days=90),
        )
        guarantee_balance_report(
            guarantee=guarantee, by=treasurer, balance_ore=27_500_000, effective_on=today - timedelta(days=30)
        )

    # One member has asked to take out a voluntary share: it waits for a treasurer.
    sara = FundMembership.objects.filter(fund=fund, member=people["sparare"]).first()
    if sara is not None and not CapitalWithdrawal.objects.filter(membership=sara).exists():
        capital_withdrawal_request(fund=fund, user=people["sparare"], amount_ore=50_000)

    fund_totals_recompute(fund_id=fund.pk)
