"""Yearly statements: a saver's figures per pool as of a year end, the PDF kept and mailed once, the lenders' CSV,
and that later payments never change a past year's statement."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accounts.roles import Role
from pools.models import PaymentChannel, PledgeKind, PoolKind
from pools.offers.models import LenderPaymentKind, YearlyStatement
from pools.offers.services import lender_payment_record
from pools.services import payment_allocate, payment_record, pledge_create
from tests.factories import PoolFactory, ShareOfferPoolFactory, UserFactory
from tests.pools.offers_helpers import assessed, regulated_loan_pool
from treasury.statements import lender_rows, statement_figures, statement_pdf, statements_issue_year

pytestmark = pytest.mark.django_db
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def _at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=STOCKHOLM), tick=False)


def _pay(pledge, amount_ore: int, day: date, treasurer) -> None:
    with _at(day):
        payment = payment_record(amount_ore=amount_ore, received_on=day, channel=PaymentChannel.MANUAL)
        payment_allocate(payment=payment, parts=[(pledge, amount_ore)], by=treasurer)


@pytest.fixture
def year_2025(saver, treasurer):
    """A saver with a 10 000 kr loan at 5 % (paid 1 July 2025), a gift, and two shares paid in full."""
    with _at(date(2025, 3, 1)):
        loan_pool = regulated_loan_pool(
            opens_on=date(2025, 1, 1), closes_on=date(2025, 12, 31), title="Byabutiken lån", rate_bp=500
        )
        gift_pool = PoolFactory(kind=PoolKind.FAIR, opens_on=date(2025, 1, 1), closes_on=date(2025, 12, 31))
        share_pool = ShareOfferPoolFactory(opens_on=date(2025, 1, 1), closes_on=date(2025, 12, 31))
        assessed(saver, net_worth_ore=300_000_000)
        loan = pledge_create(pool=loan_pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=1_000_000)
        gift = pledge_create(pool=gift_pool, saver=saver, kind=PledgeKind.GIFT, amount_ore=50_000)
        shares = pledge_create(pool=share_pool, saver=saver, kind=PledgeKind.SHARE, share_count=2)
    _pay(loan, 1_000_000, date(2025, 7, 1), treasurer)
    _pay(gift, 50_000, date(2025, 3, 5), treasurer)
    _pay(shares, 100_000, date(2025, 4, 1), treasurer)
    return {"loan": loan, "gift": gift, "shares": shares, "loan_pool": loan_pool}


def test_statement_figures_per_pool_as_of_the_year_end(saver, year_2025) -> None:
    figures = statement_figures(saver=saver, year=2025)
    rows = {row["pool"]: row for row in figures["pools"]}
    loan = rows["Byabutiken lån"]
    assert loan["pledged_ore"] == 1_000_000 and loan["paid_ore"] == 1_000_000
    # 5 % a year for 1 July..31 December (184 days): 10 000 kr × 0.05 × 184/365 = 252,05 kr.
    assert loan["estimated_interest_ore"] == 1_000_000 * 500 * 184 // (10_000 * 365) == 25_205
    assert rows[year_2025["shares"].pool.title]["shares_held"] == 2
    assert figures["totals"]["paid_ore"] == 1_150_000


def test_a_past_years_statement_pdf_is_identical_after_payments_in_the_next_year(saver, treasurer, year_2025) -> None:
    with _at(date(2026, 1, 5)):
        figures_before, pdf_before = statement_pdf(saver=saver, year=2025, language="sv")
    # A new pledge and payments dated in 2026, one of them to a 2025 pledge, and one recorded in 2026 but
    # dated in 2026: none of it belongs to 2025.
    _pay(year_2025["gift"], 25_000, date(2026, 1, 20), treasurer)
    with _at(date(2026, 2, 1)):
        pool_2026 = PoolFactory(kind=PoolKind.FAIR, opens_on=date(2026, 1, 1), closes_on=date(2026, 12, 31))
        later = pledge_create(pool=pool_2026, saver=saver, kind=PledgeKind.GIFT, amount_ore=70_000)
    _pay(later, 70_000, date(2026, 2, 2), treasurer)
    with _at(date(2026, 3, 1)):
        figures_after, pdf_after = statement_pdf(saver=saver, year=2025, language="sv")
    assert figures_after == figures_before
    assert pdf_after == pdf_before
    assert pdf_before.startswith(b"%PDF")
    # The next year's statement does see them.
    assert statement_figures(saver=saver, year=2026)["totals"]["paid_ore"] == 95_000


def test_the_yearly_task_issues_and_mails_each_statement_once(saver, year_2025) -> None:
    from workers.statements import send_yearly_statements

    with _at(date(2026, 1, 10)):
        send_yearly_statements()
        send_yearly_statements()
    statement = YearlyStatement.objects.get(saver=saver, year=2025)
    assert statement.mailed_at is not None and bytes(statement.pdf).startswith(b"%PDF")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [saver.email]
    assert message.attachments[0][0] == "lokalkapital-2025.pdf"


def test_the_task_skips_erased_savers(saver, year_2025) -> None:
    from people.erasure import user_erase

    user_erase(user=saver, reason="test")
    assert statements_issue_year(year=2025) == {"issued": 0, "mailed": 0}


def test_lender_rows_for_owners_and_funds_as_of_the_year_end(saver, treasurer, year_2025) -> None:
    pool = year_2025["loan_pool"]
    before = lender_rows(pools=[pool], year=2025)
    assert before == [
        [
            2025,
            "Byabutiken lån",
            year_2025["loan"].pk,
            saver.display_name,
            "loan",
            1_000_000,
            1_000_000,
            25_205,
            0,
            0,
            0,
            "",
        ]
    ]
    # A payment dated in 2025 but recorded in 2026 (a late bank file) does not change the 2025 rows.
    with _at(date(2025, 12, 20)):
        late = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=10_000)
    with _at(date(2026, 1, 3)):
        payment = payment_record(amount_ore=10_000, received_on=date(2025, 12, 30), channel=PaymentChannel.MANUAL)
        payment_allocate(payment=payment, parts=[(late, 10_000)], by=treasurer)
    assert lender_rows(pools=[pool], year=2025) == before
    assert [row[2] for row in lender_rows(pools=[pool], year=2026)] == [year_2025["loan"].pk, late.pk]


def _lender_payment(pool, pledge, kind, amount_ore: int, day: date, *, recorded: date | None = None):
    with _at(recorded or day):
        return lender_payment_record(
            pool=pool, by=pool.project.owner, pledge_id=pledge.pk, kind=kind, amount_ore=amount_ore, paid_on=day
        )


def test_recorded_lender_payments_in_the_statement_and_the_lenders_csv(saver, year_2025) -> None:
    pool, loan = year_2025["loan_pool"], year_2025["loan"]
    _lender_payment(pool, loan, LenderPaymentKind.INTEREST, 25_000, date(2025, 12, 15))
    _lender_payment(pool, loan, LenderPaymentKind.REPAYMENT, 100_000, date(2025, 12, 15))
    # A mistaken interest entry reversed, both in 2025: they cancel out.
    _lender_payment(pool, loan, LenderPaymentKind.INTEREST, 5_000, date(2025, 12, 16))
    _lender_payment(pool, loan, LenderPaymentKind.INTEREST, -5_000, date(2025, 12, 16))
    rows = {row["pool"]: row for row in statement_figures(saver=saver, year=2025)["pools"]}
    assert rows["Byabutiken lån"]["interest_received_ore"] == 25_000
    assert rows["Byabutiken lån"]["repaid_ore"] == 100_000
    assert rows["Byabutiken lån"]["dividends_ore"] == 0
    [row] = lender_rows(pools=[pool], year=2025)
    assert row[5:11] == [1_000_000, 1_000_000, 25_205, 25_000, 100_000, 0]


def test_dividends_on_shares_count_for_the_shareholder(saver, year_2025) -> None:
    shares = year_2025["shares"]
    with _at(date(2025, 11, 1)):
        lender_payment_record(
            pool=shares.pool,
            by=UserFactory(roles=(Role.TREASURER,)),
            pledge_id=shares.pk,
            kind=LenderPaymentKind.DIVIDEND,
            amount_ore=4_000,
            paid_on=date(2025, 10, 31),
        )
    rows = {row["pool_id"]: row for row in statement_figures(saver=saver, year=2025)["pools"]}
    assert rows[shares.pool_id]["dividends_ore"] == 4_000
    assert statement_figures(saver=saver, year=2025)["totals"]["dividends_ore"] == 4_000


def test_lender_payments_of_the_next_year_leave_a_past_statement_pdf_byte_identical(saver, year_2025) -> None:
    pool, loan = year_2025["loan_pool"], year_2025["loan"]
    _lender_payment(pool, loan, LenderPaymentKind.INTEREST, 25_000, date(2025, 12, 15))
    with _at(date(2026, 1, 5)):
        figures_before, pdf_before = statement_pdf(saver=saver, year=2025, language="en")
    csv_before = lender_rows(pools=[pool], year=2025)
    # Paid in 2026; and one dated 2025 but recorded only in 2026 (after the year was closed).
    _lender_payment(pool, loan, LenderPaymentKind.INTEREST, 50_000, date(2026, 6, 30))
    _lender_payment(pool, loan, LenderPaymentKind.REPAYMENT, 200_000, date(2026, 6, 30))
    _lender_payment(pool, loan, LenderPaymentKind.INTEREST, 1_000, date(2025, 12, 31), recorded=date(2026, 1, 10))
    with _at(date(2026, 7, 1)):
        figures_after, pdf_after = statement_pdf(saver=saver, year=2025, language="en")
    assert figures_after == figures_before
    assert pdf_after == pdf_before
    assert lender_rows(pools=[pool], year=2025) == csv_before
    next_year = {row["pool"]: row for row in statement_figures(saver=saver, year=2026)["pools"]}
    assert next_year["Byabutiken lån"]["interest_received_ore"] == 50_000
    assert next_year["Byabutiken lån"]["repaid_ore"] == 200_000
