"""The community management pages, the invitation link and the header's community chooser, on a phone and
a desktop, in Swedish and English (screenshots in test-artifacts/screenshots)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from communities.models import CommunityInvitation, MembershipRole
from communities.services import community_create, invitation_create, invitation_token, membership_grant
from tests.factories import UserFactory
from tests.twofactor import login_verified

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
TEXT = {
    "sv": {
        "members": "Roller i Åsbyns byalag",
        "invite": "Bjud in via e-post",
        "chooser": "Arbetar i",
        "again": "Skicka igen",
        "sent": "Inbjudan skickades igen till ny.fond@example.se",
    },
    "en": {
        "members": "Roles in Åsbyns byalag",
        "invite": "Invite by email",
        "chooser": "Working in",
        "again": "Send again",
        "sent": "The invitation was sent again to ny.fond@example.se",
    },
}


@pytest.fixture
def scene():
    asbyn = community_create(
        name="Åsbyns byalag", slug="asbyn", colour="#8a3b12", organisation_number="5560360793",
        bankgiro="5402-9681", contact_email="kassor@asbyn.example", municipality="Bergs kommun",
    )  # fmt: skip
    kvarnbyn = community_create(name="Kvarnbyns byalag", slug="kvarnbyn", default_language="en")
    treasurer = UserFactory(full_name="Karin Kassör", email="karin@asbyn.example", roles=())
    membership_grant(user=treasurer, community=asbyn, role=MembershipRole.TREASURER)
    membership_grant(user=treasurer, community=kvarnbyn, role=MembershipRole.TREASURER)
    organiser = UserFactory(full_name="Olle Arrangör", roles=(Role.SAVER,))
    membership_grant(user=organiser, community=asbyn, role=MembershipRole.ORGANISER)
    earlier = invitation_create(
        by=treasurer, community=asbyn, email="ny.fond@example.se", role=MembershipRole.FUND_MANAGER
    )
    # mailed a day ago: it may be sent again
    CommunityInvitation.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - timedelta(days=1))
    newcomer = invitation_create(by=treasurer, community=asbyn, email="ny@example.se", role=MembershipRole.ORGANISER)
    staff = UserFactory(full_name="Plattformen", is_staff=True, roles=())
    return {"asbyn": asbyn, "treasurer": treasurer, "staff": staff, "token": invitation_token(newcomer)}


def _context(chromium_browser, live_server, size, user=None, language="sv"):
    context = chromium_browser.new_context(viewport=SIZES[size], locale="sv-SE" if language == "sv" else "en-GB")
    if user is not None:
        user.language = language
        user.save(update_fields=["language"])
        client = login_verified(Client(), user)
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


@pytest.mark.parametrize("language", list(TEXT))
@pytest.mark.parametrize("size", list(SIZES))
def test_staff_pages_invitation_and_chooser(live_server, chromium_browser, screenshot, scene, language, size):
    text = TEXT[language]
    asbyn = scene["asbyn"]
    context = _context(chromium_browser, live_server, size, scene["staff"], language)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/manage/communities/")
        assert page.locator("h1").is_visible()
        screenshot(page, f"{language}-{size}-staff-list")
        page.goto(f"{live_server.url}/manage/communities/{asbyn.pk}/members/")
        assert page.locator("h1").inner_text() == text["members"]
        assert page.get_by_text(text["invite"]).is_visible()
        screenshot(page, f"{language}-{size}-members")
        row = page.locator("tr", has_text="ny.fond@example.se")
        again = row.get_by_role("button", name=text["again"])
        assert again.is_visible()
        again.click()
        page.wait_for_load_state()
        assert page.get_by_text(text["sent"]).is_visible()
        screenshot(page, f"{language}-{size}-members-sent-again")
        page.goto(f"{live_server.url}/manage/communities/{asbyn.pk}/")
        screenshot(page, f"{language}-{size}-edit-staff")
    finally:
        context.close()

    context = _context(chromium_browser, live_server, size, scene["treasurer"], language)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/treasury/")
        chooser = page.locator("form.chooser select")
        assert chooser.is_visible() and page.get_by_text(text["chooser"]).is_visible()
        chooser.select_option(label="Kvarnbyns byalag")  # switches at once (site.js)
        page.wait_for_load_state()
        assert page.locator("form.chooser select option:checked").inner_text() == "Kvarnbyns byalag"
        screenshot(page, f"{language}-{size}-chooser")
        page.goto(f"{live_server.url}/manage/communities/{asbyn.pk}/")
        assert page.locator("input[name=bankgiro]").count() == 0
        screenshot(page, f"{language}-{size}-edit-treasurer")
    finally:
        context.close()

    context = _context(chromium_browser, live_server, size, None, language)
    page = context.new_page()
    try:
        # A visitor's language is the one they switched to (the cookie the header's switch sets).
        context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
        page.goto(f"{live_server.url}/invitations/{scene['token']}/")
        assert page.get_by_text("ny@example.se").first.is_visible()
        assert page.locator("h1").inner_text().startswith("Invitation" if language == "en" else "Inbjudan")
        screenshot(page, f"{language}-{size}-invitation")
        page.goto(f"{live_server.url}/invitations/not-a-token/")
        screenshot(page, f"{language}-{size}-invitation-invalid")
    finally:
        context.close()
