"""Swish payments and other transfers whose only reference is the payer's message (camt Ustrd)."""

from __future__ import annotations

from datetime import date

import pytest

from pools.models import Payment, PaymentStatus
from tests.treasury.helpers import money_pledge, ocr
from treasury.bankfiles.camt import parse_camt
from treasury.bankfiles.remittance import ocr_in_text, paid_via
from treasury.models import BankFileLine, LineOutcome
from treasury.services import bankfile_import

REF = ocr(4711000000)  # 12 digits, length and check digit


@pytest.mark.parametrize(
    "text",
    [
        REF,
        f"Gåva {REF} tack!",
        f"OCR:{REF}",
        f"{REF[:4]} {REF[4:8]} {REF[8:]}",
        f"Betalning 2026 ref {REF[:3]}-{REF[3:6]}-{REF[6:]}",
        f"Swish från Anna 0701234567 {REF}",
    ],
)
def test_ocr_found_amid_words_and_spaces(text):
    assert ocr_in_text([text]) == REF


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Gåva till bygdegården",
        REF[:-1] + str((int(REF[-1]) + 1) % 10),  # wrong check digit
        f"{REF} och {ocr(4711000001)}",  # two different references: a person decides
        "Tel 0701234567",
    ],
)
def test_no_ocr_when_missing_wrong_or_ambiguous(text):
    assert ocr_in_text([text]) == ""


def test_paid_via():
    assert paid_via(texts=["Swish inbetalning"], has_structured_reference=False) == "swish"
    assert paid_via(texts=["SWISH"], has_structured_reference=True) == "swish"
    assert paid_via(texts=[""], has_structured_reference=True) == "bankgiro"
    assert paid_via(texts=["Överföring"], has_structured_reference=False) == "transfer"


def camt054(transactions: list[tuple[str, str, str, str]], booked_on: date = date(2026, 12, 4)) -> bytes:
    """A camt.054.001.08 credit notification; each transaction is (amount, payer, message, bank text)."""
    entries = []
    for number, (amount, payer, message, info) in enumerate(transactions, start=1):
        entries.append(
            f'<Ntry><Amt Ccy="SEK">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>'
            f"<BookgDt><Dt>{booked_on.isoformat()}</Dt></BookgDt><AcctSvcrRef>SW-{number}</AcctSvcrRef>"
            f"<AddtlNtryInf>{info}</AddtlNtryInf>"
            f"<NtryDtls><TxDtls><Refs><AcctSvcrRef>SW-{number}-1</AcctSvcrRef></Refs>"
            f'<Amt Ccy="SEK">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
            f"<RltdPties><Dbtr><Pty><Nm>{payer}</Nm></Pty></Dbtr></RltdPties>"
            f"<RmtInf><Ustrd>{message}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"
        )
    total = sum(int(a.replace(".", "")) for a, *_ in transactions)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>'
        "<GrpHdr><MsgId>SWISH-TEST-1</MsgId><CreDtTm>2026-12-04T18:00:00</CreDtTm></GrpHdr>"
        "<Ntfctn><Id>SWISH-TEST-1-1</Id><CreDtTm>2026-12-04T18:00:00</CreDtTm>"
        "<Acct><Id><IBAN>SE4550000000058398257466</IBAN></Id><Ccy>SEK</Ccy></Acct>"
        f"<TxsSummry><TtlCdtNtries><NbOfNtries>{len(transactions)}</NbOfNtries>"
        f"<Sum>{total // 100}.{total % 100:02d}</Sum></TtlCdtNtries></TxsSummry>"
        + "".join(entries)
        + "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>"
    ).encode()


def test_parser_reads_the_reference_from_the_message_and_the_route():
    parsed = parse_camt(camt054([("250.00", "Anna Berg", f"Gåva {REF}", "Swish inbetalning")]))
    (payment,) = parsed.payments
    assert payment.reference == REF and payment.paid_via == "swish"


def test_swish_paid_pledge_in_camt054_is_matched_without_the_treasurer(pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=25_000, reference=REF)
    other = money_pledge(pool, saver, amount_ore=10_000, reference=ocr(4711000001))
    content = camt054(
        [
            ("250.00", "Anna Berg", f"{REF[:4]} {REF[4:8]} {REF[8:]}", "Swish inbetalning"),
            ("100.00", "Bo Berg", f"Till bygdegården, ocr {ocr(4711000001)}", "Överföring"),
            ("75.00", "Cecilia Ek", "Gåva, tack för kaffet", "Swish inbetalning"),
        ]
    )
    bankfile_import(content=content, filename="swish.xml", by=treasurer)
    swish, transfer, free = Payment.objects.order_by("pk")
    assert (swish.status, swish.paid_via, swish.reference) == (PaymentStatus.MATCHED, "swish", REF)
    assert swish.allocations.get().pledge == pledge
    assert (transfer.status, transfer.paid_via) == (PaymentStatus.MATCHED, "transfer")
    assert transfer.allocations.get().pledge == other
    assert (free.status, free.paid_via) == (PaymentStatus.UNMATCHED, "swish")
    outcomes = list(BankFileLine.objects.order_by("position").values_list("outcome", flat=True))
    assert outcomes == [LineOutcome.EXACT, LineOutcome.EXACT, LineOutcome.UNMATCHED]


def test_structured_reference_still_wins_over_the_message(pool, saver, treasurer):
    from tests.treasury.builders import CamtTx, camt053

    pledge = money_pledge(pool, saver, amount_ore=30_000, reference=ocr(4711000002))
    content = camt053([[CamtTx("300.00", name="Dan", references=[ocr(4711000002)], message=f"OCR {REF}")]])
    bankfile_import(content=content, filename="s.xml", by=treasurer)
    payment = Payment.objects.get()
    assert payment.allocations.get().pledge == pledge and payment.paid_via == "bankgiro"
