"""Every treasurer, organiser and fund page x another community's staff: refused, or showing none of the data.

The world is the API permission matrix's (tests/api/test_permission_matrix.py): every record belongs to
community A; "other_treasurer" and "other_organiser" hold their roles in community B only. Each page in
STAFF_PAGES is opened (GET) or sent (POST) by both; a GET must answer 403/404, or 200 with none of A's names
and figures in the page or download (CSV, Excel, PDF read as text); a POST must be refused (403/404). Every
GET page is also opened by A's own staff first, so a wrong address (a 404 for everyone) cannot pass.

A guard walks the URL resolver: every page of the site is either in STAFF_PAGES or in OTHER_PAGES (public,
or one's own data, which tests/api/test_permission_matrix.py covers through the API), so new pages cannot
escape.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from tests.api.test_permission_matrix import World, build_world
from tests.web.test_authenticated_views import _routes

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db) -> World:
    """The API permission matrix's world."""
    return build_world()


@dataclass(frozen=True)
class Page:
    name: str  # the URL name, as the resolver knows it
    url: Callable[[World], str]
    own: str  # community A's role that uses the page (checked to get 200 on a GET)
    method: str = "GET"
    note: str = ""
    own_status: int = 200  # what A's own staff get (a page that only redirects: 301 for everyone)
    area: str = ""


def _r(name: str, *args: object) -> str:
    return reverse(name, args=list(args))


def _fund(w: World) -> str:
    return w.x["fund"].slug


def _line(w: World) -> int:
    """An exception line of community A's bank file (made once)."""
    from datetime import date

    from treasury.models import BankFileLine, LineOutcome

    line = BankFileLine.objects.filter(bank_file=w.x["bank_file"]).first()
    if line is None:
        line = BankFileLine.objects.create(
            bank_file=w.x["bank_file"],
            position=1,
            amount_ore=1_000,
            booked_on=date(2026, 3, 5),
            outcome=LineOutcome.DEDUCTION,
            is_deduction=True,
            needs_attention=True,
        )
    return line.pk


REPORT_KINDS = ("overview", "pools", "pool", "savers", "fairs", "funds", "pledges", "ledger")


def _report(kind: str, export: str) -> Callable[[World], str]:
    def url(w: World) -> str:
        query = f"?pool={w.pool.pk}" if kind == "pool" else "?"
        return _r("web:treasury:report", kind) + query + (f"&export={export}" if export else "")

    return url


STAFF_PAGES: list[Page] = [
    # treasurers
    Page("web:treasury:dashboard", lambda w: _r("web:treasury:dashboard"), "treasurer"),
    Page("web:treasury:bankfile-list", lambda w: _r("web:treasury:bankfile-list"), "treasurer"),
    Page(
        "web:treasury:bankfile-detail", lambda w: _r("web:treasury:bankfile-detail", w.x["bank_file"].pk), "treasurer"
    ),
    Page(
        "web:treasury:bankfile-progress",
        lambda w: _r("web:treasury:bankfile-progress", w.x["bank_file"].pk),
        "treasurer",
    ),
    Page("web:treasury:exception-list", lambda w: _r("web:treasury:exception-list"), "treasurer"),
    Page(
        "web:treasury:exception-resolve",
        lambda w: _r("web:treasury:exception-resolve", _line(w)),
        "treasurer",
        "POST",
    ),
    Page("web:treasury:returned-list", lambda w: _r("web:treasury:returned-list"), "treasurer"),
    Page("web:treasury:payment-list", lambda w: _r("web:treasury:payment-list") + "?status=matched", "treasurer"),
    Page("web:treasury:payment-detail", lambda w: _r("web:treasury:payment-detail", w.x["payment"].pk), "treasurer"),
    Page(
        "web:treasury:payment-match",
        lambda w: _r("web:treasury:payment-match", w.x["payment"].pk),
        "treasurer",
        "POST",
    ),
    Page(
        "web:treasury:allocation-reverse",
        lambda w: _r("web:treasury:allocation-reverse", w.x["allocation"].pk),
        "treasurer",
        "POST",
    ),
    *[
        Page("web:treasury:report", _report(kind, export), "treasurer", note=f"{kind} {export or 'page'}")
        for kind in REPORT_KINDS
        for export in ("", "csv", "xlsx", "pdf")
    ],
    Page("web:treasury:payout-list", lambda w: _r("web:treasury:payout-list"), "treasurer"),
    Page("web:treasury:payout-detail", lambda w: _r("web:treasury:payout-detail", w.x["batch"].pk), "treasurer"),
    Page(
        "web:treasury:payout-approve", lambda w: _r("web:treasury:payout-approve", w.x["batch"].pk), "treasurer", "POST"
    ),
    Page(
        "web:treasury:payout-cancel", lambda w: _r("web:treasury:payout-cancel", w.x["batch"].pk), "treasurer", "POST"
    ),
    Page(
        "web:treasury:payout-export", lambda w: _r("web:treasury:payout-export", w.x["batch"].pk), "treasurer", "POST"
    ),
    Page("web:treasury:audit", lambda w: _r("web:treasury:audit") + "?table=pools_pool", "treasurer", note="pools"),
    Page("web:treasury:audit", lambda w: _r("web:treasury:audit"), "treasurer", note="everything"),
    # funds
    Page("web:fund-rules", lambda w: _r("web:fund-rules", _fund(w)), "organiser"),
    Page("web:fund-swish", lambda w: _r("web:fund-swish", _fund(w)), "organiser"),
    Page("web:fund-loan-new", lambda w: _r("web:fund-loan-new", _fund(w)), "organiser"),
    Page("web:fund-guarantee-new", lambda w: _r("web:fund-guarantee-new", _fund(w)), "organiser"),
    Page("web:fund-withdrawals", lambda w: _r("web:fund-withdrawals", _fund(w)), "treasurer"),
    Page("web:fund-position", lambda w: _r("web:fund-position", _fund(w)), "organiser"),
    Page("web:fund-position-csv", lambda w: _r("web:fund-position-csv", _fund(w)), "organiser"),
    Page("web:fund-position-pdf", lambda w: _r("web:fund-position-pdf", _fund(w)), "treasurer"),
    Page("web:loan-detail", lambda w: _r("web:loan-detail", w.x["loan"].pk), "organiser"),
    Page("web:loan-write-off", lambda w: _r("web:loan-write-off", w.x["loan"].pk), "organiser", "POST"),
    Page("web:guarantee-detail", lambda w: _r("web:guarantee-detail", w.x["guarantee"].pk), "treasurer"),
    Page(
        "web:guarantee-action",
        lambda w: _r("web:guarantee-action", w.x["guarantee"].pk, "balance"),
        "organiser",
        "POST",
    ),
    Page(
        "web:withdrawal-action",
        lambda w: _r("web:withdrawal-action", w.x["withdrawal"].pk, "prepare"),
        "treasurer",
        "POST",
    ),
    # fairs and pitches
    Page("web:fair-create", lambda w: _r("web:fair-create"), "organiser", note="a blank form"),
    Page(
        "web:fair-programme",
        lambda w: _r("web:fair-programme", w.x["fair"].pk),
        "organiser",
        note="a live fair: its organiser is sent to the board",
        own_status=302,
    ),
    Page("web:fair-status", lambda w: _r("web:fair-status", w.x["fair"].pk), "organiser", "POST"),
    Page("web:fair-cards", lambda w: _r("web:fair-cards", w.x["fair"].pk), "organiser"),
    Page("web:fair-pledge-cards-pdf", lambda w: _r("web:fair-pledge-cards-pdf", w.x["fair"].pk), "organiser"),
    Page("web:fair-board", lambda w: _r("web:fair-board", w.x["fair"].pk), "organiser"),
    Page("web:fair-board-json", lambda w: _r("web:fair-board-json", w.x["fair"].pk), "organiser"),
    Page("web:fair-report", lambda w: _r("web:fair-report", w.x["fair"].pk), "treasurer"),
    Page("web:fair-report-csv", lambda w: _r("web:fair-report-csv", w.x["fair"].pk), "organiser"),
    Page("web:fair-report-pdf", lambda w: _r("web:fair-report-pdf", w.x["fair"].pk), "organiser"),
    Page("web:pitch-choose", lambda w: _r("web:pitch-choose", w.x["pitch"].pk), "organiser", "POST"),
    Page("web:pitch-decline", lambda w: _r("web:pitch-decline", w.x["pitch"].pk), "organiser", "POST"),
    Page("web:pitch-confirm", lambda w: _r("web:pitch-confirm", w.x["pitch"].pk), "owner", "POST"),
    Page("web:pitch-withdraw", lambda w: _r("web:pitch-withdraw", w.x["pitch"].pk), "owner", "POST"),
    Page("web:pitch-edit", lambda w: _r("web:pitch-edit", w.x["pitch"].pk), "organiser"),
    Page("web:pitch-presenter", lambda w: _r("web:pitch-presenter", w.x["pitch"].pk), "organiser"),
    Page("web:pitch-board-json", lambda w: _r("web:pitch-board-json", w.x["pitch"].pk), "organiser"),
    Page("web:pitch-follow-up", lambda w: _r("web:pitch-follow-up", w.x["pitch"].pk), "organiser"),
    # operations
    Page("web:ops-jobs", lambda w: _r("web:ops-jobs"), "treasurer"),
    Page("web:ops-reminders-failed", lambda w: _r("web:ops-reminders-failed"), "treasurer", own_status=301),
    Page("web:ops-mail-failed", lambda w: _r("web:ops-mail-failed"), "treasurer"),
    Page("web:ops-mail-retry", lambda w: _r("web:ops-mail-retry", w.x["fair_mail"].pk), "organiser", "POST"),
    # offers and the owner's pages organisers and treasurers also reach
    Page("web:offers:manage", lambda w: _r("web:offers:manage", w.pool.pk), "organiser"),
    Page("web:offers:lender-payments", lambda w: _r("web:offers:lender-payments", w.pool.pk), "treasurer"),
    Page("web:offers:lender-csv", lambda w: _r("web:offers:lender-csv", w.pool.pk, 2026), "organiser"),
    Page("web:offers:sheet-approve", lambda w: _r("web:offers:sheet-approve", _sheet(w)), "organiser", "POST"),
    Page("web:pool-pledgers", lambda w: _r("web:pool-pledgers", w.pool.pk), "owner"),
    Page("web:pool-pledgers-csv", lambda w: _r("web:pool-pledgers-csv", w.pool.pk), "owner"),
    Page("web:pool-pledgers-xlsx", lambda w: _r("web:pool-pledgers-xlsx", w.pool.pk), "owner"),
    Page("web:project-swish", lambda w: _r("web:project-swish", w.project.pk), "organiser"),
    # report files (a file belongs to the community it was prepared for)
    Page("web:treasury:report-files", lambda w: _r("web:treasury:report-files"), "treasurer"),
    Page(
        "web:treasury:report-file-download",
        lambda w: _r("web:treasury:report-file-download", _ready_build(w)),
        "treasurer",
    ),
    # the community's own management pages (its treasurer; platform staff are covered in test_community_manage)
    Page("web:community-manage-list", lambda w: _r("web:community-manage-list"), "treasurer"),
    Page("web:community-manage-edit", lambda w: _r("web:community-manage-edit", w.pool.community_id), "treasurer"),
    Page(
        "web:community-manage-members", lambda w: _r("web:community-manage-members", w.pool.community_id), "treasurer"
    ),
    Page(
        "web:community-member-grant",
        lambda w: _r("web:community-member-grant", w.pool.community_id),
        "treasurer",
        "POST",
    ),
    Page(
        "web:community-member-revoke",
        lambda w: _r("web:community-member-revoke", w.pool.community_id, _membership(w)),
        "treasurer",
        "POST",
    ),
    Page(
        "web:community-invitation-create",
        lambda w: _r("web:community-invitation-create", w.pool.community_id),
        "treasurer",
        "POST",
    ),
    Page(
        "web:community-invitation-revoke",
        lambda w: _r("web:community-invitation-revoke", w.pool.community_id, _invite(w)),
        "treasurer",
        "POST",
    ),
    Page(
        "web:community-invitation-resend",
        lambda w: _r("web:community-invitation-resend", w.pool.community_id, _invite_earlier(w)),
        "treasurer",
        "POST",
    ),
]


def _ready_build(w: World) -> int:
    """The world's report file, prepared (as the heavy worker would) so its download answers."""
    from treasury.report_builds import report_build_run

    report_build_run(build_id=w.x["report_build"].pk)
    return int(w.x["report_build"].pk)


def _membership(w: World) -> int:
    from tests.api.test_permission_matrix import _organiser_membership

    return _organiser_membership(w).pk


def _invite(w: World) -> int:
    from tests.api.test_permission_matrix import _invitation

    return _invitation(w).pk


def _invite_earlier(w: World) -> int:
    from tests.api.test_permission_matrix import _invitation_sent_earlier

    return _invitation_sent_earlier(w).pk


def _sheet(w: World) -> int:
    from tests.api.test_permission_matrix import _draft_sheet

    return _draft_sheet(w).pk


# Pages that are public, or show only the visitor's own data (their pledges, statements, fund membership):
# nothing of a community's staff to leak. The API matrix covers the same records per role.
OTHER_PAGES = {
    "web:home",
    "web:pool-search",
    "web:community",
    "web:community-theme",
    "web:favicon",
    "web:login",
    "web:logout",
    "web:language",
    "web:password-reset",
    "web:password-reset-done",
    "web:password-reset-confirm",
    "web:password-reset-complete",
    "web:savers:project-detail",
    "web:savers:pool-detail",
    "web:savers:pledge-create",
    "web:savers:points-estimate",
    "web:savers:my-pledges",
    "web:savers:pledge-detail",
    "web:savers:pledge-receipt",
    "web:savers:pledge-withdraw",
    "web:savers:pledge-change",
    "web:savers:preferences",
    "web:savers:refund-account",
    "web:savers:profile",
    "web:savers:email-change",
    "web:savers:email-change-confirm",
    "web:savers:password-change",
    "web:savers:my-data",
    "web:savers:my-data-json",
    "web:savers:my-data-csv",
    "web:savers:erase",
    "web:savers:fair-pledge",
    "web:savers:signup",
    "web:savers:confirm-email",
    "web:savers:confirm-email-resend",
    "web:offers:sheet",
    "web:offers:sheet-pdf",
    "web:offers:assessment",
    "web:offers:pledge-confirm-interest",
    "web:offers:pledge-revoke",
    "web:offers:statement-pdf",
    "web:fund-list",
    "web:fund-detail",
    "web:fund-join",
    "web:fund-statement",
    "web:fund-withdraw",
    "web:fund-shares",
    "web:my-engagements",
    "web:my-projects",
    "web:two-factor-setup",
    "web:two-factor-verify",
    "web:fair-list",
    "web:fair-detail",
    "web:fair-apply",
    "web:fair-card",
    "web:fair-card-qr",
    "web:fair-card-thanks",
    # Acts only in the visitor's own communities (a community not one's own is refused there, and
    # tests/web/test_community_manage.py and tests/web/test_report_files.py show it): choosing the community to
    # work in, preparing a report file for one's community, the welcome after an accepted invitation, and
    # creating a community (platform staff only).
    "web:community-choose",
    "web:community-manage-after-accept",
    "web:community-manage-new",
    "web:treasury:report-prepare",
    # The invitation link: whoever holds the token (tests/communities/test_invitations.py).
    "web:invitation",
}

# Cells the matrix found and that are not fixed yet: strict, so a fix makes them fail until removed here.
KNOWN_LEAKS: dict[tuple[str, str], str] = {}
AREAS = {
    "treasury": "web:treasury:",
    "funds": ("web:fund-", "web:loan-", "web:guarantee-", "web:withdrawal-"),
    "fairs": ("web:fair-", "web:pitch-"),
    "ops": "web:ops-",
    "offers and owners' pages": ("web:offers:", "web:pool-pledgers", "web:project-swish"),
    "communities": ("web:community-",),
}


def _area(page: Page) -> str:
    return next(area for area, prefix in AREAS.items() if page.name.startswith(prefix))


def _secrets(w: World) -> list[str]:
    """What only community A's staff (and the people concerned) may read on a staff page: who pledged, their
    payment reference, the card pledger, the guarantee's bank, and the names of A's pool, project, fund and fair
    (a staff page of another community lists none of them)."""
    saver = w.users["saver"]
    return [
        saver.email,
        saver.full_name,
        w.x["pledge"].ocr_reference,
        w.x["money_mail"].to,
        w.x["fair_mail"].to,
        "Anna Berg",
        "anna@example.se",
        "Sparbanken Bygd",
        w.pool.title,
        w.project.name,
        w.x["fund"].name,
        w.x["fair"].title,
    ]


def _text(response: Any) -> str:
    """The page or download as text: HTML, JSON and CSV as they are, Excel cell by cell, PDF through pdftotext."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            " ".join(str(cell) for cell in row if cell is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    if "pdf" in kind:
        if not shutil.which("pdftotext"):
            pytest.skip("reading PDF exports needs poppler-utils (apt-get install poppler-utils)")
        return subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True).stdout.decode()
    return content.decode("utf-8", errors="replace")


def _client(world: World, role: str) -> Client:
    from tests.twofactor import login_verified

    return login_verified(Client(), world.users[role])


def _walk(page: Page, role: str, world: World) -> str:
    """'' when the cell holds (refused, or nothing of A's shown); else what went wrong."""
    url = page.url(world)
    if page.method != "GET":
        response = _client(world, role).post(url, {})
        return "" if response.status_code in (403, 404) else f"{page.method} {url}: {response.status_code}"
    own = _client(world, page.own).get(url)
    if own.status_code != page.own_status:
        return f"A's own {page.own} on {url}: {own.status_code}, not {page.own_status} (a wrong address?)"
    response = _client(world, role).get(url)
    if response.status_code == page.own_status == 301:
        return ""
    if response.status_code not in (200, 403, 404):
        return f"GET {url}: {response.status_code}"
    if response.status_code == 200:
        text = _text(response)
        leaked = [secret for secret in _secrets(world) if secret and secret in text]
        if leaked:
            return f"GET {url} shows {leaked}"
    return ""


@pytest.mark.parametrize("area", list(AREAS))
def test_another_communitys_staff_are_refused_or_see_none_of_its_data(area: str, world: World) -> None:
    """One world per area (building it is the slow part); every page of the area x both of B's staff."""
    problems, known = [], []
    for page in (p for p in STAFF_PAGES if _area(p) == area):
        for role in ("other_treasurer", "other_organiser"):
            problem = _walk(page, role, world)
            if (page.name, role) in KNOWN_LEAKS:
                known.append((page.name, role, problem))
            elif problem:
                problems.append(f"{role}: {page.name} {page.note}: {problem}")
    assert not problems, "\n".join(problems)
    # A known leak that no longer leaks: take it out of KNOWN_LEAKS.
    assert all(problem for _name, _role, problem in known), known


def test_every_staff_page_belongs_to_an_area() -> None:
    for page in STAFF_PAGES:
        assert _area(page)


def test_every_page_is_walked_or_listed_as_public_or_ones_own() -> None:
    names = {name for name, _pattern in _routes(get_resolver().url_patterns) if name.startswith("web:")}
    walked = {page.name for page in STAFF_PAGES}
    missing = sorted(names - walked - OTHER_PAGES)
    assert not missing, "add these pages to STAFF_PAGES (or OTHER_PAGES) in " + __file__ + ": " + ", ".join(missing)
    assert not (walked & OTHER_PAGES)
    stale = sorted((walked | OTHER_PAGES) - names)
    assert not stale, stale
