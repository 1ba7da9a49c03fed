"""The public community pages (/c/<slug>/) and the national list of open pools (/pools/)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from communities.services import community_create
from pools.models import PoolKind, PoolStatus
from tests.factories import FairFactory, MicroFundFactory, PoolFactory, ProjectFactory, ShareOfferPoolFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    today = timezone.localdate()
    asbyn = community_create(
        name="Åsbyns byalag", slug="asbyn", colour="#aa3300", region="Jämtland", municipality="Berg"
    )
    kvarnbyn = community_create(
        name="Kvarnbyns byalag", slug="kvarnbyn", colour="#0055aa", region="Dalarna", municipality="Mora"
    )
    shop = ProjectFactory(community=asbyn, name="Åsbyns lanthandel")
    mill = ProjectFactory(community=kvarnbyn, name="Kvarnen")
    return {
        "asbyn": asbyn,
        "kvarnbyn": kvarnbyn,
        "shop_pool": PoolFactory(project=shop, title="Ny kyldisk", closes_on=today + timedelta(days=5)),
        "mill_pool": ShareOfferPoolFactory(project=mill, title="Kvarnhjulet", closes_on=today + timedelta(days=60)),
        "draft_pool": PoolFactory(project=shop, title="Hemlig", status=PoolStatus.DRAFT),
        "fair": FairFactory(community=asbyn, title="Åsbymässan"),
        "fund": MicroFundFactory(community=asbyn, name="Åsbyfonden"),
    }


def test_a_community_page_shows_its_own_projects_pools_fairs_and_funds(client, world):
    html = client.get(reverse("web:community", args=["asbyn"]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for shown in ("Åsbyns byalag", "Åsbyns lanthandel", "Ny kyldisk", "Åsbymässan", "Åsbyfonden", "Open pools"):
        assert shown in html, shown
    for hidden in ("Kvarnen", "Kvarnhjulet", "Hemlig"):
        assert hidden not in html, hidden
    assert reverse("web:community-theme", args=["asbyn"]) in html
    sv = client.get(reverse("web:community", args=["asbyn"]), HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "Öppna insamlingar" in sv and "Investeringsmässor" in sv


def test_the_theme_is_the_communitys_colour_and_unknown_slugs_are_not_found(client, world):
    css = client.get(reverse("web:community-theme", args=["kvarnbyn"]))
    assert css["Content-Type"].startswith("text/css") and "--community-colour: #0055aa;" in css.content.decode()
    assert client.get(reverse("web:community", args=["nowhere"])).status_code == 404
    assert client.get(reverse("web:community-theme", args=["nowhere"])).status_code == 404


def _titles(client, **params) -> set[str]:
    html = client.get(reverse("web:pool-search"), params, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    return {title for title in ("Ny kyldisk", "Kvarnhjulet", "Hemlig") if title in html}


def test_the_national_list_shows_open_pools_of_every_community_and_filters_them(client, world):
    assert _titles(client) == {"Ny kyldisk", "Kvarnhjulet"}
    assert _titles(client, q="kvarn") == {"Kvarnhjulet"}
    assert _titles(client, q="Åsbyns") == {"Ny kyldisk"}  # by the community's name
    assert _titles(client, region="Dalarna") == {"Kvarnhjulet"}
    assert _titles(client, municipality="Berg") == {"Ny kyldisk"}
    assert _titles(client, kind=PoolKind.SHARE_OFFER) == {"Kvarnhjulet"}
    assert _titles(client, closing_soon="on") == {"Ny kyldisk"}


def test_bad_filters_are_ignored_not_an_error(client, world):
    response = client.get(reverse("web:pool-search"), {"kind": "bogus", "region": "Atlantis", "page": "x" * 50})
    assert response.status_code == 200
    assert client.get(reverse("web:pool-search"), {"q": "x" * 5000}).status_code == 200


def test_the_national_list_is_paged(client, world):
    project = ProjectFactory(community=world["kvarnbyn"])
    for n in range(30):
        PoolFactory(project=project, title=f"Extra pool {n:02d}")
    first = client.get(reverse("web:pool-search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get(reverse("web:pool-search"), {"page": 2}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "32 open pools" in first and "Page 1 of 2" in first and "Page 2 of 2" in second


def test_the_region_and_municipality_filters_list_each_place_once_and_keep_the_choice(client, world):
    community_create(name="Åsbyns andra byalag", slug="asbyn-2", region="Jämtland", municipality="Berg")
    html = client.get("/pools/", {"region": "Jämtland"}).content.decode()

    assert html.count('<option value="Jämtland" selected>Jämtland</option>') == 1
    assert html.count('<option value="Berg">Berg</option>') == 1
    assert '<option value="Dalarna">Dalarna</option>' in html
