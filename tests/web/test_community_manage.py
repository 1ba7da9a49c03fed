"""The community pages: staff create and edit communities and give roles, a treasurer edits contact and
colour of their own community only, invitation links answer every state with a page (never a 500), and
the header's chooser narrows the treasury pages to the chosen community."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from communities.models import Community, CommunityInvitation, CommunityMembership, MembershipRole
from communities.services import community_create, invitation_create, invitation_token, membership_grant
from tests.api.test_permission_matrix import world  # noqa: F401  (the fixture, reused)
from tests.factories import UserFactory
from tests.integration.page_forms import PAGE_FORMS, post_form
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def village():
    return community_create(name="Åsbyns byalag", slug="asbyn", bankgiro="5402-9681")


@pytest.fixture
def other():
    return community_create(name="Kvarnbyns byalag", slug="kvarnbyn")


def treasurer_of(community):
    user = UserFactory(roles=())
    membership_grant(user=user, community=community, role=MembershipRole.TREASURER)
    return user


def logged_in(user) -> Client:
    return login_verified(Client(), user)


def test_staff_create_a_community_and_see_field_errors(village):
    client = logged_in(UserFactory(is_staff=True, roles=()))
    assert client.get("/manage/communities/new/").status_code == 200
    bad = client.post(
        "/manage/communities/new/",
        {"name": "Norrbyn", "slug": "norrbyn", "kind": "village", "default_language": "sv", "colour": "#zzzzzz",
         "organisation_number": "5560360794", "bankgiro": "1"},
    )  # fmt: skip
    assert bad.status_code == 200
    html = bad.content.decode()
    assert html.count('aria-invalid="true"') >= 3
    assert not Community.objects.filter(slug="norrbyn").exists()
    good = client.post(
        "/manage/communities/new/",
        {"name": "Norrbyn", "slug": "norrbyn", "kind": "village", "default_language": "en", "colour": "#336699",
         "organisation_number": "5560360793", "payout_bic": "eseessss"},
    )  # fmt: skip
    assert good.status_code == 302
    created = Community.objects.get(slug="norrbyn")
    assert created.organisation_number == "556036-0793" and created.payout_bic == "ESEESSSS"


def test_a_treasurer_edits_only_contact_logo_and_colour(village):
    client = logged_in(treasurer_of(village))
    page = client.get(f"/manage/communities/{village.pk}/").content.decode()
    assert 'name="contact_email"' in page and 'name="bankgiro"' not in page
    response = client.post(
        f"/manage/communities/{village.pk}/",
        {"contact_name": "Kassören", "contact_email": "k@asbyn.se", "contact_phone": "", "colour": "#aa0000",
         "bankgiro": "5402-8741", "name": "Kapat"},
    )  # fmt: skip
    assert response.status_code == 302
    village.refresh_from_db()
    assert (village.contact_name, village.colour) == ("Kassören", "#aa0000")
    assert (village.bankgiro, village.name) == ("5402-9681", "Åsbyns byalag")  # posted, but not theirs to change
    assert client.get("/manage/communities/new/").status_code == 403


def test_another_communitys_treasurer_and_a_saver_are_refused(village, other):
    invitation = invitation_create(by=treasurer_of(village), community=village, email="x@example.se", role="organiser")
    membership = CommunityMembership.objects.get(community=village)
    for user, expected_list in ((treasurer_of(other), 200), (UserFactory(roles=(Role.SAVER,)), 403)):
        client = logged_in(user)
        listing = client.get("/manage/communities/")
        assert listing.status_code == expected_list
        assert "Åsbyns" not in listing.content.decode()
        assert client.get(f"/manage/communities/{village.pk}/").status_code == 404
        assert client.get(f"/manage/communities/{village.pk}/members/").status_code == 404
        posts = {
            "members/grant/": {"grant-email": user.email, "grant-role": "treasurer"},
            "invitations/": {"invite-email": user.email, "invite-role": "organiser"},
            f"invitations/{invitation.pk}/revoke/": {},
            f"invitations/{invitation.pk}/resend/": {},
            f"members/{membership.pk}/revoke/": {},
        }
        for path, data in posts.items():
            assert client.post(f"/manage/communities/{village.pk}/{path}", data).status_code == 404
    assert CommunityMembership.objects.filter(community=village).count() == 1
    assert CommunityInvitation.objects.get(pk=invitation.pk).status == "pending"


def test_a_treasurer_cannot_invite_or_grant_a_treasurer_on_the_page(village):
    client = logged_in(treasurer_of(village))
    page = client.get(f"/manage/communities/{village.pk}/members/").content.decode()
    assert 'value="organiser"' in page and 'value="treasurer"' not in page
    response = client.post(
        f"/manage/communities/{village.pk}/invitations/", {"invite-email": "k@example.se", "invite-role": "treasurer"}
    )
    assert response.status_code == 400
    assert not CommunityInvitation.objects.exists()


def test_invitation_links_answer_every_state_with_a_page(village):
    treasurer = treasurer_of(village)
    client = Client()
    unknown = client.get("/invitations/nonsense/")
    assert unknown.status_code == 410 and "inte giltig" in unknown.content.decode()
    invitation = invitation_create(by=treasurer, community=village, email="ny@example.se", role="organiser")
    token = invitation_token(invitation)
    shown = client.get(f"/invitations/{token}/")
    assert shown.status_code == 200 and "ny@example.se" in shown.content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        expired = client.get(f"/invitations/{token}/")
        assert expired.status_code == 410 and "gått ut" in expired.content.decode()
    short = client.post(f"/invitations/{token}/", {"full_name": "Ny", "password1": "kort", "password2": "kort"})
    assert short.status_code == 400 and 'aria-invalid="true"' in short.content.decode()
    person = UserFactory(email="ny@example.se", roles=(Role.SAVER,))
    assert "Logga in" in client.get(f"/invitations/{token}/").content.decode()
    wrong = logged_in(UserFactory(roles=(Role.SAVER,)))
    assert wrong.post(f"/invitations/{token}/").status_code == 200
    assert not CommunityMembership.objects.filter(role="organiser").exists()
    own = logged_in(person)
    assert own.post(f"/invitations/{token}/").status_code == 302
    assert CommunityMembership.objects.filter(user=person, role="organiser").count() == 1
    used = Client().get(f"/invitations/{token}/")
    assert used.status_code == 410 and "redan använts" in used.content.decode()
    revoked = invitation_create(by=treasurer, community=village, email="ny2@example.se", role="organiser")
    Client()  # a fresh visitor
    logged_in(treasurer).post(f"/manage/communities/{village.pk}/invitations/{revoked.pk}/revoke/")
    gone = Client().get(f"/invitations/{invitation_token(revoked)}/")
    assert gone.status_code == 410 and "drogs tillbaka" in gone.content.decode()


def test_the_chooser_shows_and_narrows_the_treasury_pages(village, other):
    from treasury.models import BankFile

    treasurer = treasurer_of(village)
    membership_grant(user=treasurer, community=other, role=MembershipRole.TREASURER)
    for community in (village, other):
        BankFile.objects.create(
            community=community, sha256=community.slug.ljust(64, "0"), format="bgmax", content=b"x",
            original_name=f"{community.slug}-fil.txt", imported_by=treasurer,
        )  # fmt: skip
    client = logged_in(treasurer)
    page = client.get("/treasury/bank-files/").content.decode()
    assert 'action="/community/choose/"' in page and "asbyn-fil.txt" in page and "kvarnbyn-fil.txt" in page
    response = client.post("/community/choose/", {"community": str(other.pk), "next": "/treasury/bank-files/"})
    assert response.status_code == 302 and response["Location"] == "/treasury/bank-files/"
    page = client.get("/treasury/bank-files/").content.decode()
    assert "kvarnbyn-fil.txt" in page and "asbyn-fil.txt" not in page
    assert f'<option value="{other.pk}" selected>' in page
    foreign = community_create(name="Främmande", slug="frammande")
    client.post("/community/choose/", {"community": str(foreign.pk), "next": "https://evil.example/"})
    page = client.get("/treasury/bank-files/").content.decode()
    assert "asbyn-fil.txt" not in page  # a community one does not work in is not chosen
    assert client.post("/community/choose/", {"community": "", "next": "/"}).status_code == 302
    assert "asbyn-fil.txt" in client.get("/treasury/bank-files/").content.decode()


def test_a_single_membership_shows_no_chooser(village):
    page = logged_in(treasurer_of(village)).get("/treasury/").content.decode()
    assert 'action="/community/choose/"' not in page


def test_a_choice_is_dropped_when_the_membership_goes(village, other):
    treasurer = treasurer_of(village)
    membership_grant(user=treasurer, community=other, role=MembershipRole.TREASURER)
    client = logged_in(treasurer)
    client.post("/community/choose/", {"community": str(other.pk), "next": "/"})
    CommunityMembership.objects.filter(user=treasurer, community=other).delete()
    client.get("/treasury/")
    assert "working_community_id" not in client.session


def test_the_community_page_forms_save_what_they_say(world, login_as):  # noqa: F811
    rows = [r for r in PAGE_FORMS if r.route.startswith(("manage/", "invitations/", "community/"))]
    assert len(rows) == 9
    for row in rows:
        client = Client()
        if world.users[row.role] is not None:
            login_as(client, world.users[row.role])
        response = post_form(client, row, world)
        assert response.status_code < 500, (row.route, response.status_code)
        if row.saved is not None:
            assert row.saved(world), (row.route, response.status_code, response.content[:500])


def test_a_treasurer_sends_an_invitation_again_from_the_members_page(village):
    treasurer = treasurer_of(village)
    invitation = invitation_create(by=treasurer, community=village, email="ny@example.se", role="organiser")
    client = logged_in(treasurer)
    url = f"/manage/communities/{village.pk}/invitations/{invitation.pk}/resend/"
    page = client.get(f"/manage/communities/{village.pk}/members/").content.decode()
    assert f'action="{url}"' in page and "Skicka igen" in page
    too_soon = client.post(url, follow=True).content.decode()
    assert "Vänta några minuter" in too_soon
    CommunityInvitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timedelta(hours=1))
    sent = client.post(url, follow=True)
    assert sent.status_code == 200
    text = sent.content.decode()
    assert "Inbjudan skickades igen till ny@example.se" in text and "skickad 2 gånger" in text
    assert CommunityInvitation.objects.get(pk=invitation.pk).sent_count == 2
    for bad in ("999999999", "9223372036854775808"):
        assert client.post(f"/manage/communities/{village.pk}/invitations/{bad}/resend/").status_code == 404
