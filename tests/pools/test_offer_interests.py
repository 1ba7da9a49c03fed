"""Fair cards to regulated offers: expressions of interest outside the totals, shown apart on the fair's board
and report, confirmed online by the saver through the regulated steps (API and page)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from invest.fairs.selectors import fair_board, fair_report
from pools.errors import PledgeNotChangeable
from pools.models import PledgeStatus
from pools.offers.errors import AssessmentRequired, RiskConsentRequired
from pools.offers.models import OfferInstrument, RegulatedPledge
from pools.offers.services import pledge_interest_confirm, pledge_revoke, pool_offer_set, sheet_approve, sheet_write
from pools.services import pledge_confirm, pledge_interest_claim
from pools.totals import pool_totals_figures
from tests.invest.fairs.builders import card, live_fair
from tests.pools.offers_helpers import SHEET, assessed

pytestmark = pytest.mark.django_db


@pytest.fixture
def fair_pitches(organiser, owner):
    """A live fair: the first pitch's pool takes regulated loans (approved sheet), the second is plain."""
    fair, (regulated, plain) = live_fair(organiser, owner=owner)
    pool_offer_set(pool=regulated.pool, by=organiser, instrument=OfferInstrument.INTEREST_LOAN, interest_rate_bp=400)
    sheet_approve(sheet=sheet_write(pool=regulated.pool, by=owner, content=SHEET), by=organiser)
    return fair, regulated, plain


def _interest(pitch, saver, amount_ore=200_000):
    pledge = card(pitch, kind="loan", amount_ore=amount_ore, email=saver.email).pledge
    return pledge_interest_claim(token=pledge.confirmation_token, by=saver)


def test_a_loan_card_to_a_regulated_pool_is_an_interest_outside_the_totals(fair_pitches, saver) -> None:
    fair, regulated, plain = fair_pitches
    interest = card(regulated, kind="loan", amount_ore=200_000).pledge
    gift = card(regulated, kind="gift", amount_ore=30_000).pledge
    plain_loan = card(plain, kind="loan", amount_ore=70_000).pledge
    assert interest.status == PledgeStatus.INTEREST
    assert gift.status == PledgeStatus.PLEDGED and plain_loan.status == PledgeStatus.PLEDGED
    assert not RegulatedPledge.objects.filter(pledge=interest).exists()
    assert pool_totals_figures(pool_ids=[regulated.pool_id])[regulated.pool_id]["pledged_ore"] == 30_000
    board = {row.pitch_id: row for row in fair_board(fair=fair)}
    assert board[regulated.pk].pledged_ore == 30_000
    assert (board[regulated.pk].interest_count, board[regulated.pk].interest_ore) == (1, 200_000)
    assert board[plain.pk].interest_count == 0 and board[plain.pk].pledged_ore == 70_000
    report = {(r.pitch_id, r.kind): r for r in fair_report(fair=fair).rows}
    loans = report[(regulated.pk, "loan")]
    assert (loans.pledged_count, loans.pledged_ore, loans.interest_count, loans.interest_ore) == (0, 0, 1, 200_000)
    assert report[(plain.pk, "loan")].pledged_ore == 70_000 and report[(plain.pk, "loan")].interest_count == 0
    # The card's plain confirmation link cannot skip the regulated steps.
    with pytest.raises(PledgeNotChangeable):
        pledge_confirm(token=interest.confirmation_token, by=saver)


@override_settings(OFFERS_EUR_SEK_ORE=1150)
def test_confirming_an_interest_goes_through_the_regulated_steps(fair_pitches, saver) -> None:
    fair, regulated, _plain = fair_pitches
    pledge = _interest(regulated, saver, amount_ore=2_000_000)
    with pytest.raises(AssessmentRequired):
        pledge_interest_confirm(pledge=pledge, by=saver)
    assessed(saver, net_worth_ore=10_000_000)  # the limit is EUR 1,000: 11 500 kr
    with pytest.raises(RiskConsentRequired):
        pledge_interest_confirm(pledge=pledge, by=saver)
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.INTEREST
    confirmed = pledge_interest_confirm(pledge=pledge, by=saver, risk_consent=True)
    assert confirmed.status == PledgeStatus.CONFIRMED and confirmed.confirmed_at is not None
    record = RegulatedPledge.objects.get(pledge=pledge)
    assert record.sheet.version == 1 and record.risk_consent_at is not None
    assert record.reflection_ends_on > timezone.localdate()
    assert pool_totals_figures(pool_ids=[regulated.pool_id])[regulated.pool_id]["pledged_ore"] == 2_000_000
    loans = {(r.pitch_id, r.kind): r for r in fair_report(fair=fair).rows}[(regulated.pk, "loan")]
    assert (loans.pledged_ore, loans.confirmed_ore, loans.interest_count) == (2_000_000, 2_000_000, 0)
    # Yesterday's report still shows it as an interest.
    before = fair_report(fair=fair, as_of=timezone.localdate() - timezone.timedelta(days=1)).rows
    assert all(r.pledged_ore == 0 for r in before if r.pitch_id == regulated.pk and r.kind == "loan")
    # And it can be revoked in its reflection period like any regulated pledge.
    assert pledge_revoke(pledge=confirmed, by=saver).status == PledgeStatus.WITHDRAWN
    with pytest.raises(PledgeNotChangeable):
        pledge_interest_confirm(pledge=confirmed, by=saver, risk_consent=True)


def test_another_saver_cannot_claim_or_confirm_an_interest(fair_pitches, saver, other_saver) -> None:
    _fair, regulated, _plain = fair_pitches
    pledge = _interest(regulated, saver)
    assessed(other_saver)
    with pytest.raises(PledgeNotChangeable):
        pledge_interest_claim(token=pledge.confirmation_token, by=other_saver)
    with pytest.raises(PledgeNotChangeable):
        pledge_interest_confirm(pledge=pledge, by=other_saver)


def test_confirming_an_interest_through_the_api(api_client, fair_pitches, saver, other_saver) -> None:
    _fair, regulated, _plain = fair_pitches
    pledge = _interest(regulated, saver)
    assessed(saver, net_worth_ore=100_000_000)
    url = f"/api/pledges/{pledge.pk}/confirm-interest/"
    api_client.force_authenticate(other_saver)
    assert api_client.post(url, {}, format="json").status_code == 404
    api_client.force_authenticate(saver)
    response = api_client.post(url, {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
    again = api_client.post(url, {}, format="json")
    assert again.status_code == 409


def test_the_api_refuses_an_interest_above_the_limit_without_consent(api_client, fair_pitches, saver) -> None:
    _fair, regulated, _plain = fair_pitches
    pledge = _interest(regulated, saver, amount_ore=5_000_000)
    assessed(saver, net_worth_ore=0)
    api_client.force_authenticate(saver)
    response = api_client.post(f"/api/pledges/{pledge.pk}/confirm-interest/", {}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "risk_consent_required"
    ok = api_client.post(f"/api/pledges/{pledge.pk}/confirm-interest/", {"risk_consent": True}, format="json")
    assert ok.status_code == 200


def test_the_card_link_leads_a_logged_in_saver_to_the_confirmation_page(client, fair_pitches, saver) -> None:
    _fair, regulated, _plain = fair_pitches
    pledge = card(regulated, kind="loan", amount_ore=200_000, email=saver.email).pledge
    link = f"/pledges/confirm/{pledge.confirmation_token}/"
    anonymous = client.get(link)
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    client.force_login(saver)
    response = client.get(link)
    assert response.status_code == 302
    assert response["Location"] == f"/my/pledges/{pledge.pk}/confirm-interest/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"assessment-due" in page.content and b"risk-warning" in page.content
    assessed(saver, net_worth_ore=100_000_000)
    page = client.get(response["Location"])
    assert b'id="confirm-interest"' in page.content
    listed = client.get("/my/pledges/")
    assert f'data-pledge="{pledge.pk}"'.encode() in listed.content
    done = client.post(response["Location"])
    assert done.status_code == 302 and done["Location"] == "/my/pledges/"
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CONFIRMED


@override_settings(OFFERS_EUR_SEK_ORE=1150)
def test_the_confirmation_page_asks_for_the_consent_box_beside_it(client, fair_pitches, saver) -> None:
    _fair, regulated, _plain = fair_pitches
    saver.language = "en"
    saver.save(update_fields=["language"])
    pledge = _interest(regulated, saver, amount_ore=2_000_000)
    assessed(saver, net_worth_ore=0)  # the limit is EUR 1,000: 11 500 kr
    client.force_login(saver)
    url = f"/my/pledges/{pledge.pk}/confirm-interest/"
    refused = client.post(url)
    assert refused.status_code == 400
    html = refused.content.decode()
    assert 'id="consent-error"' in html and "lose the whole amount" in html
    assert "(risk_consent)" not in html  # the API's field name stays out of the page
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.INTEREST
    assert client.post(url, {"risk_consent": "on"}).status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.CONFIRMED
