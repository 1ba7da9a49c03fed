"""Bank file import: hand-written BgMax and camt.053 files, matching, refusals, the worker path."""

from __future__ import annotations

from datetime import date

import pytest
from django.db.models import Sum

from pools.models import Payment, PaymentAllocation, PaymentChannel, PaymentStatus, PledgeStatus
from tests.treasury.builders import BgPayment, CamtTx, bgmax, camt053
from tests.treasury.helpers import money_pledge, ocr
from treasury.errors import BankFileDuplicate, BankFileRefused
from treasury.models import BankFile, BankFileLine, BankFileStatus, LineOutcome
from treasury.services import bankfile_import, bankfile_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def pledges(pool, saver, other_saver):
    """Four pledges: exact (Åsa), under (Örjan), split pair (Märta, Bäckström)."""
    return {
        "exact": money_pledge(pool, saver, amount_ore=150_000, reference=ocr(10001)),
        "under": money_pledge(pool, other_saver, amount_ore=500_000, reference=ocr(10002)),
        "split_a": money_pledge(pool, saver, amount_ore=20_000, reference=ocr(10003)),
        "split_b": money_pledge(pool, other_saver, amount_ore=30_000, reference=ocr(10004)),
        "over": money_pledge(pool, saver, amount_ore=10_000, reference=ocr(10005)),
    }


def received(pledge) -> int:
    return PaymentAllocation.objects.filter(pledge=pledge).aggregate(t=Sum("amount_ore"))["t"] or 0


def bgmax_sample() -> bytes:
    return bgmax(
        [
            BgPayment(150_000, ocr(10001), name="Åsa Öberg"),
            BgPayment(200_000, ocr(10002), name="Örjan Ärlig"),
            BgPayment(50_000, ocr(10003), name="Märta Bäckström", extra_references=[ocr(10004)]),
            BgPayment(12_500, ocr(10005), name="Gösta Överbetalare"),
            BgPayment(7_700, "", name="Kjell Åström", text="Gåva till bygdegården"),
            BgPayment(2_500, ocr(10001), name="Återbetalning", deduction=True),
        ]
    )


def test_bgmax_file_imports_matches_and_records_outcomes(pledges, treasurer):
    bank_file = bankfile_import(content=bgmax_sample(), filename="bgmax.txt", by=treasurer)

    assert bank_file.status == BankFileStatus.DONE
    assert bank_file.format == "bgmax"
    assert (bank_file.payment_count, bank_file.deduction_count) == (5, 1)
    assert bank_file.payment_total_ore == 150_000 + 200_000 + 50_000 + 12_500 + 7_700
    assert bank_file.net_total_ore == bank_file.payment_total_ore - 2_500
    assert (bank_file.processed, bank_file.total) == (6, 6)
    assert bank_file.payments_created == 5
    assert bank_file.matched_count == 4
    assert bank_file.unmatched_count == 1
    assert bank_file.imported_by == treasurer

    outcomes = dict(BankFileLine.objects.filter(bank_file=bank_file).values_list("position", "outcome"))
    assert outcomes == {
        1: LineOutcome.EXACT,
        2: LineOutcome.UNDERPAID,
        3: LineOutcome.SPLIT,
        4: LineOutcome.OVERPAID,
        5: LineOutcome.UNMATCHED,
        6: LineOutcome.DEDUCTION,
    }
    # The 25 kr TK21 deduction names the exact pledge: taken back from its match, the rest kept.
    assert received(pledges["exact"]) == 150_000 - 2_500
    assert received(pledges["under"]) == 200_000
    assert received(pledges["split_a"]) == 20_000
    assert received(pledges["split_b"]) == 30_000
    assert received(pledges["over"]) == 10_000  # the 25 kr excess stays on the payment
    pledges["exact"].refresh_from_db()
    pledges["under"].refresh_from_db()
    assert pledges["exact"].status == PledgeStatus.PARTLY_FULFILLED
    assert pledges["under"].status == PledgeStatus.PARTLY_FULFILLED
    unmatched = Payment.objects.get(status=PaymentStatus.UNMATCHED)
    assert unmatched.payer_name == "Kjell Åström"
    assert unmatched.channel == PaymentChannel.BGMAX
    assert unmatched.reference == "Gåva till bygdegården"
    assert all(a.created_by == treasurer for a in PaymentAllocation.objects.all())


def test_camt053_file_imports_with_split_entry_and_unmatched(pledges, treasurer):
    content = camt053(
        [
            [CamtTx("1500.00", "Åsa Öberg", [ocr(10001)])],
            [CamtTx("200.00", "Märta Ängström", [ocr(10003)]), CamtTx("300.00", "Bäckströms Vänner", [ocr(10004)])],
            [CamtTx("77.00", "Kjell Åström", message="Gåva, ingen referens")],
            [CamtTx("100.00", "Fel Siffra", [ocr(10002)[:-1] + str((int(ocr(10002)[-1]) + 1) % 10)])],
        ]
    )
    bank_file = bankfile_import(content=content, filename="camt.xml", by=treasurer)

    assert bank_file.format == "camt053"
    assert bank_file.payments_created == 5
    assert bank_file.matched_count == 3
    assert bank_file.unmatched_count == 2
    assert received(pledges["exact"]) == 150_000
    assert received(pledges["split_a"]) == 20_000
    assert received(pledges["split_b"]) == 30_000
    wrong = BankFileLine.objects.get(bank_file=bank_file, payer_name="Fel Siffra")
    assert wrong.outcome == LineOutcome.UNMATCHED
    assert "check digit" in wrong.detail
    assert Payment.objects.filter(channel=PaymentChannel.CAMT, payer_name="Märta Ängström").exists()


def test_bgmax_with_wrong_deposit_total_is_refused_whole(pledges, treasurer):
    content = bgmax([BgPayment(150_000, ocr(10001)), BgPayment(1_000, "")], deposit_total_ore=151_001)
    with pytest.raises(BankFileRefused) as refused:
        bankfile_import(content=content, filename="bad.txt", by=treasurer)
    assert "refused" in str(refused.value.message).lower()
    assert BankFile.objects.count() == 0
    assert Payment.objects.count() == 0
    assert PaymentAllocation.objects.count() == 0


def test_camt_with_wrong_sum_is_refused_whole(pledges, treasurer):
    content = camt053([[CamtTx("1500.00", "Åsa", [ocr(10001)])]], declared_sum="1500.01")
    with pytest.raises(BankFileRefused):
        bankfile_import(content=content, filename="bad.xml", by=treasurer)
    assert (BankFile.objects.count(), Payment.objects.count()) == (0, 0)


def test_same_file_twice_is_refused(pledges, treasurer):
    bankfile_import(content=bgmax_sample(), filename="a.txt", by=treasurer)
    with pytest.raises(BankFileDuplicate):
        bankfile_import(content=bgmax_sample(), filename="copy.txt", by=treasurer)
    assert BankFile.objects.count() == 1
    assert Payment.objects.count() == 5


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"hello world",
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
        b"01BGMAX" + b"x" * 500,
        "<Document>åäö</Document>".encode(),
    ],
)
def test_hostile_or_broken_files_are_refused(treasurer, content):
    with pytest.raises(BankFileRefused):
        bankfile_import(content=content, filename="x", by=treasurer)
    assert BankFile.objects.count() == 0


def test_large_file_is_queued_for_a_worker_and_shows_progress(
    pool, treasurer, settings, django_capture_on_commit_callbacks
):
    settings.TREASURY_WORKER_THRESHOLD = 3
    pledge = money_pledge(pool, amount_ore=1_000_000, reference=ocr(20001))
    content = bgmax([BgPayment(1_000, ocr(20001)) for _ in range(5)], stamp="20260305061530000999")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        bank_file = bankfile_import(content=content, filename="big.txt", by=treasurer)
    assert bank_file.status == BankFileStatus.QUEUED
    assert (bank_file.processed, bank_file.total) == (0, 5)
    assert Payment.objects.count() == 0
    assert len(callbacks) == 1
    from operations.models import OutboxMessage

    message = OutboxMessage.objects.get(task_name="workers.treasury.process_bank_file")
    assert message.args == [bank_file.pk]

    from workers.treasury import process_bank_file

    process_bank_file(bank_file.pk)
    process_bank_file(bank_file.pk)  # harmless twice
    bank_file.refresh_from_db()
    assert bank_file.status == BankFileStatus.DONE
    assert (bank_file.processed, bank_file.total, bank_file.matched_count) == (5, 5, 5)
    assert received(pledge) == 5_000
    assert Payment.objects.count() == 5


def test_worker_resumes_after_a_partial_run(pool, treasurer, settings, monkeypatch):
    settings.TREASURY_WORKER_THRESHOLD = 1
    monkeypatch.setattr("treasury.imports.BATCH_SIZE", 2)
    money_pledge(pool, amount_ore=1_000_000, reference=ocr(20002))
    content = bgmax([BgPayment(100 + i, ocr(20002)) for i in range(5)], booked_on=date(2026, 3, 6))
    bank_file = bankfile_import(content=content, filename="big.txt", by=treasurer)
    calls = {"n": 0}
    from treasury import imports

    real = imports.bankfile_counts_refresh

    def crash_after_first_chunk(*, bank_file, finished):
        real(bank_file=bank_file, finished=finished)
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker died")

    monkeypatch.setattr(imports, "bankfile_counts_refresh", crash_after_first_chunk)
    with pytest.raises(RuntimeError):
        bankfile_process(bank_file_id=bank_file.pk)
    monkeypatch.setattr(imports, "bankfile_counts_refresh", real)
    bank_file.refresh_from_db()
    assert (bank_file.status, bank_file.processed) == (BankFileStatus.PROCESSING, 2)  # chunk 1 kept, 2 rolled back
    bankfile_process(bank_file_id=bank_file.pk)
    bank_file.refresh_from_db()
    assert (bank_file.status, bank_file.processed) == (BankFileStatus.DONE, 5)
    assert Payment.objects.count() == 5


@pytest.mark.parametrize(
    ("name", "file_format"),
    [
        ("bgmax_two_sections.txt", "bgmax"),
        ("camt053_v2.xml", "camt053"),
        ("camt053_v8.xml", "camt053"),
        ("camt054_v8.xml", "camt054"),
    ],
)
def test_published_sample_files_import_whole(treasurer, name, file_format):
    from pathlib import Path

    from treasury.bankfiles import parse_bgmax, parse_camt

    content = (Path(__file__).parent / "files" / name).read_bytes()
    parsed = parse_bgmax(content) if file_format == "bgmax" else parse_camt(content)
    bank_file = bankfile_import(content=content, filename=name, by=treasurer)
    assert bank_file.format == file_format
    assert bank_file.payments_created == len(parsed.payments)
    assert bank_file.deduction_count == len(parsed.deductions)
    assert Payment.objects.filter(bank_file_line__bank_file=bank_file).aggregate(t=Sum("amount_ore"))["t"] == sum(
        p.amount_ore for p in parsed.payments
    )
    if file_format == "bgmax":
        assert bank_file.net_total_ore == parsed.computed_total_ore


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_files_paying_one_pledge_at_once_never_allocate_more_than_it_owes(pool, saver, treasurer):
    import threading

    from django.db import connection

    pledge = money_pledge(pool, saver, amount_ore=10_000, reference=ocr(50001))
    # Two deposits on two days (so two payments, not one payment sent twice), imported at once.
    files = [
        bgmax([BgPayment(8_000, ocr(50001))], stamp=f"2026030{4 + n}06153000000{n}", booked_on=date(2026, 3, 4 + n))
        for n in (1, 2)
    ]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(content: bytes) -> None:
        try:
            barrier.wait()
            bankfile_import(content=content, filename="race", by=treasurer)
        except BaseException as exc:  # noqa: BLE001  (collected and re-raised in the test thread)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(content,)) for content in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert received(pledge) == 10_000  # 8 000 + 2 000, the second payment's excess stays unallocated
    outcomes = sorted(BankFileLine.objects.values_list("outcome", flat=True))
    assert outcomes == [LineOutcome.OVERPAID, LineOutcome.UNDERPAID]  # whichever came first is the under-payment


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_overlapping_files_imported_at_once_count_the_shared_payment_once(pool, saver, treasurer):
    import threading

    from django.db import connection

    pledge = money_pledge(pool, saver, amount_ore=10_000, reference=ocr(50002))
    files = [bgmax([BgPayment(8_000, ocr(50002))], stamp=f"2026030506153000000{n}") for n in (1, 2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def run(content: bytes) -> None:
        try:
            barrier.wait()
            bankfile_import(content=content, filename="overlap", by=treasurer)
        except BaseException as exc:  # noqa: BLE001  (collected and re-raised in the test thread)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(content,)) for content in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert received(pledge) == 8_000
    outcomes = sorted(BankFileLine.objects.values_list("outcome", flat=True))
    assert outcomes == [LineOutcome.SKIPPED, LineOutcome.UNDERPAID]


def test_money_for_a_refunded_pledge_goes_to_the_queue(pool, saver, treasurer):
    from pools.models import Pledge

    pledge = money_pledge(pool, saver, amount_ore=1_000, reference=ocr(70001))
    Pledge.objects.filter(pk=pledge.pk).update(status=PledgeStatus.REFUNDED)
    bank_file = bankfile_import(content=bgmax([BgPayment(1_000, ocr(70001))]), filename="r", by=treasurer)
    line = bank_file.lines.get()
    assert (line.outcome, line.detail) == (LineOutcome.UNMATCHED, "The pledge was refunded.")
    assert received(pledge) == 0


def test_bgmax_file_time_is_kept_as_stockholm_time(treasurer):
    from zoneinfo import ZoneInfo

    bank_file = bankfile_import(content=bgmax([BgPayment(100, "")]), filename="t", by=treasurer)
    stamp = bank_file.file_created_at.astimezone(ZoneInfo("Europe/Stockholm"))
    assert (stamp.date(), stamp.hour, stamp.minute) == (date(2026, 3, 5), 6, 15)


def test_stalled_import_is_queued_again_by_the_sweep(treasurer, settings):
    from datetime import timedelta

    from django.utils import timezone

    from operations.models import OutboxMessage
    from workers.treasury import resume_stalled_bank_files

    settings.TREASURY_WORKER_THRESHOLD = 1
    bank_file = bankfile_import(content=bgmax([BgPayment(100, ""), BgPayment(200, "")]), filename="s", by=treasurer)
    OutboxMessage.objects.all().update(dispatched_at=timezone.now())  # the first message was sent, then lost
    resume_stalled_bank_files()
    assert not OutboxMessage.objects.filter(dispatched_at__isnull=True).exists()  # too recent to be stalled
    BankFile.objects.filter(pk=bank_file.pk).update(imported_at=timezone.now() - timedelta(hours=1))
    resume_stalled_bank_files()
    resume_stalled_bank_files()  # one pending message per file, however often the sweep runs
    pending = OutboxMessage.objects.filter(dispatched_at__isnull=True, task_name="workers.treasury.process_bank_file")
    assert [m.args for m in pending] == [[bank_file.pk]]
    bankfile_process(bank_file_id=bank_file.pk)
    bank_file.refresh_from_db()
    assert bank_file.status == BankFileStatus.DONE
    pending.update(dispatched_at=timezone.now())
    resume_stalled_bank_files()
    assert pending.count() == 0  # a finished file is left alone


def test_camt_import_fills_the_payers_account(pledges, treasurer):
    content = camt053(
        [
            [CamtTx("1500.00", "Åsa Öberg", [ocr(10001)], debtor_iban="SE45 5000 0000 0583 9825 7466")],
            [CamtTx("100.00", "Örjan Ärlig", [ocr(10002)], debtor_other="83279123456789", debtor_scheme="BBAN")],
            [CamtTx("77.00", "Kjell Åström", message="Gåva")],
        ]
    )
    bankfile_import(content=content, filename="camt.xml", by=treasurer)
    accounts = dict(Payment.objects.values_list("payer_name", "payer_account"))
    assert accounts == {
        "Åsa Öberg": "SE4550000000058398257466",
        "Örjan Ärlig": "BBAN 83279123456789",
        "Kjell Åström": "",
    }


def test_bgmax_import_fills_the_senders_bankgiro(pledges, treasurer):
    content = bgmax(
        [
            BgPayment(150_000, ocr(10001), name="Åsa Öberg", payer_bankgiro="5050-1055"),
            BgPayment(7_700, "", name="Kjell Åström"),
        ]
    )
    bankfile_import(content=content, filename="bgmax.txt", by=treasurer)
    accounts = dict(Payment.objects.values_list("payer_name", "payer_account"))
    assert accounts == {"Åsa Öberg": "bankgiro 5050-1055", "Kjell Åström": ""}
