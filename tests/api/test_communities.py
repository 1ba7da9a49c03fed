"""The communities API: platform staff manage every community and role; a community's treasurer edits its
contact and colour and gives organiser, fund manager and project owner roles; another community's
treasurer and a saver are refused; bad input is a field error; invitations are accepted with the token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from communities.models import CommunityInvitation, CommunityMembership, MembershipRole
from communities.services import community_create, invitation_create, invitation_token, membership_grant
from tests.factories import UserFactory
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def village():
    return community_create(name="Åsbyns byalag", slug="asbyn")


@pytest.fixture
def other():
    return community_create(name="Kvarnbyns byalag", slug="kvarnbyn")


def treasurer_of(community):
    user = UserFactory(roles=())
    membership_grant(user=user, community=community, role=MembershipRole.TREASURER)
    return user


def client_for(user):
    return login_verified(APIClient(), user)


@pytest.fixture
def staff_client():
    return client_for(UserFactory(is_staff=True, roles=()))


def test_staff_create_a_community_with_validated_fields(staff_client):
    response = staff_client.post(
        "/api/communities/",
        {
            "name": "Norrbyn",
            "slug": "norrbyn",
            "organisation_number": "5560360793",
            "bankgiro": "5402-9681",
            "iban": "SE45 5000 0000 0583 9825 7466",
            "payout_bic": " eseessss ",
            "colour": "#AA3300",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["organisation_number"] == "556036-0793"
    assert body["iban"] == "SE4550000000058398257466"
    assert body["payout_bic"] == "ESEESSSS"
    assert body["colour"] == "#aa3300"


@pytest.mark.parametrize(
    "field, value",
    [
        ("organisation_number", "5560360794"),
        ("bankgiro", "5402-9682"),
        ("plusgiro", "12345"),
        ("iban", "SE45 5000 0000 0583 9825 7467"),
        ("payout_bic", "NOT A BIC"),
        ("colour", "red"),
        ("colour", "#12345g"),
        ("swish_number", "0701234567"),
        ("kind", "empire"),
        ("default_language", "de"),
        ("slug", "Inte en slug!"),
        ("contact_email", "inte-en-adress"),
        ("name", ""),
        ("name", "x" * 201),
    ],
)
def test_bad_fields_are_field_errors(staff_client, field, value):
    response = staff_client.post(
        "/api/communities/", {"name": "Norrbyn", "slug": "norrbyn", field: value}, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_taken_slug_is_refused(staff_client, village):
    response = staff_client.post("/api/communities/", {"name": "Åsbyn igen", "slug": "asbyn"}, format="json")
    assert response.status_code == 400 and "slug" in response.json()


def test_a_treasurer_edits_contact_and_colour_but_not_accounts(village):
    client = client_for(treasurer_of(village))
    ok = client.patch(
        f"/api/communities/{village.pk}/", {"contact_name": "Kassören", "colour": "#123456"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["contact_name"] == "Kassören"
    refused = client.patch(f"/api/communities/{village.pk}/", {"bankgiro": "5402-9681"}, format="json")
    assert refused.status_code == 403
    village.refresh_from_db()
    assert village.bankgiro == ""
    assert client.post("/api/communities/", {"name": "Ny", "slug": "ny"}, format="json").status_code == 403


def test_another_communitys_treasurer_and_a_saver_see_nothing(village, other):
    invitation_create(by=treasurer_of(village), community=village, email="x@example.se", role="organiser")
    for user in (treasurer_of(other), UserFactory(roles=(Role.SAVER,))):
        client = client_for(user)
        assert village.pk not in [c["id"] for c in client.get("/api/communities/").json()]
        for path in ("", "memberships/", "invitations/"):
            assert client.get(f"/api/communities/{village.pk}/{path}").status_code == 404
        grant = {"email": user.email, "role": "treasurer"}
        assert client.post(f"/api/communities/{village.pk}/memberships/", grant, format="json").status_code == 404
        assert client.post(f"/api/communities/{village.pk}/invitations/", grant, format="json").status_code == 404
        invitation = CommunityInvitation.objects.get(community=village)
        revoke = client.post(f"/api/communities/{village.pk}/invitations/{invitation.pk}/revoke/")
        assert revoke.status_code == 404
    assert CommunityMembership.objects.filter(community=village, role="treasurer").count() == 1
    assert CommunityInvitation.objects.filter(community=village).count() == 1


def test_a_treasurer_grants_an_organiser_but_only_staff_grant_a_treasurer(village, staff_client):
    treasurer = treasurer_of(village)
    person = UserFactory(roles=(Role.SAVER,))
    client = client_for(treasurer)
    url = f"/api/communities/{village.pk}/memberships/"
    assert client.post(url, {"email": person.email, "role": "organiser"}, format="json").status_code == 201
    refused = client.post(url, {"email": person.email, "role": "treasurer"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "membership_not_allowed"
    assert staff_client.post(url, {"email": person.email, "role": "treasurer"}, format="json").status_code == 201
    unknown = staff_client.post(url, {"email": "ingen@example.se", "role": "organiser"}, format="json")
    assert unknown.status_code == 400 and "email" in unknown.json()
    bad_role = staff_client.post(url, {"email": person.email, "role": "god"}, format="json")
    assert bad_role.status_code == 400 and "role" in bad_role.json()
    roles = sorted(m["role"] for m in client.get(url).json() if m["email"] == person.email)
    assert roles == ["organiser", "treasurer"]
    membership = CommunityMembership.objects.get(user=person, role="treasurer")
    assert client.delete(f"{url}{membership.pk}/").status_code == 403  # the treasurer role is staff's
    assert staff_client.delete(f"{url}{membership.pk}/").status_code == 204


def test_invite_list_revoke_and_accept_through_the_api(village):
    treasurer = treasurer_of(village)
    client = client_for(treasurer)
    url = f"/api/communities/{village.pk}/invitations/"
    created = client.post(url, {"email": "ny@example.se", "role": "fund_manager"}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "pending"
    assert "token" not in created.json() and "nonce" not in created.json()
    again = client.post(url, {"email": "ny@example.se", "role": "fund_manager"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invitation_pending"
    bad = client.post(url, {"email": "not an address", "role": "fund_manager"}, format="json")
    assert bad.status_code == 400 and "email" in bad.json()
    invitation = CommunityInvitation.objects.get(pk=created.json()["id"])
    person = UserFactory(email="ny@example.se", roles=(Role.SAVER,))
    accept = client_for(person).post("/api/invitations/accept/", {"token": invitation_token(invitation)}, format="json")
    assert accept.status_code == 200 and accept.json()["role"] == "fund_manager"
    # accepting again answers the same membership (the person now needs two-factor: log in verified again)
    twice = client_for(type(person).objects.get(pk=person.pk)).post(
        "/api/invitations/accept/", {"token": invitation_token(invitation)}, format="json"
    )
    assert twice.status_code == 200 and twice.json()["id"] == accept.json()["id"]
    assert CommunityMembership.objects.filter(user=person, role="fund_manager").count() == 1
    revoke = client.post(f"{url}{invitation.pk}/revoke/")
    assert revoke.status_code == 409  # used, not pending


def test_accept_refuses_a_used_or_unknown_token_with_a_code(village):
    invitation = invitation_create(by=treasurer_of(village), community=village, email="ny@example.se", role="organiser")
    stranger = client_for(UserFactory(roles=(Role.SAVER,)))
    wrong = stranger.post("/api/invitations/accept/", {"token": invitation_token(invitation)}, format="json")
    assert wrong.status_code == 403 and wrong.json()["code"] == "invitation_wrong_account"
    unknown = stranger.post("/api/invitations/accept/", {"token": "a" * 64}, format="json")
    assert unknown.status_code == 400 and unknown.json()["code"] == "invitation_invalid"
    too_long = stranger.post("/api/invitations/accept/", {"token": "a" * 500}, format="json")
    assert too_long.status_code == 400 and "token" in too_long.json()


def test_the_working_community_narrows_a_treasurers_lists(village, other):
    from treasury.models import BankFile

    treasurer = treasurer_of(village)
    membership_grant(user=treasurer, community=other, role=MembershipRole.TREASURER)
    for community in (village, other):
        BankFile.objects.create(
            community=community, sha256=community.slug.ljust(64, "0"), format="bgmax", content=b"x",
            original_name=f"{community.slug}.txt", imported_by=treasurer,
        )  # fmt: skip
    client = client_for(treasurer)
    choices = client.get("/api/me/working-community/").json()
    assert sorted(c["slug"] for c in choices["choices"]) == ["asbyn", "kvarnbyn"] and choices["community"] is None
    assert client.put("/api/me/working-community/", {"community": other.pk}, format="json").status_code == 200
    names = [f["original_name"] for f in client.get("/api/treasury/bank-files/").json()]
    assert names == ["kvarnbyn.txt"]
    foreign = community_create(name="Främmande", slug="frammande")
    refused = client.put("/api/me/working-community/", {"community": foreign.pk}, format="json")
    assert refused.status_code == 400 and "community" in refused.json()
    client.put("/api/me/working-community/", {"community": None}, format="json")
    names = sorted(f["original_name"] for f in client.get("/api/treasury/bank-files/").json())
    assert names == ["asbyn.txt", "kvarnbyn.txt"]


def test_send_an_invitation_again_through_the_api(village):
    from datetime import timedelta

    from django.utils import timezone

    treasurer = treasurer_of(village)
    invitation = invitation_create(by=treasurer, community=village, email="ny@example.se", role="organiser")
    client = client_for(treasurer)
    url = f"/api/communities/{village.pk}/invitations/{invitation.pk}/resend/"
    too_soon = client.post(url)
    assert too_soon.status_code == 429 and too_soon.json()["code"] == "invitation_sent_recently"
    assert "Wait a few minutes" in too_soon.json()["detail"] or "Vänta" in too_soon.json()["detail"]
    CommunityInvitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timedelta(hours=1))
    sent = client.post(url)
    assert sent.status_code == 200
    assert sent.json()["sent_count"] == 2 and sent.json()["status"] == "pending"
    assert "token" not in sent.json() and "nonce" not in sent.json()
    for bad in ("999999999", "9223372036854775808", "99999999999999999999"):
        assert client.post(f"/api/communities/{village.pk}/invitations/{bad}/resend/").status_code == 404
    hostile = client.post(url, {"sent_count": 99, "expires_at": "2099-01-01"}, format="json")
    assert hostile.status_code == 429  # a body is ignored: nothing it names is written
    assert CommunityInvitation.objects.get(pk=invitation.pk).sent_count == 2
