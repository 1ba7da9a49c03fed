"""A project owner sees who pledged to their ordinary pools (only savers who agreed to be contacted), with
what and how much they pledged and paid, follows them up, and downloads the list as CSV or Excel."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse

from accounts.roles import Role
from invest.fairs.models import PledgeFollowUp
from pools.models import PledgeKind
from pools.services import payment_allocate, payment_record, pledge_create
from tests.factories import PoolFactory, UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(treasurer):
    pool = PoolFactory(title="Taket på bystugan")
    owner_user = UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER), language="en")
    pool.project.owner = owner_user
    pool.project.save(update_fields=["owner"])
    yes = UserFactory(full_name="Greta Kontakt", email="greta@example.se")
    no = UserFactory(full_name="Hemliga Harald", email="harald@example.se")
    pledged = pledge_create(pool=pool, saver=yes, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=50_000, months=12)
    pledge_create(pool=pool, saver=no, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=20_000, months=6, may_contact=False)
    payment = payment_record(amount_ore=50_000, received_on=pledged.created_at.date(), channel="manual")
    payment_allocate(payment=payment, parts=[(pledged, 50_000)], by=treasurer)
    return {"pool": pool, "owner": owner_user, "pledge": pledged}


def test_owner_sees_contactable_pledgers_with_amount_and_paid_so_far(client, world):
    login_verified(client, world["owner"])
    projects = client.get(reverse("web:my-projects")).text
    url = reverse("web:pool-pledgers", args=[world["pool"].pk])
    assert url in projects
    text = client.get(url).text
    assert "Greta Kontakt" in text and "greta@example.se" in text
    assert "SEK 6,000.00" in text and "SEK 500.00" in text  # pledged, and received so far
    assert "Hemliga Harald" not in text and "harald@example.se" not in text


def test_owner_records_a_follow_up_and_no_outcome_is_chosen_in_advance(client, world):
    login_verified(client, world["owner"])
    url = reverse("web:pool-pledgers", args=[world["pool"].pk])
    page = client.get(url).text
    assert '<option value="">' in page and "selected" not in page  # the first option is "choose", not an outcome
    assert client.post(url, {"pledge": world["pledge"].pk, "outcome": ""}).status_code == 302
    assert not PledgeFollowUp.objects.exists()  # no outcome, nothing noted
    client.post(url, {"pledge": world["pledge"].pk, "outcome": "will_pay", "note": "Betalar i maj"})
    note = PledgeFollowUp.objects.get()
    assert (note.pledge, note.outcome, note.note) == (world["pledge"], "will_pay", "Betalar i maj")
    assert "Betalar i maj" in client.get(url).text


def test_owner_downloads_the_list_as_csv_and_excel(client, world):
    from openpyxl import load_workbook

    login_verified(client, world["owner"])
    response = client.get(reverse("web:pool-pledgers-csv", args=[world["pool"].pk]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines()[0].startswith("Pledger;Email;")
    assert "Greta Kontakt;greta@example.se" in body and "Harald" not in body
    # Swedish spreadsheet convention: ';' between cells and money as numbers with a decimal comma.
    greta = next(line for line in body.splitlines() if line.startswith("Greta"))
    assert ";6000,00;500,00;" in greta
    response = client.get(reverse("web:pool-pledgers-xlsx", args=[world["pool"].pk]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    cells = [cell for row in book.active.iter_rows(values_only=True) for cell in row if cell]
    assert "Greta Kontakt" in cells and "Hemliga Harald" not in cells
    assert 6000 in cells and 500 in cells  # numbers, not text


def test_someone_elses_pool_pledgers_are_404(client, world, other_saver):
    login_verified(client, other_saver)
    for name in ("pool-pledgers", "pool-pledgers-csv", "pool-pledgers-xlsx"):
        assert client.get(reverse(f"web:{name}", args=[world["pool"].pk])).status_code == 404
    response = client.post(
        reverse("web:pool-pledgers", args=[world["pool"].pk]), {"pledge": world["pledge"].pk, "outcome": "done"}
    )
    assert response.status_code == 404 and not PledgeFollowUp.objects.exists()


def test_a_saver_who_did_not_agree_cannot_be_followed_up(client, world):
    hidden = world["pool"].pledges.get(may_contact=False)
    login_verified(client, world["owner"])
    response = client.post(
        reverse("web:pool-pledgers", args=[world["pool"].pk]), {"pledge": hidden.pk, "outcome": "done"}
    )
    assert response.status_code == 404 and not PledgeFollowUp.objects.exists()
