"""What the schema fuzz (test_schema_fuzz.py) found, each reproduced with the input that showed it.

Every response here must be documented: status code, media type and body as openapi.yaml says
(tests/api/conformance.py runs schemathesis's own response validation on it).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import yaml
from django.utils import timezone
from rest_framework.test import APIClient

from invest.fairs.models import Fair
from invest.funds.services import capital_withdrawal_request, fund_member_join, fund_rules_set
from pools.models import PaymentChannel, PledgeKind, PoolKind
from pools.services import payment_record, pledge_create
from tests.api.conformance import COMMITTED, assert_documented
from tests.factories import FairFactory, MicroFundFactory, PoolFactory, ShareOfferPoolFactory
from tests.invest.fairs.builders import card, live_fair
from tests.invest.funds.conftest import RULES, pay
from tests.treasury.helpers import money_pledge, ocr
from treasury.services import payment_match_manual, payout_approve, payout_prepare

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def client_for(user) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    return client


FAIR_BODY = {"title": "Ödebymässan", "held_on": "2027-03-14", "place": "Bygdegården", "capacity": 90}


# ---------------------------------------------------------------- fairs: times of day


def test_fair_and_pitch_times_are_documented_as_local_times(organiser, owner):
    """Found: `"starts_at": "18:00:00"` broke the schema's `format: time` (RFC 3339 full-time needs an offset)."""
    fair, (pitch, _other) = live_fair(organiser, owner=owner)
    client = client_for(organiser)

    listing = client.get("/api/fairs/")
    assert listing.json()["results"][0]["starts_at"] == "18:00:00"
    assert_documented(listing, "GET", "/api/fairs/")
    detail = client.get(f"/api/fairs/{fair.pk}/")
    assert detail.json()["pitches"][0]["starts_at"] == "18:00:00"
    assert_documented(detail, "GET", "/api/fairs/{fair_id}/")
    assert_documented(client.get(f"/api/pitches/{pitch.pk}/"), "GET", "/api/pitches/{pitch_id}/")
    assert_documented(
        client_for(owner).patch(f"/api/pitches/{pitch.pk}/", {}, format="json"), "PATCH", "/api/pitches/{pitch_id}/"
    )


@pytest.mark.parametrize("given, stored", [("18:30", "18:30:00"), ("18:30:15", "18:30:15"), (" 07:05 ", "07:05:00")])
def test_a_fair_starts_at_a_local_time(organiser, given, stored):
    response = client_for(organiser).post("/api/fairs/", {**FAIR_BODY, "starts_at": given}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["starts_at"] == stored
    assert_documented(response, "POST", "/api/fairs/")


@pytest.mark.parametrize("given", ["00:00:00Z", "18:30+01:00", "17:30:00-05:00", "24:00", "1830", "18", "", None, 1830])
def test_a_fair_time_with_an_offset_or_in_another_shape_is_refused(organiser, given):
    """Found: POST /api/fairs/ with `"starts_at": "00:00:00Z"` answered 201 and stored 00:00, the offset
    silently dropped (a client in another zone would have moved the fair). Now 400, nothing written."""
    response = client_for(organiser).post("/api/fairs/", {**FAIR_BODY, "starts_at": given}, format="json")
    assert response.status_code == 400
    assert "starts_at" in response.json()
    assert_documented(response, "POST", "/api/fairs/")
    assert not Fair.objects.exists()


def test_a_programme_slot_with_an_offset_is_refused(organiser):
    from tests.invest.fairs.builders import fair_with_programme

    fair, pitches = fair_with_programme(organiser)
    slots = [
        {"pitch": p.pk, "position": i + 1, "starts_at": f"1{8 + i}:00+01:00", "minutes": 8}
        for i, p in enumerate(pitches)
    ]
    response = client_for(organiser).put(f"/api/fairs/{fair.pk}/programme/", {"slots": slots}, format="json")
    assert response.status_code == 400
    assert "slots" in response.json()
    fair.refresh_from_db()
    assert [p.starts_at.hour for p in fair.pitches.order_by("position")] == [18, 18]


def test_pledgers_without_an_amount_are_documented(organiser, owner):
    """Found: GET /api/pitches/{id}/pledgers/ gave `"amount": null` for a time card; the schema said string."""
    _fair, (pitch, _other) = live_fair(organiser, owner=owner)
    card(pitch, kind="time", amount_ore=None, hours=Decimal(3), description="Ställer upp")
    response = client_for(owner).get(f"/api/pitches/{pitch.pk}/pledgers/")
    assert response.status_code == 200
    assert [row["amount"] for row in response.json()] == [None]
    assert_documented(response, "GET", "/api/pitches/{pitch_id}/pledgers/")


# ---------------------------------------------------------------- funds: withdrawals not yet prepared


@pytest.fixture
def member_fund(organiser, saver):
    fund = MicroFundFactory(organiser=organiser)
    fund_rules_set(fund=fund, by=organiser, **RULES)
    shares = ShareOfferPoolFactory(project=None, micro_fund=fund, share_price_ore=50_000, target_ore=10**10)
    capital = PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL, target_ore=10**10)
    gift = pledge_create(pool=capital, saver=organiser, kind=PledgeKind.GIFT, amount_ore=100_000_000)
    pay(gift, 100_000_000, timezone.localdate() - timedelta(days=10))
    membership = fund_member_join(fund=fund, user=saver, pool=shares)
    share = membership.shares.get()
    pay(share.pledge, share.pledge.amount_ore, timezone.localdate())
    return fund


def test_a_new_withdrawal_request_is_documented(member_fund, saver):
    """Found: POST /api/funds/{id}/withdrawals/ {"amount": "1234.50"} answered `"prepared_by": null,
    "approved_by": null`; the schema said string (also in the statement and the treasurer's list)."""
    client = client_for(saver)
    response = client.post(f"/api/funds/{member_fund.pk}/withdrawals/", {"amount": "100.00"}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["prepared_by"] is None and response.json()["approved_by"] is None
    assert_documented(response, "POST", "/api/funds/{id}/withdrawals/")
    statement = client.get(f"/api/funds/{member_fund.pk}/statement/")
    assert statement.json()["withdrawals"][0]["prepared_by"] is None
    assert_documented(statement, "GET", "/api/funds/{id}/statement/")


def test_a_withdrawal_prepared_but_not_approved_is_documented(member_fund, saver, treasurer):
    withdrawal = capital_withdrawal_request(fund=member_fund, user=saver, amount_ore=10_000)
    client = client_for(treasurer)
    listing = client.get(f"/api/funds/{member_fund.pk}/withdrawals/")
    assert_documented(listing, "GET", "/api/funds/{id}/withdrawals/")
    response = client.post(f"/api/fund-withdrawals/{withdrawal.pk}/prepare/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["prepared_by"] and response.json()["approved_by"] is None
    assert_documented(response, "POST", "/api/fund-withdrawals/{id}/{action}/")


def test_an_unknown_withdrawal_or_guarantee_action_is_404_and_the_actions_are_listed(member_fund, saver, treasurer):
    withdrawal = capital_withdrawal_request(fund=member_fund, user=saver, amount_ore=10_000)
    response = client_for(treasurer).post(f"/api/fund-withdrawals/{withdrawal.pk}/explode/", {}, format="json")
    assert response.status_code == 404
    schema = yaml.safe_load(COMMITTED.read_text())
    for path, actions in (
        ("/api/fund-withdrawals/{id}/{action}/", {"prepare", "approve", "pay", "cancel"}),
        ("/api/guarantees/{id}/{action}/", {"balance", "release", "call"}),
    ):
        [action] = [p for p in schema["paths"][path]["post"]["parameters"] if p["name"] == "action"]
        assert set(action["schema"]["enum"]) == actions


# ---------------------------------------------------------------- treasury: files


@pytest.mark.parametrize(
    "kind, export, media_type",
    [
        ("pools", "csv", "text/csv"),
        ("ledger", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("overview", "pdf", "application/pdf"),
    ],
)
def test_report_exports_are_documented(treasurer, pool, kind, export, media_type):
    """Found: GET /api/treasury/reports/ledger/?export=xlsx answered a spreadsheet; the schema knew only JSON."""
    response = client_for(treasurer).get(f"/api/treasury/reports/{kind}/", {"export": export})
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    assert_documented(response, "GET", "/api/treasury/reports/{kind}/")
    assert_documented(
        client_for(treasurer).get(f"/api/treasury/reports/{kind}/"), "GET", "/api/treasury/reports/{kind}/"
    )


@pytest.mark.parametrize("file_format, media_type", [("csv", "text/csv"), ("pain001", "application/xml")])
def test_payment_order_files_are_documented(pool, saver, treasurer, second_treasurer, file_format, media_type):
    """Found: POST /api/treasury/payouts/{id}/export/ answered text/csv; the schema said application/octet-stream."""
    pledge = money_pledge(pool, saver, amount_ore=10_000, reference=ocr(40001))
    payment = payment_record(
        amount_ore=15_000,
        received_on=timezone.localdate(),
        channel=PaymentChannel.MANUAL,
        payer_name="Bo",
        payer_account="SE4550000000058398257466",
    )
    payment_match_manual(payment=payment, parts=[(pledge, 10_000)], by=treasurer)
    batch = payout_prepare(kind="refund", source_keys=[f"overpayment:{payment.pk}"], by=second_treasurer)
    payout_approve(batch=batch, by=treasurer)
    from tests.twofactor import login_verified

    # A payment file needs a session with a fresh second factor (step-up).
    response = login_verified(APIClient(), treasurer).post(
        f"/api/treasury/payouts/{batch.pk}/export/", {"file_format": file_format}, format="json"
    )
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == media_type
    assert_documented(response, "POST", "/api/treasury/payouts/{id}/export/")


# ---------------------------------------------------------------- lists that may not be empty


@pytest.mark.parametrize(
    "component, field, max_items",
    [("ProgrammeRequest", "slots", 30), ("MatchRequest", "parts", 50), ("PayoutPrepareRequest", "source_keys", 1000)],
)
def test_lists_that_may_not_be_empty_say_so(component, field, max_items):
    """The fuzz sent `{"slots": []}`, valid by the schema, and got 400: the schema now says minItems 1."""
    spec = yaml.safe_load(COMMITTED.read_text())["components"]["schemas"][component]["properties"][field]
    assert spec["minItems"] == 1
    assert spec["maxItems"] == max_items


def test_an_empty_programme_is_refused(organiser):
    fair = FairFactory(organiser=organiser)
    response = client_for(organiser).put(f"/api/fairs/{fair.pk}/programme/", {"slots": []}, format="json")
    assert response.status_code == 400
    assert_documented(response, "PUT", "/api/fairs/{fair_id}/programme/")


# ---------------------------------------------------------------- funds: a loan with nothing overdue


def test_a_fund_position_with_nothing_overdue_is_documented(member_fund, organiser, owner):
    """Found: GET /api/funds/{id}/position/ gave a loan line `"overdue_since": null`; the schema said date."""
    from invest.funds.services import loan_create
    from tests.factories import ProjectFactory

    loan_create(
        fund=member_fund,
        by=organiser,
        project=ProjectFactory(owner=owner),
        principal_ore=1_200_000,
        term_months=12,
        disbursed_on=timezone.localdate(),
    )
    response = client_for(organiser).get(f"/api/funds/{member_fund.pk}/position/")
    assert response.status_code == 200
    assert [line["overdue_since"] for line in response.json()["loans"]] == [None]
    assert_documented(response, "GET", "/api/funds/{id}/position/")


# ---------------------------------------------------------------- bodies Django refuses to read


CSRF = "fuzzfindings" + "0" * 20  # a CSRF secret (32 characters) in the cookie and the header, as pages send them


def _session_client(user, login_as) -> APIClient:  # type: ignore[no-untyped-def]
    client = login_as(APIClient(enforce_csrf_checks=True), user)
    client.cookies["csrftoken"] = CSRF
    return client


def _too_many_keys() -> dict[str, list[str]]:
    return {"kind": ["refund"], "source_keys": [f"overpayment:{n}" for n in range(1_001)]}


@pytest.mark.parametrize("content", ["multipart", "form"])
def test_a_form_with_too_many_fields_is_a_json_400(treasurer, login_as, content):
    """Found: POST /api/treasury/payouts/ as multipart with over 1 000 `source_keys` fields answered Django's
    HTML 400 page (TooManyFieldsSent), for a session-authenticated treasurer: now a documented JSON 400."""
    from urllib.parse import urlencode

    client = _session_client(treasurer, login_as)
    token = CSRF
    if content == "multipart":
        response = client.post("/api/treasury/payouts/", _too_many_keys(), HTTP_X_CSRFTOKEN=token)
    else:
        body = urlencode(_too_many_keys(), doseq=True)
        response = client.generic(
            "POST",
            "/api/treasury/payouts/",
            body,
            content_type="application/x-www-form-urlencoded",
            HTTP_X_CSRFTOKEN=token,
        )
    assert response.status_code == 400
    assert response.json()["code"] == "too_many_fields"
    assert_documented(response, "POST", "/api/treasury/payouts/")


def test_a_form_too_large_to_read_is_a_json_400(treasurer, login_as, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    client = _session_client(treasurer, login_as)
    response = client.generic(
        "POST",
        "/api/treasury/payouts/",
        "kind=refund&note=" + "x" * 5_000,
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CSRFTOKEN=CSRF,
    )
    assert response.status_code == 400
    assert response.json()["code"] == "request_too_large"
    assert_documented(response, "POST", "/api/treasury/payouts/")


def test_a_request_django_refuses_before_the_view_is_a_json_400_under_the_api_only(client):
    api = client.get("/api/", HTTP_HOST="evil.example")
    assert api.status_code == 400
    assert api.json()["code"] == "bad_request"
    page = client.get("/", HTTP_HOST="evil.example")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")


# ---------------------------------------------------------------- pitches: a body that is not an object


@pytest.mark.parametrize("body", ["849946", "-1.484802865678322e+23", "[]", '["title"]', '"title"', "null", "true"])
def test_a_pitch_page_patch_whose_body_is_not_an_object_is_a_400(organiser, owner, body):
    """Found: PATCH /api/pitches/{id}/ with the JSON body `849946` crashed with 500 (the view merged the
    body into a dict); now 400 and the page is unchanged."""
    _fair, (pitch, _other) = live_fair(organiser, owner=owner)
    response = client_for(owner).generic("PATCH", f"/api/pitches/{pitch.pk}/", body, content_type="application/json")
    assert response.status_code == 400
    assert_documented(response, "PATCH", "/api/pitches/{pitch_id}/")
    pitch.refresh_from_db()
    assert pitch.title == "Pitch 1"


def test_a_pitch_page_patch_changes_only_the_fields_given(organiser, owner):
    _fair, (pitch, _other) = live_fair(organiser, owner=owner)
    client = client_for(owner)
    response = client.patch(f"/api/pitches/{pitch.pk}/", {"ask": "200 000 kr"}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["title"], response.json()["ask"]) == ("Pitch 1", "200 000 kr")
    response = client.patch(f"/api/pitches/{pitch.pk}/", {"title": "Nytt namn"}, format="json")
    assert (response.json()["title"], response.json()["ask"]) == ("Nytt namn", "200 000 kr")
    assert client.patch(f"/api/pitches/{pitch.pk}/", {"title": " "}, format="json").status_code == 400
    assert_documented(response, "PATCH", "/api/pitches/{pitch_id}/")
