"""Every PDF export, in Swedish, reads well on paper: a row never splits over two pages, the header row repeats
on every page, the grand total prints once at the end, and no amount wraps. Each PDF and a PNG of each page are
saved under test-artifacts/pdf/ to be looked at."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from accounts.models import User
from invest.models import Fair, MicroFund
from tests.twofactor import login_verified

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

OUT = Path(__file__).resolve().parents[1] / "test-artifacts" / "pdf"
AMOUNT_END = re.compile(r",\d\d\s*$")  # a line ending in the öre of an amount whose "kr" went to the next line
LONE_KR = re.compile(r"^\s*kr\s*$")
REPORT_KINDS = ["overview", "pools", "savers", "fairs", "funds", "pledges", "ledger"]


@pytest.fixture(scope="module")
def tools() -> None:
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        pytest.skip("reading and drawing PDF exports needs poppler-utils (apt-get install poppler-utils)")


def _pages(name: str, pdf: bytes) -> list[str]:
    """The PDF's pages as laid-out text; the PDF and one PNG per page are saved for a person to look at."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(OUT / name)], check=True)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True).stdout
    return text.decode("utf-8").split("\f")[:-1] or [""]


def _layout_problems(name: str, pages: list[str]) -> list[str]:
    problems = []
    for number, page in enumerate(pages, start=1):
        for line in page.splitlines():
            if AMOUNT_END.search(line) and " kr" not in line[-12:] or LONE_KR.match(line):
                problems.append(f"{name} p{number}: amount wraps: {line.strip()!r}")
    return problems


def _client(email: str) -> Client:
    client = Client()
    user = User.objects.get(email=email)
    user.language = "sv"
    user.save(update_fields=["language"])
    return login_verified(client, user)


def _pledge_rows_whole(client: Client, pages: list[str]) -> list[str]:
    """Pledges whose row was cut between pages: its id and the start of its pool's name are not on one line."""
    csv_rows = client.get("/treasury/reports/pledges/", {"export": "csv"})
    body = b"".join(csv_rows.streaming_content).decode("utf-8-sig").splitlines()[1:]
    lines = [line for page in pages for line in page.splitlines()]
    cut = []
    for row in body[:300]:
        cells = row.split(";")
        pledge_id, pool = cells[0], cells[1].strip('"').split()[0]
        if not any(re.match(rf"\s*{pledge_id}\s+{re.escape(pool)}", line) for line in lines):
            cut.append(row)
    return cut


def test_every_pdf_export_prints_cleanly_in_swedish(tools):
    call_command("seed_demo", savers=40, quiet=True)
    treasurer = _client("kassor@demo.lokalkapital.se")
    organiser = _client("arrangor@demo.lokalkapital.se")
    problems: list[str] = []
    documents: dict[str, list[str]] = {}
    for kind in REPORT_KINDS:
        response = treasurer.get(f"/treasury/reports/{kind}/", {"export": "pdf"})
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf", kind
        documents[f"treasury-{kind}"] = pages = _pages(f"treasury-{kind}", response.content)
        # Every column fits on the paper: each header of the CSV export is printed (its last word, as long
        # headers wrap inside their cell).
        csv = treasurer.get(f"/treasury/reports/{kind}/", {"export": "csv"})
        header = next(iter(csv.streaming_content)).decode("utf-8-sig").strip().split(";")
        printed = "\n".join(pages)
        problems += [f"treasury-{kind}: column {h!r} cut off" for h in header if h.split()[-1] not in printed]
    # The demo fund that has guarantees (the regional fund host's fund has none yet).
    fund = MicroFund.objects.filter(guarantees__isnull=False).distinct().order_by("pk").first()
    assert fund is not None
    documents["fund-position"] = _pages("fund-position", organiser.get(f"/funds/{fund.slug}/position.pdf").content)
    for fair in Fair.objects.all():
        documents[f"fair-{fair.pk}"] = _pages(f"fair-{fair.pk}", organiser.get(f"/fairs/{fair.pk}/report.pdf").content)

    for name, pages in documents.items():
        problems += _layout_problems(name, pages)
        whole = "\n".join(pages)
        # The grand total once, at the end: not repeated on every page.
        for total in ("Summa", "Alla presentationer"):
            found = [n for n, page in enumerate(pages, 1) if re.search(rf"^\s*{total}\b", page, re.MULTILINE)]
            if len(re.findall(rf"^\s*{total}\b", whole, re.MULTILINE)) > 1 or found and found != [len(pages)]:
                problems.append(f"{name}: {total!r} printed on pages {found} of {len(pages)}")
        if re.search(r"\b(support_saving|pre_purchase|partly_fulfilled|keep_what_you_raise)\b", whole):
            problems.append(f"{name}: a raw code is printed")

    pledges = documents["treasury-pledges"]
    assert len(pledges) >= 2, "the demo should give a pledge report longer than one page"
    problems += [
        f"treasury-pledges: page {n} lacks the header row" for n, p in enumerate(pledges, 1) if "Utestående" not in p
    ]
    problems += [f"treasury-pledges: row cut between pages: {row}" for row in _pledge_rows_whole(treasurer, pledges)]
    assert "Aktiv" in "\n".join(documents["fund-position"])  # a guarantee's status in Swedish
    assert not problems, "\n".join(problems)
