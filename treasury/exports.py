"""Reports out as CSV (streamed), Excel (openpyxl write-only), PDF (WeasyPrint); bank payment orders.

Memory stays flat for large reports: CSV rows are yielded one by one from a database iterator (or, on
PostgreSQL, copied formatted by the database), and the Excel workbook is written in write-only mode to a
temporary file that is then streamed. On PostgreSQL the Excel export of a report with a row statement
(pledges, one pool, ledger) is written by the database instead (treasury.xlsx).

Why one module of about 530 lines: CSV (Python and COPY), Excel and PDF render the same Report columns and
must agree cell for cell (tests compare them); the payment orders share the payee-account parsing.
"""

from __future__ import annotations

import csv
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection, connections, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from operations.csv_files import kronor_cell, number_cell
from operations.pdf import html_to_pdf
from operations.replica import reporting_alias
from pools.banking_days import next_banking_day
from pools.money import ore_to_kronor, ore_to_string
from treasury import report_sql
from treasury.choice_labels import CHOICES, choice_label
from treasury.models import PayoutBatch, PayoutLine
from treasury.payee_accounts import BANKGIRO, IBAN, PayeeAccount, payee_account_parse
from treasury.reports import Column, Report

if TYPE_CHECKING:
    from django.http import HttpResponse, StreamingHttpResponse

PDF_MAX_ROWS = 5000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _csv_value(column: Column, value: Any) -> Any:
    """One cell of the CSV file: the reference the fast converters below are tested against."""
    if value is None:
        return ""
    if column.kind in CHOICES:
        return safe_cell(str(choice_label(column.kind, value)))
    if column.kind == "money":
        return kronor_cell(int(value))
    if isinstance(value, Decimal | float):
        return number_cell(value)
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(str(value)) if column.kind == "text" else value


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_writer() -> Any:
    # Written with "\r\n" so that csv quotes a cell holding a carriage return (as PostgreSQL's COPY does);
    # each line then ends in "\n" only, the line end COPY writes, so both paths give the same bytes.
    return csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")


def _csv_header(report: Report) -> str:
    """The BOM (so Excel reads å, ä, ö) and the header line, in the request's language."""
    return "\ufeff" + _csv_writer().writerow([str(c.label) for c in report.columns])[:-2] + "\n"


def report_csv_lines(report: Report) -> Iterator[str]:
    """The report as CSV lines (UTF-8 with a BOM), formatted in Python one row at a time."""
    # Labels now, in the request's language: the rows are produced later, while the response streams.
    # One converter per column, chosen once: a million rows are ten million cells.
    cells = [(c.key, _csv_converter(c)) for c in report.columns]
    return _csv_rows(_csv_header(report), cells, report)


def _csv_rows(header: str, cells: list[tuple[str, Any]], report: Report) -> Iterator[str]:
    writer = _csv_writer()
    yield header
    for row in report.rows:
        yield writer.writerow([convert(row.get(key)) for key, convert in cells])[:-2] + "\n"


def report_csv_chunks(report: Report) -> Iterator[bytes]:
    """The report as CSV bytes for a response: on PostgreSQL a report with a row statement is one
    `COPY ... TO STDOUT` that the database formats, streamed in chunks; otherwise the Python lines."""
    if report.rows_sql is not None and connection.vendor == "postgresql":
        return _copy_csv(_csv_header(report), report, _choice_labels())
    return (line.encode("utf-8") for line in report_csv_lines(report))


def _ore_text(value: Any) -> str:
    """Öre as kronor with a decimal comma ("-1234,50"), in integers: the API's text with a comma."""
    if value is None:
        return ""
    ore = int(value)
    whole, cents = divmod(abs(ore), 100)
    return f"{'-' if ore < 0 else ''}{whole},{cents:02d}"


def _text_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _plain_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal | float):
        return number_cell(value)
    return value.isoformat() if isinstance(value, date) else value


def _choice_labels() -> dict[str, dict[str, str]]:
    """Per choice column kind, each code's label in the active language as its CSV cell."""
    return {kind: {str(c.value): safe_cell(str(c.label)) for c in choices} for kind, choices in CHOICES.items()}


def _choice_cell(kind: str) -> Any:
    labels = _choice_labels()[kind]

    def cell(value: Any) -> Any:
        if value is None:
            return ""
        return labels.get(value) or _text_cell(value)

    return cell


def _csv_converter(column: Column) -> Any:
    """The function that turns one of the column's values into its CSV cell (as _csv_value does)."""
    if column.kind == "money":
        return _ore_text
    if column.kind in CHOICES:
        return _choice_cell(column.kind)
    return _text_cell if column.kind == "text" else _plain_cell


# ---------------------------------------------------------------- CSV formatted by PostgreSQL


def _sql_text_cell(expr: str) -> str:
    """SQL of a text cell as _text_cell writes it: a formula start gets an apostrophe, and an empty text is
    NULL (COPY writes NULL as nothing but quotes an empty string)."""
    starts = ", ".join(f"chr({ord(c)})" for c in FORMULA_START)
    return f"CASE WHEN left({expr}, 1) IN ({starts}) THEN chr(39) || {expr} ELSE NULLIF({expr}, '') END"


def _sql_cell(column: Column, expr: str, labels: dict[str, dict[str, str]], literal: Any) -> str:
    """SQL of one CSV cell of the column from `expr` (a column of the row statement), as _csv_value writes it.
    `literal` quotes a Python value as an SQL literal (the translated labels of a choice column)."""
    if column.kind == "money":
        amount = f"CAST({expr} AS bigint)"
        return (
            f"(CASE WHEN {amount} < 0 THEN '-' ELSE '' END || CAST(abs({amount}) / 100 AS text) || ','"
            f" || lpad(CAST(abs({amount}) % 100 AS text), 2, '0'))"
        )
    if column.kind in CHOICES:
        cases = " ".join(f"WHEN {literal(code)} THEN {literal(label)}" for code, label in labels[column.kind].items())
        return f"CASE CAST({expr} AS text) {cases} ELSE {_sql_text_cell(f'CAST({expr} AS text)')} END"
    if column.kind == "date":
        return f"to_char({expr}, 'YYYY-MM-DD')"
    if column.kind == "text":
        return _sql_text_cell(f"CAST({expr} AS text)")
    if column.kind == "percent":
        return f"replace(CAST({expr} AS text), '.', ',')"  # a decimal comma, as number_cell writes it
    return f"CAST({expr} AS text)"


def _copy_csv(
    header: str, report: Report, labels: dict[str, dict[str, str]], *, chunk_bytes: int = 1 << 16
) -> Iterator[bytes]:
    """Stream `COPY (the report's row statement, each cell formatted) TO STDOUT` as CSV, in chunks of about
    `chunk_bytes`: memory stays flat, and no row becomes Python objects."""
    yield header.encode("utf-8")

    def cells(literal: Any) -> str:
        return ", ".join(_sql_cell(c, f"q.{c.key}", labels, literal) for c in report.columns)

    yield from copy_report_rows(report, cells, "FORMAT csv, DELIMITER ';'", chunk_bytes=chunk_bytes)


def copy_report_rows(report: Report, cells: Any, options: str, *, chunk_bytes: int = 1 << 16) -> Iterator[bytes]:
    """Stream `COPY (SELECT <cells> FROM (the report's row statement) q ORDER BY ...) TO STDOUT WITH (<options>)`
    in chunks of about `chunk_bytes`. `cells(literal)` gives the select list over `q`; `literal` quotes a Python
    value as an SQL literal (COPY takes no parameters)."""
    from psycopg import ClientCursor
    from psycopg.sql import Literal

    assert report.rows_sql is not None
    statement, params, order_key = report.rows_sql
    db = connections[reporting_alias()]  # the replica inside a report view (operations.replica), else default
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        report_sql.tune_transaction(cursor)
        raw = cursor.cursor.connection

        def literal(value: Any) -> str:
            return Literal(value).as_string(raw)

        # The row statement with its parameters bound here, as COPY takes none.
        inner = ClientCursor(raw).mogrify(statement, params)
        copy_sql = (
            f"COPY (SELECT {cells(literal)} FROM ({inner}) q ORDER BY q.{order_key}) "  # noqa: S608  (literals bound above)
            f"TO STDOUT WITH ({options}, ENCODING 'UTF8')"
        )
        with cursor.cursor.copy(copy_sql) as copy:
            buffer: list[Any] = []
            size = 0
            for data in copy:
                buffer.append(data)
                size += len(data)
                if size >= chunk_bytes:
                    yield b"".join(buffer)
                    buffer, size = [], 0
            if buffer:
                yield b"".join(buffer)


def _excel_value(column: Column, value: Any) -> Any:
    if value is None:
        return None
    if column.kind in CHOICES:
        return safe_cell(str(choice_label(column.kind, value)))
    if column.kind == "money":
        return ore_to_kronor(int(value))  # Decimal: exact, never float
    if column.kind == "text":
        return safe_cell(str(value))
    return value


KRONOR_FORMAT = "#,##0.00"


def excel_kronor(sheet: Any, ore: int | None) -> Any:
    """An Excel cell holding öre as a kronor number (exact Decimal) shown with two decimals; None stays empty."""
    from openpyxl.cell import WriteOnlyCell

    if ore is None:
        return None
    cell = WriteOnlyCell(sheet, value=ore_to_kronor(int(ore)))
    cell.number_format = KRONOR_FORMAT
    return cell


def report_xlsx_file(report: Report) -> Any:
    """The report as an .xlsx in a temporary file (write-only workbook: rows go straight to disk)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(report.kind)[:30])
    header = []
    for column in report.columns:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append([str(report.title)])
    sheet.append([_("as of %(day)s") % {"day": report.params.as_of.isoformat()}])
    sheet.append(header)
    money = [c.kind == "money" for c in report.columns]
    for row in report.rows:
        sheet.append(
            [
                excel_kronor(sheet, row.get(c.key)) if is_money else _excel_value(c, row.get(c.key))
                for c, is_money in zip(report.columns, money, strict=True)
            ]
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the response that streams it)
    workbook.save(handle)
    handle.seek(0)
    return handle


def _kronor_short(ore: int, language: str) -> str:
    """Whole kronor grouped like the language's numbers, for chart labels: "12 500 kr" / "SEK 12,500"."""
    whole = f"{round(ore / 100):,}"
    return f"SEK {whole}" if language == "en" else whole.replace(",", "\u00a0") + "\u00a0kr"


def bar_chart_svg(
    points: list[dict[str, Any]], value_key: str, *, title: str = "", width: int = 640, height: int = 200
) -> str:
    """A plain inline SVG bar chart (no scripts, no CDN): a value axis with its top and zero, the months
    under the bars, each bar's value above it when there is room, and a name for screen readers."""
    if not points:
        return ""
    language = translation.get_language() or "sv"
    values = [max(int(p[value_key]), 0) for p in points]
    top = max(values) or 1
    left, gap, base = 90, 4, height + 20
    bar = min(max((width - left - 10) // len(points) - gap, 2), 60)
    summary = ", ".join(f"{p['month']}: {_kronor_short(v, language)}" for p, v in zip(points, values, strict=True))
    label = escape(f"{title}. {summary}" if title else summary)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 50}" role="img" '
        f'aria-label="{label}" class="chart" preserveAspectRatio="xMinYMin meet">',
        f"<title>{label}</title>",
        # The value axis: top and zero, with a faint line at the top value.
        f'<line x1="{left - 4}" y1="20" x2="{left - 4}" y2="{base}" stroke="#555"/>',
        f'<line x1="{left - 4}" y1="20" x2="{width}" y2="20" stroke="#ccc" stroke-dasharray="3 3"/>',
        f'<text x="{left - 8}" y="24" font-size="10" text-anchor="end">{escape(_kronor_short(top, language))}</text>',
        f'<text x="{left - 8}" y="{base}" font-size="10" text-anchor="end">0</text>',
    ]
    show_values = len(points) <= 12 and bar >= 24
    for index, (point, value) in enumerate(zip(points, values, strict=True)):
        h = value * height // top
        x = left + index * (bar + gap)
        text = escape(_kronor_short(value, language))
        parts.append(
            f'<rect x="{x}" y="{base - h}" width="{bar}" height="{h}" fill="#2f6f4f">'
            f"<title>{escape(point['month'])}: {text}</title></rect>"
        )
        if show_values and value:
            parts.append(
                f'<text x="{x + bar / 2}" y="{base - h - 3}" font-size="9" text-anchor="middle">'
                f"{escape(_kronor_short(value, language).replace(' kr', '').replace('SEK ', ''))}</text>"
            )
        if len(points) <= 24 or index % 3 == 0:
            parts.append(
                f'<text x="{x + bar / 2}" y="{base + 16}" font-size="10" text-anchor="middle">{point["month"]}</text>'
            )
    parts.append(f'<line x1="{left - 4}" y1="{base}" x2="{width}" y2="{base}" stroke="#555"/></svg>')
    return "".join(parts)


def report_pdf(report: Report, *, language: str = "sv") -> bytes:
    """The report as a PDF through WeasyPrint, with its charts drawn as SVG."""
    rows: list[dict[str, Any]] = []
    for row in report.rows:  # a PDF is for reading: the first PDF_MAX_ROWS rows; CSV and Excel carry all
        if len(rows) >= PDF_MAX_ROWS:
            break
        rows.append(row)
    html = render_to_string(
        "treasury/report_pdf.html",
        {
            "report": report,
            "rows": rows,
            "chart_monthly": bar_chart_svg(report.monthly, "received_ore", title=_("Money received per month")),
            "chart_cumulative": bar_chart_svg(report.monthly, "cumulative_ore", title=_("Received in all, over time")),
            "generated_at": timezone.localtime(),
            "is_truncated": len(rows) >= PDF_MAX_ROWS,
        },
    )
    return html_to_pdf(html)


# ---------------------------------------------------------------- payment orders to the bank


def _payee_account(line: PayoutLine) -> PayeeAccount:
    """The line's account as the bank file names it; payout_export refuses a list with a line without one."""
    account = payee_account_parse(line.payee_account)
    if account is None:
        raise ValueError(f"payout line {line.pk} has no account a payment order can carry")
    return account


def payment_order_csv(batch: PayoutBatch, lines: Iterable[PayoutLine]) -> bytes:
    """A simple payment order file: one transfer a line, the account compact with its scheme
    (IBAN, BGNR for bankgiro, BBAN), amounts in kronor with a point."""
    rows = [["batch", "line", "payee_name", "payee_account", "payee_account_scheme", "amount_sek", "message", "reason"]]
    for line in lines:
        account = _payee_account(line)
        rows.append(
            [
                str(batch.pk),
                str(line.pk),
                safe_cell(line.payee_name),
                safe_cell(account.number),
                account.scheme,
                ore_to_string(line.amount_ore),
                safe_cell(line.message),
                line.reason,
            ]
        )
    out: list[str] = []
    writer = csv.writer(_Echo(), delimiter=";")
    for row in rows:
        out.append(writer.writerow(row))
    return "".join(out).encode("utf-8")


def payment_order_pain001(batch: PayoutBatch, lines: list[PayoutLine]) -> bytes:
    """ISO 20022 pain.001.001.03 customer credit transfer initiation for an approved batch.
    The creditor account is CdtrAcct/Id/IBAN for an IBAN, else Othr/Id with the scheme: BGNR
    (proprietary) for a bankgiro number, BBAN (code) for a Swedish domestic account."""
    ns = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
    ET.register_namespace("", ns)

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ns}}}{tag}")
        if text is not None:
            element.text = text
        return element

    accounts = [_payee_account(line) for line in lines]  # all or nothing: no half-written file
    debtor = batch.community  # the community's payout account pays (moved there from the settings)
    total = sum((ore_to_kronor(line.amount_ore) for line in lines), Decimal("0.00"))
    root = ET.Element(f"{{{ns}}}Document")
    initiation = sub(root, "CstmrCdtTrfInitn")
    header = sub(initiation, "GrpHdr")
    sub(header, "MsgId", f"LK-{batch.pk}")
    sub(header, "CreDtTm", timezone.localtime(batch.exported_at or timezone.now()).strftime("%Y-%m-%dT%H:%M:%S"))
    sub(header, "NbOfTxs", str(len(lines)))
    sub(header, "CtrlSum", f"{total:.2f}")
    sub(sub(header, "InitgPty"), "Nm", debtor.name[:70])
    info = sub(initiation, "PmtInf")
    sub(info, "PmtInfId", f"LK-{batch.pk}-1")
    sub(info, "PmtMtd", "TRF")
    sub(info, "NbOfTxs", str(len(lines)))
    sub(info, "CtrlSum", f"{total:.2f}")
    # Banks execute only on banking days: a weekend or holiday date is moved to the next one.
    sub(info, "ReqdExctnDt", next_banking_day(timezone.localdate()).isoformat())
    sub(sub(info, "Dbtr"), "Nm", debtor.name[:70])
    debtor_account = sub(sub(sub(info, "DbtrAcct"), "Id"), "Othr")
    sub(debtor_account, "Id", debtor.payout_bankgiro.replace("-", ""))
    sub(sub(debtor_account, "SchmeNm"), "Prtry", "BGNR")
    sub(sub(sub(info, "DbtrAgt"), "FinInstnId"), "BIC", debtor.payout_bic)
    for line, account in zip(lines, accounts, strict=True):
        tx = sub(info, "CdtTrfTxInf")
        sub(sub(tx, "PmtId"), "EndToEndId", f"LK-{batch.pk}-{line.pk}")
        amount = sub(sub(tx, "Amt"), "InstdAmt", f"{ore_to_kronor(line.amount_ore):.2f}")
        amount.set("Ccy", "SEK")
        sub(sub(tx, "Cdtr"), "Nm", (line.payee_name or "-")[:70])
        account_id = sub(sub(tx, "CdtrAcct"), "Id")
        if account.scheme == IBAN:
            sub(account_id, "IBAN", account.number)
        else:
            other = sub(account_id, "Othr")
            sub(other, "Id", account.number)
            scheme = sub(other, "SchmeNm")
            if account.scheme == BANKGIRO:
                sub(scheme, "Prtry", "BGNR")
            else:
                sub(scheme, "Cd", "BBAN")
        sub(sub(tx, "RmtInf"), "Ustrd", (line.message or "-")[:140])
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


EXPORT_FORMATS = ("csv", "xlsx", "pdf")
# The media type each report export answers with (the API schema documents these).
EXPORT_MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def report_http_response(report: Report, export: str, *, language: str = "sv") -> HttpResponse | StreamingHttpResponse:
    """The HTTP answer carrying a report file: CSV and Excel streamed, PDF in one piece."""
    from django.http import FileResponse, HttpResponse, StreamingHttpResponse

    name = f"{report.kind}-{report.params.as_of.isoformat()}"
    if export == "csv":
        stream = StreamingHttpResponse(
            report_csv_chunks(report), content_type=f"{EXPORT_MEDIA_TYPES['csv']}; charset=utf-8"
        )
        stream["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return stream
    if export == "xlsx" and report.rows_sql is not None and connection.vendor == "postgresql":
        from treasury.xlsx import report_xlsx_chunks

        stream = StreamingHttpResponse(report_xlsx_chunks(report), content_type=EXPORT_MEDIA_TYPES["xlsx"])
        stream["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return stream
    if export == "xlsx":
        return FileResponse(
            report_xlsx_file(report),
            as_attachment=True,
            filename=f"{name}.xlsx",
            content_type=EXPORT_MEDIA_TYPES["xlsx"],
        )
    response = HttpResponse(report_pdf(report, language=language), content_type=EXPORT_MEDIA_TYPES["pdf"])
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


def report_file_chunks(report: Report, export: str, *, language: str = "sv") -> Iterator[bytes]:
    """The bytes of the report's file, in chunks, made by the very code behind report_http_response (so a file
    prepared by a worker equals the one downloaded directly): CSV, Excel (by PostgreSQL when it can), or PDF."""
    if export == "csv":
        yield from report_csv_chunks(report)
    elif export == "xlsx" and report.rows_sql is not None and connection.vendor == "postgresql":
        from treasury.xlsx import report_xlsx_chunks

        yield from report_xlsx_chunks(report)
    elif export == "xlsx":
        with report_xlsx_file(report) as handle:
            while chunk := handle.read(1 << 16):
                yield chunk
    elif export == "pdf":
        yield report_pdf(report, language=language)
    else:
        raise ValueError(f"unknown export format {export!r}")


def report_copy_row_count(report: Report) -> int:
    """How many rows the report's row statement gives (for a file PostgreSQL wrote, whose rows Python never saw)."""
    assert report.rows_sql is not None
    statement, params, _order = report.rows_sql
    with connections[reporting_alias()].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({statement}) q", params)  # noqa: S608  (the report's own statement)
        return int(cursor.fetchone()[0])
