"""The funds API: who may do what, bad input answered 400 with nothing written, limits refused with the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from invest.funds.models import CapitalWithdrawal, FundMembership, FundRulesVersion, Guarantee, Loan, LoanRepayment
from invest.funds.services import fund_member_join, fund_rules_set, guarantee_create, loan_create
from pools.models import PledgeKind, PoolKind
from pools.services import pledge_create
from tests.factories import MicroFundFactory, PoolFactory, ProjectFactory, ShareOfferPoolFactory, UserFactory
from tests.invest.funds.conftest import RULES, pay

pytestmark = pytest.mark.django_db

HOSTILE = ["1e9999", "NaN", "-1", "12.345", "x" * 10_000, "<script>alert(1)</script>", "1'; DROP TABLE x;--", [], {}]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def fund(organiser):
    fund = MicroFundFactory(organiser=organiser)
    fund_rules_set(fund=fund, by=organiser, **RULES)
    capital_pool = PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL, target_ore=10**10)
    gift = pledge_create(pool=capital_pool, saver=organiser, kind=PledgeKind.GIFT, amount_ore=100_000_000)
    pay(gift, 100_000_000, timezone.localdate() - timedelta(days=10))
    return fund


@pytest.fixture
def share_pool(fund):
    return ShareOfferPoolFactory(project=None, micro_fund=fund, share_price_ore=50_000, target_ore=10**10)


@pytest.fixture
def project(owner):
    return ProjectFactory(owner=owner)


def stepped_up(user) -> APIClient:
    """A session that entered a two-factor code just now: changing fund rules needs one (step-up)."""
    from tests.twofactor import login_verified

    return login_verified(APIClient(), user)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def url(name: str, *args: object) -> str:
    from django.urls import reverse

    return reverse(f"api:{name}", args=args)


# ---------------------------------------------------------------- funds and rules


def test_funds_are_listed_with_rules_for_logged_in_users_only(fund, saver, share_pool):
    assert APIClient().get(url("fund-list")).status_code == 401
    body = client_for(saver).get(url("fund-list")).json()
    assert body[0]["rules"]["required_share"] == "1000.00"
    assert body[0]["rules"]["max_per_project_percent"] == "25.00"
    assert body[0]["share_offers"][0]["share_price"] == "500.00"
    assert client_for(saver).get(url("fund-detail", 999_999)).status_code == 404


def test_organiser_changes_rules_and_the_version_history_records_it(fund, organiser):
    response = stepped_up(organiser).post(
        url("fund-rules", fund.pk), {"max_per_project_percent": "30.50", "note": "Stämman"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 2
    assert response.json()["before"]["max_per_project_bp"] == 2_500
    history = client_for(organiser).get(url("fund-rules", fund.pk)).json()
    assert [v["version"] for v in history] == [2, 1]


def test_rules_are_refused_to_savers_and_treasurers(fund, saver, treasurer):
    body = {"max_per_project_percent": "30"}
    assert client_for(saver).post(url("fund-rules", fund.pk), body, format="json").status_code == 403
    assert client_for(treasurer).post(url("fund-rules", fund.pk), body, format="json").status_code == 403
    assert client_for(saver).get(url("fund-rules", fund.pk)).status_code == 404
    assert FundRulesVersion.objects.count() == 1


RULES_BAD = [
    (field, value)
    for field in ("required_share", "max_per_project", "max_per_project_percent", "max_instalments")
    for value in [*HOSTILE, "101", "0"]
    if not (field in ("required_share", "max_per_project") and value == "101")  # 101 kr is a valid amount
]


@pytest.mark.parametrize(("field", "value"), RULES_BAD)
def test_rules_bad_values_are_400_and_write_nothing(fund, organiser, field, value):
    response = stepped_up(organiser).post(url("fund-rules", fund.pk), {field: value}, format="json")
    assert response.status_code == 400, (field, value, response.content[:200])
    assert field in response.json()
    assert FundRulesVersion.objects.count() == 1


# ---------------------------------------------------------------- position


def test_position_for_organiser_and_treasurer_404_for_a_saver(fund, organiser, treasurer, saver):
    for user in (organiser, treasurer):
        response = client_for(user).get(url("fund-position", fund.pk))
        assert response.status_code == 200
        assert response.json()["capital_paid_in"] == "1000000.00"
        assert response.json()["available"] == "1000000.00"
    assert client_for(saver).get(url("fund-position", fund.pk)).status_code == 404


def test_position_as_of_before_the_money_arrived_shows_nothing(fund, treasurer):
    as_of = (timezone.localdate() - timedelta(days=11)).isoformat()
    body = client_for(treasurer).get(url("fund-position", fund.pk), {"as_of": as_of}).json()
    assert body["capital_paid_in"] == "0.00"


@pytest.mark.parametrize("value", ["2026-13-01", "yesterday", "x" * 10_000, "<b>"])
def test_position_bad_date_is_400(fund, treasurer, value):
    response = client_for(treasurer).get(url("fund-position", fund.pk), {"as_of": value})
    assert response.status_code == 400
    assert "as_of" in response.json()


# ---------------------------------------------------------------- members


def test_saver_joins_and_sees_their_statement_another_saver_gets_404(fund, share_pool, saver, other_saver):
    response = client_for(saver).post(
        url("fund-join", fund.pk), {"pool": share_pool.pk, "instalments": 2}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["has_vote"] is False
    assert [i["amount"] for i in body["shares"][0]["instalments"]] == ["500.00", "500.00"]
    assert body["shares"][0]["ocr_reference"]
    assert client_for(saver).get(url("fund-statement", fund.pk)).status_code == 200
    assert client_for(other_saver).get(url("fund-statement", fund.pk)).status_code == 404
    again = client_for(saver).post(url("fund-join", fund.pk), {"pool": share_pool.pk}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "already_member"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pool": 999_999}, "pool"),
        ({"pool": "<script>"}, "pool"),
        ({"instalments": 0}, "instalments"),
        ({"instalments": "1e9999"}, "instalments"),
        ({"instalments": 5}, "instalments"),
        ({"voluntary_share_count": -1}, "voluntary_share_count"),
        ({"voluntary_share_count": "NaN"}, "voluntary_share_count"),
    ],
)
def test_join_bad_input_is_400_and_writes_nothing(fund, share_pool, saver, body, field):
    payload = {"pool": share_pool.pk, **body}
    response = client_for(saver).post(url("fund-join", fund.pk), payload, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert not FundMembership.objects.exists()


def test_join_through_another_funds_share_offer_is_refused(fund, saver):
    other = ShareOfferPoolFactory(project=None, micro_fund=MicroFundFactory(), share_price_ore=50_000)
    response = client_for(saver).post(url("fund-join", fund.pk), {"pool": other.pk}, format="json")
    assert response.status_code == 400 and "pool" in response.json()


@pytest.fixture
def member(fund, share_pool, saver):
    membership = fund_member_join(fund=fund, user=saver, pool=share_pool)
    share = membership.shares.get()
    pay(share.pledge, share.pledge.amount_ore, timezone.localdate())
    return membership


def test_withdrawal_flow_needs_two_treasurers(fund, member, saver, treasurer, second_treasurer, other_saver):
    response = client_for(saver).post(url("fund-withdrawals", fund.pk), {"amount": "400.00"}, format="json")
    assert response.status_code == 201, response.json()
    wid = response.json()["id"]
    assert client_for(saver).post(url("fund-withdrawal-action", wid, "prepare")).status_code == 404
    assert client_for(treasurer).post(url("fund-withdrawal-action", wid, "prepare")).status_code == 200
    same = stepped_up(treasurer).post(url("fund-withdrawal-action", wid, "approve"))
    assert same.status_code == 409 and same.json()["code"] == "four_eyes_required"
    assert stepped_up(second_treasurer).post(url("fund-withdrawal-action", wid, "approve")).status_code == 200
    early = client_for(treasurer).post(
        url("fund-withdrawal-action", wid, "pay"), {"paid_on": timezone.localdate().isoformat()}, format="json"
    )
    assert early.status_code == 409 and "paid_on" in early.json()
    assert client_for(other_saver).post(url("fund-withdrawal-action", wid, "cancel")).status_code == 404
    assert client_for(treasurer).post(url("fund-withdrawal-action", wid, "explode")).status_code == 404
    listing = client_for(treasurer).get(url("fund-withdrawals", fund.pk)).json()
    assert listing[0]["status"] == "approved"
    assert client_for(saver).get(url("fund-withdrawals", fund.pk)).status_code == 404


@pytest.mark.parametrize(("value", "code"), [*((v, 400) for v in HOSTILE), ("0", 400), ("1000.01", 409)])
def test_withdrawal_bad_amount_is_refused_and_writes_nothing(fund, member, saver, value, code):
    """Malformed amounts are 400 (input); more than the member's capital is 409 (the fund refuses)."""
    response = client_for(saver).post(url("fund-withdrawals", fund.pk), {"amount": value}, format="json")
    assert response.status_code == code
    assert "amount" in response.json()
    assert not CapitalWithdrawal.objects.exists()


def test_non_member_cannot_ask_to_withdraw(fund, member, other_saver):
    response = client_for(other_saver).post(url("fund-withdrawals", fund.pk), {"amount": "1.00"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "not_member"


# ---------------------------------------------------------------- loans


def loan_body(target, **kw):
    return {
        "project": target.pk,
        "principal": "100000.00",
        "term_months": 12,
        "interest_percent": "5.00",
        "disbursed_on": timezone.localdate().isoformat(),
        **kw,
    }


def test_organiser_lends_and_the_owner_sees_the_schedule_another_owner_gets_404(fund, organiser, project, owner):
    response = stepped_up(organiser).post(
        url("fund-loans", fund.pk), loan_body(project, status="repaid", principal_ore=1), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "active"  # status and öre fields are not writable
    assert body["principal"] == "100000.00"
    schedule = body["figures"]["schedule"]
    assert len(schedule) == 12
    assert sum(int(row["principal"].replace(".", "")) for row in schedule) == 10_000_000
    loan_id = body["id"]
    assert client_for(owner).get(url("loan-detail", loan_id)).status_code == 200
    assert [loan["id"] for loan in client_for(owner).get(url("loan-list")).json()] == [loan_id]
    other_owner = ProjectFactory().owner
    assert client_for(other_owner).get(url("loan-detail", loan_id)).status_code == 404
    assert client_for(other_owner).get(url("loan-list")).json() == []


def test_loan_over_a_limit_is_409_with_the_field_and_reason(fund, organiser, project):
    response = stepped_up(organiser).post(
        url("fund-loans", fund.pk), loan_body(project, principal="250000.01"), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "project_limit_exceeded"
    assert "principal" in response.json()
    assert not Loan.objects.exists()


def test_loans_are_refused_to_savers_owners_and_treasurers(fund, project, saver, owner, treasurer):
    for user in (saver, owner, treasurer):
        assert stepped_up(user).post(url("fund-loans", fund.pk), loan_body(project), format="json").status_code == 403
    assert not Loan.objects.exists()


@pytest.mark.parametrize("field", ["principal", "term_months", "interest_percent", "disbursed_on", "project"])
@pytest.mark.parametrize("value", HOSTILE)
def test_loan_bad_input_is_400_and_writes_nothing(fund, organiser, project, field, value):
    response = stepped_up(organiser).post(
        url("fund-loans", fund.pk), loan_body(project, **{field: value}), format="json"
    )
    assert response.status_code == 400, (field, value)
    assert field in response.json()
    assert not Loan.objects.exists()


def test_draft_project_cannot_be_lent_to(fund, organiser):
    from invest.models import ProjectStatus

    draft = ProjectFactory(status=ProjectStatus.DRAFT)
    response = stepped_up(organiser).post(url("fund-loans", fund.pk), loan_body(draft), format="json")
    assert response.status_code == 400 and "project" in response.json()


@pytest.fixture
def loan(fund, organiser, project):
    return loan_create(
        fund=fund,
        by=organiser,
        project=project,
        principal_ore=1_200_000,
        term_months=12,
        disbursed_on=timezone.localdate() - timedelta(days=5),
    )


def test_treasurer_records_a_repayment_once_per_reference(loan, treasurer, owner):
    body = {"amount": "1000.00", "paid_on": timezone.localdate().isoformat(), "reference": "BG-1"}
    first = client_for(treasurer).post(url("loan-repayments", loan.pk), body, format="json")
    second = client_for(treasurer).post(url("loan-repayments", loan.pk), body, format="json")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["principal"] == "1000.00"
    assert client_for(owner).post(url("loan-repayments", loan.pk), body, format="json").status_code == 403
    stranger = ProjectFactory().owner
    assert client_for(stranger).post(url("loan-repayments", loan.pk), body, format="json").status_code == 404
    assert LoanRepayment.objects.count() == 1


@pytest.mark.parametrize(("value", "code"), [*((v, 400) for v in HOSTILE), ("0", 400), ("12000.01", 409)])
def test_repayment_bad_amount_writes_nothing(loan, treasurer, value, code):
    """Malformed amounts are 400 (input); more than the loan owes is 409 (the loan refuses)."""
    body = {"amount": value, "paid_on": timezone.localdate().isoformat()}
    response = client_for(treasurer).post(url("loan-repayments", loan.pk), body, format="json")
    assert response.status_code == code
    assert "amount" in response.json()
    assert not LoanRepayment.objects.exists()


def test_repayment_in_the_future_is_400(loan, treasurer):
    body = {"amount": "10.00", "paid_on": (timezone.localdate() + timedelta(days=1)).isoformat()}
    response = client_for(treasurer).post(url("loan-repayments", loan.pk), body, format="json")
    assert response.status_code == 400 and "paid_on" in response.json()


# ---------------------------------------------------------------- guarantees


def guarantee_body(target, **kw):
    return {
        "project": target.pk,
        "bank": "Sparbanken Bygd",
        "loan_amount": "200000.00",
        "coverage_percent": "80",
        "term_months": 60,
        "issued_on": timezone.localdate().isoformat(),
        **kw,
    }


def test_guarantee_is_made_reported_and_called_by_the_right_people(fund, organiser, treasurer, project, owner):
    response = stepped_up(organiser).post(url("fund-guarantees", fund.pk), guarantee_body(project), format="json")
    assert response.status_code == 201, response.json()
    gid = response.json()["id"]
    assert response.json()["figures"]["exposure"] == "160000.00"
    assert response.json()["fee_percent"] == "1.00"
    today = timezone.localdate().isoformat()
    balance = client_for(treasurer).post(
        url("guarantee-action", gid, "balance"), {"balance": "150000", "effective_on": today}, format="json"
    )
    assert balance.status_code == 201
    assert client_for(owner).get(url("guarantee-detail", gid)).json()["figures"]["exposure"] == "120000.00"
    refused = client_for(owner).post(url("guarantee-action", gid, "call"), {"loss": "1", "effective_on": today})
    assert refused.status_code == 403
    stranger = ProjectFactory().owner
    assert client_for(stranger).get(url("guarantee-detail", gid)).status_code == 404
    called = client_for(organiser).post(
        url("guarantee-action", gid, "call"), {"loss": "100000.00", "effective_on": today}, format="json"
    )
    assert called.status_code == 201
    again = client_for(organiser).post(url("guarantee-action", gid, "release"), {"effective_on": today}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "guarantee_not_changeable"


def test_guarantee_coverage_over_the_rule_is_409_with_the_field(fund, organiser, project):
    response = stepped_up(organiser).post(
        url("fund-guarantees", fund.pk), guarantee_body(project, coverage_percent="90.01"), format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "coverage_limit_exceeded"
    assert "coverage_percent" in response.json()
    assert not Guarantee.objects.exists()


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
    return ProjectFactory(community=theirs)


@pytest.mark.parametrize(("path", "body"), [("fund-loans", loan_body), ("fund-guarantees", guarantee_body)])
def test_a_fund_manager_cannot_lend_to_or_guarantee_another_communitys_project(
    fund, fund_manager, project, their_project, path, body
):
    refused = stepped_up(fund_manager).post(url(path, fund.pk), body(their_project), format="json")
    assert refused.status_code == 400 and "project" in refused.json(), refused.json()
    assert not Loan.objects.exists() and not Guarantee.objects.exists()
    made = stepped_up(fund_manager).post(url(path, fund.pk), body(project), format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["project_id"] == project.pk


GUARANTEE_BAD = [
    (field, value)
    for field in ("loan_amount", "coverage_percent", "bank", "issued_on", "term_months")
    for value in [*HOSTILE, ""]
    # any short text is a valid bank name; only empty, huge or non-text names are refused
    if field != "bank" or not isinstance(value, str) or len(value) > 120 or not value.strip()
]


@pytest.mark.parametrize(("field", "value"), GUARANTEE_BAD)
def test_guarantee_bad_input_is_400(fund, organiser, project, field, value):
    response = stepped_up(organiser).post(
        url("fund-guarantees", fund.pk), guarantee_body(project, **{field: value}), format="json"
    )
    assert response.status_code == 400, (field, value)
    assert field in response.json()
    assert not Guarantee.objects.exists()


def test_session_posts_need_the_csrf_token(fund, organiser, project):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(organiser)
    response = client.post(url("fund-loans", fund.pk), loan_body(project), format="json")
    assert response.status_code == 403
    assert not Loan.objects.exists()


def test_guarantee_list_is_scoped(fund, organiser, project, owner, saver):
    guarantee_create(
        fund=fund,
        by=organiser,
        project=project,
        bank="Bygdebanken",
        loan_amount_ore=1_000_000,
        coverage_bp=5_000,
        term_months=12,
        issued_on=timezone.localdate(),
    )
    assert len(client_for(owner).get(url("guarantee-list")).json()) == 1
    assert client_for(saver).get(url("guarantee-list")).json() == []


def test_write_off_through_the_api(loan, organiser, treasurer, owner):
    body = {"written_off_on": timezone.localdate().isoformat(), "note": "<b>Konkurs</b>"}
    assert stepped_up(treasurer).post(url("loan-write-off", loan.pk), body, format="json").status_code == 403
    assert client_for(ProjectFactory().owner).post(url("loan-write-off", loan.pk), body).status_code == 404
    bad = stepped_up(organiser).post(url("loan-write-off", loan.pk), {"written_off_on": "1e9999"}, format="json")
    assert bad.status_code == 400 and "written_off_on" in bad.json()
    done = stepped_up(organiser).post(url("loan-write-off", loan.pk), body, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "written_off"
    assert done.json()["figures"]["loss"] == "12000.00"
    assert client_for(owner).get(url("loan-detail", loan.pk)).json()["figures"]["outstanding"] == "0.00"


# ---------------------------------------------------------------- step-up: money leaves or is committed


def _code_entered_long_ago(user) -> APIClient:
    """Logged in with two factors, but no fresh code: the step-up window has passed."""
    from tests.twofactor import login_verified

    return login_verified(APIClient(), user, step_up=False)


def test_lending_guaranteeing_and_writing_off_need_a_fresh_code(fund, organiser, project, loan):
    stale = _code_entered_long_ago(organiser)
    for path, body in (
        (url("fund-loans", fund.pk), loan_body(project)),
        (url("fund-guarantees", fund.pk), guarantee_body(project)),
        (url("loan-write-off", loan.pk), {"written_off_on": timezone.localdate().isoformat()}),
    ):
        response = stale.post(path, body, format="json")
        assert response.status_code == 403, path
        assert response.json()["code"] == "step_up_required", path
    assert Loan.objects.count() == 1 and not Guarantee.objects.exists()
    loan.refresh_from_db()
    assert loan.status != "written_off"
    assert stepped_up(organiser).post(url("fund-loans", fund.pk), loan_body(project), format="json").status_code == 201


def test_approving_a_capital_withdrawal_needs_a_fresh_code(fund, member, saver, treasurer, second_treasurer):
    wid = client_for(saver).post(url("fund-withdrawals", fund.pk), {"amount": "400.00"}, format="json").json()["id"]
    assert client_for(treasurer).post(url("fund-withdrawal-action", wid, "prepare")).status_code == 200
    stale = _code_entered_long_ago(second_treasurer).post(url("fund-withdrawal-action", wid, "approve"))
    assert stale.status_code == 403 and stale.json()["code"] == "step_up_required"
    assert CapitalWithdrawal.objects.get(pk=wid).status == "prepared"
    assert stepped_up(second_treasurer).post(url("fund-withdrawal-action", wid, "approve")).status_code == 200
