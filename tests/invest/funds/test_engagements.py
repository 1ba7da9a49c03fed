"""Loans, repayments and guarantees, and every limit the fund sets."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.utils import timezone

from invest.funds.errors import (
    CoverageLimitExceeded,
    ExposureLimitExceeded,
    FundLimitExceeded,
    FundPermissionDenied,
    GuaranteeNotChangeable,
    InsufficientCapital,
    InvalidFundInput,
    ProjectLimitExceeded,
    RepaymentRefused,
)
from invest.funds.models import Guarantee, GuaranteeStatus, Loan, LoanStatus
from invest.funds.selectors import fund_position_now, loan_get_visible
from invest.funds.services import (
    fund_rules_set,
    guarantee_balance_report,
    guarantee_call,
    guarantee_create,
    guarantee_release,
    loan_create,
    loan_repayment_record,
)
from invest.models import ProjectStatus
from operations.errors import DomainError
from operations.models import OutboxMessage
from tests.factories import ProjectFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(date(2026, 6, 1), tick=True):
        yield


@pytest.fixture
def funded(rules, add_capital):
    """1 000 000 kr of capital paid in."""
    add_capital(100_000_000, TODAY - timedelta(days=30))
    return rules


def lend(fund, by, project, amount, **kw):
    return loan_create(
        fund=fund,
        by=by,
        project=project,
        principal_ore=amount,
        term_months=kw.pop("term", 12),
        disbursed_on=kw.pop("on", TODAY),
        **kw,
    )


def guarantee(fund, by, project, amount, coverage_bp=8_000, **kw):
    return guarantee_create(
        fund=fund,
        by=by,
        project=project,
        bank="Sparbanken Bygd",
        loan_amount_ore=amount,
        coverage_bp=coverage_bp,
        term_months=60,
        issued_on=kw.pop("on", TODAY),
        **kw,
    )


# ---------------------------------------------------------------- limits


def test_loan_within_every_limit_is_made_with_its_schedule(fund, organiser, project, funded):
    loan = lend(fund, organiser, project, 25_000_000)  # 250 000 kr = 25 % of capital
    assert loan.instalments.count() == 12
    assert sum(loan.instalments.values_list("principal_ore", flat=True)) == 25_000_000
    assert OutboxMessage.objects.filter(dedupe_key=f"fund-totals:{fund.pk}").exists()


def test_loan_over_the_per_project_percent_is_refused_with_the_field(fund, organiser, project, funded):
    with pytest.raises(ProjectLimitExceeded) as caught:
        lend(fund, organiser, project, 25_000_001)
    assert caught.value.field == "principal"
    assert "25" in str(caught.value.message)
    assert not Loan.objects.exists()


def test_per_project_limit_counts_loans_and_guarantees_together(fund, organiser, project, funded):
    lend(fund, organiser, project, 20_000_000)
    with pytest.raises(ProjectLimitExceeded) as caught:
        guarantee(fund, organiser, project, 10_000_000, coverage_bp=6_000)  # 60 000 kr more: 260 000 > 250 000
    assert caught.value.field == "loan_amount"
    guarantee(fund, organiser, project, 10_000_000, coverage_bp=5_000)  # exactly 250 000 kr
    assert Guarantee.objects.count() == 1


def test_per_project_kronor_limit_applies_even_with_plenty_of_capital(
    fund, organiser, project, rules, add_capital, settings
):
    # One member's 10 Mkr is above the plausibility limit for one pledge; this fund has such a member.
    settings.POOL_MAX_PLEDGE_ORE = {**settings.POOL_MAX_PLEDGE_ORE, "fund_capital": 1_000_000_000}
    add_capital(1_000_000_000, TODAY - timedelta(days=1))  # 10 Mkr: 25 % would be 2.5 Mkr
    lend(fund, organiser, project, 50_000_000)  # exactly the 500 000 kr limit
    with pytest.raises(ProjectLimitExceeded) as caught:
        lend(fund, organiser, project, 1)
    assert "500" in str(caught.value.message)


def test_total_exposure_over_capital_is_refused(fund, organiser, funded):
    projects = [ProjectFactory() for _ in range(5)]
    for p in projects[:4]:
        guarantee(fund, organiser, p, 27_777_778, coverage_bp=9_000)  # 25 000 000,2 öre -> 25 000 000 (half up)
    assert fund_position_now(fund=fund).guarantee_exposure_ore == 100_000_000
    with pytest.raises(ExposureLimitExceeded) as caught:
        guarantee(fund, organiser, projects[4], 100, coverage_bp=100)
    assert caught.value.field == "loan_amount"


def test_exposure_limit_above_100_percent_allows_leverage_on_guarantees(fund, organiser, funded):
    fund_rules_set(
        fund=fund, by=organiser, max_exposure_bp=20_000, max_per_project_bp=10_000, max_per_project_ore=1_000_000_000
    )
    guarantee(fund, organiser, ProjectFactory(), 100_000_000, coverage_bp=9_000)
    guarantee(fund, organiser, ProjectFactory(), 100_000_000, coverage_bp=9_000)
    assert fund_position_now(fund=fund).available_ore == 100_000_000 - 180_000_000
    with pytest.raises(ExposureLimitExceeded):
        guarantee(fund, organiser, ProjectFactory(), 25_000_000, coverage_bp=9_000)
    # Loans need money in the account, whatever the exposure limit.
    with pytest.raises(InsufficientCapital):
        lend(fund, organiser, ProjectFactory(), 100)


def test_guarantee_coverage_above_the_rule_is_refused(fund, organiser, project, funded):
    with pytest.raises(CoverageLimitExceeded) as caught:
        guarantee(fund, organiser, project, 1_000_000, coverage_bp=9_001)
    assert caught.value.field == "coverage_percent"
    assert isinstance(caught.value, FundLimitExceeded) and isinstance(caught.value, DomainError)


def test_fund_without_capital_cannot_engage(fund, organiser, project, rules):
    with pytest.raises(FundLimitExceeded):
        lend(fund, organiser, project, 100)


def test_raising_a_limit_by_a_new_rules_version_lets_the_engagement_through(fund, organiser, project, funded):
    with pytest.raises(ProjectLimitExceeded):
        lend(fund, organiser, project, 30_000_000)
    fund_rules_set(fund=fund, by=organiser, max_per_project_bp=3_000)
    assert lend(fund, organiser, project, 30_000_000).principal_ore == 30_000_000


def test_engagements_are_for_organisers_and_published_projects(fund, organiser, treasurer, saver, funded):
    for user in (treasurer, saver):
        with pytest.raises(FundPermissionDenied):
            lend(fund, user, ProjectFactory(), 100)
    draft = ProjectFactory(status=ProjectStatus.DRAFT)
    with pytest.raises(InvalidFundInput) as caught:
        lend(fund, organiser, draft, 100)
    assert caught.value.field == "project"


def test_a_fund_backs_only_projects_of_its_own_community(fund, organiser, project, funded):
    from communities.services import community_create

    theirs = community_create(name="Västby byalag", slug="vastby-fonder", bankgiro="5402-9681")
    elsewhere = ProjectFactory(community=theirs)
    for engage in (
        lambda: lend(fund, organiser, elsewhere, 100),
        lambda: guarantee_create(
            fund=fund,
            by=organiser,
            project=elsewhere,
            bank="Bygdebanken",
            loan_amount_ore=100_000,
            coverage_bp=5_000,
            term_months=12,
            issued_on=TODAY,
        ),
    ):
        with pytest.raises(InvalidFundInput) as caught:
            engage()
        assert caught.value.field == "project"
    assert not Loan.objects.exists() and not Guarantee.objects.exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"term": 0}, "term_months"),
        ({"term": 361}, "term_months"),
        ({"interest_bp": -1}, "interest_percent"),
        ({"on": TODAY + timedelta(days=1)}, "disbursed_on"),
        ({"first_due_on": TODAY}, "first_due_on"),
    ],
)
def test_loan_bad_terms_are_refused_with_the_field(fund, organiser, project, funded, kwargs, field):
    with pytest.raises(InvalidFundInput) as caught:
        lend(fund, organiser, project, 1_000_000, **kwargs)
    assert caught.value.field == field


# ---------------------------------------------------------------- repayments


def test_repayments_reduce_the_outstanding_loan_and_finish_it(fund, organiser, treasurer, project, funded):
    loan = lend(fund, organiser, project, 1_200_000, term=3, interest_bp=1_200)
    # 12 000 kr at 12 %: interest 120, 80, 40 kr; principal 4 000 kr each.
    amounts = [row.amount_ore for row in loan.instalments.all()]
    assert amounts == [412_000, 408_000, 404_000]
    first = loan_repayment_record(loan=loan, by=treasurer, amount_ore=412_000, paid_on=TODAY, reference="BG1")
    assert (first.principal_ore, first.interest_ore) == (400_000, 12_000)
    assert fund_position_now(fund=fund).outstanding_loans_ore == 800_000
    loan_repayment_record(loan=loan, by=treasurer, amount_ore=812_000, paid_on=TODAY)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    position = fund_position_now(fund=fund)
    assert position.outstanding_loans_ore == 0
    assert position.interest_received_ore == 24_000
    assert position.available_ore == 100_000_000 + 24_000


def test_repayment_with_the_same_reference_is_recorded_once(fund, organiser, treasurer, project, funded):
    loan = lend(fund, organiser, project, 1_200_000)
    a = loan_repayment_record(loan=loan, by=treasurer, amount_ore=100_000, paid_on=TODAY, reference="BG-77")
    b = loan_repayment_record(loan=loan, by=treasurer, amount_ore=100_000, paid_on=TODAY, reference="BG-77")
    assert a.pk == b.pk and loan.repayments.count() == 1
    with pytest.raises(RepaymentRefused) as caught:
        loan_repayment_record(loan=loan, by=treasurer, amount_ore=99_000, paid_on=TODAY, reference="BG-77")
    assert caught.value.field == "reference"


def test_repayment_beyond_what_is_owed_is_refused(fund, organiser, treasurer, project, funded):
    loan = lend(fund, organiser, project, 1_200_000)
    with pytest.raises(RepaymentRefused) as caught:
        loan_repayment_record(loan=loan, by=treasurer, amount_ore=1_200_001, paid_on=TODAY)
    assert caught.value.field == "amount"
    assert not loan.repayments.exists()


def test_repayments_are_recorded_by_treasurers_only(fund, organiser, project, funded, saver):
    loan = lend(fund, organiser, project, 1_200_000)
    for user in (organiser, saver, project.owner):
        with pytest.raises(FundPermissionDenied):
            loan_repayment_record(loan=loan, by=user, amount_ore=100, paid_on=TODAY)


def test_overdue_instalments_are_detected(fund, organiser, treasurer, project, funded):
    loan = lend(fund, organiser, project, 1_200_000, term=12, on=TODAY - timedelta(days=100))
    # Three instalments fell due (early March, April, May); one was paid.
    loan_repayment_record(loan=loan, by=treasurer, amount_ore=100_000, paid_on=TODAY - timedelta(days=60))
    position = fund_position_now(fund=fund)
    line = position.loans[0]
    assert line.overdue_ore == 200_000
    assert line.overdue_since == loan.instalments.get(number=2).due_on
    assert position.repayments_overdue_ore == 200_000
    assert position.repayments_due_ore == 100_000  # the June instalment, due within 30 days


def test_project_owner_sees_their_loan_and_another_owner_gets_404(fund, organiser, project, funded, owner):
    from django.http import Http404

    loan = lend(fund, organiser, project, 1_000_000)
    assert loan_get_visible(user=project.owner, loan_id=loan.pk) == loan
    with pytest.raises(Http404):
        loan_get_visible(user=owner, loan_id=loan.pk)


# ---------------------------------------------------------------- guarantees


def test_guarantee_exposure_falls_as_the_bank_loan_is_repaid(fund, organiser, treasurer, project, funded):
    g = guarantee(fund, organiser, project, 20_000_000, coverage_bp=8_000)
    assert fund_position_now(fund=fund).guarantee_exposure_ore == 16_000_000
    line = fund_position_now(fund=fund).guarantees[0]
    assert line.yearly_fee_ore == 160_000  # 1 % of 160 000 kr
    guarantee_balance_report(guarantee=g, by=treasurer, balance_ore=15_000_000, effective_on=TODAY)
    assert fund_position_now(fund=fund).guarantee_exposure_ore == 12_000_000
    with pytest.raises(InvalidFundInput) as caught:
        guarantee_balance_report(guarantee=g, by=treasurer, balance_ore=20_000_001, effective_on=TODAY)
    assert caught.value.field == "balance"


def test_released_guarantee_has_no_exposure_and_cannot_change(fund, organiser, treasurer, project, funded):
    g = guarantee(fund, organiser, project, 20_000_000)
    guarantee_release(guarantee=g, by=organiser, effective_on=TODAY)
    g.refresh_from_db()
    assert g.status == GuaranteeStatus.RELEASED
    assert fund_position_now(fund=fund).guarantee_exposure_ore == 0
    with pytest.raises(GuaranteeNotChangeable):
        guarantee_call(guarantee=g, by=organiser, effective_on=TODAY, loss_ore=1)


def test_called_guarantee_records_the_loss_up_to_the_exposure(fund, organiser, project, funded):
    g = guarantee(fund, organiser, project, 10_000_000, coverage_bp=5_000)
    with pytest.raises(InvalidFundInput) as caught:
        guarantee_call(guarantee=g, by=organiser, effective_on=TODAY, loss_ore=5_000_001)
    assert caught.value.field == "loss"
    guarantee_call(guarantee=g, by=organiser, effective_on=TODAY, loss_ore=4_000_000)
    position = fund_position_now(fund=fund)
    assert position.losses_ore == 4_000_000
    assert position.guarantee_exposure_ore == 0
    assert position.available_ore == 100_000_000 - 4_000_000


def test_guarantee_events_cannot_predate_the_guarantee(fund, organiser, treasurer, project, funded):
    g = guarantee(fund, organiser, project, 1_000_000)
    with pytest.raises(InvalidFundInput) as caught:
        guarantee_release(guarantee=g, by=organiser, effective_on=TODAY - timedelta(days=1))
    assert caught.value.field == "effective_on"
    assert timezone.localdate() == TODAY


# ---------------------------------------------------------------- write-offs


def test_written_off_loan_becomes_a_loss_from_its_date_on(fund, organiser, treasurer, project, funded):
    from invest.funds.selectors import fund_position
    from invest.funds.services import loan_write_off

    loan = lend(fund, organiser, project, 1_200_000, on=TODAY - timedelta(days=70))
    loan_repayment_record(loan=loan, by=treasurer, amount_ore=100_000, paid_on=TODAY - timedelta(days=35))
    before = fund_position(fund=fund, as_of=TODAY - timedelta(days=1))
    write_off = loan_write_off(loan=loan, by=organiser, written_off_on=TODAY, note="Konkurs")
    assert write_off.principal_ore == 1_100_000
    after = fund_position_now(fund=fund)
    assert after.outstanding_loans_ore == 0
    assert after.losses_ore == 1_100_000
    assert after.repayments_overdue_ore == 0
    assert after.available_ore == 100_000_000 - 1_100_000
    assert fund_position(fund=fund, as_of=TODAY - timedelta(days=1)).figures() == before.figures()
    with pytest.raises(RepaymentRefused):
        loan_repayment_record(loan=loan, by=treasurer, amount_ore=100, paid_on=TODAY)
    with pytest.raises(RepaymentRefused):
        loan_write_off(loan=loan, by=organiser, written_off_on=TODAY)


def test_write_off_is_for_organisers_and_not_before_the_payout(fund, organiser, treasurer, project, funded):
    from invest.funds.services import loan_write_off

    loan = lend(fund, organiser, project, 1_200_000, on=TODAY - timedelta(days=5))
    with pytest.raises(FundPermissionDenied):
        loan_write_off(loan=loan, by=treasurer, written_off_on=TODAY)
    with pytest.raises(InvalidFundInput) as caught:
        loan_write_off(loan=loan, by=organiser, written_off_on=TODAY - timedelta(days=6))
    assert caught.value.field == "written_off_on"
