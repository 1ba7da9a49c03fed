"""The saver's pages: browsing, pledging, receipts, my pledges, fair cards, and who may see what."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import Role
from invest.models import ProjectStatus
from pools.models import Pledge, PledgeKind, PledgeSource, PledgeStatus, PoolStatus
from pools.references import ocr_is_valid
from pools.services import payment_allocate, payment_record, pledge_create
from tests.factories import PoolFactory, ProjectFactory, ShareOfferPoolFactory, UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db

LONG = "x" * 10_000
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def saver(db):
    """These tests read the pages' English messages; Swedish is covered by tests/test_translations.py."""
    return UserFactory(roles=(Role.SAVER,), language="en")


def pledge_url(pool):
    return reverse("web:savers:pledge-create", args=[pool.pk])


def monthly_form(**extra):
    data = {
        "kind": "support_saving",
        "saving_mode": "monthly",
        "monthly_amount": "500",
        "months": "12",
        "currency": "SEK",
    }
    data.update(extra)
    return data


# ---------------------------------------------------------------- public pages


def test_home_lists_open_pools_with_progress_and_links(client, pool):
    response = client.get("/")
    assert response.status_code == 200
    assert reverse("web:savers:pool-detail", args=[pool.pk]) in response.text
    assert "30" in response.text  # days left


def test_project_page_shows_project_and_its_pools(client, pool):
    response = client.get(reverse("web:savers:project-detail", args=[pool.project.slug]))
    assert response.status_code == 200
    assert pool.project.name in response.text and pool.title in response.text


def test_draft_project_and_draft_pool_pages_are_404(client):
    project = ProjectFactory(status=ProjectStatus.DRAFT)
    draft_pool = PoolFactory(status=PoolStatus.DRAFT)
    assert client.get(reverse("web:savers:project-detail", args=[project.slug])).status_code == 404
    assert client.get(reverse("web:savers:pool-detail", args=[draft_pool.pk])).status_code == 404
    assert client.get("/pools/999999/").status_code == 404


def test_pool_page_asks_anonymous_visitor_to_log_in(client, pool):
    response = client.get(reverse("web:savers:pool-detail", args=[pool.pk]))
    assert response.status_code == 200
    assert 'name="kind"' not in response.text
    assert reverse("web:savers:signup") in response.text


def test_pool_page_shows_form_fitting_the_pool_kind(client, saver):
    login_verified(client, saver)
    share_pool = ShareOfferPoolFactory()
    text = client.get(reverse("web:savers:pool-detail", args=[share_pool.pk])).text
    assert 'name="share_count"' in text and 'name="monthly_amount"' not in text
    saving_pool = PoolFactory()
    text = client.get(reverse("web:savers:pool-detail", args=[saving_pool.pk])).text
    assert 'name="monthly_amount"' in text and 'name="share_count"' not in text


def test_pool_page_escapes_hostile_text(client):
    pool = PoolFactory(title=SCRIPT, description=SCRIPT)
    text = client.get(reverse("web:savers:pool-detail", args=[pool.pk])).text
    assert SCRIPT not in text and "&lt;script&gt;" in text


def test_points_estimate_fragment(client, pool):
    url = reverse("web:savers:points-estimate", args=[pool.pk])
    response = client.get(url, {"saving_mode": "monthly", "monthly_amount": "1000", "months": "12"})
    assert "78 000" in response.text  # grouped; 1000 kr × 12·13/2 krona-months
    for bad in ("NaN", "1e9999", "-1", LONG, SCRIPT):
        response = client.get(url, {"saving_mode": "monthly", "monthly_amount": bad, "months": "12"})
        assert response.status_code == 200 and SCRIPT not in response.text


# ---------------------------------------------------------------- pledging


def test_pledge_requires_login(client, pool):
    response = client.post(pledge_url(pool), monthly_form())
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Pledge.objects.exists()


def test_monthly_support_saving_pledge_shows_receipt_with_ocr_and_sends_email(
    client, saver, pool, django_capture_on_commit_callbacks
):
    login_verified(client, saver)
    response = client.post(pledge_url(pool), monthly_form(monthly_amount="1 234,50"))
    pledge = Pledge.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("web:savers:pledge-receipt", args=[pledge.pk])
    assert (pledge.monthly_ore, pledge.months, pledge.amount_ore, pledge.saver) == (123_450, 12, 1_481_400, saver)
    receipt = client.get(response["Location"]).text
    found = re.search(r'id="ocr-reference"[^>]*>(\d+)<', receipt).group(1)
    assert found == pledge.ocr_reference and ocr_is_valid(found)
    assert pool.member_bank in receipt  # how to open the support-saving account


def test_receipt_email_has_payment_instructions(saver):
    from pools.receipts import pledge_receipt_send

    pool = PoolFactory(kind="fair")
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.GIFT, amount_ore=50_000)
    assert pledge_receipt_send(pledge_id=pledge.pk) is True
    assert pledge_receipt_send(pledge_id=pledge.pk) is False  # once only
    message = mail.outbox[-1]
    assert pledge.ocr_reference in message.body and pool.bankgiro in message.body
    assert "SEK 500.00" in message.body


def test_share_pledge_from_page(client, saver):
    pool = ShareOfferPoolFactory()
    login_verified(client, saver)
    response = client.post(pledge_url(pool), {"kind": "share", "share_count": "3", "currency": "SEK"})
    assert response.status_code == 302
    assert Pledge.objects.get().amount_ore == 150_000


def test_time_pledge_from_page(client, saver, pool):
    login_verified(client, saver)
    response = client.post(
        pledge_url(pool),
        {"kind": "time", "description": "Måla fasaden", "quantity": "8", "unit": "", "currency": "SEK"},
    )
    assert response.status_code == 302
    pledge = Pledge.objects.get()
    assert (pledge.kind, pledge.quantity, pledge.ocr_reference) == ("time", 8, None)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (monthly_form(monthly_amount="12.345"), "two decimals"),
        (monthly_form(monthly_amount="1e9999"), "two decimals"),
        (monthly_form(monthly_amount="NaN"), "two decimals"),
        (monthly_form(monthly_amount="-1"), "above zero"),
        (monthly_form(monthly_amount="0"), "above zero"),
        (monthly_form(monthly_amount=LONG), "at most"),
        (monthly_form(monthly_amount="99999999999999"), "too large"),
        (monthly_form(monthly_amount=SCRIPT), "two decimals"),
        (monthly_form(monthly_amount="1' OR '1'='1"), "two decimals"),
        (monthly_form(months="0"), ""),
        (monthly_form(months="100000"), ""),
        (monthly_form(months="abc"), ""),
        (monthly_form(monthly_amount=""), "required"),
        (monthly_form(currency="EUR"), "SEK"),
        (monthly_form(kind="share"), ""),
        (monthly_form(kind=SCRIPT), ""),
        ({"kind": "time", "description": "", "quantity": "2", "currency": "SEK"}, "required"),
        ({"kind": "time", "description": LONG, "quantity": "2", "currency": "SEK"}, "2000"),
        ({"kind": "time", "description": "x", "quantity": "NaN", "currency": "SEK"}, ""),
        ({"kind": "time", "description": "x", "quantity": "1e9999", "currency": "SEK"}, ""),
        ({"kind": "time", "description": "x", "quantity": "-3", "currency": "SEK"}, ""),
        ({}, ""),
    ],
)
def test_bad_pledge_input_gives_form_error_and_writes_nothing(client, saver, pool, data, message):
    login_verified(client, saver)
    response = client.post(pledge_url(pool), data)
    assert response.status_code == 400
    assert 'class="errorlist' in response.text or 'class="error"' in response.text
    assert message in response.text
    assert SCRIPT not in response.text
    assert not Pledge.objects.exists()


@pytest.mark.parametrize(
    ("pool_fields", "data", "message"),
    [
        ({"status": PoolStatus.SUCCEEDED}, monthly_form(), "not open"),
        ({"min_per_saver_ore": 1_000_000}, monthly_form(), "smallest pledge"),
        ({"max_per_saver_ore": 100_000}, monthly_form(), "at most"),
        ({"cap_ore": 100_000}, monthly_form(), "nearly full"),
    ],
)
def test_pool_rules_refuse_pledge_with_message_on_page(client, saver, pool_fields, data, message):
    pool = PoolFactory(**pool_fields)
    login_verified(client, saver)
    response = client.post(pledge_url(pool), data)
    assert response.status_code == 400
    assert message in response.text
    assert not Pledge.objects.exists()


def test_pledge_to_closed_pool_page_has_no_form(client, saver):
    pool = PoolFactory(status=PoolStatus.SUCCEEDED)
    login_verified(client, saver)
    text = client.get(reverse("web:savers:pool-detail", args=[pool.pk])).text
    assert 'name="kind"' not in text and "not open" in text


# ---------------------------------------------------------------- my pledges and who sees what


@pytest.fixture
def my_pledge(saver, pool):
    return pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)


def test_my_pledges_lists_status_payments_and_points(client, saver, my_pledge, treasurer):
    payment = payment_record(amount_ore=50_000, received_on=my_pledge.created_at.date(), channel="manual")
    payment_allocate(payment=payment, parts=[(my_pledge, 50_000)], by=treasurer)
    login_verified(client, saver)
    text = client.get(reverse("web:savers:my-pledges")).text
    assert my_pledge.ocr_reference in text
    assert "SEK 500.00" in text  # received
    assert "39,000" in text  # estimated points: 500 kr a month for 12 months, grouped like an English number
    detail = client.get(reverse("web:savers:pledge-detail", args=[my_pledge.pk])).text
    assert "SEK 500.00" in detail and "pledge-withdraw" not in detail


@pytest.mark.parametrize("name", ["pledge-detail", "pledge-receipt"])
def test_another_savers_pledge_pages_are_404(client, other_saver, my_pledge, name):
    login_verified(client, other_saver)
    assert client.get(reverse(f"web:savers:{name}", args=[my_pledge.pk])).status_code == 404


def test_another_saver_cannot_withdraw_or_change_my_pledge(client, other_saver, my_pledge):
    login_verified(client, other_saver)
    assert client.post(reverse("web:savers:pledge-withdraw", args=[my_pledge.pk])).status_code == 404
    response = client.post(reverse("web:savers:pledge-change", args=[my_pledge.pk]), {"monthly_amount": "1"})
    assert response.status_code == 404
    my_pledge.refresh_from_db()
    assert my_pledge.status == PledgeStatus.PLEDGED and my_pledge.monthly_ore == 50_000
    assert my_pledge.ocr_reference not in client.get(reverse("web:savers:my-pledges")).text


def test_my_pages_require_login(client, my_pledge):
    for url in (
        reverse("web:savers:my-pledges"),
        reverse("web:savers:pledge-detail", args=[my_pledge.pk]),
        reverse("web:savers:preferences"),
        reverse("web:savers:my-data"),
        reverse("web:savers:my-data-json"),
    ):
        assert client.get(url).status_code == 302


def test_withdraw_own_pledge(client, saver, my_pledge):
    login_verified(client, saver)
    response = client.post(reverse("web:savers:pledge-withdraw", args=[my_pledge.pk]))
    assert response.status_code == 302
    my_pledge.refresh_from_db()
    assert my_pledge.status == PledgeStatus.WITHDRAWN


def test_change_monthly_amount(client, saver, my_pledge):
    login_verified(client, saver)
    response = client.post(reverse("web:savers:pledge-change", args=[my_pledge.pk]), {"monthly_amount": "600"})
    assert response.status_code == 302
    my_pledge.refresh_from_db()
    assert (my_pledge.monthly_ore, my_pledge.amount_ore) == (60_000, 720_000)


@pytest.mark.parametrize("value", ["12.345", "NaN", "1e9999", "-1", LONG, SCRIPT, ""])
def test_change_refuses_bad_values(client, saver, my_pledge, value):
    login_verified(client, saver)
    response = client.post(reverse("web:savers:pledge-change", args=[my_pledge.pk]), {"monthly_amount": value})
    assert response.status_code == 400
    my_pledge.refresh_from_db()
    assert my_pledge.monthly_ore == 50_000


def test_change_over_per_saver_maximum_shows_error(client, saver):
    pool = PoolFactory(max_per_saver_ore=1_000_000)
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)
    login_verified(client, saver)
    response = client.post(reverse("web:savers:pledge-change", args=[pledge.pk]), {"months": "30"})
    assert response.status_code == 400 and "at most" in response.text
    pledge.refresh_from_db()
    assert pledge.months == 12


# ---------------------------------------------------------------- fair cards


@pytest.fixture
def card(pool):
    return pledge_create(
        pool=pool,
        saver=None,
        kind=PledgeKind.SUPPORT_SAVING,
        source=PledgeSource.FAIR_CARD,
        amount_ore=100_000,
        term_months=12,
        contact_email="kort@example.se",
    )


def test_fair_card_link_shows_and_confirms_pledge(client, saver, card):
    url = reverse("web:savers:fair-pledge", args=[card.confirmation_token])
    assert "1 000,00 kr" in client.get(url).text
    login_verified(client, saver)
    client.post(url, {"action": "confirm"})
    card.refresh_from_db()
    assert card.status == PledgeStatus.CONFIRMED and card.saver == saver
    assert card.ocr_reference in client.get(reverse("web:savers:my-pledges")).text


def test_fair_card_link_declines_pledge(client, card):
    url = reverse("web:savers:fair-pledge", args=[card.confirmation_token])
    client.post(url, {"action": "decline"})
    card.refresh_from_db()
    assert card.status == PledgeStatus.WITHDRAWN


@pytest.mark.parametrize("token", ["nope", "a" * 64, "%27%20OR%201%3D1"])
def test_fair_card_unknown_token_is_404(client, card, token):
    assert client.get(f"/pledges/confirm/{token}/").status_code == 404
    assert client.post(f"/pledges/confirm/{token}/", {"action": "confirm"}).status_code == 404


def test_fair_card_of_another_account_is_404(client, saver, other_saver, card):
    Pledge.objects.filter(pk=card.pk).update(saver=saver)
    login_verified(client, other_saver)
    url = reverse("web:savers:fair-pledge", args=[card.confirmation_token])
    assert client.get(url).status_code == 404
    assert client.post(url, {"action": "confirm"}).status_code == 404
    card.refresh_from_db()
    assert card.status == PledgeStatus.PLEDGED


def test_fair_card_unknown_action_changes_nothing(client, card):
    client.post(reverse("web:savers:fair-pledge", args=[card.confirmation_token]), {"action": SCRIPT})
    card.refresh_from_db()
    assert card.status == PledgeStatus.PLEDGED


def test_limit_error_sits_at_the_monthly_amount_input(client, saver):
    pool = PoolFactory(max_per_saver_ore=100_000)
    login_verified(client, saver)
    response = client.post(pledge_url(pool), monthly_form())
    errors = response.context["form"].errors
    assert "monthly_amount" in errors, errors
    assert "at most" in str(errors["monthly_amount"])


def test_fair_card_receipt_email_carries_the_confirmation_link(card):
    from pools.receipts import pledge_receipt_send

    pledge_receipt_send(pledge_id=card.pk)
    assert f"/pledges/confirm/{card.confirmation_token}/" in mail.outbox[-1].body


@pytest.mark.parametrize("pk", ["99999999999999999999", "9223372036854775808"])
def test_huge_ids_on_pages_are_404_not_500(client, saver, pk):
    login_verified(client, saver)
    assert client.get(f"/my/pledges/{pk}/").status_code == 404
    assert client.get(f"/pools/{pk}/").status_code == 404
    assert client.post(f"/pools/{pk}/pledge/", monthly_form()).status_code == 404


def test_treasurer_cannot_open_a_savers_pledge_page(client, treasurer, my_pledge):
    login_verified(client, treasurer)
    assert client.get(reverse("web:savers:pledge-detail", args=[my_pledge.pk])).status_code == 404


def test_micro_fund_pool_page_renders_without_project(client):
    from tests.factories import MicroFundFactory

    pool = PoolFactory(project=None, micro_fund=MicroFundFactory(), kind="fund_capital")
    response = client.get(reverse("web:savers:pool-detail", args=[pool.pk]))
    assert response.status_code == 200 and pool.micro_fund.name in response.text


def test_english_saver_sees_english_money_format(client, saver, my_pledge):
    saver.language = "en"
    saver.save()
    login_verified(client, saver)
    assert "SEK 6,000.00" in client.get(reverse("web:savers:my-pledges")).text


def test_my_pledges_query_count_does_not_grow_with_pledges(client, saver):
    def pledge(pools: list, count: int) -> None:
        for index in range(count):
            pledge_create(
                pool=pools[index % len(pools)], saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=1000, months=3
            )

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(reverse("web:savers:my-pledges"))
        return len(captured), response.text.count('class="pledge-row"')

    first = PoolFactory()
    pledge([first], 2)
    login_verified(client, saver)
    # The session's first page after login records its activity: count from the second on.
    client.get(reverse("web:savers:my-pledges"))
    few = queries()
    pledge([first, PoolFactory(), PoolFactory()], 4)
    many = queries()
    assert (few[1], many[1]) == (2, 6)
    assert many[0] == few[0] <= 12
