"""The regulated-offer pages: the sheet before the pledge form, the test and loss simulation, consent on the
pledge form, revoking from My pledges, writing and approving the sheet, statements and the lenders' CSV."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.roles import Role
from pools.models import Pledge, PledgeKind, PledgeStatus
from pools.offers.models import KeyInfoSheet, OfferEvent, SheetStatus, YearlyStatement
from pools.offers.services import pool_offer_set
from pools.services import pledge_create
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from tests.pools.offers_helpers import RIGHT_ANSWERS, SHEET, WRONG_ANSWERS, assessed, regulated_loan_pool
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def saver(db):
    return UserFactory(roles=(Role.SAVER,), language="en")


def test_the_sheet_comes_before_the_pledge_form_of_a_regulated_pool(client, saver) -> None:
    pool = regulated_loan_pool()
    client.force_login(saver)
    pool_url = reverse("web:savers:pool-detail", args=[pool.pk])
    response = client.get(pool_url)
    assert response.status_code == 302 and response.url == reverse("web:offers:sheet", args=[pool.pk])
    sheet_page = client.get(response.url).content.decode()
    assert "neither verified nor approved" in sheet_page
    assert "Main risks" in sheet_page and "en text of risks" in sheet_page
    read = client.post(reverse("web:offers:sheet", args=[pool.pk]))
    assert read.url.startswith(reverse("web:offers:assessment"))
    assert OfferEvent.objects.filter(kind="sheet_read", saver=saver, sheet__version=1).exists()
    page = client.get(pool_url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="offer-steps"' in html and 'name="risk_consent"' in html


def test_a_pool_without_a_regulated_offer_shows_the_form_directly(client, saver) -> None:
    client.force_login(saver)
    html = client.get(reverse("web:savers:pool-detail", args=[PoolFactory().pk])).content.decode()
    assert 'id="offer-steps"' not in html and 'name="risk_consent"' not in html


def test_the_test_shows_the_loss_simulation_and_the_warning_before_it_records(client, saver) -> None:
    client.force_login(saver)
    url = reverse("web:offers:assessment") + "?next=/my/pledges/"
    answers = {f"q_{key}": value for key, value in WRONG_ANSWERS.items()}
    first = client.post(url, {**answers, "net_worth": "200000"})
    assert first.status_code == 400
    html = first.content.decode()
    assert 'id="loss-simulation"' in html and "SEK 20,000.00" in html  # 10 % of 200 000 kr
    second = client.post(url, {**answers, "net_worth": "200000", "loss_acknowledged": "on"})
    assert second.status_code == 400 and 'id="test-warning"' in second.content.decode()
    third = client.post(
        url, {**answers, "net_worth": "200000", "loss_acknowledged": "on", "warning_acknowledged": "on"}
    )
    assert third.status_code == 302 and third.url == "/my/pledges/"
    assert saver.investor_assessments.get().warning_acknowledged is True


def test_pledging_above_the_limit_on_the_page_needs_the_consent_box(client, saver) -> None:
    pool = regulated_loan_pool()
    assessed(saver, net_worth_ore=1_000_000)
    client.force_login(saver)
    session = client.session
    session[f"offers.sheet_read.{KeyInfoSheet.objects.get(pool=pool).pk}"] = True
    session.save()
    url = reverse("web:savers:pledge-create", args=[pool.pk])
    form = {"kind": "loan", "amount": "20000", "currency": "SEK", "may_contact": "on"}
    refused = client.post(url, form)
    assert refused.status_code == 400 and "lose the whole amount" in refused.content.decode()
    done = client.post(url, {**form, "risk_consent": "on"})
    assert done.status_code == 302
    pledge = Pledge.objects.get(pool=pool)
    receipt = client.get(done.url).content.decode()
    last_day = pledge.regulated.reflection_ends_on.isoformat()
    assert 'id="reflection-note"' in receipt and last_day in receipt


def test_the_receipt_mail_names_the_last_day(saver, django_capture_on_commit_callbacks) -> None:
    from pools.receipts import pledge_receipt_send

    pool = regulated_loan_pool()
    assessed(saver)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    assert pledge_receipt_send(pledge_id=pledge.pk)
    body = mail.outbox[-1].body
    assert pledge.regulated.reflection_ends_on.isoformat() in body and "revoke" in body


def test_revoking_from_my_pledges(client, saver) -> None:
    pool = regulated_loan_pool()
    assessed(saver)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    client.force_login(saver)
    html = client.get(reverse("web:savers:my-pledges")).content.decode()
    assert f'class="revocable" data-pledge="{pledge.pk}"' in html
    response = client.post(reverse("web:offers:pledge-revoke", args=[pledge.pk]))
    assert response.status_code == 302
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.WITHDRAWN
    assert 'class="revocable"' not in client.get(reverse("web:savers:my-pledges")).content.decode()


def test_another_saver_cannot_revoke_from_the_page(client, saver, other_saver) -> None:
    pool = regulated_loan_pool()
    assessed(saver)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    client.force_login(other_saver)
    assert client.post(reverse("web:offers:pledge-revoke", args=[pledge.pk])).status_code == 404


def test_owner_writes_the_sheet_and_an_organiser_approves_it(client) -> None:
    owner = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER), language="en")
    organiser = UserFactory(roles=(Role.ORGANISER,), language="en")
    pool = PoolFactory(project=ProjectFactory(owner=owner))
    pool_offer_set(pool=pool, by=organiser, instrument="interest_loan", interest_rate_bp=400)
    client.force_login(owner)
    url = reverse("web:offers:manage", args=[pool.pk])
    assert 'id="offer-manage"' in client.get(reverse("web:savers:pool-detail", args=[pool.pk])).content.decode()
    page = client.get(url)
    assert page.status_code == 200 and 'name="instrument"' not in page.content.decode()  # organisers only
    form = {f"{lang}__{section}": text for lang, sections in SHEET.items() for section, text in sections.items()}
    assert client.post(url, {"action": "sheet", **form}).status_code == 302
    sheet = KeyInfoSheet.objects.get(pool=pool)
    assert sheet.status == SheetStatus.DRAFT
    login_verified(client, organiser)
    assert client.post(reverse("web:offers:sheet-approve", args=[sheet.pk])).status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.APPROVED and sheet.approved_by == organiser


def test_other_savers_cannot_manage_an_offer(client, other_saver) -> None:
    client.force_login(other_saver)
    assert client.get(reverse("web:offers:manage", args=[PoolFactory().pk])).status_code == 404


def test_the_sheet_pdf_is_served_and_a_full_sheet_fits_on_six_pages(client) -> None:
    from pools.offers.sheet_pdf import sheet_page_count

    pool = regulated_loan_pool()
    response = client.get(reverse("web:offers:sheet-pdf", args=[pool.pk]))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    # About 900 characters a section, fourteen sections: a thorough sheet still prints on six pages or fewer.
    full = {lang: dict.fromkeys(sections, "Lorem ipsum dolor sit amet. " * 32) for lang, sections in SHEET.items()}
    assert 1 <= sheet_page_count(pool=pool, content=full, language="sv") <= 6


def test_a_sheet_too_long_to_print_on_six_pages_is_refused(organiser) -> None:
    from pools.offers.errors import SheetIncomplete
    from pools.offers.services import sheet_write

    pool = PoolFactory()
    long = {lang: dict.fromkeys(sections, "Lorem ipsum dolor sit amet. " * 210) for lang, sections in SHEET.items()}
    with pytest.raises(SheetIncomplete) as refused:
        sheet_write(pool=pool, by=organiser, content=long)
    assert "six" in str(refused.value.message) or "6" in str(refused.value.message)


def test_my_statements_are_listed_and_downloadable_only_by_their_saver(client, saver, other_saver) -> None:
    YearlyStatement.objects.create(saver=saver, year=2025, language="en", pdf=b"%PDF-1.7 statement")
    client.force_login(saver)
    assert 'id="statements"' in client.get(reverse("web:savers:my-pledges")).content.decode()
    response = client.get(reverse("web:offers:statement-pdf", args=[2025]))
    assert response.status_code == 200 and response.content == b"%PDF-1.7 statement"
    client.force_login(other_saver)
    assert client.get(reverse("web:offers:statement-pdf", args=[2025])).status_code == 404


def test_the_owner_downloads_the_lenders_csv(client, saver) -> None:
    from datetime import date

    from pools.models import PaymentChannel
    from pools.services import payment_allocate, payment_record

    pool = regulated_loan_pool()
    assessed(saver)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    treasurer = UserFactory(roles=(Role.TREASURER,))
    payment = payment_record(amount_ore=100_000, received_on=date.today(), channel=PaymentChannel.MANUAL)
    payment_allocate(payment=payment, parts=[(pledge, 100_000)], by=treasurer)
    client.force_login(pool.project.owner)
    year = date.today().year
    response = client.get(reverse("web:offers:lender-csv", args=[pool.pk, year]))
    text = b"".join(response.streaming_content).decode("utf-8")
    lines = text.removeprefix("\ufeff").strip().splitlines()
    assert text.startswith("\ufeff")
    assert lines[0].startswith("År;Insamling;Löfte;Långivare") or lines[0].startswith("Year;Pool;Pledge;Lender")
    assert lines[1].startswith(f"{year};{pool.title};{pledge.pk};")
    assert ";1000,00;1000,00;" in lines[1] and (";Lån;" in lines[1] or ";Loan;" in lines[1])


def test_the_test_page_shows_every_question(client, saver) -> None:
    client.force_login(saver)
    html = client.get(reverse("web:offers:assessment")).content.decode()
    for key in RIGHT_ANSWERS:
        assert f'name="q_{key}"' in html


@pytest.mark.parametrize("shown", [200, 1])
def test_my_pledges_lists_interests_and_revocable_pledges_whether_or_not_it_holds_every_pledge(
    client, saver, monkeypatch, shown
) -> None:
    """With every pledge on the page the interests are picked from them and the revocable ones looked up only for a
    loan or share; with more pledges than the page shows (1 here) both are asked of the database. Same page."""
    import web.savers.views

    monkeypatch.setattr(web.savers.views, "MY_PLEDGES_SHOWN", shown)
    pool = regulated_loan_pool()
    assessed(saver)
    loan = pledge_create(pool=pool, saver=saver, kind=PledgeKind.LOAN, amount_ore=100_000)
    interest = pledge_create(pool=PoolFactory(kind="fair"), saver=saver, kind="gift", amount_ore=20_000)
    Pledge.objects.filter(pk=interest.pk).update(status=PledgeStatus.INTEREST)
    pledge_create(pool=PoolFactory(kind="fair"), saver=saver, kind="gift", amount_ore=30_000)  # the newest
    client.force_login(saver)
    html = client.get(reverse("web:savers:my-pledges")).content.decode()
    assert f'class="revocable" data-pledge="{loan.pk}"' in html
    assert f'<li data-pledge="{interest.pk}">' in html
    assert html.count('class="pledge-row"') == min(shown, 3)


def test_my_pledges_does_not_ask_for_revocable_pledges_without_a_loan_or_share(client, saver) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    pledge_create(pool=PoolFactory(kind="fair"), saver=saver, kind="gift", amount_ore=30_000)
    client.force_login(saver)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("web:savers:my-pledges")).content.decode()
    assert 'class="pledge-row"' in html and 'id="reflection"' not in html and 'id="interests"' not in html
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "pools_regulatedpledge" not in read
    assert "pools_yearlystatement" in read  # statements are always asked for
