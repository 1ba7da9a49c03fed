"""The seeded world the schema fuzz runs against (tests/api/test_schema_fuzz.py).

Objects of every kind the API serves, built through the services as people would make them:
pools of every kind and state, pledges of every kind belonging to the fuzzing saver and owner,
a micro-fund with members, a withdrawal, loans and guarantees, fairs in every stage with pitches
and pledge cards, an imported bank file with matched and unmatched payments, and payout lists
in every state. `ids` names the objects by what a path or body parameter takes, so the fuzz
config can point schemathesis at rows that exist.

Objects that a fuzzed write moves on for good (a pledge withdrawn, a fair closed, a loan written
off, a list cancelled) come in spares: the writes are steered to the spares, so the rows the
reads and the other writes need stay in the state they were built in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.roles import Role
from invest.funds.services import (
    capital_withdrawal_prepare,
    capital_withdrawal_request,
    fund_member_join,
    fund_rules_set,
    guarantee_create,
    loan_create,
    loan_repayment_record,
)
from invest.models import ProjectStatus
from pools.models import FundingRule, PaymentChannel, PledgeKind, PoolKind, PoolStatus
from pools.services import payment_allocate, payment_record, pledge_create
from pools.totals import pool_totals_recompute
from tests.factories import (
    FairFactory,
    MicroFundFactory,
    PoolFactory,
    ProjectFactory,
    ShareOfferPoolFactory,
    UserFactory,
    totp_device_for,
)
from tests.treasury.builders import BgPayment, bgmax

RULES = dict(
    required_share_ore=100_000,
    max_instalments=4,
    instalment_interval_months=1,
    voluntary_shares_allowed=True,
    withdrawal_notice_days=90,
    max_per_project_ore=50_000_000,
    max_per_project_bp=2_500,
    max_exposure_bp=10_000,
    guarantee_max_coverage_bp=9_000,
    guarantee_fee_bp=100,
)


@dataclass
class FuzzWorld:
    users: dict[str, Any]
    ids: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, name: str, *values: Any) -> None:
        bucket = self.ids.setdefault(name, [])
        for value in values:
            value = getattr(value, "pk", value)
            if value not in bucket:
                bucket.append(value)


def _pay(pledge: Any, amount_ore: int, on: date, by: Any = None) -> Any:
    payment = payment_record(
        amount_ore=amount_ore, received_on=on, channel=PaymentChannel.MANUAL, reference=pledge.ocr_reference or ""
    )
    return payment_allocate(payment=payment, parts=[(pledge, amount_ore)], by=by)[0]


def _pledges_of_every_kind(user: Any, pools: dict[str, Any], today: date) -> list[Any]:
    """One pledge of each kind for `user`, the money ones partly paid."""
    made = [
        pledge_create(pool=pools["support"], saver=user, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12),
        pledge_create(pool=pools["share"], saver=user, kind=PledgeKind.SHARE, share_count=4),
        pledge_create(pool=pools["capital"], saver=user, kind=PledgeKind.GIFT, amount_ore=25_000),
        pledge_create(pool=pools["capital"], saver=user, kind=PledgeKind.LOAN, amount_ore=300_000, term_months=24),
        pledge_create(pool=pools["fair"], saver=user, kind=PledgeKind.PRE_PURCHASE, amount_ore=40_000),
        pledge_create(
            pool=pools["support"], saver=user, kind=PledgeKind.TIME, description="Snickra", quantity=Decimal(8)
        ),
        pledge_create(pool=pools["support"], saver=user, kind=PledgeKind.SKILL, description="Bokföring"),
        pledge_create(
            pool=pools["support"], saver=user, kind=PledgeKind.ITEM, description="Virke", quantity=Decimal(3), unit="m3"
        ),
        pledge_create(pool=pools["share"], saver=user, kind=PledgeKind.CONTACT, description="Känner en snickare"),
    ]
    _pay(made[0], 50_000, today - timedelta(days=3))
    _pay(made[2], 25_000, today - timedelta(days=2))
    return made


def build_world() -> FuzzWorld:  # noqa: PLR0915 - one world, built top to bottom
    from invest.fairs.services import (
        fair_close,
        fair_finish,
        pitch_apply,
        pitch_choose,
        pledge_follow_up_record,
    )
    from pools.services import pledge_withdraw
    from tests.invest.fairs.builders import card, fair_with_programme, live_fair
    from treasury.services import bankfile_import, payment_match_manual, payout_approve, payout_prepare

    today = timezone.localdate()
    users = {
        # Refund accounts, so their withdrawn pledges can go into refund lists.
        "saver": UserFactory(roles=(Role.SAVER,), refund_iban="SE4550000000058398257466"),
        "other_saver": UserFactory(roles=(Role.SAVER,)),
        "owner": UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER), refund_iban="SE3550000000054910000003"),
        "other_owner": UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER)),
        "treasurer": UserFactory(roles=(Role.TREASURER,)),
        "second_treasurer": UserFactory(roles=(Role.TREASURER,)),
        "organiser": UserFactory(roles=(Role.ORGANISER,)),
    }
    for name in ("treasurer", "second_treasurer", "organiser"):
        totp_device_for(users[name])
    w = FuzzWorld(users=users)
    saver, owner, organiser = users["saver"], users["owner"], users["organiser"]
    treasurer, second = users["treasurer"], users["second_treasurer"]

    # ------------------------------------------------------------ projects and pools
    project = ProjectFactory(owner=owner)
    second_project = ProjectFactory(owner=owner)
    draft_project = ProjectFactory(owner=owner, status=ProjectStatus.DRAFT, published_at=None)
    others_project = ProjectFactory(owner=users["other_owner"])
    w.add("projects", project, second_project, others_project, draft_project)
    w.add("published_projects", project, second_project, others_project)
    w.add("own_projects", project, second_project, draft_project)

    support = PoolFactory(project=project)
    points = PoolFactory(project=project, target_ore=None, target_points=1_000_000)
    share = ShareOfferPoolFactory(project=project, minimum_ore=50_000, max_per_saver_ore=50_000_00)
    draft_pool = PoolFactory(project=project, status=PoolStatus.DRAFT)
    failed = PoolFactory(
        project=second_project, funding_rule=FundingRule.ALL_OR_NOTHING, closes_on=today + timedelta(days=1)
    )
    fund = MicroFundFactory(organiser=organiser)
    fund_rules_set(fund=fund, by=organiser, **RULES)
    bare_fund = MicroFundFactory(organiser=organiser)  # no rules yet: joining it is refused
    open_fund = MicroFundFactory(organiser=organiser)  # nobody has joined yet
    fund_rules_set(fund=open_fund, by=organiser, **RULES)
    open_fund_shares = ShareOfferPoolFactory(
        project=None, micro_fund=open_fund, share_price_ore=50_000, target_ore=10**10
    )
    capital = PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL, target_ore=10**10)
    fund_shares = ShareOfferPoolFactory(project=None, micro_fund=fund, share_price_ore=50_000, target_ore=10**10)
    w.add("funds", fund, open_fund, bare_fund)
    w.add("share_offers", fund_shares, open_fund_shares, share)

    # ------------------------------------------------------------ fairs: one in every stage
    live, (own_pitch, other_pitch) = live_fair(organiser, owner=owner)
    fair_pool = own_pitch.pool
    planned = FairFactory(organiser=organiser)
    applied = [
        pitch_apply(fair=planned, project=p, by=p.owner, title=f"Ansökan {i}")
        for i, p in enumerate((project, others_project, ProjectFactory(), ProjectFactory()))
    ]
    spare_planned = FairFactory(organiser=organiser)
    withdrawable = pitch_apply(fair=spare_planned, project=second_project, by=owner)
    scheduled, (to_confirm, _scheduled_other) = fair_with_programme(organiser, owner=owner)
    chosen_fair = FairFactory(organiser=organiser, pitch_slots=3)
    chosen = []
    for p in (ProjectFactory(), ProjectFactory()):
        chosen.append(pitch_choose(pitch=pitch_apply(fair=chosen_fair, project=p, by=p.owner), by=organiser))
    spare_live, spare_live_pitches = live_fair(organiser)
    following, _ = live_fair(organiser)
    fair_close(fair=following, by=organiser)
    finished, _ = live_fair(organiser)
    fair_close(fair=finished, by=organiser)
    fair_finish(fair=finished, by=organiser)

    cards = [
        card(own_pitch, may_contact=True),
        card(own_pitch, kind="time", amount_ore=None, hours=Decimal(3), description="Ställer upp"),
    ]
    cards.append(card(other_pitch, kind="loan", amount_ore=200_000, months=24, email="bo@example.se"))
    for row in cards:
        pledge_follow_up_record(pledge=row.pledge, by=organiser, outcome="contacted", note="Ringt")

    w.add("fairs", live, planned, scheduled, chosen_fair, spare_live, following, finished, spare_planned)
    w.add("fairs_live", live)
    w.add("fairs_for_applications", planned, spare_planned)
    w.add("fairs_for_programme", chosen_fair, scheduled)
    w.add("fairs_to_move", spare_planned, scheduled, spare_live, following)
    w.add("pitches", own_pitch, other_pitch, *applied, withdrawable, to_confirm, *chosen, *spare_live_pitches)
    w.add("pitches_live", own_pitch, other_pitch)
    w.add("pitches_own", own_pitch, to_confirm, withdrawable, applied[0])
    w.add("pitches_applied", *applied[1:])
    w.add("pitches_chosen", *chosen)
    w.add("pitches_to_confirm", to_confirm)
    w.add("pitches_to_withdraw", withdrawable, applied[0])
    w.add("pitch_codes", own_pitch.code, other_pitch.code)
    w.add("card_pledges", *(row.pledge for row in cards))

    # ------------------------------------------------------------ pools of every kind, with pledges
    pools = {"support": support, "share": share, "capital": capital, "fair": fair_pool}
    saver_pledges = _pledges_of_every_kind(saver, pools, today)
    owner_pledges = _pledges_of_every_kind(owner, pools, today)
    spare = [
        pledge_create(pool=support, saver=user, kind=PledgeKind.SUPPORT_SAVING, amount_ore=30_000, term_months=12)
        for user in (saver, saver, owner, owner)
    ]
    w.add("pledges_saver", *saver_pledges)
    w.add("pledges_owner", *owner_pledges)
    w.add("pledges_to_withdraw", *spare[1:], spare[0])  # spare[0] gets paid in full below

    # Money to send back or on: a withdrawn pledge with money in, a failed all-or-nothing pool,
    # and succeeded pools with money for their beneficiaries.
    from pools.models import Pool

    other_saver = users["other_saver"]
    refunded = pledge_create(
        pool=support, saver=other_saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=20_000, term_months=12
    )
    pledge_withdraw(pledge=refunded, by=other_saver)
    _pay(refunded, 20_000, today - timedelta(days=5))  # paid after all
    in_failed = pledge_create(
        pool=failed, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=10_000, term_months=6
    )
    _pay(in_failed, 10_000, today - timedelta(days=4))
    succeeded = []
    for paid_in in (70_000, 90_000):
        pool = PoolFactory(project=others_project)
        pledge = pledge_create(
            pool=pool, saver=other_saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=paid_in, term_months=12
        )
        _pay(pledge, paid_in, today - timedelta(days=6))
        succeeded.append(pool)
    Pool.objects.filter(pk__in=[p.pk for p in succeeded]).update(status=PoolStatus.SUCCEEDED)
    Pool.objects.filter(pk=failed.pk).update(status=PoolStatus.FAILED)
    w.add(
        "pools",
        support,
        points,
        share,
        capital,
        fund_shares,
        fair_pool,
        *succeeded,
        failed,
        draft_pool,
        other_pitch.pool,
    )
    # First the pool that takes every kind: a dictionary's first entry is drawn most often.
    w.add("pools_open", fair_pool, support, points, share, capital, fund_shares, other_pitch.pool)

    # ------------------------------------------------------------ the fund: members, withdrawals, loans, guarantees
    gift = pledge_create(pool=capital, saver=organiser, kind=PledgeKind.GIFT, amount_ore=100_000_000)
    _pay(gift, 100_000_000, today - timedelta(days=10))
    withdrawals = []
    for member in (saver, owner, users["other_saver"]):
        membership = fund_member_join(fund=fund, user=member, pool=fund_shares, voluntary_share_count=4)
        for share_row in membership.shares.all():
            _pay(share_row.pledge, share_row.pledge.amount_ore, today - timedelta(days=1))
        withdrawals.append(capital_withdrawal_request(fund=fund, user=member, amount_ore=10_000))
    capital_withdrawal_prepare(withdrawal=withdrawals[2], by=second)
    w.add("withdrawals", *withdrawals)

    loans = [
        loan_create(
            fund=fund,
            by=organiser,
            project=p,
            principal_ore=1_200_000,
            term_months=12,
            interest_bp=300,
            disbursed_on=today - timedelta(days=40),
        )
        for p in (project, others_project, second_project)
    ]
    loan_repayment_record(loan=loans[0], by=treasurer, amount_ore=100_000, paid_on=today - timedelta(days=5))
    guarantees = [
        guarantee_create(
            fund=fund,
            by=organiser,
            project=p,
            bank="Sparbanken Bygd",
            loan_amount_ore=2_000_000,
            coverage_bp=5_000,
            term_months=60,
            issued_on=today - timedelta(days=30),
        )
        for p in (project, others_project, second_project)
    ]
    w.add("loans", *loans)
    w.add("loans_to_write_off", loans[2])
    w.add("guarantees", *guarantees)

    # ------------------------------------------------------------ treasury: a bank file, payments, payout lists
    content = bgmax(
        [
            BgPayment(amount_ore=50_000, reference=saver_pledges[0].ocr_reference, name="Sparare Ett"),
            BgPayment(amount_ore=33_300, reference="9999999999", name="Okänd Betalare"),
            BgPayment(amount_ore=12_000, name="Utan Referens", text="Gåva till bygden"),
            BgPayment(
                amount_ore=500_000,
                reference=owner_pledges[1].ocr_reference,
                name="Ägare Överbetalar",
                payer_bankgiro="5050-1055",
            ),
        ],
        booked_on=today - timedelta(days=1),
    )
    bank_file = bankfile_import(content=content, filename="bgmax.txt", by=treasurer)
    from pools.models import Payment, PaymentAllocation

    manual = payment_record(
        amount_ore=40_000, received_on=today - timedelta(days=2), channel=PaymentChannel.MANUAL, payer_name="Kontant"
    )
    matched = payment_match_manual(payment=manual, parts=[(spare[0], 30_000)], by=treasurer)
    unmatched = list(Payment.objects.filter(allocations__isnull=True).order_by("pk"))
    w.add("bank_files", bank_file)
    # Files for the fuzz to upload: each imports once (its next upload is a duplicate, 409).
    w.add(
        "bank_file_contents",
        *(
            bgmax(
                [BgPayment(amount_ore=amount, reference=reference, name="Fuzz Betalare")],
                booked_on=today,
                stamp=f"2026030506153012345{n}",
            ).decode("iso-8859-1")
            for n, (amount, reference) in enumerate(
                [(10_000, saver_pledges[3].ocr_reference), (20_000, owner_pledges[0].ocr_reference), (30_000, "")]
            )
        ),
    )
    w.add("pledge_kinds", "gift", "support_saving", "share", "pre_purchase", "loan")
    w.add("payments", *Payment.objects.order_by("pk"))
    w.add("payments_unmatched", *unmatched)
    w.add(
        "allocations",
        *matched,
        *PaymentAllocation.objects.filter(payment__bank_file_line__bank_file=bank_file).order_by("pk"),
    )
    w.add("pledges_outstanding", saver_pledges[0], saver_pledges[3], owner_pledges[0], owner_pledges[4], spare[1])

    from treasury.selectors import payout_candidates

    # Only lines with an account to pay to can go into a list (the others are refused, 409).
    refunds = [c.source_key for c in payout_candidates(kind="refund") if not c.is_missing_account]
    payouts = [c.source_key for c in payout_candidates(kind="payout") if not c.is_missing_account]
    # Lists by the second treasurer (the fuzzing treasurer may approve them) and by the fuzzing
    # treasurer (approved by the second, so they can be exported); each from its own candidate.
    to_approve = payout_prepare(kind="payout", source_keys=payouts[:1], by=second)
    to_export = payout_prepare(kind="refund", source_keys=refunds[:1], by=treasurer)
    payout_approve(batch=to_export, by=second)
    to_cancel = payout_prepare(kind="refund", source_keys=refunds[1:2], by=treasurer)
    w.add("payouts", to_approve, to_export, to_cancel)
    w.add("payouts_to_approve", to_approve)
    w.add("payouts_to_export", to_export)
    w.add("payouts_to_cancel", to_cancel)
    w.add("payout_keys", *refunds[2:], *payouts[1:])

    for pool in Pool.objects.all():
        pool_totals_recompute(pool_id=pool.pk)
    from invest.funds.services import fund_totals_recompute

    fund_totals_recompute(fund_id=fund.pk)
    return w
