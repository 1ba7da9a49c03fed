"""The one convention for every CSV file the site offers for download, so Swedish Excel opens each the same way:

- ';' between cells (Swedish Excel reads ',' as the decimal separator),
- decimal comma, no thousands separator: 1234,50 (kronor from öre exactly, in integers, never through float),
- UTF-8 with a byte order mark, so Excel shows å, ä, ö,
- dates as YYYY-MM-DD,
- text that a spreadsheet would run as a formula gets a leading apostrophe.

Bank payment-order files are read by a bank's machine, not by people, and keep the bank's own format.
tests/operations/test_csv_files.py checks the module; tests/web/test_csv_exports.py downloads every CSV export.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import StreamingHttpResponse

DELIMITER = ";"
BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write returns the line, for csv.writer inside a generator."""

    def write(self, value: str) -> str:
        return value


def csv_writer() -> Any:
    """A csv writer with the project's separator whose writerow returns the line it wrote."""
    return csv.writer(_Echo(), delimiter=DELIMITER, lineterminator="\r\n")


def kronor_cell(ore: int | None) -> str:
    """Öre as kronor with a decimal comma: 123450 -> "1234,50", -5 -> "-0,05", None -> ""."""
    if ore is None:
        return ""
    value = int(ore)
    whole, cents = divmod(abs(value), 100)
    return f"{'-' if value < 0 else ''}{whole},{cents:02d}"


def number_cell(value: int | Decimal | float | None) -> str:
    """A count or a decimal figure (a percentage) with a decimal comma: Decimal("12.5") -> "12,5"."""
    if value is None:
        return ""
    return str(value).replace(".", ",")


def text_cell(value: object) -> str:
    """Text that no spreadsheet runs as a formula; a date as YYYY-MM-DD; None as empty."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_lines(header: Iterable[object], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The file as lines: the byte order mark and the header first, then one line a row (cells already made)."""
    writer = csv_writer()
    yield BOM + writer.writerow([str(label) for label in header])
    for row in rows:
        yield writer.writerow(row)


def csv_response(lines: Iterable[str], *, filename: str) -> StreamingHttpResponse:
    """Stream the lines as a download named filename."""
    response = StreamingHttpResponse(lines, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
