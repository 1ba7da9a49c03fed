"""Tests for the BgMax parser (treasury.bankfiles.bgmax)."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from treasury.bankfiles import BankFileError, ParsedPayment, parse_bgmax

FILES = Path(__file__).parent / "files"
SAMPLE = (FILES / "bgmax_two_sections.txt").read_bytes()


def sample_lines() -> list[str]:
    """The sample file as a list of decoded records (without line endings)."""
    return SAMPLE.decode("iso-8859-1").split("\r\n")[:-1]


def to_bytes(lines: list[str], newline: str = "\r\n") -> bytes:
    return "".join(line + newline for line in lines).encode("iso-8859-1")


def replace_field(line: str, start: int, end: int, value: str) -> str:
    """Overwrite positions start..end (1-based, inclusive) of a record."""
    assert len(value) == end - start + 1
    return line[: start - 1] + value + line[end:]


def line_index(lines: list[str], prefix: str, occurrence: int = 0) -> int:
    return [i for i, line in enumerate(lines) if line.startswith(prefix)][occurrence]


# --- the hand-written sample file ----------------------------------------


def test_sample_file_totals_and_header():
    parsed = parse_bgmax(SAMPLE)

    assert parsed.format == "bgmax"
    assert parsed.created_at == datetime(2024, 3, 5, 6, 15, 30, 123456)
    assert parsed.payee_account == "5551234"
    assert parsed.currency == "SEK"
    assert len(parsed.payments) == 4
    assert len(parsed.deductions) == 1
    assert parsed.declared_count == parsed.computed_count == 4
    # 1500.00 + 3000.00 - 250.00 (section 1) + 500.00 + 200.50 (section 2)
    assert parsed.declared_total_ore == parsed.computed_total_ore == 495050


def test_amounts_are_integer_ore():
    parsed = parse_bgmax(SAMPLE)
    amounts = [p.amount_ore for p in parsed.payments]
    assert amounts == [150000, 300000, 50000, 20050]
    assert all(type(a) is int for a in amounts)


def test_payment_date_comes_from_the_sections_deposit_record():
    parsed = parse_bgmax(SAMPLE)
    assert [p.booked_on for p in parsed.payments] == [
        date(2024, 3, 5),
        date(2024, 3, 5),
        date(2024, 3, 6),
        date(2024, 3, 6),
    ]
    assert parsed.deductions[0].booked_on == date(2024, 3, 5)


def test_swedish_names_and_addresses_are_decoded_from_iso_8859_1():
    first, split, no_ref, free_text = parse_bgmax(SAMPLE).payments
    assert first.payer_name == "Åsa Öberg"
    assert first.payer_address == "Storgatan 1, 12345 Växjö"
    assert split.payer_name == "Föreningen Bäckströms Vänner c/o Ärla Ek"
    assert no_ref.payer_name == "Märta Ängström"
    assert no_ref.payer_address == "Ängsvägen 7, 98765 Ödeshög"
    assert free_text.payer_name == "Östra Ängby Båtklubb"


def test_ocr_reference_and_bank_reference():
    first = parse_bgmax(SAMPLE).payments[0]
    assert first.reference == "10017"
    assert first.bank_reference == "240305000101"
    assert first.channel == "bgmax"
    assert first.deduction is False
    assert first.extra_references == ()


def test_extra_references_make_a_split_candidate():
    split = parse_bgmax(SAMPLE).payments[1]
    assert split.reference == "20024"
    assert split.extra_references == ("20032", "20040")
    assert "Medlemsinsats tre andelar" in split.raw  # TK25 information text


def test_payment_without_reference():
    no_ref = parse_bgmax(SAMPLE).payments[2]
    assert no_ref.reference == ""
    assert "Medlemsavgift 2024 Märta Ängström" in no_ref.raw


def test_free_text_reference_is_kept_in_raw_only():
    free_text = parse_bgmax(SAMPLE).payments[3]
    assert free_text.reference == ""  # reference code 3, not an OCR reference
    assert "Faktura 1042" in free_text.raw
    assert free_text.amount_ore == 20050


def test_deduction_is_positive_and_flagged():
    (deduction,) = parse_bgmax(SAMPLE).deductions
    assert deduction.deduction is True
    assert deduction.amount_ore == 25000
    assert deduction.reference == "30056"
    assert deduction.payer_name == "Kjell Åström"
    assert deduction not in parse_bgmax(SAMPLE).payments


def test_raw_holds_the_source_records():
    first = parse_bgmax(SAMPLE).payments[0]
    assert first.raw.splitlines()[0] == sample_lines()[2].rstrip()
    assert first.raw.splitlines()[1] == "26Åsa Öberg"


def test_results_are_frozen():
    payment = parse_bgmax(SAMPLE).payments[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        payment.amount_ore = 1  # type: ignore[misc]


def test_lf_line_endings_and_stripped_trailing_spaces_give_the_same_result():
    stripped = to_bytes([line.rstrip() for line in sample_lines()], newline="\n")
    assert parse_bgmax(stripped) == parse_bgmax(SAMPLE)


def test_file_without_final_newline_is_accepted():
    assert parse_bgmax(SAMPLE.rstrip(b"\r\n")) == parse_bgmax(SAMPLE)


# --- refusals --------------------------------------------------------------


def test_wrong_deposit_total_is_refused_naming_the_tk15_line():
    lines = sample_lines()
    index = line_index(lines, "15")
    lines[index] = replace_field(lines[index], 51, 68, f"{425001:018d}")

    with pytest.raises(BankFileError) as excinfo:
        parse_bgmax(to_bytes(lines))

    message = str(excinfo.value)
    assert f"TK15 on line {index + 1}" in message
    assert "4250.01 SEK" in message  # what the file says
    assert "4250.00 SEK" in message  # what the payments add up to


def test_wrong_deposit_payment_count_is_refused():
    lines = sample_lines()
    index = line_index(lines, "15", occurrence=1)
    lines[index] = replace_field(lines[index], 72, 79, "00000003")
    with pytest.raises(BankFileError, match=rf"TK15 on line {index + 1} states 3 payments"):
        parse_bgmax(to_bytes(lines))


def test_wrong_end_record_count_is_refused():
    lines = sample_lines()
    lines[-1] = replace_field(lines[-1], 3, 10, "00000005")
    with pytest.raises(BankFileError, match=r"TK70 on line 27 declares 5 payment records"):
        parse_bgmax(to_bytes(lines))


def test_wrong_extra_reference_count_is_refused():
    lines = sample_lines()
    lines[-1] = replace_field(lines[-1], 19, 26, "00000003")
    with pytest.raises(BankFileError, match=r"extra reference records"):
        parse_bgmax(to_bytes(lines))


def test_line_of_81_characters_is_refused():
    lines = sample_lines()
    lines[3] = lines[3] + "X"
    with pytest.raises(BankFileError, match=r"Line 4 is 81 characters long"):
        parse_bgmax(to_bytes(lines))


def test_non_bgmax_header_is_refused():
    lines = sample_lines()
    lines[0] = replace_field(lines[0], 3, 22, "BGMIN".ljust(20))
    with pytest.raises(BankFileError, match=r"only 'BGMAX' files"):
        parse_bgmax(to_bytes(lines))


def test_file_not_starting_with_tk01_is_refused():
    with pytest.raises(BankFileError, match=r"Line 1 must be a start record \(TK01\)"):
        parse_bgmax(to_bytes(sample_lines()[1:]))


def test_truncated_file_without_end_record_is_refused():
    with pytest.raises(BankFileError, match=r"must end with an end record \(TK70\)"):
        parse_bgmax(to_bytes(sample_lines()[:-1]))


def test_test_file_is_refused_unless_allowed():
    lines = sample_lines()
    lines[0] = replace_field(lines[0], 45, 45, "T")
    data = to_bytes(lines)
    with pytest.raises(BankFileError, match=r"TEST file"):
        parse_bgmax(data)
    assert len(parse_bgmax(data, allow_test_file=True).payments) == 4


def test_non_sek_section_is_refused():
    lines = sample_lines()
    lines[1] = replace_field(lines[1], 23, 25, "EUR")
    with pytest.raises(BankFileError, match=r"Line 2 \(TK05\).*'EUR'"):
        parse_bgmax(to_bytes(lines))


def test_non_numeric_amount_is_refused_with_line_number():
    lines = sample_lines()
    lines[2] = replace_field(lines[2], 38, 55, "00000000000015000O")  # letter O
    with pytest.raises(BankFileError, match=r"Line 3 \(TK20\): the amount \(positions 38-55\)"):
        parse_bgmax(to_bytes(lines))


def test_unknown_record_type_is_refused():
    lines = sample_lines()
    lines.insert(3, "99".ljust(80))
    with pytest.raises(BankFileError, match=r"Line 4: unknown record type"):
        parse_bgmax(to_bytes(lines))


def test_payment_outside_a_section_is_refused():
    lines = sample_lines()
    del lines[1]  # drop the first TK05
    with pytest.raises(BankFileError, match=r"Line 2: record TK20 appears outside a section"):
        parse_bgmax(to_bytes(lines))


def test_blank_line_inside_the_file_is_refused():
    lines = sample_lines()
    lines.insert(5, "")
    with pytest.raises(BankFileError, match=r"Line 6 is blank"):
        parse_bgmax(to_bytes(lines))


def test_tab_character_is_refused():
    lines = sample_lines()
    lines[2] = lines[2][:12] + "\t" + lines[2][13:]
    with pytest.raises(BankFileError, match=r"Line 3 contains the control character"):
        parse_bgmax(to_bytes(lines))


def test_empty_input_is_refused():
    with pytest.raises(BankFileError, match="empty"):
        parse_bgmax(b"")
    with pytest.raises(BankFileError, match="empty"):
        parse_bgmax(b"\r\n\r\n")


def test_text_instead_of_bytes_is_a_programming_error():
    with pytest.raises(TypeError):
        parse_bgmax(SAMPLE.decode("iso-8859-1"))  # type: ignore[arg-type]


def test_refused_file_returns_nothing_even_when_only_the_last_section_is_wrong():
    lines = sample_lines()
    index = line_index(lines, "15", occurrence=1)
    lines[index] = replace_field(lines[index], 51, 68, f"{1:018d}")
    result = None
    with pytest.raises(BankFileError):
        result = parse_bgmax(to_bytes(lines))
    assert result is None


def test_extra_reference_before_any_payment_is_refused():
    lines = sample_lines()
    lines.insert(2, lines[7])  # a TK22 directly after the TK05
    with pytest.raises(BankFileError, match=r"Line 3: record TK22 must follow a payment"):
        parse_bgmax(to_bytes(lines))


def test_sections_for_different_payee_bankgiro_numbers_are_refused():
    lines = sample_lines()
    index = line_index(lines, "05", occurrence=1)
    lines[index] = replace_field(lines[index], 3, 12, "0009999999")
    with pytest.raises(BankFileError, match=r"several payee bankgiro numbers"):
        parse_bgmax(to_bytes(lines))


def test_section_without_deposit_record_is_refused():
    lines = sample_lines()
    del lines[line_index(lines, "15")]
    with pytest.raises(BankFileError, match=r"never closed by a deposit record"):
        parse_bgmax(to_bytes(lines))


def test_payment_type_rejects_float_money():
    with pytest.raises(TypeError):
        ParsedPayment(
            amount_ore=15.0,  # type: ignore[arg-type]
            booked_on=date(2024, 3, 5),
            reference="",
            payer_name="",
            payer_address="",
            channel="bgmax",
            bank_reference="",
        )


@settings(max_examples=300, deadline=None)
@given(position=st.integers(0, len(SAMPLE) - 1), value=st.integers(0, 255))
def test_any_single_byte_change_is_refused_or_still_adds_up(position, value):
    """Corrupting one byte never crashes the parser and never yields a file
    whose totals disagree."""
    data = bytearray(SAMPLE)
    data[position] = value
    try:
        parsed = parse_bgmax(bytes(data))
    except BankFileError:
        return
    assert parsed.declared_total_ore == parsed.computed_total_ore
    assert parsed.declared_count == parsed.computed_count


@given(st.binary(max_size=2000))
def test_random_bytes_only_ever_raise_bank_file_error(data):
    with contextlib.suppress(BankFileError):
        parse_bgmax(data)


# --- character encoding ----------------------------------------------------


def test_utf8_file_padded_to_80_characters_is_decoded_as_utf8():
    """A file re-saved as UTF-8 (every å/ä/ö now two bytes) is recognised and read correctly."""
    utf8 = SAMPLE.decode("iso-8859-1").encode("utf-8")
    parsed = parse_bgmax(utf8)
    assert parsed.payments[0].payer_name == "Åsa Öberg"
    assert parsed.payments == parse_bgmax(SAMPLE).payments


def test_utf8_file_padded_to_80_bytes_keeps_its_names():
    """Padded to 80 *bytes*, the records are shorter in characters; names still come out right."""
    lines = [line.rstrip() for line in sample_lines()]
    raw = b"".join(line.encode("utf-8") + b"\n" for line in lines)
    parsed = parse_bgmax(raw)
    first = parsed.payments[0]
    assert first.payer_name == "Åsa Öberg"
    assert first.amount_ore == 150000
    assert first.reference == "10017"


def test_windows_1252_file_is_refused_with_the_byte_named():
    """Bytes 0x80-0x9F are letters in Windows-1252 / code page 850 but control codes in ISO-8859-1."""
    cp850 = SAMPLE.decode("iso-8859-1").encode("cp850")
    with pytest.raises(BankFileError, match=r"Line 4 contains the byte 0x8F.*another encoding"):
        parse_bgmax(cp850)


def test_utf16_file_is_refused():
    with pytest.raises(BankFileError, match=r"UTF-16"):
        parse_bgmax(SAMPLE.decode("iso-8859-1").encode("utf-16"))


# --- property test: write random payments, parse them back ----------------

NAME_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäöABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖéü -"


def bgmax_record(*parts: str) -> str:
    record = "".join(parts)
    assert len(record) <= 80
    return record.ljust(80)


def write_bgmax(sections: list[dict], newline: str) -> bytes:
    """A small BgMax writer used only by the property test."""
    lines = [bgmax_record("01", "BGMAX".ljust(20), "01", "20240101120000000000", "P")]
    n_pay = n_ded = n_extra = 0
    serial = 0
    for number, section in enumerate(sections, start=1):
        lines.append(bgmax_record("05", "0005551234", " " * 10, "SEK"))
        for entry in section["entries"]:
            serial += 1
            code = "2" if entry["reference"] else "0"
            tail = "0" if entry["deduction"] else ""
            lines.append(
                bgmax_record(
                    "21" if entry["deduction"] else "20",
                    "0000000000",
                    entry["reference"].rjust(25),
                    f"{entry['amount']:018d}",
                    code,
                    "1",
                    f"{serial:012d}",
                    "0",
                    tail,
                )
            )
            for extra in entry["extra"]:
                lines.append(
                    bgmax_record(
                        "22",
                        "0000000000",
                        extra.rjust(25),
                        f"{0:018d}",
                        "2",
                        "1",
                        f"{serial:012d}",
                        "0",
                    )
                )
                n_extra += 1
            if entry["name"]:
                lines.append(bgmax_record("26", entry["name"].ljust(35)))
            n_ded += entry["deduction"]
            n_pay += not entry["deduction"]
        net = sum(-e["amount"] if e["deduction"] else e["amount"] for e in section["entries"])
        lines.append(
            bgmax_record(
                "15",
                "1".rjust(35, "0"),
                section["date"].strftime("%Y%m%d"),
                f"{number:05d}",
                f"{net:018d}",
                "SEK",
                f"{len(section['entries']):08d}",
            )
        )
    lines.append(
        bgmax_record(
            "70",
            f"{n_pay:08d}",
            f"{n_ded:08d}",
            f"{n_extra:08d}",
            f"{len(sections):08d}",
        )
    )
    return "".join(line + newline for line in lines).encode("iso-8859-1")


references = st.one_of(st.just(""), st.text("0123456789", min_size=1, max_size=25))
names = st.text(NAME_ALPHABET, max_size=35).map(lambda s: " ".join(s.split()))


@st.composite
def bgmax_sections(draw) -> list[dict]:
    sections = []
    for _ in range(draw(st.integers(1, 3))):
        entries = [
            {
                "deduction": False,
                "amount": draw(st.integers(1, 10**15)),
                "reference": draw(references),
                "extra": draw(st.lists(st.text("0123456789", min_size=1, max_size=25), max_size=3)),
                "name": draw(names),
            }
            for _ in range(draw(st.integers(1, 5)))
        ]
        budget = sum(e["amount"] for e in entries)
        if draw(st.booleans()):
            entries.insert(
                draw(st.integers(0, len(entries))),
                {
                    "deduction": True,
                    "amount": draw(st.integers(1, budget)),
                    "reference": draw(references),
                    "extra": [],
                    "name": draw(names),
                },
            )
        sections.append(
            {
                "date": draw(st.dates(date(2000, 1, 1), date(2099, 12, 31))),
                "entries": entries,
            }
        )
    return sections


@settings(max_examples=200, deadline=None)
@given(sections=bgmax_sections(), newline=st.sampled_from(["\r\n", "\n"]))
def test_written_files_round_trip(sections, newline):
    parsed = parse_bgmax(write_bgmax(sections, newline))

    expected = [(e, s["date"]) for s in sections for e in s["entries"]]
    expected_payments = [(e, d) for e, d in expected if not e["deduction"]]
    expected_deductions = [(e, d) for e, d in expected if e["deduction"]]

    def check(got: tuple[ParsedPayment, ...], want: list) -> None:
        assert len(got) == len(want)
        for payment, (entry, booked_on) in zip(got, want, strict=True):
            assert payment.amount_ore == entry["amount"]
            assert payment.reference == entry["reference"]
            assert payment.extra_references == tuple(entry["extra"])
            assert payment.payer_name == entry["name"]
            assert payment.booked_on == booked_on
            assert payment.deduction is entry["deduction"]

    check(parsed.payments, expected_payments)
    check(parsed.deductions, expected_deductions)
    net = sum(e["amount"] for e, _ in expected_payments) - sum(e["amount"] for e, _ in expected_deductions)
    assert parsed.declared_total_ore == parsed.computed_total_ore == net
    assert parsed.declared_count == parsed.computed_count == len(expected_payments)


# --- the sender's bankgiro (payer account) ---------------------------------


def test_payer_bankgiro_becomes_the_payer_account_when_not_zero():
    first, second, *_rest = parse_bgmax(SAMPLE).payments
    assert first.payer_account == ""  # positions 3-12 are zeros: no sender bankgiro given
    assert second.payer_account == "bankgiro 991-2346"


def test_eight_digit_payer_bankgiro_and_blank_field():
    lines = sample_lines()
    first = line_index(lines, "20")
    lines[first] = replace_field(lines[first], 3, 12, "0050501055")
    second = line_index(lines, "20", 1)
    lines[second] = replace_field(lines[second], 3, 12, " " * 10)
    deduction = line_index(lines, "21")
    lines[deduction] = replace_field(lines[deduction], 3, 12, "0012345674")
    parsed = parse_bgmax(to_bytes(lines))
    assert parsed.payments[0].payer_account == "bankgiro 5050-1055"
    assert parsed.payments[1].payer_account == ""  # blank: left out, the file is not refused
    assert parsed.deductions[0].payer_account == "bankgiro 1234-5674"
