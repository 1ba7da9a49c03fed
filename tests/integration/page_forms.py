"""Every page form, posted as the role it is for: the rows the dead-Redis test walks.

PAGE_FORMS holds one row per page route that takes a POST (tests.api.routes.page_form_routes);
a guard test (tests/security/test_page_form_coverage.py) fails when a new form route has no row.
A row's form is first fetched with GET where the page shows it, so hidden fields and defaults are
filled the way a browser would; the row's `data` then sets what a person would type. Rows run in
order on one world (tests/api/test_permission_matrix.py's), so later rows see earlier writes.
`saved` names the write an accepted post must have left in the database.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from django.test import Client
from django.utils import timezone

from tests.api.test_permission_matrix import PASSWORD, World

NEW_PASSWORD = "kvarnhjul-i-ödeby-42"


@dataclass
class PageForm:
    route: str  # as the URL resolver prints it
    role: str  # a key of World.users, or "anonymous"
    url: Callable[[World], str]
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    page: Callable[[World], str] | None = None  # where the form is shown, when not at `url`
    saved: Callable[[World], bool] | None = None  # the accepted write, checked after the post
    note: str = ""


class _FormFields(HTMLParser):
    """The fields of every <form method="post"> on a page, with the values a browser would send."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._select: str | None = None
        self._first_option: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                self.forms.append((a.get("action", ""), {}))
            else:
                self.forms.append(("<get>", {}))
            return
        if not self.forms or not a.get("name"):
            if tag == "option" and self._select is not None:
                self._option(a)
            return
        fields = self.forms[-1][1]
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    fields[name] = a.get("value", "on")
                elif kind == "radio":
                    fields.setdefault(name, a.get("value", ""))
            elif kind not in ("submit", "button", "file", "reset"):
                fields.setdefault(name, a.get("value", ""))
        elif tag == "textarea":
            fields.setdefault(name, "")
        elif tag == "select":
            self._select, self._first_option = name, None

    def _option(self, a: dict[str, str]) -> None:
        assert self._select is not None
        fields = self.forms[-1][1]
        value = a.get("value", "")
        if "selected" in a:
            fields[self._select] = value
        elif value and self._first_option is None:
            self._first_option = value

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            fields = self.forms[-1][1]
            if not fields.get(self._select) and self._first_option is not None:
                fields[self._select] = self._first_option
            self._select = None


def form_defaults(html: str, action: str) -> dict[str, str]:
    """The browser's values of the post form that submits to `action` (or the first post form)."""
    parser = _FormFields()
    parser.feed(html)
    posts = [(target, fields) for target, fields in parser.forms if target != "<get>"]
    for target, fields in posts:
        if target.split("?")[0] == action:
            return fields
    for target, fields in posts:
        if target == "":
            return fields
    return {}


def post_form(client: Client, row: PageForm, world: World) -> Any:
    """GET the page showing the form (when it has one), fill it like a browser, post it."""
    url = row.url(world)
    page = row.page(world) if row.page else url
    values: dict[str, Any] = {}
    shown = client.get(page)
    if shown.status_code == 200 and "html" in shown.get("Content-Type", ""):
        values = form_defaults(shown.content.decode(), url)
    values.pop("csrfmiddlewaretoken", None)
    values.update(row.data(world))
    return client.post(url, {k: v for k, v in values.items() if v is not None})


# ------------------------------------------------------------------------------------------ rows


def _today(offset_days: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=offset_days)).isoformat()


def _fresh_pledge(world: World, role: str) -> Any:
    """A money pledge of `role` to the open pool, made once per role (for withdraw/change rows)."""
    from pools.models import PledgeKind
    from pools.services import pledge_create

    key = f"pledge_of_{role}"
    if key not in world.x:
        world.x[key] = pledge_create(
            pool=world.pool, saver=world.users[role], kind=PledgeKind.SUPPORT_SAVING, monthly_ore=10_000, months=6
        )
    return world.x[key]


def _sheet(world: World) -> Any:
    from pools.offers.models import KeyInfoSheet

    return KeyInfoSheet.objects.order_by("-pk").first()


def _loan_pledge(world: World) -> Any:
    """A loan by other_saver to a fair pool of the owner's project (no regulated offer), made once."""
    from pools.models import PledgeKind, PoolKind
    from pools.services import pledge_create
    from tests.factories import PoolFactory

    if "loan_pledge" not in world.x:
        pool = PoolFactory(project=world.project, kind=PoolKind.FAIR)
        world.x["loan_pledge"] = pledge_create(
            pool=pool, saver=world.users["other_saver"], kind=PledgeKind.LOAN, amount_ore=100_000
        )
    return world.x["loan_pledge"]


def _reset_link(world: World) -> str:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    user = world.users["other_owner"]
    return f"/password-reset/{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"


def _card_token(world: World) -> str:
    pledge = world.x["card_pledge"]
    pledge.refresh_from_db()
    return pledge.confirmation_token


def _exists(model_path: str, **lookup: Any) -> bool:
    from django.apps import apps

    return apps.get_model(model_path).objects.filter(**lookup).exists()


def _password_is(world: World, role: str, password: str) -> bool:
    from accounts.models import User

    return User.objects.get(pk=world.users[role].pk).check_password(password)


def _pledge_status(world: World, role: str, status: str) -> bool:
    pledge = world.x[f"pledge_of_{role}"]
    pledge.refresh_from_db()
    return pledge.status == status


PAGE_FORMS: list[PageForm] = [
    # --- anonymous: sign-up, login, password reset, a fair's phone card
    PageForm(
        "signup/",
        "anonymous",
        lambda w: "/signup/",
        lambda w: {
            "email": "ny-under-avbrott@example.se",
            "full_name": "Ny Sparare",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "language": "sv",
        },  # fmt: skip
        saved=lambda w: _exists("accounts.User", email="ny-under-avbrott@example.se"),
    ),
    PageForm(
        "confirm-email-resend/",
        "anonymous",
        lambda w: "/confirm-email-resend/",
        lambda w: {"email": "ny-under-avbrott@example.se"},
    ),  # fmt: skip
    PageForm(
        "login/", "anonymous", lambda w: "/login/", lambda w: {"username": w.users["saver"].email, "password": PASSWORD}
    ),
    PageForm("password-reset/", "anonymous", lambda w: "/password-reset/", lambda w: {"email": w.users["saver"].email}),
    PageForm(
        "password-reset/<uidb64>/<token>/",
        "anonymous",
        _reset_link,
        lambda w: {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        note="the link redirects to its set-password form, which the filler follows",
    ),
    PageForm(
        "f/<str:code>/",
        "anonymous",
        lambda w: f"/f/{w.x['pitch'].code}/",
        lambda w: {
            "card_id": str(uuid.uuid4()),
            "kind": "gift",
            "amount": "200",
            "name": "Under Avbrott",
            "email": "avbrott@example.se",
        },  # fmt: skip
        saved=lambda w: _exists("pools.Pledge", pool=w.x["pitch"].pool, amount_ore=20_000),
    ),
    PageForm(
        "pledges/confirm/<str:token>/",
        "anonymous",
        lambda w: f"/pledges/confirm/{_card_token(w)}/",
        lambda w: {"action": "confirm"},
        saved=lambda w: _exists("pools.Pledge", pk=w.x["card_pledge"].pk, status="confirmed"),
    ),
    # --- savers
    PageForm(
        "pools/<int:pool_id>/pledge/",
        "other_saver",
        lambda w: f"/pools/{w.pool.pk}/pledge/",
        lambda w: {"kind": "support_saving", "saving_mode": "monthly", "monthly_amount": "150", "months": "12"},
    ),
    PageForm(
        "my/pledges/<int:pledge_id>/change/",
        "saver",
        lambda w: f"/my/pledges/{_fresh_pledge(w, 'saver').pk}/change/",
        lambda w: {"monthly_amount": "120", "months": "6"},
        saved=lambda w: _exists("pools.Pledge", pk=w.x["pledge_of_saver"].pk, monthly_ore=12_000),
    ),
    PageForm(
        "my/pledges/<int:pledge_id>/withdraw/",
        "other_saver",
        lambda w: f"/my/pledges/{_fresh_pledge(w, 'other_saver').pk}/withdraw/",
        page=lambda w: f"/my/pledges/{_fresh_pledge(w, 'other_saver').pk}/",
        saved=lambda w: _pledge_status(w, "other_saver", "withdrawn"),
    ),
    PageForm(
        "my/pledges/<int:pledge_id>/revoke/",
        "saver",
        lambda w: f"/my/pledges/{w.x['pledge'].pk}/revoke/",
        note="outside a regulated offer's revocation period: refused with a message, never a 500",
    ),
    PageForm("my/preferences/", "saver", lambda w: "/my/preferences/", lambda w: {"language": "en"}),
    PageForm(
        "my/refund-account/",
        "saver",
        lambda w: "/my/refund-account/",
        lambda w: {"refund_iban": "SE4550000000058398257466", "password": PASSWORD},
        saved=lambda w: _exists("accounts.User", pk=w.users["saver"].pk, refund_iban="SE4550000000058398257466"),
    ),
    PageForm(
        "my/profile/",
        "saver",
        lambda w: "/my/profile/",
        lambda w: {"full_name": "Sparare Avbrottsson", "language": "sv"},
        saved=lambda w: _exists("accounts.User", pk=w.users["saver"].pk, full_name="Sparare Avbrottsson"),
    ),
    PageForm(
        "my/email/",
        "saver",
        lambda w: "/my/email/",
        lambda w: {"email": "ny-adress-under-avbrott@example.se", "password": PASSWORD},
        saved=lambda w: _exists(
            "accounts.User", pk=w.users["saver"].pk, pending_email="ny-adress-under-avbrott@example.se"
        ),
        note="the new address waits for its confirmation link (mailed through the outbox)",
    ),
    PageForm(
        "my/pledges/<int:pledge_id>/confirm-interest/",
        "saver",
        lambda w: f"/my/pledges/{w.x['pledge'].pk}/confirm-interest/",
        note="a pledge that is not an expression of interest: sent back to My pledges, never a 500",
    ),
    PageForm("offers/assessment/", "saver", lambda w: "/offers/assessment/"),
    PageForm("offers/pools/<int:pool_id>/sheet/", "saver", lambda w: f"/offers/pools/{w.x['share_pool'].pk}/sheet/"),
    PageForm(
        "funds/<slug:slug>/join/",
        "other_saver",
        lambda w: f"/funds/{w.x['fund'].slug}/join/",
        lambda w: {"pool": str(w.x["share_pool"].pk), "instalments": "1"},
        saved=lambda w: _exists("invest.FundMembership", fund=w.x["fund"], member=w.users["other_saver"]),
    ),
    PageForm(
        "funds/<slug:slug>/shares/",
        "saver",
        lambda w: f"/funds/{w.x['fund'].slug}/shares/",
        lambda w: {"pool": str(w.x["share_pool"].pk), "share_count": "1"},
    ),
    PageForm(
        "funds/<slug:slug>/withdraw/",
        "saver",
        lambda w: f"/funds/{w.x['fund'].slug}/withdraw/",
        lambda w: {"amount": "50"},
    ),
    # --- project owners
    PageForm(
        "fairs/<int:fair_id>/apply/",
        "other_owner",
        lambda w: f"/fairs/{w.x['fair'].pk}/apply/",
        note="a live fair takes no applications: refused on the form",
    ),
    PageForm(
        "pitches/<int:pitch_id>/edit/",
        "owner",
        lambda w: f"/pitches/{w.x['pitch'].pk}/edit/",
        lambda w: {"title": "Ny titel under avbrott"},
    ),
    PageForm("pitches/<int:pitch_id>/confirm/", "owner", lambda w: f"/pitches/{w.x['pitch'].pk}/confirm/"),
    PageForm("pitches/<int:pitch_id>/withdraw/", "other_owner", lambda w: f"/pitches/{w.x['pitch'].pk}/withdraw/"),
    PageForm(
        "pitches/<int:pitch_id>/follow-up/",
        "owner",
        lambda w: f"/pitches/{w.x['pitch'].pk}/follow-up/",
        lambda w: {"pledge": str(w.x["card_pledge"].pk), "outcome": "contacted", "note": "ringt"},
    ),
    PageForm(
        "my/pools/<int:pool_id>/pledgers/",
        "owner",
        lambda w: f"/my/pools/{w.pool.pk}/pledgers/",
        lambda w: {"pledge": str(w.x["pledge"].pk), "outcome": "contacted", "note": "ringt"},
    ),
    PageForm("offers/pools/<int:pool_id>/manage/", "owner", lambda w: f"/offers/pools/{w.pool.pk}/manage/"),
    PageForm(
        "my/projects/<int:project_id>/swish/",
        "owner",
        lambda w: f"/my/projects/{w.project.pk}/swish/",
        lambda w: {"swish_number": "1239876543"},
        saved=lambda w: _exists("invest.Project", pk=w.project.pk, swish_number="1239876543"),
    ),
    PageForm(
        "offers/pools/<int:pool_id>/lender-payments/",
        "owner",
        lambda w: f"/offers/pools/{_loan_pledge(w).pool_id}/lender-payments/",
        lambda w: {"kind": "interest", "amount": "150,50", "paid_on": _today(-1)},
        saved=lambda w: _exists("pools.LenderPayment", pledge=_loan_pledge(w), amount_ore=15_050),
    ),
    # --- organisers
    PageForm(
        "fairs/new/",
        "organiser",
        lambda w: "/fairs/new/",
        lambda w: {
            "title": "Mässa under avbrott",
            "held_on": _today(30),
            "starts_at": "18:00",
            "place": "Bygdegården",
            "capacity": "80",
            "pitch_slots": "4",
        },  # fmt: skip
        saved=lambda w: _exists("invest.Fair", title="Mässa under avbrott"),
    ),
    PageForm("fairs/<int:fair_id>/programme/", "organiser", lambda w: f"/fairs/{w.x['fair'].pk}/programme/"),
    PageForm(
        "fairs/<int:fair_id>/cards/",
        "organiser",
        lambda w: f"/fairs/{w.x['fair'].pk}/cards/",
        lambda w: {
            "card_id": str(uuid.uuid4()),
            "pitch": str(w.x["pitch"].pk),
            "kind": "gift",
            "amount": "300",
            "name": "Volontär",
        },  # fmt: skip
        saved=lambda w: _exists("pools.Pledge", pool=w.x["pitch"].pool, amount_ore=30_000),
    ),
    PageForm("pitches/<int:pitch_id>/choose/", "organiser", lambda w: f"/pitches/{w.x['pitch'].pk}/choose/"),
    PageForm("pitches/<int:pitch_id>/decline/", "organiser", lambda w: f"/pitches/{w.x['pitch'].pk}/decline/"),
    PageForm(
        "fairs/<int:fair_id>/status/",
        "organiser",
        lambda w: f"/fairs/{w.x['fair'].pk}/status/",
        lambda w: {"action": "follow_up", "confirmed": "1"},
    ),
    PageForm(
        "funds/<slug:slug>/rules/",
        "organiser",
        lambda w: f"/funds/{w.x['fund'].slug}/rules/",
        lambda w: {"note": "under avbrott"},
    ),
    PageForm(
        "funds/<slug:slug>/swish/",
        "organiser",
        lambda w: f"/funds/{w.x['fund'].slug}/swish/",
        lambda w: {"swish_number": "1231181189"},
        saved=lambda w: _exists("invest.MicroFund", pk=w.x["fund"].pk, swish_number="1231181189"),
    ),
    PageForm(
        "funds/<slug:slug>/loans/new/",
        "organiser",
        lambda w: f"/funds/{w.x['fund'].slug}/loans/new/",
        lambda w: {"project": str(w.project.pk), "principal": "5000", "term_months": "12", "disbursed_on": _today()},
        saved=lambda w: _exists("invest.Loan", fund=w.x["fund"], principal_ore=500_000),
    ),
    PageForm(
        "funds/<slug:slug>/guarantees/new/",
        "organiser",
        lambda w: f"/funds/{w.x['fund'].slug}/guarantees/new/",
        lambda w: {
            "project": str(w.project.pk),
            "bank": "Bygdebanken",
            "loan_amount": "100000",
            "coverage_percent": "50",
            "term_months": "24",
            "issued_on": _today(),
        },  # fmt: skip
        saved=lambda w: _exists("invest.Guarantee", fund=w.x["fund"], bank="Bygdebanken"),
    ),
    PageForm(
        "funds/loans/<int:pk>/",
        "organiser",
        lambda w: f"/funds/loans/{w.x['loan'].pk}/",
        lambda w: {"amount": "100", "paid_on": _today()},
    ),
    PageForm(
        "funds/guarantees/<int:pk>/<str:action>/",
        "organiser",
        lambda w: f"/funds/guarantees/{w.x['guarantee'].pk}/balance/",
        lambda w: {"balance": "150000", "effective_on": _today()},
        page=lambda w: f"/funds/guarantees/{w.x['guarantee'].pk}/",
    ),
    PageForm(
        "funds/loans/<int:pk>/write-off/",
        "organiser",
        lambda w: f"/funds/loans/{w.x['loan'].pk}/write-off/",
        lambda w: {"written_off_on": _today(), "note": "konkurs"},
        page=lambda w: f"/funds/loans/{w.x['loan'].pk}/",
    ),
    # --- treasurers
    PageForm(
        "funds/withdrawals/<int:pk>/<str:action>/",
        "treasurer",
        lambda w: f"/funds/withdrawals/{w.x['withdrawal'].pk}/prepare/",
    ),
    PageForm(
        "treasury/payments/<int:pk>/match/",
        "treasurer",
        lambda w: f"/treasury/payments/{w.x['payment'].pk}/match/",
    ),
    PageForm(
        "treasury/allocations/<int:pk>/reverse/",
        "treasurer",
        lambda w: f"/treasury/allocations/{w.x['allocation'].pk}/reverse/",
        lambda w: {"note": "fel"},
    ),
    PageForm(
        "treasury/exceptions/<int:pk>/resolve/",
        "treasurer",
        lambda w: f"/treasury/exceptions/{_exception_line(w)}/resolve/",
        lambda w: {"note": "löst"},
    ),
    PageForm("treasury/bank-files/", "treasurer", lambda w: "/treasury/bank-files/"),
    PageForm(
        "treasury/reports/<str:kind>/prepare/",
        "treasurer",
        lambda w: "/treasury/reports/pools/prepare/",
        lambda w: {"file_format": "csv"},
        page=lambda w: "/treasury/reports/pools/",
        saved=lambda w: _exists("treasury.ReportBuild", requested_by=w.users["treasurer"], kind="pools"),
        note="a small report offers direct downloads; the prepare form is posted as a large report's page sends it",
    ),
    PageForm("treasury/payouts/", "treasurer", lambda w: "/treasury/payouts/", lambda w: {"kind": "refund"}),
    PageForm(
        "treasury/payouts/<int:pk>/cancel/",
        "treasurer",
        lambda w: f"/treasury/payouts/{w.x['batch'].pk}/cancel/",
        page=lambda w: f"/treasury/payouts/{w.x['batch'].pk}/",
    ),
    PageForm(
        "treasury/payouts/<int:pk>/approve/",
        "treasurer",
        lambda w: f"/treasury/payouts/{w.x['batch'].pk}/approve/",
        page=lambda w: f"/treasury/payouts/{w.x['batch'].pk}/",
        note="the preparer may not approve (four eyes): refused, never a 500",
    ),
    PageForm(
        "treasury/payouts/<int:pk>/export/",
        "treasurer",
        lambda w: f"/treasury/payouts/{w.x['batch'].pk}/export/",
        lambda w: {"file_format": "csv"},
        page=lambda w: f"/treasury/payouts/{w.x['batch'].pk}/",
    ),
    PageForm(
        "offers/sheets/<int:sheet_id>/approve/",
        "organiser",
        lambda w: f"/offers/sheets/{_sheet(w).pk if _sheet(w) else 999999}/approve/",
    ),
    PageForm(
        "ops/mail/failed/<int:pk>/retry/",
        "treasurer",
        lambda w: f"/ops/mail/failed/{w.x['money_mail'].pk}/retry/",
        page=lambda w: "/ops/mail/failed/",
        saved=lambda w: not _exists("operations.MailDelivery", pk=w.x["money_mail"].pk, status="failed"),
    ),
    PageForm(
        "ops/reminders/failed/",
        "treasurer",
        lambda w: "/ops/reminders/failed/",
        note="the old page: a permanent redirect to the failed mail page, whatever the method",
    ),
    # --- communities: the world's community is managed by its treasurer; creating one is platform staff's
    PageForm(
        "manage/communities/new/",
        "treasurer",
        lambda w: "/manage/communities/new/",
        lambda w: {"name": "Ny by", "slug": "ny-by"},
        note="platform staff only: the treasurer is refused (403)",
    ),
    PageForm(
        "manage/communities/<int:community_id>/",
        "treasurer",
        lambda w: f"/manage/communities/{w.pool.community_id}/",
        lambda w: {"contact_phone": "070-765 43 21"},
        saved=lambda w: _exists("communities.Community", pk=w.pool.community_id, contact_phone="070-765 43 21"),
    ),
    PageForm(
        "manage/communities/<int:community_id>/members/grant/",
        "treasurer",
        lambda w: f"/manage/communities/{w.pool.community_id}/members/grant/",
        lambda w: {"grant-email": w.users["other_owner"].email, "grant-role": "fund_manager"},
        page=lambda w: f"/manage/communities/{w.pool.community_id}/members/",
        saved=lambda w: _exists("communities.CommunityMembership", user=w.users["other_owner"], role="fund_manager"),
    ),
    PageForm(
        "manage/communities/<int:community_id>/invitations/",
        "treasurer",
        lambda w: f"/manage/communities/{w.pool.community_id}/invitations/",
        lambda w: {"invite-email": "ny.fond@example.se", "invite-role": "fund_manager"},
        page=lambda w: f"/manage/communities/{w.pool.community_id}/members/",
        saved=lambda w: _exists("communities.CommunityInvitation", email="ny.fond@example.se", status="pending"),
    ),
    PageForm(
        "manage/communities/<int:community_id>/invitations/<int:invitation_id>/revoke/",
        "treasurer",
        lambda w: f"/manage/communities/{w.pool.community_id}/invitations/{_pending_invitation(w).pk}/revoke/",
        page=lambda w: f"/manage/communities/{w.pool.community_id}/members/",
        saved=lambda w: _exists("communities.CommunityInvitation", email="ny.fond@example.se", status="revoked"),
    ),
    PageForm(
        "manage/communities/<int:community_id>/invitations/<int:invitation_id>/resend/",
        "treasurer",
        lambda w: f"/manage/communities/{w.pool.community_id}/invitations/{_invitation_mailed_earlier(w).pk}/resend/",
        page=lambda w: f"/manage/communities/{w.pool.community_id}/members/",
        saved=lambda w: _exists("communities.CommunityInvitation", email="ny.igen@example.se", sent_count=2),
    ),
    PageForm(
        "manage/communities/<int:community_id>/members/<int:membership_id>/revoke/",
        "treasurer",
        lambda w: f"/manage/communities/{w.pool.community_id}/members/{_membership(w, 'other_owner').pk}/revoke/",
        page=lambda w: f"/manage/communities/{w.pool.community_id}/members/",
        saved=lambda w: (
            not _exists("communities.CommunityMembership", user=w.users["other_owner"], role="fund_manager")
        ),
    ),
    PageForm(
        "invitations/<str:token>/",
        "anonymous",
        lambda w: f"/invitations/{_invitation_token(w)}/",
        lambda w: {"full_name": "Ny Kassör", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "language": "sv"},
        saved=lambda w: _exists("communities.CommunityMembership", user__email="ny.kassor@example.se"),
    ),
    PageForm(
        "community/choose/",
        "treasurer",
        lambda w: "/community/choose/",
        lambda w: {"community": "", "next": "/treasury/"},
    ),
    # --- everyone's account
    PageForm(
        "account/two-factor/verify/", "saver", lambda w: "/account/two-factor/verify/", lambda w: {"code": "000000"}
    ),
    PageForm(
        "account/two-factor/setup/", "owner", lambda w: "/account/two-factor/setup/", lambda w: {"code": "000000"}
    ),
    PageForm("language/", "saver", lambda w: "/language/", lambda w: {"language": "sv", "next": "/"}),
    PageForm(
        "my/erase/",
        "other_owner",
        lambda w: "/my/erase/",
        lambda w: {"password": PASSWORD, "confirm": "on"},
    ),
    PageForm("logout/", "saver", lambda w: "/logout/"),
    PageForm(
        "my/password/",
        "other_saver",
        lambda w: "/my/password/",
        lambda w: {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        saved=lambda w: _password_is(w, "other_saver", NEW_PASSWORD),
        note="last: the world's user object keeps the old password hash, so later logins as this role would fail",
    ),
]


def _pending_invitation(world: World) -> Any:
    from communities.models import CommunityInvitation

    return CommunityInvitation.objects.filter(status="pending").order_by("-pk").first() or _new_invitation(world)


def _invitation_mailed_earlier(world: World) -> Any:
    """A pending invitation mailed an hour ago (so it may be sent again), made once per world."""
    from datetime import timedelta

    from django.utils import timezone

    from communities.models import CommunityInvitation

    found = CommunityInvitation.objects.filter(email="ny.igen@example.se", status="pending").first()
    if found is None:
        found = _new_invitation(world, email="ny.igen@example.se", role="organiser")
        CommunityInvitation.objects.filter(pk=found.pk).update(created_at=timezone.now() - timedelta(hours=1))
    return found


def _new_invitation(world: World, email: str = "ny.kassor@example.se", role: str = "project_owner") -> Any:
    from communities.models import Community
    from communities.services import invitation_create

    return invitation_create(
        by=world.users["treasurer"], community=Community.objects.get(pk=world.pool.community_id), email=email, role=role
    )


def _invitation_token(world: World) -> str:
    """The link token of a fresh invitation to ny.kassor@example.se (no account yet), made once."""
    from communities.services import invitation_token

    if "invitation_for_new" not in world.x:
        world.x["invitation_for_new"] = _new_invitation(world)
    return invitation_token(world.x["invitation_for_new"])


def _membership(world: World, role: str) -> Any:
    from communities.models import CommunityMembership

    found = CommunityMembership.objects.filter(user=world.users[role]).order_by("-pk").first()
    return found if found is not None else type("Missing", (), {"pk": 999999})()


def _exception_line(world: World) -> int:
    from treasury.models import BankFileLine

    line = BankFileLine.objects.order_by("pk").first()
    if line is None:
        line = BankFileLine.objects.create(
            bank_file=world.x["bank_file"], position=1, amount_ore=1_000, booked_on=timezone.localdate(),
            reference="avgift", outcome="deduction", is_deduction=True,
        )  # fmt: skip
    return line.pk


def post_every_page_form(world: World, login_as: Callable[..., Any]) -> list[tuple[PageForm, Any, bool | None]]:
    """Post every row of PAGE_FORMS as its role, in order; (row, response, saved) triples, where saved is the
    row's check read right after its own post (a later row may undo it: a role given, then taken away), or None
    for a row without a check."""
    results = []
    for row in PAGE_FORMS:
        client = Client()
        user = world.users[row.role]
        if user is not None:
            login_as(client, user)
        response = post_form(client, row, world)
        results.append((row, response, None if row.saved is None else bool(row.saved(world))))
    return results
