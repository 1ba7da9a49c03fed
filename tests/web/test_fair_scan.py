"""Scan to pledge at the fair: the board's and the printed card's QR codes, decoded as a phone camera would."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from django.urls import reverse
from PIL import Image

from pools.models import Pool
from tests.communities.helpers import set_community_swish
from tests.invest.fairs.builders import live_fair
from tests.pools.test_paycodes import decode_svg
from tests.twofactor import login_verified

pytestmark = pytest.mark.django_db

OUT = Path(__file__).resolve().parents[2] / "test-artifacts" / "pdf"
SWISH = "1231181189"


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _board_svgs(html: str) -> dict[int, str]:
    """Each pitch's scan QR on the board page, by pitch id."""
    found = {}
    for pitch_id, article in re.findall(r'data-pitch="(\d+)"(.*?)</article>', html, re.S):
        svg = re.search(r'<a class="board-qr"[^>]*>(<svg.*?</svg>)</a>', article, re.S)
        if svg:
            found[int(pitch_id)] = svg.group(1)
    return found


def test_board_shows_each_pitchs_pledge_card_qr_and_the_receivers_numbers(client, organiser):
    fair, (cafe, shop) = live_fair(organiser)
    cafe.project.swish_number = SWISH
    cafe.project.save(update_fields=["swish_number"])
    Pool.objects.filter(pk=shop.pool_id).update(bankgiro="5050-1055")
    login_verified(client, organiser)
    html = client.get(reverse("web:fair-board", args=[fair.pk])).content.decode()
    svgs = _board_svgs(html)
    assert set(svgs) == {cafe.pk, shop.pk}
    for pitch in (cafe, shop):
        assert decode_svg(svgs[pitch.pk]) == f"http://testserver/f/{pitch.code}/"
    cafe_block = re.search(rf'data-pitch="{cafe.pk}"(.*?)</article>', html, re.S).group(1)
    shop_block = re.search(rf'data-pitch="{shop.pk}"(.*?)</article>', html, re.S).group(1)
    assert "123 118 11 89" in cafe_block and "5050-1055" not in cafe_block
    assert "5050-1055" in shop_block and 'data-field="swish_number"' not in shop_block
    # No Swish code without a pledge's reference: the only codes on the board are the pledge-card links.
    assert "app.swish.nu" not in html


def test_board_falls_back_to_the_associations_swish_number(client, organiser, settings):
    set_community_swish("123 456 78 90")  # the association Swish number moved into the community
    fair, (cafe, _shop) = live_fair(organiser)
    login_verified(client, organiser)
    html = client.get(reverse("web:fair-board", args=[fair.pk])).content.decode()
    assert html.count("123 456 78 90") == 2


def test_board_falls_back_to_the_communitys_bankgiro(client, organiser):
    fair, (cafe, shop) = live_fair(organiser)
    Pool.objects.filter(pk__in=[cafe.pool_id, shop.pool_id]).update(bankgiro="")
    type(fair.community).objects.filter(pk=fair.community_id).update(bankgiro="5402-9681")
    Pool.objects.filter(pk=shop.pool_id).update(bankgiro="5050-1055")
    login_verified(client, organiser)
    html = client.get(reverse("web:fair-board", args=[fair.pk])).content.decode()
    cafe_block = re.search(rf'data-pitch="{cafe.pk}"(.*?)</article>', html, re.S).group(1)
    shop_block = re.search(rf'data-pitch="{shop.pk}"(.*?)</article>', html, re.S).group(1)
    assert "5402-9681" in cafe_block  # the pool has none of its own: its community's, where its money arrives
    assert "5050-1055" in shop_block and "5402-9681" not in shop_block


def test_board_json_carries_no_scan_block(client, organiser):
    fair, _pitches = live_fair(organiser)
    login_verified(client, organiser)
    data = client.get(reverse("web:fair-board-json", args=[fair.pk])).json()
    assert all("scan" not in p for p in data["pitches"])


def test_presenter_view_shows_only_their_own_pitchs_code(client, organiser, owner):
    _fair, (mine, other) = live_fair(organiser, owner=owner)
    login_verified(client, owner)
    html = client.get(reverse("web:pitch-presenter", args=[mine.pk])).content.decode()
    svgs = _board_svgs(html)
    assert list(svgs) == [mine.pk]
    assert decode_svg(svgs[mine.pk]) == f"http://testserver/f/{mine.code}/"
    assert client.get(reverse("web:pitch-presenter", args=[other.pk])).status_code == 404


def _pdf_page_codes(pdf: bytes, name: str) -> list[list[str]]:
    """Render each page with pdftoppm and read the QR codes on it."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.pdf"
    path.write_bytes(pdf)
    for old in OUT.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "150", str(path), str(OUT / name)], check=True)
    pages = sorted(OUT.glob(f"{name}-*.png"))
    return [[code.text for code in zxingcpp.read_barcodes(Image.open(page))] for page in pages]


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="needs pdftoppm (poppler-utils) to render the PDF")
def test_printed_pledge_cards_carry_each_pitchs_phone_card_code(client, organiser, settings):
    set_community_swish(SWISH)  # the association Swish number moved into the community
    fair, (cafe, shop) = live_fair(organiser)
    login_verified(client, organiser)
    response = client.get(reverse("web:fair-pledge-cards-pdf", args=[fair.pk]), HTTP_ACCEPT_LANGUAGE="sv")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = _pdf_page_codes(response.content, "fair-pledge-cards")
    assert pages == [[f"http://testserver/f/{cafe.code}/"], [f"http://testserver/f/{shop.code}/"]]
    text = subprocess.run(
        ["pdftotext", "-layout", str(OUT / "fair-pledge-cards.pdf"), "-"], capture_output=True, check=True
    ).stdout.decode()
    assert "Jag lovar" in text and "123 118 11 89" in text and cafe.title in text


def test_printed_pledge_cards_are_for_organisers_only(client, organiser, owner):
    fair, _pitches = live_fair(organiser, owner=owner)
    url = reverse("web:fair-pledge-cards-pdf", args=[fair.pk])
    assert client.get(url).status_code == 302  # to the login page
    login_verified(client, owner)
    assert client.get(url).status_code == 404
    login_verified(client, organiser)
    assert client.get(url).status_code == 200
    assert url in client.get(reverse("web:fair-detail", args=[fair.pk])).content.decode()


def test_the_pitch_on_stage_now_is_marked_on_the_board(client, organiser):
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    fair, (first, second) = live_fair(organiser)
    url = reverse("web:fair-board", args=[fair.pk])
    stockholm = ZoneInfo("Europe/Stockholm")
    during_second = dt.datetime.combine(fair.held_on, dt.time(18, 12), tzinfo=stockholm)
    # Logged in at the travelled-to moment: a login from the real clock would be an idle power session hours
    # later (after midnight in Stockholm the fair's evening is still ahead), and the board would redirect.
    with time_machine.travel(during_second, tick=False):
        login_verified(client, organiser)
        html = client.get(url).content.decode()
    assert f'class="board-pitch now" data-pitch="{second.pk}" aria-current="true"' in html
    assert f'class="board-pitch" data-pitch="{first.pk}"' in html
    between = dt.datetime.combine(fair.held_on, dt.time(18, 9), tzinfo=stockholm)  # after 1 (8 min), before 2
    with time_machine.travel(between, tick=False):
        login_verified(client, organiser)
        board = client.get(url)
        assert board.status_code == 200 and "board-pitch now" not in board.content.decode()
