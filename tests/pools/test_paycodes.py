"""Scan-to-pay codes: the bank-app invoice QR and the Swish link, read back from the images we produce.

The QR images are decoded with zxing-cpp (the same kind of decoder a phone camera uses), so a test
fails if the picture cannot be scanned, not only if the text inside it is wrong.
"""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta
from email.mime.image import MIMEImage
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accounts.identity import validate_swish_number
from accounts.roles import Role
from pools.models import PledgeKind
from pools.paycodes import bank_qr_payload, pledge_amount_to_pay_now, qr_png, qr_svg, swish_link
from pools.services import payment_allocate, payment_record, pledge_create
from tests.communities.helpers import set_community_swish
from tests.factories import PoolFactory, ProjectFactory, UserFactory
from tests.twofactor import login_verified


def decode_png(data: bytes) -> str:
    """The text of the one QR code in a PNG image, as a scanner reads it."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert len(found) == 1, "exactly one readable code"
    assert found[0].format == zxingcpp.BarcodeFormat.QRCode
    return found[0].text


def decode_svg(svg: str) -> str:
    """Draw segno's SVG path back into pixels and decode it (no SVG renderer needed: segno draws one path
    of horizontal runs, ``M x y h n`` / ``m dx dy h n``, in module units of the given scale)."""
    scale = float(re.search(r'transform="scale\((\d+)\)"', svg).group(1)) if "scale(" in svg else 1.0
    width = int(float(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1)) / scale)
    path = re.search(r'class="qrline"[^>]* d="([^"]+)"', svg).group(1)
    image = Image.new("L", (width, width), 255)
    pixels = image.load()
    x = y = 0.0
    for command, a, b, c in re.findall(r"([Mm])\s*(-?[\d.]+)[ ,]?(-?[\d.]+)h(-?[\d.]+)", path):
        if command == "M":
            x, y = float(a), float(b)
        else:
            x, y = x + float(a), y + float(b)
        row = int(y)  # a run is drawn as a line through the middle of its row (y = row + 0.5)
        for column in range(int(x), int(x + float(c))):
            pixels[column, row] = 0
        x += float(c)
    big = image.resize((width * 6, width * 6), Image.NEAREST)
    buffer = io.BytesIO()
    big.save(buffer, format="PNG")
    return decode_png(buffer.getvalue())


# ---------------------------------------------------------------- formats


def test_bank_qr_payload_has_every_usingqr_field():
    payload = bank_qr_payload(
        name="Byaföreningen Ödeby",
        organisation_number="556036-0793",
        reference="123456789012",
        amount_ore=50_050,
        bankgiro="5050-1055",
        invoice_on=date(2026, 12, 6),
        due_on=date(2026, 12, 31),
    )
    assert payload == (
        '{"uqr":1,"tp":1,"nme":"Byaföreningen Ödeby","cid":"556036-0793","iref":"123456789012",'
        '"idt":"20261206","ddt":"20261231","due":500.50,"pt":"BG","acc":"5050-1055"}'
    )
    fields = json.loads(payload)
    assert isinstance(fields["due"], float | int)  # a JSON number, as bank apps expect


def test_bank_qr_leaves_out_an_unknown_organisation_number():
    payload = bank_qr_payload(
        name="X",
        organisation_number="",
        reference="18",
        amount_ore=100,
        bankgiro="5050-1055",
        invoice_on=date(2026, 1, 1),
        due_on=date(2026, 1, 1),
    )
    assert "cid" not in json.loads(payload)


def test_swish_link_is_prefilled_and_locked():
    url = swish_link(swish_number="123 456 78 90", amount_ore=123_450, message="4711000000018")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "app.swish.nu", "/1/p/sw/")
    query = parse_qs(parts.query)
    assert query == {"sw": ["1234567890"], "amt": ["1234.50"], "cur": ["SEK"], "msg": ["4711000000018"], "src": ["url"]}
    assert "edit" not in query  # nothing the payer may change


@pytest.mark.parametrize("number", ["1231234567", "123 123 45 67", "123-1234567"])
def test_valid_swish_numbers(number):
    validate_swish_number(number)


@pytest.mark.parametrize("number", ["0701234567", "123123456", "12312345678", "1231234abc", "9001234567"])
def test_invalid_swish_numbers_are_refused(number):
    with pytest.raises(ValidationError):
        validate_swish_number(number)


def test_project_swish_number_is_validated_on_the_model(db):
    project = ProjectFactory.build(owner=UserFactory(), swish_number="0701234567")
    with pytest.raises(ValidationError) as error:
        project.full_clean()
    assert "swish_number" in error.value.message_dict


def test_amount_to_pay_now():
    # Due so far wins; then the next instalment less what was paid of it; then the rest.
    assert (
        pledge_amount_to_pay_now(monthly_ore=10_000, due_now_ore=20_000, remaining_ore=90_000, received_ore=0) == 20_000
    )
    assert (
        pledge_amount_to_pay_now(monthly_ore=10_000, due_now_ore=0, remaining_ore=95_000, received_ore=25_000) == 5_000
    )
    assert (
        pledge_amount_to_pay_now(monthly_ore=None, due_now_ore=0, remaining_ore=30_000, received_ore=20_000) == 30_000
    )
    assert pledge_amount_to_pay_now(monthly_ore=None, due_now_ore=0, remaining_ore=0, received_ore=50_000) == 0


def test_svg_scales_with_its_box():
    # A long payload draws more than the 11rem the page gives it: the viewBox lets the browser shrink the
    # whole code instead of cutting its right and bottom edges off.
    payload = bank_qr_payload(
        name="Byaföreningen Ödeby med ett långt namn",
        organisation_number="556036-0793",
        reference="1234567890123456789012345",
        amount_ore=123_456_78,
        bankgiro="5050-1055",
        invoice_on=date(2026, 12, 6),
        due_on=date(2026, 12, 31),
    )
    svg = qr_svg(payload)
    width = int(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1))
    height = int(re.search(r'<svg[^>]* height="(\d+)"', svg).group(1))
    assert width > 176  # wider than the 11rem box on the page
    assert re.search(r'<svg[^>]* viewBox="0 0 (\d+) (\d+)"', svg).groups() == (str(width), str(height))
    assert json.loads(decode_svg(svg)) == json.loads(payload)


def test_png_decodes_to_the_payload():
    text = '{"uqr":1,"tp":1,"iref":"18"}'
    assert decode_png(qr_png(text)) == text


# ---------------------------------------------------------------- on pages and in mails


@pytest.fixture
def gift_pledge(db):
    saver = UserFactory(roles=(Role.SAVER,), language="en")
    project = ProjectFactory(organisation_number="556036-0793", swish_number="1231234567", name="Ödeby lanthandel")
    pool = PoolFactory(kind="fair", project=project, bankgiro="5050-1055")
    pledge = pledge_create(pool=pool, saver=saver, kind=PledgeKind.GIFT, amount_ore=75_000)
    return pledge


def _page_codes(html: str) -> tuple[dict, str]:
    bank_svg = re.search(r'id="bank-qr"[^>]*>(<svg.*?</svg>)', html, re.S).group(1)
    swish_svg = re.search(r'id="swish-qr"[^>]*>(<svg.*?</svg>)', html, re.S).group(1)
    return json.loads(decode_svg(bank_svg)), decode_svg(swish_svg)


def test_receipt_page_shows_a_scannable_bank_qr_and_swish(client, gift_pledge):
    login_verified(client, gift_pledge.saver)
    html = client.get(reverse("web:savers:pledge-receipt", args=[gift_pledge.pk])).text
    fields, swish = _page_codes(html)
    today = timezone.localdate()
    assert fields == {
        "uqr": 1,
        "tp": 1,
        "nme": "Ödeby lanthandel",
        "cid": "556036-0793",
        "iref": gift_pledge.ocr_reference,
        "idt": today.strftime("%Y%m%d"),
        "ddt": gift_pledge.pool.closes_on.strftime("%Y%m%d"),
        "due": 750.0,
        "pt": "BG",
        "acc": "5050-1055",
    }
    query = parse_qs(urlsplit(swish).query)
    assert query["sw"] == ["1231234567"] and query["amt"] == ["750.00"]
    assert query["msg"] == [gift_pledge.ocr_reference] and query["src"] == ["qr"]
    button = re.search(r'id="pay-with-swish" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(button).query)["src"] == ["url"]


def test_codes_ask_for_what_is_left_after_a_part_payment(client, gift_pledge):
    payment = payment_record(amount_ore=25_000, received_on=timezone.localdate(), channel="manual")
    payment_allocate(payment=payment, parts=[(gift_pledge, 25_000)], by=None)
    login_verified(client, gift_pledge.saver)
    html = client.get(reverse("web:savers:pledge-detail", args=[gift_pledge.pk])).text
    fields, swish = _page_codes(html)
    assert fields["due"] == 500.0 and parse_qs(urlsplit(swish).query)["amt"] == ["500.00"]


def test_my_pledges_offers_the_codes(client, gift_pledge):
    login_verified(client, gift_pledge.saver)
    html = client.get(reverse("web:savers:my-pledges")).text
    fields, _swish = _page_codes(html)
    assert fields["iref"] == gift_pledge.ocr_reference


def test_without_any_swish_number_there_is_no_swish(client, db, settings):
    set_community_swish("")  # the association Swish number moved into the community
    saver = UserFactory(roles=(Role.SAVER,), language="en")
    pledge = pledge_create(pool=PoolFactory(kind="fair"), saver=saver, kind=PledgeKind.GIFT, amount_ore=10_000)
    login_verified(client, saver)
    html = client.get(reverse("web:savers:pledge-receipt", args=[pledge.pk])).text
    assert 'id="bank-qr"' in html and "app.swish.nu" not in html


def test_association_swish_number_is_the_fallback(client, db, settings):
    set_community_swish("1239876543")  # the association Swish number moved into the community
    saver = UserFactory(roles=(Role.SAVER,), language="en")
    pledge = pledge_create(pool=PoolFactory(kind="fair"), saver=saver, kind=PledgeKind.GIFT, amount_ore=10_000)
    login_verified(client, saver)
    html = client.get(reverse("web:savers:pledge-receipt", args=[pledge.pk])).text
    assert "sw=1239876543" in html


def test_receipt_mail_carries_the_codes_as_inline_images(gift_pledge):
    from pools.receipts import pledge_receipt_send

    assert pledge_receipt_send(pledge_id=gift_pledge.pk)
    message = mail.outbox[-1]
    html = message.alternatives[0][0]
    assert 'src="cid:bank-qr"' in html and "app.swish.nu" in html
    images = {part["Content-ID"]: part for part in message.attachments if isinstance(part, MIMEImage)}
    fields = json.loads(decode_png(images["<bank-qr>"].get_payload(decode=True)))
    assert fields["iref"] == gift_pledge.ocr_reference and fields["due"] == 750.0 and fields["acc"] == "5050-1055"
    swish = decode_png(images["<swish-qr>"].get_payload(decode=True))
    assert parse_qs(urlsplit(swish).query)["msg"] == [gift_pledge.ocr_reference]
    assert "app.swish.nu" in message.body  # the plain-text part gives the link
    message.message()  # the whole mail still serialises


def test_support_saving_has_no_codes(client, db):
    saver = UserFactory(roles=(Role.SAVER,), language="en")
    pledge = pledge_create(
        pool=PoolFactory(),
        saver=saver,
        kind=PledgeKind.SUPPORT_SAVING,
        monthly_ore=50_000,
        months=12,
        starts_on=timezone.localdate() + timedelta(days=1),
    )
    login_verified(client, saver)
    html = client.get(reverse("web:savers:pledge-receipt", args=[pledge.pk])).text
    assert 'id="bank-qr"' not in html


def test_payment_missing_reminder_carries_the_codes(gift_pledge):
    from pools.models import Reminder, ReminderSubject
    from pools.reminders import reminder_message

    reminder = Reminder.objects.create(
        recipient_key=f"user:{gift_pledge.saver_id}",
        saver=gift_pledge.saver,
        kind="payment_missing",
        subject_type=ReminderSubject.PLEDGE,
        subject_id=gift_pledge.pk,
        period="2026-12-01#1",
        pool=gift_pledge.pool,
        pledge=gift_pledge,
        send_after=timezone.now(),
    )
    message = reminder_message(reminder=reminder, to="saver@example.se")
    images = {part["Content-ID"]: part for part in message.attachments if isinstance(part, MIMEImage)}
    fields = json.loads(decode_png(images["<bank-qr>"].get_payload(decode=True)))
    assert fields["iref"] == gift_pledge.ocr_reference and fields["due"] == 750.0
    assert 'src="cid:bank-qr"' in message.alternatives[0][0] and "app.swish.nu" in message.body


def test_fair_card_confirmation_page_shows_the_codes_once_confirmed(client, db):
    from pools.models import PledgeSource
    from pools.services import pledge_confirm

    project = ProjectFactory(swish_number="1231234567")
    pool = PoolFactory(kind="fair", project=project, bankgiro="5050-1055")
    card = pledge_create(
        pool=pool,
        saver=None,
        kind=PledgeKind.GIFT,
        source=PledgeSource.FAIR_CARD,
        amount_ore=30_000,
        contact_email="kort@example.se",
    )
    url = reverse("web:savers:fair-pledge", args=[card.confirmation_token])
    assert 'id="bank-qr"' not in client.get(url).text  # nobody is asked to pay an unanswered card
    pledge_confirm(token=card.confirmation_token, by=None)
    fields, swish = _page_codes(client.get(url).text)
    assert fields["iref"] == card.ocr_reference and fields["due"] == 300.0 and fields["acc"] == "5050-1055"
    assert parse_qs(urlsplit(swish).query)["msg"] == [card.ocr_reference]


def test_api_pledges_carry_the_codes_for_what_is_due_now(gift_pledge):
    from rest_framework.test import APIClient

    client = APIClient()
    login_verified(client, gift_pledge.saver)
    [row] = client.get("/api/pledges/").json()["results"]
    payment = row["payment"]
    assert payment["pay_now"] == "750.00"
    fields = json.loads(payment["bank_qr_payload"])
    assert fields["iref"] == gift_pledge.ocr_reference and fields["due"] == 750.0 and fields["acc"] == "5050-1055"
    query = parse_qs(urlsplit(payment["swish_url"]).query)
    assert query["sw"] == ["1231234567"] and query["amt"] == ["750.00"] and query["msg"] == [gift_pledge.ocr_reference]
    # Paid in full: nothing more to scan.
    paid = payment_record(amount_ore=75_000, received_on=timezone.localdate(), channel="manual")
    payment_allocate(payment=paid, parts=[(gift_pledge, 75_000)], by=None)
    detail = client.get(f"/api/pledges/{gift_pledge.pk}/").json()["payment"]
    assert (detail["pay_now"], detail["bank_qr_payload"], detail["swish_url"]) == ("0.00", "", "")
