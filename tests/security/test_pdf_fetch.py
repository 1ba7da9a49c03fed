"""PDF rendering never fetches a URL: not over HTTP, not from the server's own files."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from operations.pdf import html_to_pdf

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def listener():
    """A local HTTP server on a port of our own that counts the requests it gets."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_pdf_refuses_http_and_file_urls(listener, tmp_path) -> None:
    base, hits = listener
    secret = tmp_path / "secret.css"
    secret.write_text("body { color: red }")
    html = f"""<html><head><link rel="stylesheet" href="{base}/style.css">
    <link rel="stylesheet" href="file://{secret}"><style>@import url("{base}/more.css");
    body {{ background: url("{base}/bg.png") }}</style></head>
    <body><img src="{base}/pixel.png"><img src="file:///etc/passwd">Report</body></html>"""
    pdf = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert hits == []


def test_inline_data_urls_still_render() -> None:
    pixel = "data:image/gif;base64,R0lGODlhAQABAAAAACw="
    assert html_to_pdf(f'<img src="{pixel}">').startswith(b"%PDF")


def test_every_pdf_renderer_uses_the_safe_fetcher() -> None:
    offenders = []
    for path in REPO.glob("*/**/*.py"):
        if ".venv" in path.parts or path.parts[-2:] == ("operations", "pdf.py") or "tests" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        calls = text.count("HTML(string=")
        if calls and text.count("url_fetcher=pdf_url_fetcher()") < calls:
            offenders.append(str(path.relative_to(REPO)))
    assert offenders == []
