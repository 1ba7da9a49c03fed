"""Tests for the camt.053 / camt.054 parser (treasury.bankfiles.camt)."""

from __future__ import annotations

import contextlib
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treasury.bankfiles import BankFileError, parse_camt
from treasury.bankfiles.camt import MAX_BYTES_DEFAULT, _to_ore

FILES = Path(__file__).parent / "files"
V2 = (FILES / "camt053_v2.xml").read_bytes()
V8 = (FILES / "camt053_v8.xml").read_bytes()
N054 = (FILES / "camt054_v8.xml").read_bytes()
CET = timezone(timedelta(hours=1))


def edit(data: bytes, old: str, new: str, count: int = 1) -> bytes:
    """Replace text in a sample file, making sure it was there."""
    text = data.decode("utf-8")
    assert text.count(old) >= count, old
    return text.replace(old, new, count).encode("utf-8")


# --- camt.053 version 2 ----------------------------------------------------


def test_v2_statement_header_and_totals():
    parsed = parse_camt(V2)
    assert parsed.format == "camt053"
    assert parsed.created_at == datetime(2024, 3, 6, 6, 30, tzinfo=CET)
    assert parsed.payee_account == "SE4550000000058398257466"
    assert parsed.currency == "SEK"
    assert parsed.declared_count == parsed.computed_count == 3  # credit entries
    assert parsed.declared_total_ore == parsed.computed_total_ore == 245000
    assert parsed.deductions == ()


def test_v2_payments():
    structured, unstructured, split_a, split_b = parse_camt(V2).payments

    assert structured.amount_ore == 150000
    assert structured.reference == "10017"
    assert structured.booked_on == date(2024, 3, 5)
    assert structured.payer_name == "Åsa Öberg"
    assert structured.payer_address == "Storgatan 1, 123 45 Växjö"
    assert structured.bank_reference == "5000240305T0001"
    assert structured.channel == "camt053"

    assert unstructured.reference == ""
    assert "Medlemsavgift 2024 Märta" in unstructured.raw
    assert unstructured.payer_name == "Märta Ängström"

    assert (split_a.amount_ore, split_a.reference) == (40000, "20024")
    assert (split_b.amount_ore, split_b.reference) == (30000, "20032")
    assert split_a.payer_name == split_b.payer_name == "Kjell Åström"


def test_v2_debit_entry_is_ignored():
    parsed = parse_camt(V2)
    assert all(p.payer_name != "Lokaltryckeriet AB" for p in parsed.payments)
    assert sum(p.amount_ore for p in parsed.payments) == 245000


# --- camt.053 version 8 ----------------------------------------------------


def test_v8_statement():
    parsed = parse_camt(V8)
    assert parsed.format == "camt053"
    assert parsed.created_at == datetime(2024, 3, 7, 6, 30, tzinfo=CET)
    assert parsed.declared_count == parsed.computed_count == 4
    assert parsed.declared_total_ore == parsed.computed_total_ore == 207450
    assert [p.amount_ore for p in parsed.payments] == [
        120000,
        17500,
        25000,
        35000,
        9950,
    ]
    assert all(type(p.amount_ore) is int for p in parsed.payments)


def test_v8_party_structure_and_datetime_booking_date():
    structured = parse_camt(V8).payments[0]
    assert structured.payer_name == "Göran Ölund"  # RltdPties/Dbtr/Pty/Nm
    assert structured.payer_address == "Kyrkogatan 3, 411 15 Göteborg, SE"
    assert structured.booked_on == date(2024, 3, 6)  # from BookgDt/DtTm
    assert structured.reference == "30056"


def test_v8_unstructured_split_and_entry_without_details():
    _, unstructured, split_a, split_b, no_details = parse_camt(V8).payments
    assert unstructured.reference == ""
    assert unstructured.payer_name == "Åke Ärlig"
    assert "Gåva till bygdefonden" in unstructured.raw
    assert "från Åke" in unstructured.raw

    assert split_a.payer_name == split_b.payer_name == "Föreningen Bäckströms Vänner"
    assert split_a.amount_ore + split_b.amount_ore == 60000

    assert no_details.amount_ore == 9950
    assert no_details.reference == ""
    assert no_details.bank_reference == "5000240306A0005"
    assert "Swish 1234567890 Ölandsföreningen" in no_details.raw


# --- camt.054 ----------------------------------------------------------------


def test_camt054_deduction_pending_entry_and_non_digit_reference():
    parsed = parse_camt(N054)
    assert parsed.format == "camt054"
    assert parsed.payee_account == "5551234"
    assert parsed.created_at == datetime(2024, 3, 7, 14, 5)

    ocr, rf = parsed.payments
    assert ocr.reference == "10017"
    assert ocr.channel == "camt054"
    assert rf.reference == ""  # an RF creditor reference is not digits only
    assert "RF18539007547034" in rf.raw

    (deduction,) = parsed.deductions
    assert deduction.deduction is True
    assert deduction.amount_ore == 5000

    # The pending credit entry is counted (the summary includes it) but not imported.
    assert parsed.declared_count == parsed.computed_count == 2
    assert parsed.declared_total_ore == parsed.computed_total_ore == 105000
    assert sum(p.amount_ore for p in parsed.payments) - deduction.amount_ore == 85000


def test_missing_summary_gives_declared_none():
    start = V2.index(b"<TxsSummry>")
    end = V2.index(b"</TxsSummry>") + len(b"</TxsSummry>")
    parsed = parse_camt(V2[:start] + V2[end:])
    assert parsed.declared_count is None
    assert parsed.declared_total_ore is None
    assert parsed.computed_total_ore == 245000
    assert len(parsed.payments) == 4


def test_reversal_credit_is_imported_and_marked_in_raw():
    reversed_entry = edit(
        V2,
        "<CdtDbtInd>CRDT</CdtDbtInd>\n        <Sts>BOOK</Sts>",
        "<CdtDbtInd>CRDT</CdtDbtInd>\n        <RvslInd>true</RvslInd>\n        <Sts>BOOK</Sts>",
    )
    first = parse_camt(reversed_entry).payments[0]
    assert first.raw.startswith("[reversal]")
    assert first.amount_ore == 150000


# --- totals that do not add up ----------------------------------------------


def test_wrong_credit_sum_is_refused():
    bad = edit(V2, "<Sum>2450.00</Sum>", "<Sum>2450.01</Sum>")
    with pytest.raises(BankFileError, match=r"TtlCdtNtries declares a sum of 2450.01 SEK.*2450.00 SEK"):
        parse_camt(bad)


def test_wrong_credit_count_is_refused():
    bad = edit(V8, "<NbOfNtries>4</NbOfNtries>", "<NbOfNtries>3</NbOfNtries>")
    with pytest.raises(
        BankFileError,
        match=r"TtlCdtNtries declares 3 credit entries, but the file contains 4",
    ):
        parse_camt(bad)


def test_wrong_debit_summary_is_refused():
    bad = edit(V2, "<Sum>300.00</Sum>", "<Sum>299.00</Sum>")
    with pytest.raises(BankFileError, match=r"TtlDbtNtries"):
        parse_camt(bad)


def test_wrong_camt054_summary_is_refused():
    bad = edit(N054, "<Sum>1050.00</Sum>", "<Sum>850.00</Sum>")
    with pytest.raises(BankFileError, match=r"Ntfctn 1 .*TtlCdtNtries"):
        parse_camt(bad)


def test_entry_amount_not_matching_its_transactions_is_refused():
    bad = edit(
        V2,
        '<TxAmt><Amt Ccy="SEK">300.00</Amt></TxAmt>',
        '<TxAmt><Amt Ccy="SEK">299.00</Amt></TxAmt>',
    )
    expected = r"entry amount is 700.00 SEK, but its 2 transaction details add up to 699.00 SEK"
    with pytest.raises(BankFileError, match=expected):
        parse_camt(bad)


def test_booked_credit_without_booking_date_is_refused():
    bad = edit(V2, "<BookgDt><Dt>2024-03-05</Dt></BookgDt>", "")
    with pytest.raises(BankFileError, match=r"no booking date"):
        parse_camt(bad)


# --- unsafe or invalid input --------------------------------------------------


def test_billion_laughs_is_refused_without_expansion():
    started = time.monotonic()
    with pytest.raises(BankFileError, match=r"document type declaration \(DTD\)"):
        parse_camt((FILES / "xml_billion_laughs.xml").read_bytes())
    assert time.monotonic() - started < 1.0


def test_external_entity_is_refused():
    with pytest.raises(BankFileError, match=r"DTD") as excinfo:
        parse_camt((FILES / "xml_external_entity.xml").read_bytes())
    assert "root:" not in str(excinfo.value)  # nothing from /etc/passwd leaks


@pytest.mark.parametrize(
    "prolog",
    [
        # After a long prolog of comments (more than one 64 kB read of the prolog reader).
        "<?xml version='1.0' encoding='UTF-8'?>"
        + "<!-- padding -->" * 6000
        + '<!DOCTYPE Document SYSTEM "file:///etc/passwd">',
        # A parameter entity fetched from outside.
        '<!DOCTYPE Document [<!ENTITY % ext SYSTEM "http://example.invalid/x.dtd"> %ext;]>',
        # An empty internal subset: still a DTD.
        "<!DOCTYPE Document []>",
    ],
)
def test_any_document_type_declaration_is_refused_before_the_document_is_read(prolog):
    hostile = prolog.encode() + V2[V2.index(b"<Document") :]
    with pytest.raises(BankFileError, match=r"document type declaration \(DTD\)"):
        parse_camt(hostile)


def test_a_dtd_in_a_utf16_file_is_refused_too():
    text = V2.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"').replace("UTF-8", "UTF-16")
    head, body = text.split("<Document", 1)
    hostile = (head + '<!DOCTYPE Document [<!ENTITY x "y">]>' + "<Document" + body).encode("utf-16")
    with pytest.raises(BankFileError, match=r"document type declaration \(DTD\)"):
        parse_camt(hostile)
    # The same file without the DTD is read in its declared encoding.
    plain = (head + "<Document" + body).encode("utf-16")
    assert len(parse_camt(plain).payments) == len(parse_camt(V2).payments)


def test_an_undeclared_entity_reference_is_refused_without_a_dtd():
    hostile = edit(V2, "<MsgId>", "<MsgId>&xxe;")
    with pytest.raises(BankFileError, match=r"not well-formed XML \(undefined entity"):
        parse_camt(hostile)


def test_oversize_input_is_refused_before_parsing():
    with pytest.raises(BankFileError, match=r"more than the limit of 100 bytes"):
        parse_camt(V2, max_bytes=100)
    # Not even XML: refused on size alone, before any parsing happens.
    with pytest.raises(BankFileError, match=r"limit"):
        parse_camt(b"<" * (MAX_BYTES_DEFAULT + 1))


def test_non_sek_entry_is_refused():
    bad = edit(V2, '<Amt Ccy="SEK">1500.00</Amt>', '<Amt Ccy="EUR">1500.00</Amt>')
    with pytest.raises(BankFileError, match=r"'EUR'; only SEK"):
        parse_camt(bad)


def test_three_decimals_are_refused():
    bad = edit(V8, '<Amt Ccy="SEK">99.50</Amt>', '<Amt Ccy="SEK">99.505</Amt>')
    with pytest.raises(BankFileError, match=r"99.505 has more than 2 decimals"):
        parse_camt(bad)


def test_trailing_zero_decimals_are_an_exact_value_and_accepted():
    ok = edit(V8, '<Amt Ccy="SEK">99.50</Amt>', '<Amt Ccy="SEK">99.500</Amt>')
    assert parse_camt(ok).payments[-1].amount_ore == 9950


@pytest.mark.parametrize("amount", ["-5.00", "1e3", "1,50", " ", "١٢٣", "5."])
def test_malformed_amounts_are_refused(amount):
    bad = edit(V8, '<Amt Ccy="SEK">99.50</Amt>', f'<Amt Ccy="SEK">{amount}</Amt>')
    with pytest.raises(BankFileError, match=r"not a valid amount"):
        parse_camt(bad)


def test_malformed_xml_is_refused():
    with pytest.raises(BankFileError, match=r"not well-formed XML"):
        parse_camt(V2[:500])


def test_other_message_types_are_refused():
    pain = edit(V2, "xsd:camt.053.001.02", "xsd:pain.001.001.03")
    with pytest.raises(BankFileError, match=r"not a camt.053 or camt.054 file"):
        parse_camt(pain)
    with pytest.raises(BankFileError, match=r"camt.053.001.09 is not supported"):
        parse_camt(edit(V2, "xsd:camt.053.001.02", "xsd:camt.053.001.09"))


def test_statements_for_different_accounts_are_refused():
    stmt_start = V2.index(b"<Stmt>")
    stmt_end = V2.index(b"</Stmt>") + len(b"</Stmt>")
    second = V2[stmt_start:stmt_end].replace(b"SE4550000000058398257466", b"SE3550000000054910000003")
    doubled = V2[:stmt_end] + second + V2[stmt_end:]
    with pytest.raises(BankFileError, match=r"several accounts"):
        parse_camt(doubled)


def test_empty_and_non_bytes_input():
    with pytest.raises(BankFileError, match="empty"):
        parse_camt(b"   ")
    with pytest.raises(TypeError):
        parse_camt(V2.decode("utf-8"))  # type: ignore[arg-type]


# --- amount conversion property -----------------------------------------------


@given(st.decimals(min_value=0, max_value=Decimal("9999999999999999.99"), places=2))
def test_two_decimal_amounts_convert_exactly_to_ore(value):
    text = f"{value:.2f}"
    assert _to_ore(text, "test") == int(value * 100)


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, len(V8) - 1), value=st.integers(0, 255))
def test_any_single_byte_change_is_refused_or_still_adds_up(position, value):
    """Corrupting one byte never crashes the parser and never yields a file
    whose totals disagree."""
    data = bytearray(V8)
    data[position] = value
    try:
        parsed = parse_camt(bytes(data))
    except BankFileError:
        return
    if parsed.declared_total_ore is not None:
        assert parsed.declared_total_ore == parsed.computed_total_ore
        assert parsed.declared_count == parsed.computed_count


@given(st.binary(max_size=2000))
def test_random_bytes_only_ever_raise_bank_file_error(data):
    with contextlib.suppress(BankFileError):
        parse_camt(data)


# --- the payer's account (RltdPties/DbtrAcct) --------------------------------


def test_payer_account_is_empty_when_the_file_names_none():
    assert [p.payer_account for p in parse_camt(V2).payments] == ["", "", "", ""]


def test_payer_iban_is_read_compact_and_upper_case():
    data = edit(V2, "</Dbtr>", "</Dbtr><DbtrAcct><Id><IBAN>se45 5000 0000 0583 9825 7466</IBAN></Id></DbtrAcct>")
    first = parse_camt(data).payments[0]
    assert first.payer_account == "SE4550000000058398257466"


def test_payer_iban_in_version_8():
    data = edit(V8, "</Dbtr>", "</Dbtr><DbtrAcct><Id><IBAN>SE4550000000058398257466</IBAN></Id></DbtrAcct>")
    assert parse_camt(data).payments[0].payer_account == "SE4550000000058398257466"


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ("<Othr><Id>5050-1055</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr>", "bankgiro 5050-1055"),
        ("<Othr><Id>8327-9 123 456 789</Id><SchmeNm><Cd>BBAN</Cd></SchmeNm></Othr>", "BBAN 83279123456789"),
        ("<Othr><Id>123456</Id></Othr>", "Othr 123456"),  # no scheme: never mistaken for an account
        ("<Othr><Id>9876</Id><SchmeNm><Prtry>PGNR</Prtry></SchmeNm></Othr>", "PGNR 9876"),
    ],
)
def test_payer_other_account_keeps_its_scheme(other, expected):
    data = edit(V2, "</Dbtr>", f"</Dbtr><DbtrAcct><Id>{other}</Id></DbtrAcct>")
    assert parse_camt(data).payments[0].payer_account == expected
