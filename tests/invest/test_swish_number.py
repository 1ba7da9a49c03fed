"""The Swish number a project or fund is paid with: set by its owner (a fund's own organiser) on a page and over
the API, validated (123 and seven digits), refused to anyone else, and used by the payment instructions."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.roles import Role
from invest.errors import InvestError, ReceiverSettingRefused
from invest.services import fund_swish_number_set, project_swish_number_set
from pools.models import PledgeKind
from pools.services import pledge_create
from tests.factories import MicroFundFactory, PoolFactory, ProjectFactory, UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner():
    return UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER), language="en")


@pytest.fixture
def other_owner():
    return UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER), language="en")


@pytest.fixture
def project(owner):
    return ProjectFactory(owner=owner)


@pytest.fixture
def organiser():
    return UserFactory(roles=(Role.ORGANISER,), language="en")


@pytest.fixture
def fund(organiser):
    return MicroFundFactory(organiser=organiser)


def api(user) -> APIClient:
    client = APIClient()
    login_verified(client, user)
    return client


# ---------------------------------------------------------------- services


def test_owner_sets_clears_and_repeats_the_number(project, owner):
    assert project_swish_number_set(project=project, by=owner, swish_number="123 456 78-90").swish_number == (
        "1234567890"
    )
    # The same again changes nothing and is not an error.
    assert project_swish_number_set(project=project, by=owner, swish_number="1234567890").swish_number == "1234567890"
    assert project_swish_number_set(project=project, by=owner, swish_number="").swish_number == ""


@pytest.mark.parametrize("number", ["0701234567", "123456789", "12345678901", "123456789x", "１２３４５６７８９０"])
def test_a_number_that_is_not_a_business_swish_number_is_refused(project, owner, number):
    with pytest.raises(InvestError) as error:
        project_swish_number_set(project=project, by=owner, swish_number=number)
    assert error.value.field == "swish_number" and error.value.status == 400
    project.refresh_from_db()
    assert project.swish_number == ""


def test_another_owner_may_not_redirect_a_projects_payments(project, other_owner):
    with pytest.raises(ReceiverSettingRefused):
        project_swish_number_set(project=project, by=other_owner, swish_number="1234567890")
    project.refresh_from_db()
    assert project.swish_number == ""


def test_only_the_funds_own_organiser_sets_its_number(fund, organiser):
    another_organiser = UserFactory(roles=(Role.ORGANISER,))
    with pytest.raises(ReceiverSettingRefused):
        fund_swish_number_set(fund=fund, by=another_organiser, swish_number="1234567890")
    assert fund_swish_number_set(fund=fund, by=organiser, swish_number="1234567890").swish_number == "1234567890"


# ---------------------------------------------------------------- API


def test_api_patch_sets_the_projects_number_and_the_receipt_uses_it(project, owner):
    response = api(owner).patch(f"/api/projects/{project.pk}/", {"swish_number": "123-555 00 11"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["swish_number"] == "1235550011"
    saver = UserFactory(roles=(Role.SAVER,), language="en")
    pool = PoolFactory(kind="fair", project=project, bankgiro="5050-1055")
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.GIFT, amount_ore=10_000)
    client = APIClient()
    login_verified(client, saver)
    html = client.get(reverse("web:savers:pledge-receipt", args=[pledge.pk])).text
    assert "sw=1235550011" in html


def test_api_patch_refuses_a_bad_number_with_the_field(project, owner):
    response = api(owner).patch(f"/api/projects/{project.pk}/", {"swish_number": "0701234567"}, format="json")
    assert response.status_code == 400
    assert "swish_number" in response.json()
    response = api(owner).patch(f"/api/projects/{project.pk}/", {"swish_number": 1234567890}, format="json")
    assert response.status_code in (200, 400)  # a number is read as its text by DRF; never a 500
    response = api(owner).patch(f"/api/projects/{project.pk}/", ["x"], format="json")
    assert response.status_code == 400


def test_api_patch_by_another_owner_is_403_and_changes_nothing(project, other_owner):
    response = api(other_owner).patch(f"/api/projects/{project.pk}/", {"swish_number": "1234567890"}, format="json")
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    project.refresh_from_db()
    assert project.swish_number == ""


def test_api_patch_fund(fund, organiser):
    another_organiser = UserFactory(roles=(Role.ORGANISER,))
    refused = api(another_organiser).patch(f"/api/funds/{fund.pk}/", {"swish_number": "1234567890"}, format="json")
    assert refused.status_code == 403
    bad = api(organiser).patch(f"/api/funds/{fund.pk}/", {"swish_number": "123"}, format="json")
    assert bad.status_code == 400 and "swish_number" in bad.json()
    ok = api(organiser).patch(f"/api/funds/{fund.pk}/", {"swish_number": "1234567890"}, format="json")
    assert ok.status_code == 200 and ok.json()["swish_number"] == "1234567890"


# ---------------------------------------------------------------- pages


def test_owner_page_saves_the_number(client, project, owner):
    login_verified(client, owner)
    url = reverse("web:project-swish", args=[project.pk])
    assert url == f"/my/projects/{project.pk}/swish/"
    assert "Swish number" in client.get(url).text
    assert url in client.get(reverse("web:my-projects")).text
    response = client.post(url, {"swish_number": "123 456 78 90"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.swish_number == "1234567890"


def test_owner_page_shows_the_error_on_the_field(client, project, owner):
    login_verified(client, owner)
    response = client.post(reverse("web:project-swish", args=[project.pk]), {"swish_number": "0701234567"})
    assert response.status_code == 400
    assert 'id="swish-errors"' in response.text and "123 followed by seven digits" in response.text


def test_owner_page_in_swedish(client, project, owner):
    owner.language = "sv"
    owner.save(update_fields=["language"])
    login_verified(client, owner)
    html = client.get(reverse("web:project-swish", args=[project.pk]), HTTP_ACCEPT_LANGUAGE="sv").text
    assert "Swishnummer" in html


def test_another_owner_gets_404_on_the_page(client, project, other_owner):
    login_verified(client, other_owner)
    url = reverse("web:project-swish", args=[project.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"swish_number": "1234567890"}).status_code == 404
    project.refresh_from_db()
    assert project.swish_number == ""


def test_anonymous_is_sent_to_log_in(client, project):
    response = client.get(reverse("web:project-swish", args=[project.pk]))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_fund_page(client, fund, organiser):
    another_organiser = UserFactory(roles=(Role.ORGANISER,))
    url = reverse("web:fund-swish", args=[fund.slug])
    login_verified(client, another_organiser)
    assert client.get(url).status_code == 404
    client.logout()
    login_verified(client, organiser)
    assert url in client.get(reverse("web:fund-detail", args=[fund.slug])).text
    assert client.post(url, {"swish_number": "123"}).status_code == 400
    assert client.post(url, {"swish_number": "1231112223"}).status_code == 302
    fund.refresh_from_db()
    assert fund.swish_number == "1231112223"
