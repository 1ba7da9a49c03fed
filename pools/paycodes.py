"""Scan-to-pay codes for a payment instruction: the bank-app invoice QR and the Swish link.

**Bank-app invoice QR** (the UsingQR format that Swedish bank apps scan, revision 2): one line of JSON

    {"uqr":1,"tp":1,"nme":"Byaföreningen","cid":"556677-8899","iref":"123456789012",
     "idt":"20261206","ddt":"20261231","due":500.00,"pt":"BG","acc":"5050-1055"}

``uqr`` format version (1), ``tp`` document type (1 = invoice), ``nme`` the receiver's name, ``cid`` its
organisation number (left out when unknown), ``iref`` the invoice reference: the pledge's OCR reference,
``idt`` invoice date and ``ddt`` due date (``YYYYMMDD``), ``due`` the amount due now in kronor (a JSON
number with two decimals), ``pt`` payment type (``BG`` = bankgiro) and ``acc`` the bankgiro number. The app
fills in receiver, amount, reference and date; the saver only approves.

**Swish prefilled payment link**: ``https://app.swish.nu/1/p/sw/?sw=1231234567&amt=500.00&cur=SEK&msg=...&src=qr``
— ``sw`` the payee's Swish number, ``amt`` the amount in kronor with two decimals, ``cur`` SEK, ``msg`` the
message (the OCR reference, so the payment is matched), ``edit`` the fields the payer may change (left
out: payee, amount and message are locked), ``src`` where the link was shown (``qr`` when scanned from a code,
``url`` when tapped on a phone). On a phone the link opens the Swish app; scanned as a QR code with the Swish
app's camera it opens the same prefilled payment.

Codes are drawn with segno as inline SVG for pages and as PNG bytes for emails.
"""

from __future__ import annotations

import functools
import io
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email.mime.image import MIMEImage
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import segno
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives

from accounts.identity import normalize_swish_number, validate_swish_number
from pools.models import PledgeKind
from pools.money import ore_to_kronor

if TYPE_CHECKING:
    from pools.models import Pledge, Pool
    from pools.selectors import PledgeDue

SWISH_LINK_BASE = "https://app.swish.nu/1/p/sw/"
SWISH_MESSAGE_MAX = 50  # Swish cuts longer messages


@dataclass(frozen=True)
class PayCodes:
    """Everything a payment instruction shows to pay one amount with one reference."""

    amount_ore: int
    reference: str
    bankgiro: str
    swish_number: str
    bank_payload: str  # the invoice-QR JSON, "" without a bankgiro
    swish_url: str  # the phone link, "" without a Swish number

    def swish_qr_url(self) -> str:
        """The same Swish link marked as scanned from a code."""
        return self.swish_url.replace("src=url", "src=qr")


def bank_qr_payload(
    *,
    name: str,
    organisation_number: str,
    reference: str,
    amount_ore: int,
    bankgiro: str,
    invoice_on: date,
    due_on: date,
) -> str:
    """The UsingQR invoice JSON (one line, keys in the published order) for a bankgiro payment."""
    fields: dict[str, object] = {"uqr": 1, "tp": 1, "nme": name[:70]}
    if organisation_number:
        fields["cid"] = organisation_number
    fields.update(
        {
            "iref": reference,
            "idt": invoice_on.strftime("%Y%m%d"),
            "ddt": due_on.strftime("%Y%m%d"),
            # A JSON number with exactly two decimals, never a float: written from Decimal by hand below.
            "due": "__DUE__",
            "pt": "BG",
            "acc": bankgiro,
        }
    )
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return text.replace('"__DUE__"', f"{ore_to_kronor(amount_ore):.2f}")


def swish_link(*, swish_number: str, amount_ore: int, message: str, source: str = "url") -> str:
    """The Swish app's prefilled-payment link with payee, amount and message locked."""
    amount: Decimal = ore_to_kronor(amount_ore)
    query = urlencode(
        {
            "sw": normalize_swish_number(swish_number),
            "amt": f"{amount:.2f}",
            "cur": "SEK",
            "msg": message[:SWISH_MESSAGE_MAX],
            "src": source,
        }
    )
    return f"{SWISH_LINK_BASE}?{query}"


def usable_swish_number(*candidates: str) -> str:
    """The first valid Swish number of the candidates (receiver's own first), else ''.

    An invalid setting is skipped rather than raised: it must not break a receipt page."""
    for candidate in candidates:
        number = normalize_swish_number(candidate)
        if number and _is_swish_number(number):
            return number
    return ""


def swish_number_display(number: str) -> str:
    """A Swish number grouped as people read it aloud and type it: 123 456 78 90."""
    digits = normalize_swish_number(number)
    if len(digits) != 10:
        return digits
    return f"{digits[:3]} {digits[3:6]} {digits[6:8]} {digits[8:]}"


def _is_swish_number(number: str) -> bool:
    try:
        validate_swish_number(number)
    except ValidationError:
        return False
    return True


def pay_codes(
    *,
    name: str,
    organisation_number: str,
    reference: str,
    amount_ore: int,
    bankgiro: str,
    swish_number: str,
    invoice_on: date,
    due_on: date,
) -> PayCodes | None:
    """Codes for one amount and reference; None when there is nothing to pay or no reference."""
    if amount_ore <= 0 or not reference:
        return None
    payload = ""
    if bankgiro:
        payload = bank_qr_payload(
            name=name,
            organisation_number=organisation_number,
            reference=reference,
            amount_ore=amount_ore,
            bankgiro=bankgiro,
            invoice_on=invoice_on,
            due_on=max(due_on, invoice_on),
        )
    url = swish_link(swish_number=swish_number, amount_ore=amount_ore, message=reference) if swish_number else ""
    return PayCodes(
        amount_ore=amount_ore,
        reference=reference,
        bankgiro=bankgiro,
        swish_number=swish_number,
        bank_payload=payload,
        swish_url=url,
    )


def receiver_swish_number(*, project_swish: str = "", fund_swish: str = "", community_swish: str = "") -> str:
    """The pool's receiver's Swish number: the project's or fund's own, else its community's (the association
    Swish number, which moved from the settings into the community)."""
    return usable_swish_number(project_swish, fund_swish, community_swish)


@functools.lru_cache(maxsize=1024)
def qr_svg(text: str, *, scale: int = 4) -> str:
    """An inline SVG QR code (always a full QR code: bank and Swish apps do not read Micro QR). Kept per process
    by its text (the same code is drawn on every visit to a page until the amount or reference changes).

    It carries a ``viewBox`` as well as its natural width and height, so CSS can scale it: without one, a
    style width smaller than the drawing (a long bank payload is 57 modules, 228 px) cut the code off and
    left it unscannable."""
    code = segno.make(text, error="m", micro=False)
    width, height = code.symbol_size(scale=scale, border=4)
    svg = str(code.svg_inline(scale=scale, border=4, dark="#000", light="#fff", omitsize=True))
    return svg.replace("<svg ", f'<svg width="{width}" height="{height}" role="img" ', 1)


def qr_png(text: str, *, scale: int = 5) -> bytes:
    """The same QR code as PNG bytes, for emails (mail programs do not show inline SVG)."""
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def pledge_amount_to_pay_now(
    *, monthly_ore: int | None, due_now_ore: int, remaining_ore: int, received_ore: int
) -> int:
    """What one scan should pay now: what is due so far, else the next instalment, else the rest."""
    if remaining_ore <= 0:
        return 0
    if due_now_ore > 0:
        return min(due_now_ore, remaining_ore)
    if monthly_ore:
        # The next instalment, less any part of it already paid.
        return min(monthly_ore - received_ore % monthly_ore, remaining_ore)
    return remaining_ore


def pool_payment_bankgiro(pool: Pool) -> str:
    """The bankgiro a pool's savers pay to: the pool's own, else its community's (where its bank files come from)."""
    return pool.bankgiro or pool.community.bankgiro


def pool_payment_holder(pool: Pool) -> str:
    """Who holds that bankgiro: the pool's beneficiary for its own, else its community."""
    return pool.beneficiary_name if pool.bankgiro else pool.community.name


def pledge_pay_codes(*, pledge: Pledge, due: PledgeDue | None, today: date) -> PayCodes | None:
    """Codes for a money pledge paid by bankgiro or Swish (not support saving: that money stays in the
    saver's own account). Reads the pool's project or fund, which callers select with the pledge."""
    if due is None or not pledge.ocr_reference or pledge.kind == PledgeKind.SUPPORT_SAVING:
        return None
    pool = pledge.pool
    receiver = pool.project if pool.project_id else pool.micro_fund
    amount = pledge_amount_to_pay_now(
        monthly_ore=pledge.monthly_ore,
        due_now_ore=due.due_now_ore,
        remaining_ore=due.remaining_ore,
        received_ore=due.received_ore,
    )
    return pay_codes(
        name=receiver.name if receiver is not None else pool.title,
        organisation_number=receiver.organisation_number if receiver is not None else "",
        reference=pledge.ocr_reference,
        amount_ore=amount,
        bankgiro=pool_payment_bankgiro(pool),
        swish_number=receiver_swish_number(
            project_swish=pool.project.swish_number if pool.project_id and pool.project else "",
            fund_swish=pool.micro_fund.swish_number if pool.micro_fund_id and pool.micro_fund else "",
            community_swish=pool.community.swish_number,
        ),
        invoice_on=today,
        due_on=due.next_due_on or today,
    )


def fund_instalment_pay_codes(
    *,
    fund_name: str,
    organisation_number: str,
    bankgiro: str,
    fund_swish: str,
    community_swish: str = "",
    reference: str,
    amount_ore: int,
    due_on: date,
    today: date,
) -> PayCodes | None:
    """Codes for a micro-fund member's next unpaid share instalment."""
    return pay_codes(
        name=fund_name,
        organisation_number=organisation_number,
        reference=reference,
        amount_ore=amount_ore,
        bankgiro=bankgiro,
        swish_number=receiver_swish_number(fund_swish=fund_swish, community_swish=community_swish),
        invoice_on=today,
        due_on=due_on,
    )


BANK_QR_CID = "bank-qr"
SWISH_QR_CID = "swish-qr"


def attach_pay_code_images(message: EmailMultiAlternatives, codes: PayCodes | None) -> None:
    """Attach the codes as inline PNG images (``cid:bank-qr``, ``cid:swish-qr``) the HTML part shows."""
    if codes is None:
        return
    images = [(BANK_QR_CID, codes.bank_payload), (SWISH_QR_CID, codes.swish_qr_url() if codes.swish_url else "")]
    for cid, text in images:
        if not text:
            continue
        image = MIMEImage(qr_png(text), _subtype="png")
        image.add_header("Content-ID", f"<{cid}>")
        image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
        message.attach(image)
    # The HTML part and its images belong together: multipart/related, not a list of attachments.
    message.mixed_subtype = "related"
