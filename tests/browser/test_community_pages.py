"""The community page and the national list of open pools, on a phone and a desktop, in Swedish and English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from communities.services import community_create
from tests.factories import FairFactory, MicroFundFactory, PoolFactory, ProjectFactory, ShareOfferPoolFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
TEXT = {
    "sv-SE": ("Öppna insamlingar", "Öppna insamlingar i hela Sverige"),
    "en-GB": ("Open pools", "Open pools across Sweden"),
}


@pytest.fixture
def villages():
    today = timezone.localdate()
    asbyn = community_create(
        name="Åsbyns byalag",
        slug="asbyn",
        colour="#8a3b12",
        region="Jämtland",
        municipality="Bergs kommun",
        contact_email="kassor@asbyn.example",
    )
    kvarnbyn = community_create(name="Kvarnbyns byalag", slug="kvarnbyn", region="Dalarna", municipality="Mora kommun")
    shop = ProjectFactory(community=asbyn, name="Åsbyns lanthandel", place="Åsbyn")
    PoolFactory(project=shop, title="Ny kyldisk till lanthandeln", closes_on=today + timedelta(days=6))
    ShareOfferPoolFactory(project=ProjectFactory(community=kvarnbyn, name="Kvarnen"), title="Andelar i kvarnen")
    FairFactory(community=asbyn, title="Åsbymässan 2027")
    MicroFundFactory(community=asbyn, name="Åsbyfonden")
    return asbyn


@pytest.mark.parametrize("locale", list(TEXT))
@pytest.mark.parametrize("size", list(SIZES))
def test_community_page_and_national_list(live_server, chromium_browser, screenshot, villages, locale, size):
    context = chromium_browser.new_context(viewport=SIZES[size], locale=locale)
    page = context.new_page()
    try:
        heading, national = TEXT[locale]
        page.goto(f"{live_server.url}/c/asbyn/")
        assert page.locator("h1").inner_text() == "Åsbyns byalag"
        assert heading in page.content() and "Ny kyldisk till lanthandeln" in page.content()
        colour = page.eval_on_selector("h1", "el => getComputedStyle(el).color")
        assert colour == "rgb(138, 59, 18)"  # #8a3b12 from the community's theme stylesheet
        screenshot(page, f"community-{size}-{locale}")
        page.goto(f"{live_server.url}/pools/")
        assert page.locator("h1").inner_text() == national
        assert "Andelar i kvarnen" in page.content() and "Ny kyldisk till lanthandeln" in page.content()
        page.select_option("#id_region", "Dalarna")
        page.locator("form.pool-filters button[type=submit]").click()
        page.wait_for_load_state()
        assert "Andelar i kvarnen" in page.content() and "Ny kyldisk till lanthandeln" not in page.content()
        page.goto(f"{live_server.url}/pools/")
        screenshot(page, f"pools-{size}-{locale}")
    finally:
        context.close()
