"""Money stays in its community: a bank file of one community is matched only to its own pledges (a
reference of another community's pledge waits in the exceptions queue), and a treasurer of one
community never sees, searches or matches another's payments or pledges, through the pages or the API.
Platform staff see every community's payments. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from accounts.roles import Role
from communities.models import Community, CommunityMembership, MembershipRole
from communities.services import community_create, membership_grant
from pools.errors import AllocationError
from pools.models import Payment, PaymentAllocation, PaymentChannel, PaymentStatus, PledgeStatus
from pools.services import payment_allocate
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from tests.treasury.builders import BgPayment, bgmax
from tests.treasury.helpers import money_pledge, ocr
from tests.twofactor import login_verified
from treasury.models import LineOutcome
from treasury.services import bankfile_import

pytestmark = pytest.mark.django_db

MINE_BG, OTHER_BG = "5402-9681", "5402-8741"


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def treasurer_of(community: Community):
    user = UserFactory(roles=(Role.TREASURER,))
    CommunityMembership.objects.filter(user=user).delete()  # the factory's default-community membership
    membership_grant(user=user, community=community, role=MembershipRole.TREASURER)
    return user


class Side:
    """One community: its treasurer, a pool with one pledge, and a payment brought by its bank file."""

    def __init__(self, name: str, slug: str, bankgiro: str, n: int, stamp: str) -> None:
        self.community = community_create(name=name, slug=slug, bankgiro=bankgiro)
        self.treasurer = treasurer_of(self.community)
        self.pool = PoolFactory(project=ProjectFactory(community=self.community), bankgiro=bankgiro)
        self.pledge = money_pledge(self.pool, amount_ore=10_000, reference=ocr(n), contact_name=f"Givare {slug}")
        self.bank_file = bankfile_import(
            content=bgmax([BgPayment(3_000, "", name=f"Betalare {slug}")], bankgiro=bankgiro, stamp=stamp),
            filename=f"{slug}.txt",
            by=self.treasurer,
        )
        self.payment = Payment.objects.get(bank_file_line__bank_file=self.bank_file)


@pytest.fixture
def sides():
    return (
        Side("Åsbyns byalag", "asbyn", MINE_BG, 81_001, "20260305061530123456"),
        Side("Kvarnbyns byalag", "kvarnbyn", OTHER_BG, 82_002, "20260305061530654321"),
    )


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# ---------------------------------------------------------------- matching a bank file


def test_a_reference_of_another_communitys_pledge_is_not_matched_and_waits(sides):
    mine, other = sides
    content = bgmax(
        [BgPayment(10_000, other.pledge.ocr_reference), BgPayment(10_000, mine.pledge.ocr_reference)],
        bankgiro=MINE_BG,
        stamp="20260306061530123456",
        booked_on=date(2026, 3, 6),
    )
    with translation.override("en"):
        bank_file = bankfile_import(content=content, filename="both.txt", by=mine.treasurer)
    foreign, own = bank_file.lines.order_by("position")
    assert foreign.outcome == LineOutcome.UNMATCHED and foreign.needs_attention
    assert "belongs to a pledge of another community" in foreign.detail
    assert foreign.payment.status == PaymentStatus.UNMATCHED
    assert not PaymentAllocation.objects.filter(pledge=other.pledge).exists()
    other.pledge.refresh_from_db()
    assert other.pledge.status != PledgeStatus.FULFILLED
    assert own.outcome == LineOutcome.EXACT and not own.needs_attention
    assert PaymentAllocation.objects.get(pledge=mine.pledge).amount_ore == 10_000
    # the line is in the exceptions queue of the file's community, not the other's
    ids = {row["id"] for row in api(mine.treasurer).get(reverse("api:treasury-exceptions")).json()}
    assert foreign.pk in ids
    assert foreign.pk not in {row["id"] for row in api(other.treasurer).get(reverse("api:treasury-exceptions")).json()}


def test_the_reason_is_in_swedish_too(sides):
    mine, other = sides
    content = bgmax(
        [BgPayment(10_000, other.pledge.ocr_reference)],
        bankgiro=MINE_BG,
        stamp="20260306061530123457",
        booked_on=date(2026, 3, 7),
    )
    with translation.override("sv"):
        bank_file = bankfile_import(content=content, filename="sv.txt", by=mine.treasurer)
    line = bank_file.lines.get()
    assert "en annan förening" in line.detail or "annan gemenskap" in line.detail, line.detail


def test_a_deduction_never_takes_money_from_another_communitys_pledge(sides):
    mine, other = sides
    paid = bgmax(
        [BgPayment(10_000, other.pledge.ocr_reference)],
        bankgiro=OTHER_BG,
        stamp="20260306061530123458",
        booked_on=date(2026, 3, 8),
    )
    bankfile_import(content=paid, filename="paid.txt", by=other.treasurer)
    assert PaymentAllocation.objects.filter(pledge=other.pledge).count() == 1
    deducted = bgmax(
        [BgPayment(20_000, "", name="Insättning"), BgPayment(10_000, other.pledge.ocr_reference, deduction=True)],
        bankgiro=MINE_BG,
        stamp="20260307061530123458",
        booked_on=date(2026, 3, 9),
    )
    bank_file = bankfile_import(content=deducted, filename="deducted.txt", by=mine.treasurer)
    line = bank_file.lines.get(is_deduction=True)
    assert line.outcome == LineOutcome.DEDUCTION and line.needs_attention and line.pledge_id is None
    assert PaymentAllocation.objects.filter(pledge=other.pledge).count() == 1  # nothing taken back


# ---------------------------------------------------------------- payments, pages and API


def test_another_communitys_payment_is_not_found(client, sides):
    mine, other = sides
    login_verified(client, mine.treasurer)
    verified_api = login_verified(APIClient(), mine.treasurer)
    assert client.get(reverse("web:treasury:payment-detail", args=[other.payment.pk])).status_code == 404
    assert client.get(reverse("web:treasury:payment-detail", args=[mine.payment.pk])).status_code == 200
    for name in ("treasury-payment-detail", "treasury-payment-suggestions"):
        assert verified_api.get(reverse(f"api:{name}", args=[other.payment.pk])).status_code == 404, name
        assert verified_api.get(reverse(f"api:{name}", args=[mine.payment.pk])).status_code == 200, name
    match = {"parts": [{"pledge": mine.pledge.pk, "amount": "10.00"}]}
    response = verified_api.post(reverse("api:treasury-payment-match", args=[other.payment.pk]), match, format="json")
    assert response.status_code == 404
    response = client.post(
        reverse("web:treasury:payment-match", args=[other.payment.pk]), {"pledge_1": mine.pledge.pk, "amount_1": "10"}
    )
    assert response.status_code == 404
    assert not PaymentAllocation.objects.filter(payment=other.payment).exists()


def test_payment_lists_and_pledge_search_show_only_ones_own_community(client, sides):
    mine, other = sides
    caller = api(mine.treasurer)
    rows = caller.get(reverse("api:treasury-payment-list"), {"status": "unmatched"}).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert {row["id"] for row in rows} == {mine.payment.pk}
    found = caller.get(reverse("api:treasury-pledge-search"), {"q": "Givare"}).json()
    found = found["results"] if isinstance(found, dict) else found
    assert {row["id"] for row in found} == {mine.pledge.pk}
    login_verified(client, mine.treasurer)
    html = client.get(reverse("web:treasury:payment-list")).content.decode()
    assert "Betalare asbyn" in html and "Betalare kvarnbyn" not in html
    html = client.get(reverse("web:treasury:payment-detail", args=[mine.payment.pk]), {"q": "Givare"}).content.decode()
    assert "Givare asbyn" in html and "Givare kvarnbyn" not in html


def test_returned_payments_show_only_ones_own_community(client, sides):
    mine, other = sides
    Payment.objects.filter(pk__in=[mine.payment.pk, other.payment.pk]).update(status=PaymentStatus.RETURNED)
    rows = api(mine.treasurer).get(reverse("api:treasury-returned-payments")).json()
    assert {row["id"] for row in rows} == {mine.payment.pk}
    login_verified(client, mine.treasurer)
    html = client.get(reverse("web:treasury:returned-list")).content.decode()
    assert "Betalare asbyn" in html and "Betalare kvarnbyn" not in html


def test_manual_matching_refuses_another_communitys_pledge(client, sides):
    mine, other = sides
    verified_api = login_verified(APIClient(), mine.treasurer)
    match = {"parts": [{"pledge": other.pledge.pk, "amount": "30.00"}]}
    response = verified_api.post(reverse("api:treasury-payment-match", args=[mine.payment.pk]), match, format="json")
    assert response.status_code == 400
    login_verified(client, mine.treasurer)
    response = client.post(
        reverse("web:treasury:payment-match", args=[mine.payment.pk]), {"pledge_1": other.pledge.pk, "amount_1": "30"}
    )
    assert response.status_code == 400
    assert not PaymentAllocation.objects.filter(pledge=other.pledge).exists()
    # not even platform staff may move one community's money to another's pledge
    with pytest.raises(AllocationError):
        payment_allocate(payment=mine.payment, parts=[(other.pledge, 3_000)], by=None)
    # a payment recorded by hand follows the pools it is matched to
    manual = Payment.objects.create(amount_ore=5_000, received_on=date(2026, 3, 5), channel=PaymentChannel.MANUAL)
    payment_allocate(payment=manual, parts=[(mine.pledge, 2_000)], by=None)
    with pytest.raises(AllocationError):
        payment_allocate(payment=manual, parts=[(other.pledge, 2_000)], by=None)
    rows = api(other.treasurer).get(reverse("api:treasury-payment-list"), {"status": "matched"}).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert manual.pk not in {row["id"] for row in rows}


def test_platform_staff_see_every_communitys_payments(sides):
    staff = UserFactory(roles=(Role.TREASURER,), is_staff=True)
    rows = api(staff).get(reverse("api:treasury-payment-list"), {"status": "unmatched"}).json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert {s.payment.pk for s in sides} <= {row["id"] for row in rows}


# ---------------------------------------------------------------- job runs


def test_a_bank_file_import_run_is_recorded_for_its_community_and_shown_only_there(client, sides, settings):
    from operations.jobs import job_run
    from operations.models import JobRun
    from workers.treasury import process_bank_file

    mine, other = sides
    settings.TREASURY_WORKER_THRESHOLD = 1
    content = bgmax(
        [BgPayment(1_000, "", name="A"), BgPayment(2_000, "", name="B")],
        bankgiro=OTHER_BG,
        stamp="20260310061530123456",
        booked_on=date(2026, 3, 10),
    )
    bank_file = bankfile_import(content=content, filename="queued.txt", by=other.treasurer)
    process_bank_file(bank_file.pk)
    run = JobRun.objects.get(name="process_bank_file")
    assert run.community == other.community and run.status == "ok"
    assert run.summary["bank_file"] == bank_file.pk
    with job_run("worker_heartbeat"):
        pass  # a platform job: everyone who sees the jobs sees it
    names = {row["name"] for row in api(mine.treasurer).get(reverse("api:job-list")).json()}
    assert names == {"worker_heartbeat"}
    names = {row["name"] for row in api(other.treasurer).get(reverse("api:job-list")).json()}
    assert names == {"worker_heartbeat", "process_bank_file"}
    staff = UserFactory(roles=(Role.TREASURER,), is_staff=True)
    assert "process_bank_file" in {row["name"] for row in api(staff).get(reverse("api:job-list")).json()}
    login_verified(client, mine.treasurer)
    assert "process_bank_file" not in client.get(reverse("web:ops-jobs")).content.decode()
    login_verified(client, other.treasurer)
    assert "process_bank_file" in client.get(reverse("web:ops-jobs")).content.decode()


def test_another_communitys_match_cannot_be_reversed(client, sides):
    mine, other = sides
    (theirs,) = payment_allocate(payment=other.payment, parts=[(other.pledge, 3_000)], by=None)
    verified_api = login_verified(APIClient(), mine.treasurer)
    url = reverse("api:treasury-allocation-reverse", args=[theirs.pk])
    assert verified_api.post(url, {"note": "x"}, format="json").status_code == 404
    login_verified(client, mine.treasurer)
    assert client.post(reverse("web:treasury:allocation-reverse", args=[theirs.pk]), {"note": "x"}).status_code == 404
    assert not PaymentAllocation.objects.filter(reverses=theirs).exists()
    # the other community's own treasurer may
    theirs_api = login_verified(APIClient(), other.treasurer)
    assert theirs_api.post(url, {"note": "x"}, format="json").status_code == 201


def test_an_extra_reference_of_another_communitys_pledge_is_never_paid(sides):
    mine, other = sides
    content = bgmax(
        [BgPayment(10_000, mine.pledge.ocr_reference, extra_references=[other.pledge.ocr_reference])],
        bankgiro=MINE_BG,
        stamp="20260311061530123456",
        booked_on=date(2026, 3, 11),
    )
    with translation.override("en"):
        bank_file = bankfile_import(content=content, filename="split.txt", by=mine.treasurer)
    line = bank_file.lines.get()
    # the extra reference is not one of this community's pledges: only the own pledge is paid
    assert line.outcome == LineOutcome.EXACT
    assert not PaymentAllocation.objects.filter(pledge=other.pledge).exists()
