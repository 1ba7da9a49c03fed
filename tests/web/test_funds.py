"""Fund pages: each role sees and does its part; others are refused or get 404; bad input writes nothing."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from invest.funds.models import CapitalWithdrawal, FundMembership, FundRulesVersion, Guarantee, Loan, LoanRepayment
from invest.funds.services import (
    capital_withdrawal_request,
    fund_member_join,
    fund_rules_set,
    guarantee_create,
    loan_create,
)
from pools.models import PledgeKind, PoolKind
from pools.services import pledge_create
from tests.factories import MicroFundFactory, PoolFactory, ProjectFactory, ShareOfferPoolFactory, UserFactory
from tests.invest.funds.conftest import RULES, pay
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db

HOSTILE = ["1e9999", "NaN", "-1", "12,345", "x" * 10_000, "<script>alert(1)</script>", "1'; DROP TABLE x;--"]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fund(organiser):
    fund = MicroFundFactory(organiser=organiser, name="Ödebygdens Mikrofond", slug="odebygden")
    fund_rules_set(fund=fund, by=organiser, **RULES)
    capital_pool = PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL, target_ore=10**10)
    gift = pledge_create(pool=capital_pool, saver=organiser, kind=PledgeKind.GIFT, amount_ore=100_000_000)
    pay(gift, 100_000_000, timezone.localdate() - timedelta(days=10))
    return fund


@pytest.fixture
def share_pool(fund):
    return ShareOfferPoolFactory(
        project=None, micro_fund=fund, share_price_ore=50_000, target_ore=10**10, title="Medlemsinsatser 2026"
    )


@pytest.fixture
def project(owner):
    return ProjectFactory(owner=owner, name="Byns Lanthandel")


def browser(user=None) -> Client:
    client = Client()
    if user is not None:
        login_verified(client, user)
    return client


def page(name, *args):
    return reverse(f"web:{name}", args=args)


# ---------------------------------------------------------------- public and members


def test_fund_pages_are_public_and_offer_joining(fund, share_pool, saver):
    assert "Ödebygdens Mikrofond" in browser().get(page("fund-list")).content.decode()
    body = browser(saver).get(page("fund-detail", fund.slug)).content.decode()
    assert page("fund-join", fund.slug) in body
    assert "1 000,00 kr" in body
    assert browser().get(page("fund-detail", "no-such-fund")).status_code == 404


def test_saver_joins_in_instalments_and_sees_ocr_and_no_vote_yet(fund, share_pool, saver):
    response = browser(saver).post(
        page("fund-join", fund.slug), {"pool": share_pool.pk, "instalments": 2, "voluntary_share_count": 0}
    )
    assert response.status_code == 302
    membership = FundMembership.objects.get(member=saver)
    pledge = membership.shares.get().pledge
    body = browser(saver).get(page("fund-statement", fund.slug)).content.decode()
    assert pledge.ocr_reference in body
    assert "500,00 kr" in body
    assert "rösträtt" in body.lower() or "vote" in body.lower()


@pytest.mark.parametrize(
    "data",
    [
        {"instalments": 5},
        {"instalments": "1e9999"},
        {"instalments": "<script>"},
        {"pool": 999_999},
        {"pool": "'; DROP TABLE x;--"},
        {"voluntary_share_count": -1},
    ],
)
def test_join_bad_input_shows_a_form_error_and_writes_nothing(fund, share_pool, saver, data):
    response = browser(saver).post(page("fund-join", fund.slug), {"pool": share_pool.pk, "instalments": 1, **data})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not FundMembership.objects.exists()


def test_statement_is_for_members_only(fund, share_pool, saver, other_saver):
    fund_member_join(fund=fund, user=saver, pool=share_pool)
    assert browser(other_saver).get(page("fund-statement", fund.slug)).status_code == 404
    assert browser().get(page("fund-statement", fund.slug)).status_code == 302  # to the login page
    assert browser(other_saver).post(page("fund-withdraw", fund.slug), {"amount": "1"}).status_code == 404


@pytest.fixture
def member(fund, share_pool, saver):
    membership = fund_member_join(fund=fund, user=saver, pool=share_pool)
    pay(membership.shares.get().pledge, 100_000, timezone.localdate())
    return membership


@pytest.mark.parametrize("amount", [*HOSTILE, "0", "1000,01", ""])
def test_withdrawal_bad_amount_is_a_form_error(fund, member, saver, amount):
    response = browser(saver).post(page("fund-withdraw", fund.slug), {"amount": amount})
    assert response.status_code == 200
    assert 'class="error"' in response.content.decode()
    assert not CapitalWithdrawal.objects.exists()


def test_member_asks_to_withdraw_and_two_treasurers_handle_it(fund, member, saver, treasurer, second_treasurer):
    assert browser(saver).post(page("fund-withdraw", fund.slug), {"amount": "400"}).status_code == 302
    row = CapitalWithdrawal.objects.get()
    queue = browser(treasurer).get(page("fund-withdrawals", fund.slug))
    assert queue.status_code == 200 and saver.display_name in queue.content.decode()
    assert browser(saver).get(page("fund-withdrawals", fund.slug)).status_code == 404
    assert browser(saver).post(page("withdrawal-action", row.pk, "prepare")).status_code == 404
    browser(treasurer).post(page("withdrawal-action", row.pk, "prepare"))
    browser(treasurer).post(page("withdrawal-action", row.pk, "approve"))  # refused: same person
    row.refresh_from_db()
    assert row.status == "prepared"
    browser(second_treasurer).post(page("withdrawal-action", row.pk, "approve"))
    row.refresh_from_db()
    assert row.status == "approved" and row.approved_by == second_treasurer


def test_member_can_cancel_their_own_request_but_not_anothers(fund, member, saver, other_saver):
    row = capital_withdrawal_request(fund=fund, user=saver, amount_ore=100)
    assert browser(other_saver).post(page("withdrawal-action", row.pk, "cancel")).status_code == 404
    assert browser(saver).post(page("withdrawal-action", row.pk, "cancel"), {"confirmed": "1"}).status_code == 302
    row.refresh_from_db()
    assert row.status == "cancelled"


# ---------------------------------------------------------------- organisers


def test_organiser_saves_a_new_rules_version(fund, organiser):
    form = browser(organiser).get(page("fund-rules", fund.slug))
    assert form.status_code == 200
    data = {
        "required_share": "1000",
        "max_instalments": 4,
        "instalment_interval_months": 1,
        "voluntary_shares_allowed": "on",
        "withdrawal_notice_days": 60,
        "max_per_project": "500 000",
        "max_per_project_percent": "30",
        "max_exposure_percent": "100",
        "guarantee_max_coverage_percent": "90",
        "guarantee_fee_percent": "1,5",
        "note": "Stämman",
    }
    assert browser(organiser).post(page("fund-rules", fund.slug), data).status_code == 302
    newest = FundRulesVersion.objects.filter(fund=fund).order_by("-version").first()
    assert (newest.version, newest.guarantee_fee_bp, newest.withdrawal_notice_days) == (2, 150, 60)


@pytest.mark.parametrize("value", [*HOSTILE, "100,001", "101"])
def test_rules_bad_percent_is_a_form_error(fund, organiser, value):
    data = {
        "required_share": "1000",
        "max_instalments": 4,
        "instalment_interval_months": 1,
        "withdrawal_notice_days": 60,
        "max_per_project": "500000",
        "max_per_project_percent": value,
        "max_exposure_percent": "100",
        "guarantee_max_coverage_percent": "90",
        "guarantee_fee_percent": "1",
    }
    response = browser(organiser).post(page("fund-rules", fund.slug), data)
    assert response.status_code == 200
    assert FundRulesVersion.objects.count() == 1


def test_rules_page_is_refused_to_savers_and_read_only_for_treasurers(fund, saver, treasurer):
    assert browser(saver).get(page("fund-rules", fund.slug)).status_code == 404
    assert browser(treasurer).get(page("fund-rules", fund.slug)).status_code == 200
    assert browser(treasurer).post(page("fund-rules", fund.slug), {"required_share": "1"}).status_code == 403


def loan_form(target, **kw):
    return {
        "project": target.pk,
        "principal": "100 000",
        "term_months": 12,
        "interest_percent": "4",
        "disbursed_on": timezone.localdate().isoformat(),
        **kw,
    }


def test_organiser_lends_and_a_broken_limit_is_shown_on_the_form(fund, organiser, project):
    refused = browser(organiser).post(page("fund-loan-new", fund.slug), loan_form(project, principal="250 000,01"))
    assert refused.status_code == 200
    assert "25" in refused.content.decode() and not Loan.objects.exists()
    made = browser(organiser).post(page("fund-loan-new", fund.slug), loan_form(project))
    assert made.status_code == 302
    assert Loan.objects.get().principal_ore == 10_000_000


@pytest.mark.parametrize("field", ["principal", "term_months", "interest_percent", "disbursed_on", "project"])
@pytest.mark.parametrize("value", HOSTILE)
def test_loan_form_bad_input_writes_nothing(fund, organiser, project, field, value):
    response = browser(organiser).post(page("fund-loan-new", fund.slug), loan_form(project, **{field: value}))
    assert response.status_code == 200
    assert not Loan.objects.exists()


def test_loan_and_guarantee_forms_are_for_organisers(fund, saver, owner, treasurer):
    for user in (saver, owner, treasurer):
        assert browser(user).get(page("fund-loan-new", fund.slug)).status_code == 403
        assert browser(user).get(page("fund-guarantee-new", fund.slug)).status_code == 403


def test_organiser_guarantees_and_coverage_over_the_rule_is_refused(fund, organiser, project):
    data = {
        "project": project.pk,
        "bank": "Sparbanken Bygd",
        "loan_amount": "200 000",
        "coverage_percent": "95",
        "term_months": 60,
        "issued_on": timezone.localdate().isoformat(),
    }
    refused = browser(organiser).post(page("fund-guarantee-new", fund.slug), data)
    assert refused.status_code == 200 and not Guarantee.objects.exists()
    assert "90" in refused.content.decode()
    made = browser(organiser).post(page("fund-guarantee-new", fund.slug), {**data, "coverage_percent": "80"})
    assert made.status_code == 302
    assert Guarantee.objects.get().coverage_bp == 8_000


@pytest.fixture
def fund_manager(fund):
    """A fund manager of the fund's community (A) only: no organiser membership, no other community."""
    from communities.models import MembershipRole
    from communities.services import membership_grant

    user = UserFactory(roles=())
    membership_grant(user=user, community=fund.community, role=MembershipRole.FUND_MANAGER)
    return user


@pytest.fixture
def their_project(db):
    """A published project of another community (B)."""
    from communities.services import community_create

    theirs = community_create(name="Västby byalag", slug="vastby-fonder", bankgiro="5402-9681")
    return ProjectFactory(community=theirs, name="Västbys Kafé")


def test_a_fund_manager_is_offered_only_the_funds_communitys_projects(fund, fund_manager, project, their_project):
    for name in ("fund-loan-new", "fund-guarantee-new"):
        text = browser(fund_manager).get(page(name, fund.slug)).content.decode()
        assert "Byns Lanthandel" in text and "Västbys Kafé" not in text, name


def test_a_fund_manager_cannot_lend_to_or_guarantee_another_communitys_project(
    fund, fund_manager, project, their_project
):
    guarantee = {
        "bank": "Sparbanken Bygd",
        "loan_amount": "100 000",
        "coverage_percent": "80",
        "term_months": 60,
        "issued_on": timezone.localdate().isoformat(),
    }
    lend = browser(fund_manager).post(page("fund-loan-new", fund.slug), loan_form(their_project))
    assert lend.status_code == 200 and lend.context["form"].has_error("project")
    vouch = browser(fund_manager).post(
        page("fund-guarantee-new", fund.slug), {**guarantee, "project": their_project.pk}
    )
    assert vouch.status_code == 200 and vouch.context["form"].has_error("project")
    assert not Loan.objects.exists() and not Guarantee.objects.exists()
    # The same forms with the fund's own community's project go through.
    assert browser(fund_manager).post(page("fund-loan-new", fund.slug), loan_form(project)).status_code == 302
    made = browser(fund_manager).post(page("fund-guarantee-new", fund.slug), {**guarantee, "project": project.pk})
    assert made.status_code == 302
    assert Loan.objects.get().project == project and Guarantee.objects.get().project == project


# ---------------------------------------------------------------- engagements


@pytest.fixture
def loan(fund, organiser, project):
    return loan_create(
        fund=fund,
        by=organiser,
        project=project,
        principal_ore=1_200_000,
        term_months=12,
        disbursed_on=timezone.localdate() - timedelta(days=40),
    )


def test_owner_sees_their_loan_schedule_and_another_owner_gets_404(loan, owner):
    body = browser(owner).get(page("loan-detail", loan.pk)).content.decode()
    assert "1 000,00 kr" in body  # 12 000 kr over 12 months
    assert browser(ProjectFactory().owner).get(page("loan-detail", loan.pk)).status_code == 404
    mine = browser(owner).get(page("my-engagements")).content.decode()
    assert "Byns Lanthandel" in mine
    assert "overdue" in mine.lower() or "förfallen" in mine.lower()


def test_treasurer_records_a_repayment_the_owner_may_not(loan, treasurer, owner):
    data = {"amount": "1 000", "paid_on": timezone.localdate().isoformat(), "reference": "BG-9"}
    assert browser(owner).post(page("loan-detail", loan.pk), data).status_code == 403
    assert browser(treasurer).post(page("loan-detail", loan.pk), data).status_code == 302
    assert browser(treasurer).post(page("loan-detail", loan.pk), {**data, "amount": "NaN"}).status_code == 200
    assert LoanRepayment.objects.count() == 1


def test_guarantee_page_and_actions_are_scoped(fund, organiser, treasurer, project, owner):
    g = guarantee_create(
        fund=fund,
        by=organiser,
        project=project,
        bank="Sparbanken Bygd",
        loan_amount_ore=20_000_000,
        coverage_bp=8_000,
        term_months=60,
        issued_on=timezone.localdate(),
    )
    assert "160 000,00 kr" in browser(owner).get(page("guarantee-detail", g.pk)).content.decode()
    assert browser(ProjectFactory().owner).get(page("guarantee-detail", g.pk)).status_code == 404
    today = timezone.localdate().isoformat()
    assert browser(owner).post(page("guarantee-action", g.pk, "release"), {"effective_on": today}).status_code == 403
    browser(treasurer).post(page("guarantee-action", g.pk, "balance"), {"effective_on": today, "balance": "100 000"})
    assert "80 000,00 kr" in browser(owner).get(page("guarantee-detail", g.pk)).content.decode()
    assert browser(organiser).post(page("guarantee-action", g.pk, "nope"), {}).status_code == 404


# ---------------------------------------------------------------- position and exports


def test_position_page_for_treasurer_404_for_saver(fund, treasurer, saver, loan):
    response = browser(treasurer).get(page("fund-position", fund.slug))
    assert response.status_code == 200
    assert "1 000 000,00 kr" in response.content.decode()
    assert browser(saver).get(page("fund-position", fund.slug)).status_code == 404
    assert browser(saver).get(page("fund-position-csv", fund.slug)).status_code == 404
    assert browser(saver).get(page("fund-position-pdf", fund.slug)).status_code == 404


def test_position_page_ignores_a_bad_date(fund, treasurer):
    response = browser(treasurer).get(page("fund-position", fund.slug), {"as_of": "<script>"})
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()


def test_position_csv_has_the_figures_and_escapes_formulas(fund, organiser, treasurer):
    hostile = ProjectFactory(name='=HYPERLINK("http://evil")')
    loan_create(
        fund=fund,
        by=organiser,
        project=hostile,
        principal_ore=100_000,
        term_months=2,
        disbursed_on=timezone.localdate(),
    )
    response = browser(treasurer).get(page("fund-position-csv", fund.slug))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    figures = {row[0]: row[1] for row in rows if len(row) == 2}
    assert (figures.get("Capital paid in") or figures.get("Inbetalt kapital")) == "1000000,00"
    assert any(row[1].startswith("'=HYPERLINK") for row in rows if len(row) > 2)


def test_position_pdf_is_a_pdf(fund, treasurer):
    response = browser(treasurer).get(page("fund-position-pdf", fund.slug), {"as_of": "2026-01-01"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_anonymous_visitor_sees_the_fund_but_not_its_engagements(fund, organiser, project):
    loan_create(
        fund=fund,
        by=organiser,
        project=project,
        principal_ore=100_000,
        term_months=2,
        disbursed_on=timezone.localdate(),
    )
    response = browser().get(page("fund-detail", fund.slug))
    assert response.status_code == 200
    assert "Byns Lanthandel" not in response.content.decode()
    assert browser().get(page("my-engagements")).status_code == 302


def test_organiser_writes_off_a_loan_on_its_page(loan, organiser, owner):
    today = timezone.localdate().isoformat()
    assert browser(owner).post(page("loan-write-off", loan.pk), {"written_off_on": today}).status_code == 403
    bad = browser(organiser).post(page("loan-write-off", loan.pk), {"written_off_on": "<script>"})
    assert bad.status_code == 200 and 'class="error"' in bad.content.decode()
    assert browser(organiser).post(page("loan-write-off", loan.pk), {"written_off_on": today}).status_code == 302
    loan.refresh_from_db()
    assert loan.status == "written_off"
    assert "12 000,00 kr" in browser(owner).get(page("loan-detail", loan.pk)).content.decode()


def test_statement_offers_scan_to_pay_for_the_next_instalment(fund, share_pool, saver):
    from tests.pools.test_paycodes import _page_codes

    member = fund_member_join(fund=fund, user=saver, pool=share_pool)
    fund.swish_number = "1235550000"
    fund.save(update_fields=["swish_number"])
    html = browser(saver).get(page("fund-statement", fund.slug)).text
    fields, swish = _page_codes(html)
    pledge = member.shares.get().pledge
    assert fields["iref"] == pledge.ocr_reference and fields["pt"] == "BG" and fields["acc"] == fund.bankgiro
    assert fields["nme"] == fund.name and fields["due"] > 0
    assert "sw=1235550000" in swish and f"msg={pledge.ocr_reference}" in swish
    from invest.funds.selectors import member_statement

    next_due = member_statement(fund=fund, user=saver).next_due
    assert fields["due"] == next_due["unpaid_ore"] / 100  # the next instalment, not the whole share
    assert fields["ddt"] == next_due["due_on"].strftime("%Y%m%d")


# ---------------------------------------------------------------- step-up: money leaves or is committed


def _code_entered_long_ago(user) -> Client:
    client = Client()
    login_verified(client, user, step_up=False)
    return client


def test_lending_guaranteeing_and_writing_off_pages_ask_for_a_fresh_code(fund, organiser, project, loan):
    stale = _code_entered_long_ago(organiser)
    guarantee = {
        "project": project.pk,
        "bank": "Sparbanken Bygd",
        "loan_amount": "200 000",
        "coverage_percent": "80",
        "term_months": 60,
        "issued_on": timezone.localdate().isoformat(),
    }
    for path, data in (
        (page("fund-loan-new", fund.slug), loan_form(project)),
        (page("fund-guarantee-new", fund.slug), guarantee),
        (page("loan-write-off", loan.pk), {"written_off_on": timezone.localdate().isoformat()}),
    ):
        response = stale.post(path, data)
        assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/verify/"), path
    assert Loan.objects.count() == 1 and not Guarantee.objects.exists()
    loan.refresh_from_db()
    assert loan.status != "written_off"


def test_approving_a_withdrawal_on_its_page_asks_for_a_fresh_code(fund, member, saver, treasurer, second_treasurer):
    row = capital_withdrawal_request(fund=fund, user=saver, amount_ore=100)
    browser(treasurer).post(page("withdrawal-action", row.pk, "prepare"))
    response = _code_entered_long_ago(second_treasurer).post(page("withdrawal-action", row.pk, "approve"))
    assert response.status_code == 302 and response["Location"].startswith("/account/two-factor/verify/")
    row.refresh_from_db()
    assert row.status == "prepared"


def test_a_new_member_with_nothing_paid_sees_one_member_share_and_no_capital_at_work_or_withdrawal(
    fund, share_pool, saver
):
    # The member share of 1 000 kr is priced in two 500 kr units: it is still one member share.
    browser(saver).post(page("fund-join", fund.slug), {"pool": share_pool.pk, "instalments": 1})
    body = browser(saver).get(page("fund-statement", fund.slug)).content.decode()
    assert "Medlemsinsats · 1 000,00 kr" in body and "2 andelar" not in body
    assert "Ditt kapital i arbete" not in body and "Det fonden stöttar" in body
    assert page("fund-withdraw", fund.slug) not in body and 'id="nothing-to-withdraw"' in body
    pledge = FundMembership.objects.get(member=saver).shares.get().pledge
    pay(pledge, 100_000, timezone.localdate())
    body = browser(saver).get(page("fund-statement", fund.slug)).content.decode()
    assert "Ditt kapital i arbete" in body and page("fund-withdraw", fund.slug) in body


def test_position_names_the_loan_amount_column_for_what_it_holds(fund, organiser, treasurer, project):
    loan_create(
        fund=fund, by=organiser, project=project, principal_ore=100_000, term_months=1,
        disbursed_on=timezone.localdate(),
    )  # fmt: skip
    body = browser(treasurer).get(page("fund-position", fund.slug)).content.decode()
    assert ">Lånebelopp</th>" in body and ">Amortering</th>" not in body  # the column holds the loan, not a repayment
    text = b"".join(browser(treasurer).get(page("fund-position-csv", fund.slug)).streaming_content).decode("utf-8")
    assert ";Lånebelopp;" in text and "Amortering" not in text
