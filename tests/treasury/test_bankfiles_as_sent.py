"""Bank files as banks send them: re-sent and overlapping files, every stated total and balance,
reversals, split and deducted amounts, encodings, clear reasons, camt .02 and .08."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.db.models import Sum

from pools.models import Payment, PaymentAllocation, PaymentStatus, PledgeStatus
from pools.totals import pool_totals_recompute
from tests.treasury.builders import BgPayment, bgmax
from tests.treasury.camt_files import Entry, camt
from tests.treasury.helpers import money_pledge, ocr
from treasury.bankfiles import BankFileError, parse_camt
from treasury.errors import BankFileDuplicate, BankFileRefused
from treasury.models import BankFile, BankFileLine, LineOutcome
from treasury.services import bankfile_import

pytestmark = pytest.mark.django_db


def received(pledge) -> int:
    return PaymentAllocation.objects.filter(pledge=pledge).aggregate(t=Sum("amount_ore"))["t"] or 0


def nothing_written() -> bool:
    return not (BankFile.objects.exists() or Payment.objects.exists() or BankFileLine.objects.exists())


# --- 1. a file seen before, whatever its bytes ------------------------------------------------


def test_bgmax_resent_with_other_line_endings_and_stripped_blanks_is_a_duplicate(pool, treasurer):
    money_pledge(pool, amount_ore=10_000, reference=ocr(501))
    original = bgmax([BgPayment(10_000, ocr(501), name="Åsa")])
    bankfile_import(content=original, filename="a.txt", by=treasurer)
    resent = b"\n".join(line.rstrip() for line in original.split(b"\r\n")) + b"\n"
    assert resent != original
    with pytest.raises(BankFileDuplicate):
        bankfile_import(content=resent, filename="a-again.txt", by=treasurer)
    assert BankFile.objects.count() == 1
    assert Payment.objects.count() == 1


def test_camt_resent_reindented_with_a_trailing_newline_is_a_duplicate(pool, treasurer):
    entries = [Entry("100.00", "E1", reference=ocr(502))]
    bankfile_import(content=camt(entries), filename="s.xml", by=treasurer)
    with pytest.raises(BankFileDuplicate):
        bankfile_import(content=camt(entries, indent="\n  ") + b"\n", filename="s2.xml", by=treasurer)
    assert Payment.objects.count() == 1


def test_a_new_statement_of_the_same_account_is_not_a_duplicate(pool, treasurer):
    bankfile_import(content=camt([Entry("100.00", "E1")]), filename="1.xml", by=treasurer)
    bankfile_import(
        content=camt([Entry("200.00", "E2")], msg_id="MSG-2", block_id="STMT-2", sequence=2),
        filename="2.xml",
        by=treasurer,
    )
    assert Payment.objects.count() == 2


# --- 2. overlapping camt.054 and camt.053 -----------------------------------------------------


def test_overlapping_054_then_053_counts_each_entry_once_and_lists_the_skipped(pool, treasurer):
    pledge = money_pledge(pool, amount_ore=30_000, reference=ocr(511))
    day = [Entry("100.00", "BANK-1", reference=ocr(511)), Entry("50.00", "BANK-2")]
    notification = camt(day, message="054", version=8, msg_id="NTF-1", block_id="NTF-1")
    statement = camt([*day, Entry("75.00", "BANK-3", reference=ocr(511))], msg_id="STM-1", version=2)

    first = bankfile_import(content=notification, filename="054.xml", by=treasurer)
    second = bankfile_import(content=statement, filename="053.xml", by=treasurer)

    assert (first.payments_created, first.skipped_count) == (2, 0)
    assert (second.payments_created, second.skipped_count) == (1, 2)
    skipped = list(second.lines.filter(outcome=LineOutcome.SKIPPED).order_by("position"))
    assert [line.amount_ore for line in skipped] == [10_000, 5_000]
    assert all("054.xml" in line.detail for line in skipped)
    assert received(pledge) == 17_500  # 100 + 75, never 100 twice
    assert Payment.objects.count() == 3


def test_054_and_053_without_shared_entries_count_everything(pool, treasurer):
    bankfile_import(
        content=camt([Entry("10.00", "A-1")], message="054", msg_id="N1", block_id="N1"), filename="n", by=treasurer
    )
    second = bankfile_import(content=camt([Entry("20.00", "A-2")], msg_id="S1"), filename="s", by=treasurer)
    assert second.skipped_count == 0
    assert Payment.objects.count() == 2


def test_overlapping_bgmax_files_skip_payments_by_bgc_serial(pool, treasurer):
    bankfile_import(content=bgmax([BgPayment(1_000, ocr(512))]), filename="1", by=treasurer)
    later = bgmax([BgPayment(1_000, ocr(512))], stamp="20260305181530123456")  # same deposit, new file
    second = bankfile_import(content=later, filename="2", by=treasurer)
    assert second.skipped_count == 1
    assert Payment.objects.count() == 1


# --- 3. every stated total and balance -------------------------------------------------------


@pytest.mark.parametrize(
    ("summary", "closing", "reason"),
    [
        ({"count": "3"}, None, r"TtlNtries declares '3' entries, but the file contains 2"),
        ({"sum": "151.00"}, None, r"TtlNtries declares a sum of 151.00 SEK"),
        ({"net": "1.00"}, None, r"declares a net of 1.00 SEK"),
        ({"credit_count": "2"}, None, r"TtlCdtNtries declares 2 credit entries"),
        ({"debit_sum": "9.00"}, None, r"TtlDbtNtries declares a sum of 9.00 SEK"),
        ({}, 999_999, r"closing balance is 9999.99 SEK"),
    ],
)
@pytest.mark.parametrize("version", [2, 8])
def test_a_camt_file_that_contradicts_itself_is_refused_whole(treasurer, version, summary, closing, reason):
    entries = [Entry("100.00", "E1"), Entry("50.00", "E2", debit=True)]
    content = camt(entries, version=version, summary=summary, closing_ore=closing)
    with pytest.raises(BankFileRefused, match=reason):
        bankfile_import(content=content, filename="bad.xml", by=treasurer)
    assert nothing_written()


def test_balances_add_up_with_debits_and_a_negative_opening(treasurer):
    entries = [Entry("100.00", "E1"), Entry("30.00", "E2", debit=True)]
    parsed = parse_camt(camt(entries, opening_ore=-5_000))  # -50 + 100 - 30 = 20 CRDT
    assert len(parsed.payments) == 1


# --- 4. reversals ------------------------------------------------------------------------------


def test_reversal_reverses_the_match_append_only_and_shows_everywhere(pool, saver, treasurer, client):
    pledge = money_pledge(pool, saver, amount_ore=20_000, reference=ocr(521))
    bankfile_import(
        content=camt([Entry("200.00", "C-1", reference=ocr(521), tx_refs={"EndToEndId": "E2E-9"})]),
        filename="in.xml",
        by=treasurer,
    )
    pledge.refresh_from_db()
    assert pledge.status == PledgeStatus.FULFILLED
    payment = Payment.objects.get()

    back = Entry("200.00", "R-1", reference=ocr(521), debit=True, reversal=True, tx_refs={"EndToEndId": "E2E-9"})
    result = bankfile_import(content=camt([back], msg_id="MSG-R", opening_ore=None), filename="r.xml", by=treasurer)

    assert result.returned_count == 1
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.RETURNED
    allocations = list(
        PaymentAllocation.objects.filter(pledge=pledge).order_by("pk").values_list("amount_ore", flat=True)
    )
    assert allocations == [20_000, -20_000]  # the original row stays
    pledge.refresh_from_db()
    assert pledge.status != PledgeStatus.FULFILLED
    assert received(pledge) == 0
    assert pool_totals_recompute(pool_id=pool.pk).received_ore == 0

    from treasury.selectors import payment_list_returned

    assert list(payment_list_returned()) == [payment]
    client.force_login(saver)
    page = client.get("/my/pledges/").content.decode()
    row = page[page.index(f'data-pledge="{pledge.pk}"') :].split("</tr>")[0]
    pledged_cell, received_cell = row.split("</td>")[3:5]
    assert "200" in pledged_cell
    assert re.search(r"\b0[,.]00", received_cell), received_cell


def test_reversal_found_by_reference_and_amount_when_the_bank_repeats_no_identifier(pool, treasurer):
    pledge = money_pledge(pool, amount_ore=5_000, reference=ocr(522))
    bankfile_import(content=camt([Entry("50.00", "C-2", reference=ocr(522))]), filename="a", by=treasurer)
    back = Entry("50.00", "R-2", reference=ocr(522), debit=True, reversal=True)
    bankfile_import(content=camt([back], msg_id="M-R2", opening_ore=None), filename="b", by=treasurer)
    assert received(pledge) == 0


def test_reversal_without_its_original_goes_to_the_exceptions_queue(treasurer):
    back = Entry("80.00", "R-3", reference=ocr(523), debit=True, reversal=True)
    result = bankfile_import(content=camt([back], opening_ore=None), filename="r", by=treasurer)
    line = result.lines.get()
    assert (line.outcome, line.needs_attention, line.reversed_payment) == (LineOutcome.RETURNED, True, None)
    assert "was not found" in line.detail
    from treasury.selectors import bankfile_line_exceptions

    assert list(bankfile_line_exceptions()) == [line]


# --- 5. split payments with the bank's amounts (TK22/TK23) ---------------------------------------


def _bgmax_with_extra_amounts(total: int, first_ref: str, extras: list[tuple[str, str, int]]) -> bytes:
    """One TK20 payment followed by TK22 (positive) / TK23 (negative) records with their amounts."""
    lines = [f"01{'BGMAX':<20}01{'20260305061530123456'}P", f"05{'0050501055'}{'':10}SEK"]
    lines.append(f"20{'0' * 10}{first_ref:>25}{total:018d}21{1:012d}0")
    for tk, ref, amount in extras:
        lines.append(f"{tk}{'0' * 10}{ref:>25}{amount:018d}21{1:012d}0")
    n22 = len(extras)
    lines.append(f"15{'0' * 35}20260305{1:05d}{total:018d}SEK{1:08d}K")
    lines.append(f"70{1:08d}{0:08d}{n22:08d}{1:08d}")
    return "".join(line.ljust(80) + "\r\n" for line in lines).encode("iso-8859-1")


def test_tk22_amounts_are_allocated_exactly(pool, treasurer):
    a = money_pledge(pool, amount_ore=90_000, reference=ocr(531))
    b = money_pledge(pool, amount_ore=90_000, reference=ocr(532))
    c = money_pledge(pool, amount_ore=90_000, reference=ocr(533))
    content = _bgmax_with_extra_amounts(60_000, ocr(531), [("22", ocr(532), 15_000), ("22", ocr(533), 5_000)])
    result = bankfile_import(content=content, filename="split.txt", by=treasurer)
    assert (received(a), received(b), received(c)) == (40_000, 15_000, 5_000)
    assert result.lines.get().outcome == LineOutcome.SPLIT


def test_tk22_amounts_above_the_payment_are_not_guessed(pool, treasurer):
    a = money_pledge(pool, amount_ore=90_000, reference=ocr(534))
    b = money_pledge(pool, amount_ore=90_000, reference=ocr(535))
    content = _bgmax_with_extra_amounts(10_000, ocr(534), [("22", ocr(535), 15_000)])
    line = bankfile_import(content=content, filename="odd.txt", by=treasurer).lines.get()
    assert line.outcome == LineOutcome.UNMATCHED
    assert "more than the payment" in line.detail
    assert received(a) == received(b) == 0
    assert line.payment.status == PaymentStatus.UNMATCHED  # in the treasurer's queue


def test_tk23_negative_amount_waits_for_the_treasurer(pool, treasurer):
    money_pledge(pool, amount_ore=90_000, reference=ocr(536))
    money_pledge(pool, amount_ore=90_000, reference=ocr(537))
    content = _bgmax_with_extra_amounts(10_000, ocr(536), [("23", ocr(537), 2_000)])
    line = bankfile_import(content=content, filename="neg.txt", by=treasurer).lines.get()
    assert line.outcome == LineOutcome.UNMATCHED
    assert "negative amount" in line.detail


# --- 6. deductions (TK21) -----------------------------------------------------------------------


def test_tk21_deduction_reverses_the_equal_match_and_waits_in_the_exceptions_queue(pool, treasurer):
    pledge = money_pledge(pool, amount_ore=5_000, reference=ocr(541))
    bankfile_import(content=bgmax([BgPayment(5_000, ocr(541))]), filename="in", by=treasurer)
    deduction = bgmax(
        [BgPayment(9_000, ocr(542)), BgPayment(5_000, ocr(541), deduction=True)],
        stamp="20260306061530123456",
        booked_on=date(2026, 3, 6),
    )
    result = bankfile_import(content=deduction, filename="ded", by=treasurer)
    line = result.lines.get(is_deduction=True)
    assert (line.outcome, line.pledge, line.needs_attention) == (LineOutcome.DEDUCTION, pledge, True)
    assert received(pledge) == 0


def test_tk21_deduction_without_an_equal_match_says_what_to_do(pool, treasurer):
    pledge = money_pledge(pool, amount_ore=5_000, reference=ocr(543))
    content = bgmax([BgPayment(9_000, ocr(543)), BgPayment(1_000, ocr(543), deduction=True)])
    line = bankfile_import(content=content, filename="d", by=treasurer).lines.get(is_deduction=True)
    assert line.needs_attention and line.pledge == pledge
    # The payment paid 40 kr more than the pledge: the deduction comes out of that, not the pledge.
    assert "over-payment" in line.detail and received(pledge) == 5_000


# --- 7. encodings --------------------------------------------------------------------------------


def test_bgmax_resaved_as_utf8_imports_names_correctly(pool, treasurer):
    content = bgmax([BgPayment(1_000, ocr(551), name="Åsa Öberg")]).decode("iso-8859-1").encode("utf-8")
    result = bankfile_import(content=content, filename="utf8.txt", by=treasurer)
    assert result.lines.get().payer_name == "Åsa Öberg"


def test_bgmax_in_windows_1252_is_refused_with_the_reason(treasurer):
    content = bgmax([BgPayment(1_000, ocr(552), name="Åsa")]).decode("iso-8859-1").encode("cp850")
    with pytest.raises(BankFileRefused, match="another encoding"):
        bankfile_import(content=content, filename="cp850.txt", by=treasurer)
    assert nothing_written()


def test_camt_honours_its_xml_declaration(pool, treasurer):
    content = camt([Entry("10.00", "L-1", name="Märta Ängström")], encoding="ISO-8859-1")
    assert "Märta".encode("iso-8859-1") in content
    result = bankfile_import(content=content, filename="latin1.xml", by=treasurer)
    assert result.lines.get().payer_name == "Märta Ängström"


# --- 8. clear reasons ----------------------------------------------------------------------------


def test_a_wrong_check_digit_is_named_as_such(treasurer):
    good = ocr(561)
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    line = bankfile_import(content=camt([Entry("10.00", "W-1", reference=bad)]), filename="w", by=treasurer).lines.get()
    assert "wrong check digit" in line.detail
    assert bad in line.detail


def test_reasons_are_in_swedish_for_a_swedish_treasurer(treasurer):
    from django.utils import translation

    with translation.override("sv"):
        line = bankfile_import(content=camt([Entry("10.00", "S-1")]), filename="sv", by=treasurer).lines.get()
    assert line.detail == "Ingen referens angiven."


# --- 9. both camt versions, others refused by name -----------------------------------------------


@pytest.mark.parametrize("message", ["053", "054"])
@pytest.mark.parametrize("version", [2, 8])
def test_camt_02_and_08_import_the_same(pool, treasurer, message, version):
    pledge = money_pledge(pool, amount_ore=12_345, reference=ocr(571))
    content = camt([Entry("123.45", "V-1", reference=ocr(571), name="Åke")], message=message, version=version)
    result = bankfile_import(content=content, filename="v.xml", by=treasurer)
    assert result.version == f"camt.{message}.001.{version:02d}"
    assert result.lines.get().outcome == LineOutcome.EXACT
    assert result.lines.get().payer_name == "Åke"
    assert received(pledge) == 12_345


@pytest.mark.parametrize("version", [1, 4, 6, 9, 10])
def test_other_camt_versions_are_refused_by_name(version):
    content = camt([Entry("1.00", "X")]).replace(b"camt.053.001.02", f"camt.053.001.{version:02d}".encode())
    with pytest.raises(BankFileError, match=rf"camt.053.001.{version:02d} is not supported"):
        parse_camt(content)
