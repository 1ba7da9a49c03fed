"""The batched import at scale gives the figures the rules define, whatever the batch size, and the
upload is read from disk entry by entry, never held whole.

A few hundred generated payments cover every outcome (exact, under, over, split, paid in full, no
reference, wrong check digit, unknown reference, refunded pledge, the same entry twice, a deduction),
imported with batches of 7 (so every rule meets batch boundaries) and of 5,000 (one batch): each
import must give exactly the expected counts, amounts per pledge, pledge statuses and audit rows.
Runs on SQLite (bulk_create) and PostgreSQL (COPY).
"""

from __future__ import annotations

import io
import tracemalloc
from collections import Counter

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from pools.models import Payment, PaymentAllocation, PledgeStatus
from tests.treasury.builders import BgPayment, CamtTx, bgmax, camt053
from tests.treasury.helpers import money_pledge, ocr
from treasury import imports
from treasury.models import AuditEvent, BankFile, BankFileLine, BankFileStatus, LineOutcome
from treasury.services import bankfile_import, bankfile_process

pytestmark = pytest.mark.django_db

PLEDGE_ORE = 10_000


def _bad_check_digit(reference: str) -> str:
    return reference[:-1] + str((int(reference[-1]) + 1) % 10)


@pytest.fixture
def world(pool, saver):
    """60 pledges of 100 kr; pledge 59 refunded."""
    pledges = [money_pledge(pool, saver, amount_ore=PLEDGE_ORE, reference=ocr(70_000 + n)) for n in range(60)]
    pledges[59].status = PledgeStatus.REFUNDED
    pledges[59].save(update_fields=["status"])
    return pledges


def _payments() -> tuple[list[BgPayment], dict[str, int]]:
    """The file, and what each outcome's count must be."""
    p: list[BgPayment] = []
    p += [BgPayment(PLEDGE_ORE, ocr(70_000 + n), name=f"Exakt {n}") for n in range(20)]  # exact
    p += [BgPayment(4_000, ocr(70_000 + n), name=f"Del {n}") for n in range(20, 30)]  # under
    p += [BgPayment(15_000, ocr(70_000 + n), name=f"Över {n}") for n in range(30, 40)]  # over
    p += [BgPayment(5_000, ocr(70_000 + n)) for n in range(10)]  # pledges 0-9 already paid in full
    p += [BgPayment(6_000, ocr(70_000 + n)) for n in range(20, 30)]  # the rest of 20-29 (4 000 + 6 000): exact
    # Splits: 40+41, 42+43, ... 48+49, 20 000 each: exactly both pledges.
    p += [BgPayment(2 * PLEDGE_ORE, ocr(70_000 + n), extra_references=[ocr(70_001 + n)]) for n in range(40, 50, 2)]
    p += [BgPayment(3_000 + n, ocr(90_000 + n)) for n in range(40)]  # valid but unknown references
    p += [BgPayment(2_000 + n, "", text=f"Gåva {n}") for n in range(30)]  # no reference
    p += [BgPayment(1_000 + n, _bad_check_digit(ocr(70_050 + n))) for n in range(8)]  # wrong check digit
    p += [BgPayment(PLEDGE_ORE, ocr(70_059))]  # refunded pledge
    p += [BgPayment(7_000, ocr(70_050 + n)) for n in range(9)]  # under, pledges 50-58
    p += [BgPayment(3_000, ocr(70_050 + n)) for n in range(9)]  # their rest: exact
    p += [BgPayment(PLEDGE_ORE, ocr(70_000), deduction=True)]  # TK21: takes back the exact match to pledge 0
    expected = {
        LineOutcome.EXACT: 20 + 10 + 9,
        LineOutcome.UNDERPAID: 10 + 9,
        LineOutcome.OVERPAID: 10,
        LineOutcome.SPLIT: 5,
        LineOutcome.UNMATCHED: 10 + 40 + 30 + 8 + 1,
        LineOutcome.DEDUCTION: 1,
    }
    return p, expected


@pytest.fixture(params=[7, 5000], ids=["batches-of-7", "one-batch"])
def batch_size(request, monkeypatch):
    monkeypatch.setattr(imports, "BATCH_SIZE", request.param)
    return request.param


def test_a_few_hundred_payments_give_the_expected_figures_in_any_batch_size(world, treasurer, settings, batch_size):
    settings.TREASURY_WORKER_THRESHOLD = 10  # the worker's path: stored, then read back in batches
    payments, expected = _payments()
    content = bgmax(payments)
    bank_file = bankfile_import(file=io.BytesIO(content), filename="many.txt", by=treasurer)
    assert bank_file.status == BankFileStatus.QUEUED
    bank_file = bankfile_process(bank_file_id=bank_file.pk)

    n_payments = len(payments) - 1
    assert bank_file.status == BankFileStatus.DONE
    assert (bank_file.total, bank_file.processed, bank_file.payments_created) == (n_payments + 1,) * 2 + (n_payments,)
    outcomes = Counter(bank_file.lines.values_list("outcome", flat=True))
    assert outcomes == expected
    assert bank_file.matched_count == sum(expected[o] for o in imports.MATCHED_OUTCOMES)
    assert bank_file.unmatched_count == expected[LineOutcome.UNMATCHED]
    assert (bank_file.underpaid_count, bank_file.overpaid_count) == (19, 10)
    assert bank_file.exception_count == 1  # the deduction waits for the treasurer
    # Positions: payments 1..n in file order, then the deduction.
    assert list(bank_file.lines.order_by("position").values_list("position", flat=True)) == list(
        range(1, n_payments + 2)
    )
    assert bank_file.lines.get(position=n_payments + 1).is_deduction

    def received(n: int) -> int:
        return PaymentAllocation.objects.filter(pledge=world[n]).aggregate(t=Sum("amount_ore"))["t"] or 0

    assert [received(n) for n in range(60)] == [0] + [PLEDGE_ORE] * 58 + [0]  # pledge 0's match taken back
    statuses = [p.status for p in type(world[0]).objects.filter(pk__in=[p.pk for p in world]).order_by("pk")]
    assert statuses == [PledgeStatus.PLEDGED] + [PledgeStatus.FULFILLED] * 58 + [PledgeStatus.REFUNDED]
    reasons = Counter(bank_file.lines.filter(outcome=LineOutcome.UNMATCHED).values_list("detail", flat=True))
    assert reasons["The pledge is already paid in full."] == 10
    assert reasons["No reference given."] == 30
    assert reasons["The pledge was refunded."] == 1
    assert sum(v for k, v in reasons.items() if k.startswith("No pledge has the reference")) == 40
    assert sum(v for k, v in reasons.items() if "wrong check digit" in k) == 8

    created = Payment.objects.filter(bank_file_line__bank_file=bank_file)
    assert created.count() == n_payments
    assert created.aggregate(t=Sum("amount_ore"))["t"] == sum(p.amount_ore for p in payments if not p.deduction)
    # Every payment and match written has its audit row, naming the treasurer.
    payment_ids = set(created.values_list("pk", flat=True))
    audited = AuditEvent.objects.filter(table_name="pools_payment", action="insert", row_id__in=payment_ids)
    assert audited.count() == n_payments
    assert set(audited.values_list("actor_id", flat=True)) == {treasurer.pk}
    match_ids = set(PaymentAllocation.objects.filter(payment_id__in=payment_ids).values_list("pk", flat=True))
    assert AuditEvent.objects.filter(table_name="pools_paymentallocation", row_id__in=match_ids).count() >= len(
        match_ids
    )


def test_running_the_worker_again_changes_nothing(world, treasurer, settings, batch_size):
    settings.TREASURY_WORKER_THRESHOLD = 10
    payments, _expected = _payments()
    bank_file = bankfile_import(file=io.BytesIO(bgmax(payments)), filename="twice.txt", by=treasurer)
    bankfile_process(bank_file_id=bank_file.pk)
    before = (BankFileLine.objects.count(), Payment.objects.count(), PaymentAllocation.objects.count())
    BankFile.objects.filter(pk=bank_file.pk).update(status=BankFileStatus.PROCESSING)  # as if it died at the end
    bankfile_process(bank_file_id=bank_file.pk)
    assert (BankFileLine.objects.count(), Payment.objects.count(), PaymentAllocation.objects.count()) == before
    assert BankFile.objects.get(pk=bank_file.pk).status == BankFileStatus.DONE


def test_a_camt_statement_gives_the_same_figures_in_batches(world, treasurer, settings, batch_size):
    settings.TREASURY_WORKER_THRESHOLD = 10
    entries = [[CamtTx("100.00", references=[ocr(70_000 + n)])] for n in range(20)]
    entries += [[CamtTx("40.00", references=[ocr(70_000 + n)])] for n in range(20, 30)]
    entries += [[CamtTx("12.00", references=[ocr(90_000 + n)])] for n in range(15)]
    entries += [[CamtTx("30.00", references=[ocr(70_040)]), CamtTx("100.00", references=[ocr(70_041)])]]
    bank_file = bankfile_import(file=io.BytesIO(camt053(entries)), filename="s.xml", by=treasurer)
    bank_file = bankfile_process(bank_file_id=bank_file.pk)
    outcomes = Counter(bank_file.lines.values_list("outcome", flat=True))
    assert outcomes == {LineOutcome.EXACT: 21, LineOutcome.UNDERPAID: 11, LineOutcome.UNMATCHED: 15}
    assert (bank_file.processed, bank_file.total, bank_file.status) == (47, 47, BankFileStatus.DONE)


def test_the_upload_is_stored_on_disk_and_the_worker_reads_it_from_there(world, treasurer, settings):
    settings.TREASURY_WORKER_THRESHOLD = 10
    payments, _expected = _payments()
    content = bgmax(payments)
    upload = SimpleUploadedFile("upload.txt", content)
    bank_file = bankfile_import(file=upload, filename=upload.name, by=treasurer)
    row = BankFile.objects.get(pk=bank_file.pk)
    assert bytes(row.content) == b""  # not in the database
    assert row.stored_file.name.startswith("bankfiles/") and row.size_bytes == len(content)
    with row.stored_file.open("rb") as stored:
        assert stored.read() == content
    assert bankfile_process(bank_file_id=bank_file.pk).processed == len(payments)


def test_a_large_camt_upload_is_checked_without_holding_the_file_or_its_entries(treasurer, settings, tmp_path):
    """A 4,000-entry statement (about 1.7 MB) is checked entry by entry from its file: the upload's
    Python memory stays well below the file's size."""
    settings.TREASURY_WORKER_THRESHOLD = 10
    settings.TREASURY_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
    entries = [[CamtTx(f"{10 + n % 90}.00", name=f"Betalare {n}", references=[ocr(80_000 + n)])] for n in range(4000)]
    path = tmp_path / "big.xml"
    path.write_bytes(camt053(entries))
    size = path.stat().st_size
    assert size > 1_500_000
    tracemalloc.start()
    try:
        with path.open("rb") as file:
            bank_file = bankfile_import(file=file, filename="big.xml", by=treasurer)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert bank_file.status == BankFileStatus.QUEUED and bank_file.total == 4000
    assert peak < size / 2, (peak, size)  # holding the file, or its 4,000 entries, would pass size
