"""A treasurer of one community never sees another's bank files, exception lines, payout lists or audit
trail, through the pages or the API; platform staff see all. A bank file received on another community's
account is refused at upload."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from communities.models import Community, CommunityMembership, MembershipRole
from communities.services import community_create, membership_grant
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from tests.treasury.builders import BgPayment, bgmax
from tests.twofactor import login_verified
from treasury.errors import BankFileRefused
from treasury.models import BankFile, BankFileLine, LineOutcome, PayoutBatch, PayoutKind
from treasury.services import bankfile_import

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def treasurer_of(community: Community):
    user = UserFactory(roles=(Role.TREASURER,))
    CommunityMembership.objects.filter(user=user).delete()  # the factory's default-community membership
    membership_grant(user=user, community=community, role=MembershipRole.TREASURER)
    return user


class Side:
    """One community's treasurer and records."""

    def __init__(self, name: str, slug: str, bankgiro: str) -> None:
        self.community = community_create(name=name, slug=slug, bankgiro=bankgiro)
        self.treasurer = treasurer_of(self.community)
        self.pool = PoolFactory(
            project=ProjectFactory(community=self.community), bankgiro=bankgiro, title=f"Insamling i {name}"
        )
        self.bank_file = BankFile.objects.create(
            community=self.community,
            sha256=slug.ljust(64, "0"),
            format="bgmax",
            content=b"x",
            original_name=f"{slug}-file.txt",
            imported_by=self.treasurer,
        )
        self.line = BankFileLine.objects.create(
            bank_file=self.bank_file,
            position=1,
            amount_ore=1_000,
            booked_on=date(2026, 3, 5),
            outcome=LineOutcome.DEDUCTION,
            is_deduction=True,
            needs_attention=True,
        )
        self.batch = PayoutBatch.objects.create(
            community=self.community, kind=PayoutKind.REFUND, prepared_by=self.treasurer, note=f"{slug} list"
        )


@pytest.fixture
def sides():
    return Side("Åsbyns byalag", "asbyn", "5402-9681"), Side("Kvarnbyns byalag", "kvarnbyn", "5402-8741")


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def own_and_other_routes(mine: Side, other: Side) -> list[tuple[str, str, str]]:
    """(method, url to the other community's record, url to one's own) for every object route."""
    return [
        ("get", reverse("web:treasury:bankfile-detail", args=[other.bank_file.pk]), ""),
        ("get", reverse("web:treasury:bankfile-progress", args=[other.bank_file.pk]), ""),
        ("get", reverse("web:treasury:payout-detail", args=[other.batch.pk]), ""),
        ("post", reverse("web:treasury:payout-approve", args=[other.batch.pk]), ""),
        ("post", reverse("web:treasury:payout-cancel", args=[other.batch.pk]), ""),
        ("post", reverse("web:treasury:payout-export", args=[other.batch.pk]), ""),
        ("post", reverse("web:treasury:exception-resolve", args=[other.line.pk]), ""),
        ("get", reverse("api:treasury-bankfile-detail", args=[other.bank_file.pk]), "api"),
        ("get", reverse("api:treasury-payout-detail", args=[other.batch.pk]), "api"),
        ("post", reverse("api:treasury-payout-approve", args=[other.batch.pk]), "api"),
        ("post", reverse("api:treasury-payout-cancel", args=[other.batch.pk]), "api"),
        ("post", reverse("api:treasury-payout-export", args=[other.batch.pk]), "api"),
        ("post", reverse("api:treasury-exception-resolve", args=[other.line.pk]), "api"),
    ]


def test_another_communitys_records_are_not_found(client, sides):
    mine, other = sides
    login_verified(client, mine.treasurer)
    verified_api = login_verified(APIClient(), mine.treasurer)  # money actions need the second factor
    for method, url, kind in own_and_other_routes(mine, other):
        caller = verified_api if kind else client
        response = getattr(caller, method)(url, {}, format="json") if kind else getattr(caller, method)(url, {})
        assert response.status_code == 404, (method, url, response.status_code)
    # and one's own are there
    assert client.get(reverse("web:treasury:bankfile-detail", args=[mine.bank_file.pk])).status_code == 200
    assert client.get(reverse("web:treasury:payout-detail", args=[mine.batch.pk])).status_code == 200
    assert api(mine.treasurer).get(reverse("api:treasury-payout-detail", args=[mine.batch.pk])).status_code == 200


def test_lists_show_only_ones_own_community(client, sides):
    mine, other = sides
    caller = api(mine.treasurer)
    files = caller.get(reverse("api:treasury-bankfile-list")).json()
    assert {row["id"] for row in files} == {mine.bank_file.pk}
    batches = caller.get(reverse("api:treasury-payout-list")).json()
    assert {row["id"] for row in batches} == {mine.batch.pk}
    lines = caller.get(reverse("api:treasury-exceptions")).json()
    assert {row["id"] for row in lines} == {mine.line.pk}
    login_verified(client, mine.treasurer)
    for name in ("bankfile-list", "payout-list", "exception-list", "dashboard"):
        html = client.get(reverse(f"web:treasury:{name}")).content.decode()
        assert "kvarnbyn-file.txt" not in html and "kvarnbyn list" not in html, name


def test_the_audit_trail_shows_only_ones_own_communitys_rows(sides):
    mine, other = sides
    rows = api(mine.treasurer).get(reverse("api:treasury-audit"), {"table": "pools_pool"}).json()
    results = rows["results"] if isinstance(rows, dict) else rows
    assert {row["row_id"] for row in results} == {mine.pool.pk}
    for table, pk in (("pools_pool", other.pool.pk), ("treasury_payoutbatch", other.batch.pk)):
        found = api(mine.treasurer).get(reverse("api:treasury-audit"), {"table": table, "row_id": pk}).json()
        assert (found["results"] if isinstance(found, dict) else found) == [], table


def test_platform_staff_see_every_community(sides):
    staff = UserFactory(roles=(Role.TREASURER,), is_staff=True)
    files = api(staff).get(reverse("api:treasury-bankfile-list")).json()
    assert {s.bank_file.pk for s in sides} <= {row["id"] for row in files}


def test_a_bank_file_for_another_communitys_account_is_refused(sides):
    mine, other = sides
    content = bgmax([BgPayment(reference="", amount_ore=10_000)], bankgiro="5402-8741")
    with pytest.raises(BankFileRefused) as caught:
        bankfile_import(content=content, filename="wrong.txt", by=mine.treasurer)
    assert "Kvarnbyns byalag" in str(caught.value.message)
    response = api(mine.treasurer).post(
        reverse("api:treasury-bankfile-list"),
        {"file": SimpleUploadedFile("wrong.txt", content)},
        format="multipart",
    )
    assert response.status_code == 400 and "Kvarnbyns byalag" in str(response.json())
    assert not BankFile.objects.filter(original_name="wrong.txt").exists()


def test_a_bank_file_for_an_unknown_account_is_refused_and_ones_own_is_taken(sides):
    mine, _other = sides
    stranger = bgmax([BgPayment(reference="", amount_ore=10_000)], bankgiro="5050-1055")
    with pytest.raises(BankFileRefused) as caught:
        bankfile_import(content=stranger, filename="stranger.txt", by=mine.treasurer)
    assert "Åsbyns byalag" in str(caught.value.message)
    own = bgmax([BgPayment(reference="", amount_ore=10_000)], bankgiro="5402-9681", stamp="20260306061530123456")
    bank_file = bankfile_import(content=own, filename="own.txt", by=mine.treasurer)
    assert bank_file.community == mine.community


def test_a_treasurer_of_no_community_cannot_import(sides):
    nobody = UserFactory(roles=(Role.TREASURER,))
    CommunityMembership.objects.filter(user=nobody).delete()
    content = bgmax([BgPayment(reference="", amount_ore=10_000)], bankgiro="5402-9681")
    with pytest.raises(BankFileRefused):
        bankfile_import(content=content, filename="x.txt", by=nobody)


def test_reports_cover_only_ones_own_communitys_pools(client, sides):
    mine, other = sides
    for kind in ("pools", "overview", "pledges", "ledger"):
        response = api(mine.treasurer).get(reverse("api:treasury-report", args=[kind]))
        assert response.status_code == 200, kind
        if kind == "pools":
            assert mine.pool.title in response.content.decode()
        assert other.pool.title not in response.content.decode(), kind
    login_verified(client, mine.treasurer)
    html = client.get(reverse("web:treasury:report", args=["pools"])).content.decode()
    assert mine.pool.title in html and other.pool.title not in html


def test_an_organiser_runs_only_their_own_communitys_fairs(client, sides):
    from tests.factories import FairFactory

    mine, other = sides
    organiser = UserFactory(roles=(Role.ORGANISER,))
    CommunityMembership.objects.filter(user=organiser).delete()
    membership_grant(user=organiser, community=mine.community, role=MembershipRole.ORGANISER)
    own_fair = FairFactory(community=mine.community)
    other_fair = FairFactory(community=other.community)
    login_verified(client, organiser)
    for name in ("fair-report", "fair-cards", "fair-board", "fair-programme"):
        assert client.get(reverse(f"web:{name}", args=[other_fair.pk])).status_code == 404, name
    assert client.get(reverse("web:fair-report", args=[own_fair.pk])).status_code == 200
    assert client.get(reverse("web:fair-detail", args=[other_fair.pk])).status_code == 200  # fairs are public
