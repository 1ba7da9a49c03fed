"""The regulated-offer API: a pool's offer and sheet, the caller's assessment, consent above the limit on the
pledge endpoint, revoking, and the caller's statements."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation
from rest_framework.test import APIClient

from accounts.roles import Role
from pools.models import PledgeKind, PledgeStatus, PoolKind, PoolStatus
from pools.offers.models import OfferEvent, OfferInstrument, YearlyStatement
from pools.offers.services import pool_offer_set, sheet_write
from pools.services import pledge_create
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from tests.pools.offers_helpers import RIGHT_ANSWERS, SHEET, WRONG_ANSWERS, assessed, regulated_loan_pool

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_saver(api_client, saver):
    api_client.force_authenticate(saver)
    return api_client


def test_the_offer_shows_the_sheet_in_the_callers_language_with_the_warning(as_saver, saver) -> None:
    pool = regulated_loan_pool()
    assessed(saver, net_worth_ore=100_000_000)
    with translation.override("en"):
        body = as_saver.get(f"/api/pools/{pool.pk}/offer/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["is_regulated"] is True and body["instrument"] == "interest_loan"
    assert body["sheet_version"] == 1
    assert body["warning"].startswith("This crowdfunding offer has been neither verified nor approved")
    assert [s["key"] for s in body["sections"]][:3] == ["owner", "project", "risks"]
    assert body["consent_limit"] == "50000.00" and body["has_valid_assessment"] is True


def test_a_plain_pool_is_not_regulated(api_client) -> None:
    body = api_client.get(f"/api/pools/{PoolFactory().pk}/offer/").json()
    assert body == {
        "is_regulated": False,
        "instrument": None,
        "interest_rate_bp": None,
        "sheet_version": None,
        "warning": None,
        "sections": [],
        "consent_limit": None,
        "has_valid_assessment": False,
    }


def test_taking_the_test_through_the_api(as_saver) -> None:
    body = {"answers": RIGHT_ANSWERS, "net_worth": "250000.00", "loss_acknowledged": True}
    response = as_saver.post("/api/me/assessment/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["passed"] is True
    assert response.json()["loss_reference"] == "25000.00"
    assert as_saver.get("/api/me/assessment/").json()["net_worth"] == "250000.00"


def test_failing_the_test_through_the_api_needs_the_warning_acknowledged(as_saver) -> None:
    body = {"answers": WRONG_ANSWERS, "net_worth": "1000.00", "loss_acknowledged": True}
    refused = as_saver.post("/api/me/assessment/", body, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "assessment_invalid" and "warning_acknowledged" in refused.json()
    accepted = as_saver.post("/api/me/assessment/", {**body, "warning_acknowledged": True}, format="json")
    assert accepted.status_code == 201 and accepted.json()["passed"] is False


@override_settings(OFFERS_EUR_SEK_ORE=1150)
def test_the_api_refuses_a_regulated_pledge_above_the_limit_without_consent(as_saver, saver) -> None:
    pool = regulated_loan_pool()
    assessed(saver, net_worth_ore=1_000_000)  # 5 % is below EUR 1,000: the limit is 11 500 kr
    url = f"/api/pools/{pool.pk}/pledges/"
    refused = as_saver.post(url, {"kind": "loan", "amount": "11500.01"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["code"] == "risk_consent_required"
    assert "11" in refused.json()["risk_consent"][0]
    accepted = as_saver.post(url, {"kind": "loan", "amount": "11500.01", "risk_consent": True}, format="json")
    assert accepted.status_code == 201, accepted.content
    assert OfferEvent.objects.filter(kind="risk_consent", pledge_id=accepted.json()["id"]).exists()


def test_the_api_refuses_a_regulated_pledge_before_the_test(as_saver) -> None:
    pool = regulated_loan_pool()
    response = as_saver.post(f"/api/pools/{pool.pk}/pledges/", {"kind": "loan", "amount": "100.00"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "assessment_required"


def test_revoking_through_the_api(as_saver, saver) -> None:
    pool = regulated_loan_pool()
    assessed(saver)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    response = as_saver.post(f"/api/pledges/{pledge.pk}/revoke/")
    assert response.status_code == 200
    assert response.json()["status"] == PledgeStatus.WITHDRAWN
    again = as_saver.post(f"/api/pledges/{pledge.pk}/revoke/")
    assert again.status_code == 409 and again.json()["code"] == "revocation_not_possible"


def test_the_callers_statements(as_saver, saver, other_saver) -> None:
    YearlyStatement.objects.create(saver=saver, year=2025, language="sv", pdf=b"%PDF", figures={"year": 2025})
    YearlyStatement.objects.create(saver=other_saver, year=2025, language="sv", pdf=b"%PDF", figures={})
    body = as_saver.get("/api/me/statements/").json()
    assert [(s["year"], s["figures"], s["pdf_url"]) for s in body] == [
        (2025, {"year": 2025}, "/my/statements/2025.pdf")
    ]


# ---------------------------------------------------------------- the key information sheet


def _sheet_pool(owner):
    pool = PoolFactory(project=ProjectFactory(owner=owner), kind=PoolKind.FAIR, status=PoolStatus.DRAFT)
    pool_offer_set(pool=pool, by=UserFactory(roles=(Role.ORGANISER,)), instrument=OfferInstrument.INTEREST_LOAN)
    return pool


def test_the_owner_drafts_a_sheet_version_through_the_api(api_client, login_as, owner) -> None:
    pool = _sheet_pool(owner)
    login_as(api_client, owner)
    url = f"/api/pools/{pool.pk}/sheets/"
    missing = {"content": {"sv": SHEET["sv"], "en": {**SHEET["en"], "risks": "  "}}}
    refused = api_client.post(url, missing, format="json")
    assert refused.status_code == 400 and refused.json()["code"] == "sheet_incomplete"
    assert "en.risks" in refused.json()
    created = api_client.post(url, {"content": SHEET}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["version"] == 1 and created.json()["status"] == "draft"
    assert created.json()["content"]["en"]["risks"] == SHEET["en"]["risks"]
    listed = api_client.get(url).json()
    assert [(s["version"], s["status"], s["written_by"]) for s in listed] == [(1, "draft", owner.pk)]
    assert OfferEvent.objects.filter(kind="sheet_version", sheet_id=created.json()["id"], actor=owner).exists()


def test_another_owner_and_a_saver_cannot_see_or_write_the_sheet(api_client, login_as, owner, saver) -> None:
    pool = _sheet_pool(owner)
    sheet = sheet_write(pool=pool, by=owner, content=SHEET)
    other_owner = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER))
    for user in (other_owner, saver):
        login_as(api_client, user)
        assert api_client.get(f"/api/pools/{pool.pk}/sheets/").status_code == 404
        assert api_client.post(f"/api/pools/{pool.pk}/sheets/", {"content": SHEET}, format="json").status_code == 404
        assert api_client.post(f"/api/sheets/{sheet.pk}/approve/").status_code == 404
    login_as(api_client, owner)
    assert api_client.post(f"/api/sheets/{sheet.pk}/approve/").status_code == 404  # an owner is no organiser
    sheet.refresh_from_db()
    assert sheet.status == "draft" and sheet.approved_by_id is None


def test_an_organiser_approves_a_sheet_through_the_api(api_client, login_as, owner, organiser) -> None:
    pool = _sheet_pool(owner)
    sheet = sheet_write(pool=pool, by=owner, content=SHEET)
    login_as(api_client, organiser)
    response = api_client.post(f"/api/sheets/{sheet.pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved" and response.json()["approved_by"] == organiser.pk
    again = api_client.post(f"/api/sheets/{sheet.pk}/approve/")
    assert again.status_code == 409 and again.json()["code"] == "sheet_not_changeable"


def test_an_organiser_approving_their_own_pools_sheet_needs_a_second_organiser(api_client, login_as) -> None:
    owning_organiser = UserFactory(roles=(Role.ORGANISER, Role.PROJECT_OWNER))
    second = UserFactory(roles=(Role.ORGANISER,))
    pool = _sheet_pool(owning_organiser)
    sheet = sheet_write(pool=pool, by=owning_organiser, content=SHEET)
    login_as(api_client, owning_organiser)
    first = api_client.post(f"/api/sheets/{sheet.pk}/approve/")
    assert first.status_code == 200
    assert first.json()["status"] == "draft" and first.json()["needs_second_approval"] is True
    twice = api_client.post(f"/api/sheets/{sheet.pk}/approve/")
    assert twice.status_code == 409 and twice.json()["code"] == "sheet_not_changeable"
    client = APIClient()
    login_as(client, second)
    done = client.post(f"/api/sheets/{sheet.pk}/approve/")
    assert done.status_code == 200
    assert done.json()["status"] == "approved" and done.json()["second_approved_by"] == second.pk
    assert OfferEvent.objects.filter(kind="sheet_approved", sheet=sheet).count() == 2
