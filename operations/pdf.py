"""HTML to PDF through WeasyPrint, never fetching anything from outside.

WeasyPrint follows every URL in the HTML and its CSS (images, fonts, stylesheets, `file://`
paths): a URL that got into a template would let the server call other machines or read its
own files. Every PDF is rendered here, with a fetcher that only accepts inline `data:` URLs;
anything else is refused (the resource is left out, the PDF still renders).
"""

from __future__ import annotations

from typing import Any


def pdf_url_fetcher() -> Any:
    """WeasyPrint's fetcher limited to the data: scheme, without redirects."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=1)


def html_to_pdf(html: str) -> bytes:
    """Render self-contained HTML to PDF bytes (no base URL, no fetching)."""
    from weasyprint import HTML  # heavy import: only when a PDF is asked for

    return bytes(HTML(string=html, base_url=None, url_fetcher=pdf_url_fetcher()).write_pdf())
