"""The key information sheet as a PDF (WeasyPrint from an HTML template). The regulation allows at most six
printed pages, so sheet_write checks every language's page count with the same renderer."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from pools.models import Pool
from pools.offers.models import SheetSection
from pools.offers.warning import WARNING_TEXT

MAX_SHEET_PAGES = 6


def sheet_sections(content: dict[str, dict[str, str]], language: str) -> list[tuple[str, str]]:
    """(title, text) per section, in the language (Swedish when the language has no text)."""
    lang = language if language in content else "sv"
    return [(str(section.label), str(content.get(lang, {}).get(section.value, ""))) for section in SheetSection]


def _document(*, pool: Pool, content: dict[str, dict[str, str]], version: int, approved_on: str, language: str) -> Any:
    from weasyprint import HTML  # heavy import: only when a PDF is made

    with translation.override(language):
        html = render_to_string(
            "offers/sheet_pdf.html",
            {
                "pool": pool,
                "version": version,
                "approved_on": approved_on,
                "sections": sheet_sections(content, language),
                "warning": WARNING_TEXT,
            },
        )
    return HTML(string=html, base_url=None).render()


def sheet_pdf_bytes(
    *, pool: Pool, content: dict[str, dict[str, str]], version: int, approved_on: str, language: str
) -> bytes:
    """The printable sheet in one language."""
    document = _document(pool=pool, content=content, version=version, approved_on=approved_on, language=language)
    return bytes(document.write_pdf())


def sheet_page_count(*, pool: Pool, content: dict[str, dict[str, str]], language: str) -> int:
    """How many pages the printed sheet takes in the language."""
    return len(_document(pool=pool, content=content, version=0, approved_on="", language=language).pages)
