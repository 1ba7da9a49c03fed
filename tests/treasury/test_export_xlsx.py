"""Excel exports of the pledge, pool and ledger reports on PostgreSQL: the database writes the sheet's rows
(`COPY`), Python only zips them. The file opens with openpyxl and reads back cell for cell like the openpyxl
export (values, money and date formats, the bold header), in Swedish and English; it streams in chunks."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import connection
from django.utils import translation
from openpyxl import load_workbook

from tests.treasury.test_export_copy import AS_OF, TRICKY, _history, _reports
from tests.treasury.test_export_memory import add_payments, peak_bytes
from treasury.exports import report_xlsx_file
from treasury.reports import report_build, report_params
from treasury.xlsx import _xml_text, report_xlsx_chunks

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _cells(data: bytes) -> list[list[tuple]]:
    """Every cell of the first sheet as (value, number format, bold). openpyxl writes a carriage return
    bare, which reads back as a line feed (the database writes it as a character reference and keeps it):
    compared as line feeds."""
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [
        [
            (
                cell.value.replace("\r", "\n") if isinstance(cell.value, str) else cell.value,
                cell.number_format,
                bool(cell.font and cell.font.b),
            )
            for cell in row
        ]
        for row in sheet.iter_rows()
    ]


def _trimmed(rows: list[list[tuple]]) -> list[list[tuple]]:
    """Rows without their trailing empty cells (a writer may or may not write an empty last cell)."""
    out = []
    for row in rows:
        cells = list(row)
        while cells and cells[-1][0] is None:
            cells.pop()
        out.append(cells)
    return out


def test_database_written_excel_reads_back_like_the_openpyxl_export():
    first_pool = _history(titles=TRICKY[:5], names=TRICKY[5:], texts=TRICKY)
    assert connection.vendor == "postgresql"
    for build in _reports(first_pool):
        for language in ("sv", "en"):
            with translation.override(language):
                expected_file = report_xlsx_file(build())
                report = build()
                assert report.rows_sql is not None
                chunks = list(report_xlsx_chunks(report, chunk_bytes=200))
            expected = _cells(expected_file.read())
            got = _cells(b"".join(chunks))
            assert len(got) > 3
            assert _trimmed(got) == _trimmed(expected), (report.kind, language)


def test_excel_export_has_numbers_dates_labels_and_escapes():
    _history(titles=["=Kassa", 'Byns <b> & "café"'], names=["Åsa Öberg", ""], texts=["+46 70", "Bo"])
    with translation.override("sv"):
        report = report_build(kind="pledges", params=report_params(as_of=AS_OF, date_from=None, date_to=None))
        data = b"".join(report_xlsx_chunks(report))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Alla löften"
    assert AS_OF.isoformat() in rows[1][0]
    assert rows[2][0] == "Löfte nr" and sheet.cell(3, 1).font.b
    first = rows[3]
    assert first[1] == "'=Kassa"
    assert first[4] == "Stödspar"
    assert first[5].date() == date(2026, 1, 1) and sheet.cell(4, 6).number_format == "yyyy-mm-dd"
    assert first[6:8] == (1503, 0.99) and sheet.cell(4, 7).number_format == "#,##0.00"
    texts = {cell for row in rows for cell in row if isinstance(cell, str)}
    assert 'Byns <b> & "café"' in texts and "'+46 70" in texts


def test_excel_export_drops_characters_xml_cannot_carry():
    _history(titles=["bell\x07 and \x1b esc"], names=["tab\there\nnewline\rreturn"], texts=["x"])
    report = report_build(kind="pledges", params=report_params(as_of=AS_OF, date_from=None, date_to=None))
    rows = list(load_workbook(io.BytesIO(b"".join(report_xlsx_chunks(report)))).worksheets[0].values)
    texts = {cell for row in rows for cell in row if isinstance(cell, str)}
    assert "bell and  esc" in texts
    assert "tab\there\nnewline\rreturn" in texts
    assert _xml_text("a\x07<\r") == "a&lt;&#13;"


def test_excel_export_streams_in_chunks_without_holding_the_sheet():
    first_pool = _history(titles=["Pool"], names=["Saver"], texts=["x" * 50])
    report = report_build(
        kind="pool", params=report_params(as_of=AS_OF, date_from=None, date_to=None), pool_id=first_pool
    )
    chunks = report_xlsx_chunks(report, chunk_bytes=100)
    assert not isinstance(chunks, list | bytes)
    sizes = [len(chunk) for chunk in chunks]
    assert len(sizes) > 2 and max(sizes) < sum(sizes)


def test_excel_download_of_the_ledger_is_the_database_written_file(client, treasurer):
    from tests.twofactor import login_verified

    _history(titles=["Pool"], names=["Saver"], texts=["Betalare"])
    login_verified(client, treasurer)
    response = client.get("/treasury/reports/ledger/", {"as_of": AS_OF.isoformat(), "export": "xlsx"})
    assert response.status_code == 200 and response.streaming
    data = b"".join(response.streaming_content)
    rows = list(load_workbook(io.BytesIO(data)).worksheets[0].values)
    assert len(rows) == 3 + 6


def _xlsx_peak() -> tuple[int, int]:
    """Peak Python memory while streaming the ledger as Excel, and the number of bytes streamed."""
    sizes = []

    def consume() -> None:
        report = report_build(kind="ledger", params=report_params(as_of=date(2030, 1, 1), date_from=None, date_to=None))
        sizes.extend(len(chunk) for chunk in report_xlsx_chunks(report))

    return peak_bytes(consume), sum(sizes)


def test_excel_export_memory_is_flat_from_3k_to_15k_rows():
    add_payments(10)
    _xlsx_peak()  # warm up: imports and caches are not the export's memory
    add_payments(2_990)
    small, small_size = _xlsx_peak()
    add_payments(12_000)
    big, big_size = _xlsx_peak()
    assert big_size > 3 * small_size
    assert big < 1.5 * small, (small, big)
