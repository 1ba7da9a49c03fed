"""The demo seeds a fund with members and engagements, and a second run changes nothing."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from invest.funds.models import FundMembership, FundRulesVersion, Guarantee, Loan, LoanRepayment, ShareInstalment
from invest.funds.selectors import fund_position_now
from invest.models import MicroFund
from pools.models import Payment, PaymentAllocation, Pledge

pytestmark = pytest.mark.django_db


def counts() -> list[int]:
    models = (FundRulesVersion, FundMembership, ShareInstalment, Loan, LoanRepayment, Guarantee, Pledge, Payment)
    return [m.objects.count() for m in models] + [PaymentAllocation.objects.count()]


def test_demo_fund_has_members_and_engagements_and_is_idempotent():
    call_command("seed_demo", "--savers", "6", "--quiet")
    first = counts()
    call_command("seed_demo", "--savers", "6", "--quiet")
    assert counts() == first
    fund = MicroFund.objects.get(name="Ödebygdens Mikrofond")
    position = fund_position_now(fund=fund)
    assert position.member_count >= 2
    assert position.voting_member_count >= 1
    assert position.outstanding_loans_ore > 0
    assert position.guarantee_exposure_ore == 22_000_000  # 80 % of the 275 000 kr still owed to the bank
    assert position.repayments_overdue_ore > 0
    assert position.available_ore == (
        position.capital_ore
        + position.interest_received_ore
        - position.losses_ore
        - position.outstanding_loans_ore
        - position.guarantee_exposure_ore
    )
    assert fund.totals.available_ore == position.available_ore
