"""Every list endpoint runs the same number of queries for N rows as for 3N.

LIST_SEEDERS names each list endpoint with a function that adds visible rows to it.
A guard reads the OpenAPI schema and fails when a list operation (an array or a
Paginated...List answer) has no seeder, so lists merged later are held to the rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.roles import Role
from pools.models import PoolKind, PoolTotals
from tests.factories import FairFactory, MicroFundFactory, PoolFactory, ProjectFactory, UserFactory

N = 3


def _seed_pools(n: int) -> None:
    for i in range(n):
        if i % 2:
            pool = PoolFactory()
        else:
            pool = PoolFactory(project=None, micro_fund=MicroFundFactory(), kind=PoolKind.FUND_CAPITAL)
        PoolTotals.objects.create(pool=pool, pledged_ore=100_00 * i)


def _seed_projects(n: int) -> None:
    for _ in range(n):
        ProjectFactory()


def _seed_fairs(n: int, user=None) -> None:
    for _ in range(n):
        FairFactory()


def _seed_funds(n: int, user=None) -> None:
    for _ in range(n):
        MicroFundFactory()


def _seed_my_pledges(n: int, user) -> None:
    from pools.models import PledgeKind
    from pools.services import pledge_create

    for _ in range(n):
        pledge_create(pool=PoolFactory(), saver=user, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=100_00, months=12)


def _seed_payments(n: int, user=None) -> None:
    from datetime import date

    from pools.models import PaymentChannel
    from pools.services import payment_record

    for _ in range(n):
        payment_record(amount_ore=150_00, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)


def _seed_bank_files(n: int, user) -> None:
    import uuid

    from treasury.models import BankFile

    for _ in range(n):
        BankFile.objects.create(sha256=uuid.uuid4().hex * 2, format="bgmax", content=b"x", imported_by=user)


_report_days = itertools.count()


def _seed_report_builds(n: int, user) -> None:
    """n report files the treasurer asked for (each as of another day, so none is a repeat)."""
    from datetime import date, timedelta

    from treasury.report_builds import report_build_request
    from treasury.reports import report_params

    for _ in range(n):
        day = date(2020, 1, 1) + timedelta(days=next(_report_days))
        report_build_request(
            by=user,
            kind="pools",
            params=report_params(as_of=day, date_from=None, date_to=None),
            file_format="csv",
            language="sv",
        )


def _exception_lines(n: int, user, *, returned: bool) -> None:
    """n bank-file lines for the treasurer: deductions against a pledge waiting in the exceptions queue,
    or reversals of payments the bank took back (the payment marked returned)."""
    import uuid
    from datetime import date

    from pools.models import Payment, PaymentChannel, PaymentStatus
    from pools.services import payment_record
    from tests.treasury.helpers import money_pledge
    from treasury.models import BankFile, BankFileLine, LineOutcome

    bank_file = BankFile.objects.create(sha256=uuid.uuid4().hex * 2, format="camt054", content=b"x", imported_by=user)
    for position in range(n):
        pledge = money_pledge(PoolFactory(), UserFactory(roles=(Role.SAVER,)), amount_ore=10_000)
        line = BankFileLine(
            bank_file=bank_file, position=position, amount_ore=10_000, booked_on=date(2026, 3, 2), pledge=pledge
        )
        if returned:
            payment = payment_record(amount_ore=10_000, received_on=date(2026, 3, 1), channel=PaymentChannel.MANUAL)
            Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.RETURNED)
            line.outcome, line.reversed_payment = LineOutcome.RETURNED, payment
        else:
            line.outcome, line.is_deduction, line.needs_attention = LineOutcome.DEDUCTION, True, True
        line.save()


def _seed_my_statements(n: int, user) -> None:
    from pools.offers.models import YearlyStatement

    first = 2025 - YearlyStatement.objects.filter(saver=user).count()
    for i in range(n):
        YearlyStatement.objects.create(saver=user, year=first - i, language="sv", pdf=b"%PDF-1.7")


# ---------------------------------------------------------------- funds, loans, guarantees


def _organiser():
    return UserFactory(roles=(Role.ORGANISER,))


def _treasurer():
    return UserFactory(roles=(Role.TREASURER,))


def _the_fund():
    """One fund with rules and 1 000 000 kr of paid-in capital, made on first use in a test."""
    from datetime import timedelta

    from django.utils import timezone

    from invest.funds.models import FundRulesVersion
    from invest.funds.services import fund_rules_set
    from pools.models import PledgeKind
    from pools.services import pledge_create
    from tests.invest.funds.conftest import RULES, pay

    existing = FundRulesVersion.objects.select_related("fund").order_by("pk").first()
    if existing:
        return existing.fund
    organiser = _organiser()
    fund = MicroFundFactory(organiser=organiser)
    fund_rules_set(fund=fund, by=organiser, **RULES)
    capital = PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL, target_ore=10**10)
    gift = pledge_create(pool=capital, saver=organiser, kind=PledgeKind.GIFT, amount_ore=100_000_000)
    pay(gift, 100_000_000, timezone.localdate() - timedelta(days=10))
    return fund


def _seed_fund_rules(n: int, user=None) -> dict[str, object]:
    from invest.funds.services import fund_rules_set

    fund = _the_fund()
    for _ in range(n):
        version = fund.rules_versions.count()
        fund_rules_set(fund=fund, by=fund.organiser, max_per_project_bp=2_000 + version, note="listq")
    return {"id": fund.pk}


def _seed_fund_withdrawals(n: int, user=None) -> dict[str, object]:
    from django.utils import timezone

    from invest.funds.services import capital_withdrawal_request, fund_member_join
    from tests.factories import ShareOfferPoolFactory
    from tests.invest.funds.conftest import pay

    fund = _the_fund()
    share_pool = fund.pools.filter(kind=PoolKind.SHARE_OFFER).first() or ShareOfferPoolFactory(
        project=None, micro_fund=fund, share_price_ore=50_000, target_ore=10**10
    )
    for _ in range(n):
        member = UserFactory(roles=(Role.SAVER,))
        membership = fund_member_join(fund=fund, user=member, pool=share_pool)
        share = membership.shares.get()
        pay(share.pledge, share.pledge.amount_ore, timezone.localdate())
        capital_withdrawal_request(fund=fund, user=member, amount_ore=40_000)
    return {"id": fund.pk}


def _seed_loans(n: int, user=None) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from invest.funds.services import loan_create

    fund = _the_fund()
    for _ in range(n):
        loan_create(
            fund=fund,
            by=fund.organiser,
            project=ProjectFactory(),
            principal_ore=1_200_000,
            term_months=12,
            disbursed_on=timezone.localdate() - timedelta(days=5),
        )


def _seed_guarantees(n: int, user=None) -> None:
    from django.utils import timezone

    from invest.funds.services import guarantee_create

    fund = _the_fund()
    for _ in range(n):
        guarantee_create(
            fund=fund,
            by=fund.organiser,
            project=ProjectFactory(),
            bank="Bygdebanken",
            loan_amount_ore=1_000_000,
            coverage_bp=5_000,
            term_months=12,
            issued_on=timezone.localdate(),
        )


# ---------------------------------------------------------------- fairs


def _seed_pitch_pledgers(n: int, user) -> dict[str, object]:
    from invest.fairs.models import Pitch
    from tests.invest.fairs.builders import card, live_fair

    pitch = Pitch.objects.filter(project__owner=user).order_by("pk").first()
    if pitch is None:
        _fair, made = live_fair(_organiser(), owner=user)
        pitch = next(p for p in made if p.project.owner_id == user.pk)
    for i in range(n):
        card(pitch, name=f"Givare {i}", email=f"g{i}-{pitch.pk}@example.se")
    return {"pitch_id": pitch.pk}


# ---------------------------------------------------------------- operations


def _seed_jobs(n: int, user=None) -> None:
    import uuid

    from operations.jobs import job_run

    for _ in range(n):
        with job_run(f"listq_{uuid.uuid4().hex[:8]}"):
            pass


def _seed_failed_reminders(n: int, user=None) -> None:
    import uuid

    from django.utils import timezone

    from pools.models import Reminder, ReminderStatus

    for _ in range(n):
        pool = PoolFactory()
        saver = UserFactory(roles=(Role.SAVER,))
        Reminder.objects.create(
            saver=saver, kind="pool_closing_soon", subject_type="pool", subject_id=pool.pk, pool=pool,
            recipient_key=f"user:{saver.pk}", period=uuid.uuid4().hex[:8], status=ReminderStatus.FAILED,
            last_error="550 no such user", send_after=timezone.now(),
        )  # fmt: skip


# ---------------------------------------------------------------- payments and treasury


def _overpaid_pledges(n: int, saver=None) -> list:
    """n pledges of 100 kr, each matched to a 150 kr payment (so 50 kr over-paid)."""
    from datetime import date

    from pools.models import PaymentChannel
    from pools.services import payment_record
    from tests.treasury.helpers import money_pledge
    from treasury.services import payment_match_manual

    treasurer = _treasurer()
    payments = []
    for _ in range(n):
        pledge = money_pledge(PoolFactory(), saver or UserFactory(roles=(Role.SAVER,)), amount_ore=10_000)
        payment = payment_record(
            amount_ore=15_000,
            received_on=date(2026, 3, 1),
            channel=PaymentChannel.MANUAL,
            payer_account="bankgiro 5050-1055",
        )
        payment_match_manual(payment=payment, parts=[(pledge, 10_000)], by=treasurer)
        payments.append(payment)
    return payments


def _seed_my_payments(n: int, user) -> None:
    _overpaid_pledges(n, user)


def _seed_payout_candidates(n: int, user=None) -> None:
    _overpaid_pledges(n)


def _seed_payouts(n: int, user) -> None:
    from treasury.services import payout_prepare

    for payment in _overpaid_pledges(n):
        payout_prepare(kind="refund", source_keys=[f"overpayment:{payment.pk}"], by=user)


def _seed_pledge_search(n: int, user=None) -> dict[str, object]:
    from tests.treasury.helpers import money_pledge

    for _ in range(n):
        money_pledge(PoolFactory(), UserFactory(roles=(Role.SAVER,)), amount_ore=10_000, contact_name="Listq Berg")
    return {"q": "Listq"}


def _seed_failed_mail(n: int, user=None) -> None:
    import uuid

    from django.utils import timezone

    from communities.selectors import default_community_id
    from operations.models import MailDelivery

    for _ in range(n):
        MailDelivery.objects.create(
            key=f"receipt:listq-{uuid.uuid4().hex[:8]}", kind="receipt", status="failed",
            next_attempt_at=timezone.now(), last_error="550 no such user", community_id=default_community_id(),
        )  # fmt: skip


def _seed_communities(n: int, user) -> None:
    """n communities the treasurer holds the treasurer role in (the communities they manage)."""
    import uuid

    from communities.services import community_create, membership_grant

    for _ in range(n):
        slug = f"by-{uuid.uuid4().hex[:10]}"
        membership_grant(user=user, community=community_create(name=f"By {slug}", slug=slug), role="treasurer")


def _treasurers_community(user):
    from communities.models import CommunityMembership

    return CommunityMembership.objects.filter(user=user, role="treasurer").order_by("pk").first().community


def _seed_memberships(n: int, user) -> dict[str, int]:
    """n organisers of the treasurer's community."""
    from communities.services import membership_grant

    community = _treasurers_community(user)
    for _ in range(n):
        membership_grant(user=UserFactory(), community=community, role="organiser", by=user)
    return {"id": community.pk}


def _seed_invitations(n: int, user) -> dict[str, int]:
    """n invitations to the treasurer's community, sent by the treasurer."""
    import uuid

    from communities.services import invitation_create

    community = _treasurers_community(user)
    for _ in range(n):
        invitation_create(by=user, community=community, email=f"{uuid.uuid4().hex[:10]}@example.se", role="organiser")
    return {"id": community.pk}


def _regulated_pool_of(owner) -> object:
    """The owner's regulated loan pool, made on the first call (a seeder runs twice on one parent)."""
    from pools.models import Pool
    from tests.pools.offers_helpers import regulated_loan_pool

    pool = Pool.objects.filter(project__owner=owner, offer__isnull=False).order_by("pk").first()
    return pool or regulated_loan_pool(owner=owner)


def _seed_sheets(n: int, user) -> dict[str, object]:
    from pools.offers.services import sheet_approve, sheet_write
    from tests.pools.offers_helpers import SHEET

    pool = _regulated_pool_of(user)
    approver = UserFactory(roles=(Role.ORGANISER,))
    for _ in range(n):  # an approved version stays; the next write is a new version
        sheet_approve(sheet=sheet_write(pool=pool, by=user, content=SHEET), by=approver)
    return {"id": pool.pk}


def _seed_lender_payments(n: int, user) -> dict[str, object]:
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import User
    from pools.models import Pledge, PledgeKind
    from pools.offers.services import lender_payment_record
    from pools.services import pledge_create
    from tests.pools.offers_helpers import assessed

    owner = User.objects.filter(email="listq-owner@example.se").first() or UserFactory(
        roles=(Role.PROJECT_OWNER,), email="listq-owner@example.se"
    )
    pool = _regulated_pool_of(owner)
    loan = Pledge.objects.filter(pool=pool, kind=PledgeKind.LOAN).first()
    if loan is None:
        saver = UserFactory(roles=(Role.SAVER,))
        assessed(saver)
        loan = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=500_000)
    for _ in range(n):
        lender_payment_record(
            pool=pool, by=user, pledge_id=loan.pk, kind="interest", amount_ore=2_500,
            paid_on=timezone.localdate() - timedelta(days=1),
        )  # fmt: skip
    return {"id": pool.pk}


ANYONE = ("anonymous", "saver", "organiser")
LOGGED_IN = ("saver", "organiser")

# path as in the OpenAPI schema -> (roles that see the list, a function adding n rows they see;
# it gets the requesting user, None for anonymous, and returns the path's parameters and any query
# parameters the list needs, e.g. {"id": fund.pk}: called twice in a test, it adds to the same parent)
LIST_SEEDERS: dict[str, tuple[tuple[str, ...], Callable[..., None]]] = {
    "/api/pools/": (ANYONE, lambda n, user=None: _seed_pools(n)),
    "/api/projects/": (ANYONE, lambda n, user=None: _seed_projects(n)),
    "/api/fairs/": (ANYONE, _seed_fairs),
    "/api/funds/": (LOGGED_IN, _seed_funds),
    "/api/pledges/": (("saver",), _seed_my_pledges),
    "/api/treasury/payments/": (("treasurer",), _seed_payments),
    "/api/treasury/bank-files/": (("treasurer",), _seed_bank_files),
    "/api/treasury/report-builds/": (("treasurer",), _seed_report_builds),
    "/api/funds/{id}/rules/": (("organiser", "treasurer"), _seed_fund_rules),
    "/api/funds/{id}/withdrawals/": (("treasurer",), _seed_fund_withdrawals),
    "/api/loans/": (("organiser", "treasurer"), _seed_loans),
    "/api/guarantees/": (("organiser", "treasurer"), _seed_guarantees),
    "/api/pitches/{pitch_id}/pledgers/": (("project_owner",), _seed_pitch_pledgers),
    "/api/jobs/": (("treasurer", "organiser"), _seed_jobs),
    "/api/reminders/failed/": (("treasurer",), _seed_failed_reminders),
    "/api/me/payments/": (("saver",), _seed_my_payments),
    "/api/treasury/payout-candidates/": (("treasurer",), _seed_payout_candidates),
    "/api/treasury/payouts/": (("treasurer",), _seed_payouts),
    "/api/treasury/pledges/": (("treasurer",), _seed_pledge_search),
    "/api/treasury/audit/": (("treasurer",), lambda n, user=None: _seed_payments(n)),
    "/api/treasury/exceptions/": (("treasurer",), lambda n, user: _exception_lines(n, user, returned=False)),
    "/api/treasury/returned-payments/": (("treasurer",), lambda n, user: _exception_lines(n, user, returned=True)),
    "/api/me/statements/": (("saver",), _seed_my_statements),
    "/api/mail/failed/": (("treasurer",), _seed_failed_mail),
    "/api/pools/{id}/sheets/": (("project_owner",), _seed_sheets),
    "/api/pools/{id}/lender-payments/": (("treasurer",), _seed_lender_payments),
    "/api/communities/": (("treasurer",), _seed_communities),
    "/api/communities/{id}/memberships/": (("treasurer",), _seed_memberships),
    "/api/communities/{id}/invitations/": (("treasurer",), _seed_invitations),
}


def _list_paths() -> set[str]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = set()
    for path, item in schema["paths"].items():
        get = item.get("get")
        if not get:
            continue
        body = get["responses"].get("200", {}).get("content", {}).get("application/json", {}).get("schema", {})
        if body.get("type") == "array" or "Paginated" in body.get("$ref", ""):
            found.add(path)
    return found


def test_every_list_endpoint_is_in_the_query_count_table() -> None:
    missing = sorted(_list_paths() - set(LIST_SEEDERS))
    assert not missing, "add these list endpoints to LIST_SEEDERS in tests/api/test_list_queries.py: " + ", ".join(
        missing
    )


def _count(client: APIClient, path: str, query: dict[str, object]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, {"page_size": 200, **query})
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    rows = body["results"] if isinstance(body, dict) else body
    return len(queries), len(rows)


CASES = [(path, role) for path, (roles, _seed) in sorted(LIST_SEEDERS.items()) for role in roles]


@pytest.mark.parametrize(("path", "role"), CASES, ids=[f"{p} {r}" for p, r in CASES])
def test_list_query_count_does_not_grow_with_rows(path: str, role: str, db, login_as) -> None:
    client = APIClient()
    user = None
    if role != "anonymous":
        user = UserFactory(roles=(Role(role),))
        login_as(client, user)
    seed = LIST_SEEDERS[path][1]
    params = seed(N, user) or {}
    query = {name: value for name, value in params.items() if "{" + name + "}" not in path}
    path = path.format(**params)
    client.get(path, query)  # warm per-user caches (permissions, groups) so both counts compare like with like
    small_queries, small_rows = _count(client, path, query)
    seed(2 * N, user)
    large_queries, large_rows = _count(client, path, query)
    assert large_rows >= small_rows + 2 * N, "the seeder must add rows this list shows"
    assert large_queries == small_queries, (
        f"{path}: {small_queries} queries for {small_rows} rows, {large_queries} for {large_rows}"
    )
