"""Large exports stream: peak Python memory stays flat from 10 000 to 100 000 rows (tracemalloc)."""

from __future__ import annotations

import gc
import tracemalloc
from datetime import date

import pytest
from django.db import connection

from treasury.exports import report_csv_lines, report_xlsx_file
from treasury.reports import report_build, report_params

pytestmark = pytest.mark.django_db


def add_payments(count: int) -> None:
    """Insert payments fast with one executemany (the audit trigger still fires per row)."""
    rows = [
        (
            100 + i % 5000,
            "2026-03-01",
            "manual",
            f"ref {i}",
            f"Payer Åström {i}",
            "",
            "",
            "unmatched",
            "",
            "2026-03-01 10:00:00",
        )
        for i in range(count)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO pools_payment (amount_ore, received_on, channel, reference, payer_name, payer_account, "
            "bank_reference, status, note, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )


def peak_bytes(consume) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        consume()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def csv_peak(client) -> tuple[int, int]:
    lines = {"n": 0}

    def consume() -> None:
        response = client.get("/api/treasury/reports/ledger/", {"as_of": "2030-01-01", "export": "csv"})
        assert response.status_code == 200
        for chunk in response.streaming_content:
            lines["n"] += chunk.count(b"\n")

    return peak_bytes(consume), lines["n"]


def xlsx_peak() -> int:
    def consume() -> None:
        report = report_build(kind="ledger", params=report_params(as_of=date(2030, 1, 1), date_from=None, date_to=None))
        report_xlsx_file(report).close()

    return peak_bytes(consume)


@pytest.fixture
def api(treasurer):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(treasurer)
    return client


def warm_up(api) -> None:
    """One small export first, so imports and caches are not counted as the export's memory."""
    add_payments(10)
    csv_peak(api)
    xlsx_peak()
    from pools.models import Payment

    Payment.objects.all().delete()


def test_csv_export_memory_is_flat_from_3k_to_15k_rows(api):
    # Above one database chunk (2000 rows) the peak is one chunk plus one CSV line, whatever the size.
    warm_up(api)
    add_payments(3_000)
    small, small_lines = csv_peak(api)
    add_payments(12_000)
    big, big_lines = csv_peak(api)
    assert (small_lines, big_lines) == (3_001, 15_001)
    assert big < 1.5 * small, (small, big)


@pytest.mark.slow
def test_csv_export_memory_is_flat_from_10k_to_100k_rows(api):
    warm_up(api)
    add_payments(10_000)
    small, small_lines = csv_peak(api)
    add_payments(90_000)
    big, big_lines = csv_peak(api)
    assert (small_lines, big_lines) == (10_001, 100_001)
    print(f"csv peak: 10k rows {small // 1024} KiB, 100k rows {big // 1024} KiB")
    # Ten times the rows, less than 1.5 times the memory (a buffered export would need about 10 times).
    assert big < 1.5 * small, (small, big)


@pytest.mark.slow
def test_excel_export_memory_is_flat_from_4k_to_20k_rows(api):
    # openpyxl allocates per cell, so tracemalloc makes it slow: smaller sizes than the CSV test.
    warm_up(api)
    add_payments(4_000)
    small = xlsx_peak()
    add_payments(16_000)
    big = xlsx_peak()
    print(f"xlsx peak: 4k rows {small // 1024} KiB, 20k rows {big // 1024} KiB")
    assert big < 1.5 * small, (small, big)


def test_csv_export_is_a_generator_over_a_database_iterator(api):
    add_payments(50)
    response = api.get("/api/treasury/reports/ledger/", {"export": "csv", "as_of": "2030-01-01"})
    assert response.streaming
    report = report_build(kind="ledger", params=report_params(as_of=date(2030, 1, 1), date_from=None, date_to=None))
    assert not isinstance(report.rows, list)
    assert sum(1 for _line in report_csv_lines(report)) == 51
