"""Every endpoint x every role: who may read and write what.

MATRIX holds one row per (method, route). A guard walks the URL resolver and fails when
an endpoint under /api/ has no row, so endpoints merged later cannot escape the matrix:
add a row (route exactly as the resolver prints it) with the expected status per role.

Objects a role may not see answer 404, not 403. Treasurers and organisers are logged in
with two-factor verification (the `login_as` fixture); everyone else by session too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.roles import Role
from communities.services import community_create, membership_grant
from invest.models import ProjectStatus
from pools.models import Pool, PoolStatus
from tests.api.routes import api_routes
from tests.factories import MEMBERSHIP_ROLES, PoolFactory, ProjectFactory, UserFactory

ROLES = (
    "anonymous",
    "saver",
    "other_saver",
    "owner",
    "other_owner",
    "treasurer",
    "organiser",
    "other_treasurer",
    "other_organiser",
)
# Staff of a second community (B): every object of the world belongs to the first community (A), so these
# two must be refused A's records (404, or 403 where the row refuses the role outright) and find none of
# A's rows in their lists (test_other_communitys_staff_find_none_of_its_rows_in_lists).
OTHER_COMMUNITY_STAFF = ("other_treasurer", "other_organiser")
PASSWORD = "correct horse battery staple"  # UserFactory's


@dataclass
class World:
    users: dict[str, Any]
    project: Any  # published, owned by "owner"
    draft_project: Any  # draft, owned by "owner"
    pool: Any  # open, of `project`
    draft_pool: Any  # draft, of `project`
    _extra: dict[str, Any] | None = None

    @property
    def x(self) -> dict[str, Any]:
        """The other teams' objects (see _more_world), built on first use: most rows need none."""
        if self._extra is None:
            self._extra = _more_world(self)
        return self._extra


@pytest.fixture
def world(db) -> World:
    return build_world()


def build_world() -> World:
    """Every record in the first community (A); B's treasurer and organiser hold their roles in B only."""
    users = {
        "anonymous": None,
        "saver": UserFactory(roles=(Role.SAVER,)),
        "other_saver": UserFactory(roles=(Role.SAVER,)),
        "owner": UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER)),
        "other_owner": UserFactory(roles=(Role.SAVER, Role.PROJECT_OWNER)),
        "treasurer": UserFactory(roles=(Role.TREASURER,)),
        "organiser": UserFactory(roles=(Role.ORGANISER,)),
    }
    other = community_create(name="Kvarnbyns byalag", slug="kvarnbyn", bankgiro="5402-8741")
    users["other_treasurer"] = staff_of(other, Role.TREASURER)
    users["other_organiser"] = staff_of(other, Role.ORGANISER)
    project = ProjectFactory(owner=users["owner"])
    draft_project = ProjectFactory(owner=users["owner"], status=ProjectStatus.DRAFT, published_at=None)
    ProjectFactory(owner=users["other_owner"])
    pool = PoolFactory(project=project)
    draft_pool = PoolFactory(project=project, status=PoolStatus.DRAFT)
    return World(users=users, project=project, draft_project=draft_project, pool=pool, draft_pool=draft_pool)


def staff_of(community: Any, role: Role) -> Any:
    """A two-factor staff login (treasurer or organiser) whose role holds in `community` only."""
    from communities.models import CommunityMembership

    user = UserFactory(roles=(role,))
    CommunityMembership.objects.filter(user=user).delete()  # the factory's default-community memberships
    for membership_role in MEMBERSHIP_ROLES[role]:
        membership_grant(user=user, community=community, role=membership_role)
    return user


def _more_world(w: World) -> dict[str, Any]:
    """Objects of every kind the API serves: a saver's pledge, a fund (organiser's) with the saver as
    member, a withdrawal, a loan and a guarantee to the owner's project, a live fair with the owner's
    pitch and a card pledge, and treasury records (payment, allocation, payout batch, bank file)."""
    from datetime import date, timedelta

    from django.utils import timezone

    from invest.funds.services import (
        capital_withdrawal_request,
        fund_member_join,
        fund_rules_set,
        guarantee_create,
        loan_create,
    )
    from pools.models import PaymentChannel, PledgeKind, PoolKind
    from pools.services import payment_record, pledge_create
    from tests.factories import MicroFundFactory, ShareOfferPoolFactory
    from tests.invest.fairs.builders import card, live_fair
    from tests.invest.funds.conftest import RULES, pay
    from tests.treasury.helpers import money_pledge, ocr
    from treasury.models import BankFile
    from treasury.services import payment_match_manual, payout_prepare

    u = w.users
    organiser, treasurer, saver, owner = u["organiser"], u["treasurer"], u["saver"], u["owner"]
    today = timezone.localdate()
    fund = MicroFundFactory(organiser=organiser)
    fund_rules_set(fund=fund, by=organiser, **RULES)
    capital = PoolFactory(project=None, micro_fund=fund, kind=PoolKind.FUND_CAPITAL, target_ore=10**10)
    gift = pledge_create(pool=capital, saver=organiser, kind=PledgeKind.GIFT, amount_ore=100_000_000)
    pay(gift, 100_000_000, today - timedelta(days=10))
    share_pool = ShareOfferPoolFactory(project=None, micro_fund=fund, share_price_ore=50_000, target_ore=10**10)
    membership = fund_member_join(fund=fund, user=saver, pool=share_pool)
    share = membership.shares.get()
    pay(share.pledge, share.pledge.amount_ore, today)
    withdrawal = capital_withdrawal_request(fund=fund, user=saver, amount_ore=10_000)
    loan = loan_create(
        fund=fund,
        by=organiser,
        project=w.project,
        principal_ore=1_200_000,
        term_months=12,
        disbursed_on=today - timedelta(days=5),
    )
    guarantee = guarantee_create(
        fund=fund,
        by=organiser,
        project=w.project,
        bank="Sparbanken Bygd",
        loan_amount_ore=20_000_000,
        coverage_bp=8000,
        term_months=60,
        issued_on=today,
    )
    fair, (pitch, _other) = live_fair(organiser, owner=owner)
    card_pledge = card(pitch, may_contact=True).pledge
    pledge = money_pledge(w.pool, saver, amount_ore=10_000, reference=ocr(40001))
    payment = payment_record(
        amount_ore=15_000,
        received_on=date(2026, 3, 1),
        channel=PaymentChannel.MANUAL,
        payer_account="bankgiro 5050-1055",
    )
    [allocation] = payment_match_manual(payment=payment, parts=[(pledge, 10_000)], by=treasurer)
    batch = payout_prepare(kind="refund", source_keys=[f"overpayment:{payment.pk}"], by=treasurer)
    bank_file = BankFile.objects.create(sha256="2" * 64, format="bgmax", content=b"x", imported_by=treasurer)
    from treasury.report_builds import report_build_request
    from treasury.reports import report_params

    report_build, _created = report_build_request(
        by=treasurer,
        kind="pools",
        params=report_params(as_of=today, date_from=None, date_to=None),
        file_format="csv",
        language="sv",
    )  # queued: its download answers 409 until a worker has prepared it
    from operations.models import MailDelivery

    # One failed mail of each audience: the money mail is the treasurer's, the fair mail the organiser's.
    money_mail = MailDelivery.objects.create(
        key="receipt:matrix",
        kind="receipt",
        status="failed",
        next_attempt_at=timezone.now(),
        to="kvitto-a@example.se",
        community_id=w.pool.community_id,
    )
    fair_mail = MailDelivery.objects.create(
        key="fair_notice:matrix",
        kind="fair_notice",
        status="failed",
        next_attempt_at=timezone.now(),
        to="massa-a@example.se",
        community_id=w.pool.community_id,
    )
    return {
        "money_mail": money_mail,
        "fair_mail": fair_mail,
        "fund": fund,
        "share_pool": share_pool,
        "withdrawal": withdrawal,
        "loan": loan,
        "guarantee": guarantee,
        "fair": fair,
        "pitch": pitch,
        "card_pledge": card_pledge,
        "pledge": pledge,
        "payment": payment,
        "allocation": allocation,
        "batch": batch,
        "bank_file": bank_file,
        "report_build": report_build,
    }


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _draft_sheet(w: World) -> Any:
    """A fresh draft of the open pool's key information sheet (one per request, so each role finds a draft)."""
    from pools.offers.models import KeyInfoSheet

    latest = KeyInfoSheet.objects.filter(pool=w.pool).order_by("-version").first()
    return KeyInfoSheet.objects.create(
        pool=w.pool, version=(latest.version + 1) if latest else 1, content={}, written_by=w.users["owner"]
    )


def _organiser_membership(w: World) -> Any:
    """The world organiser's organiser membership of the world's community (given again when a test that sends
    every row through one world, tests/integration/test_redis_down.py, has already taken it away)."""
    from communities.models import Community
    from communities.services import membership_grant

    community = Community.objects.get(pk=w.pool.community_id)
    return membership_grant(user=w.users["organiser"], community=community, role="organiser")


def _invitation_sent_earlier(w: World) -> Any:
    """A pending invitation of the world's community mailed an hour ago (so it may be sent again)."""
    from datetime import timedelta

    from django.utils import timezone

    from communities.models import Community, CommunityInvitation
    from communities.services import invitation_create

    made = getattr(w, "_earlier_invitation_row", None)
    if made is None:
        made = invitation_create(
            by=w.users["treasurer"],
            community=Community.objects.get(pk=w.pool.community_id),
            email="inbjuden.tidigare@example.se",
            role="fund_manager",
        )
        CommunityInvitation.objects.filter(pk=made.pk).update(created_at=timezone.now() - timedelta(hours=1))
        w._earlier_invitation_row = made  # type: ignore[attr-defined]  (a cache on the test's world)
    return made


def _invitation(w: World) -> Any:
    """A pending invitation of the world's community, sent by its treasurer (made once per world)."""
    from communities.models import Community
    from communities.services import invitation_create

    made = getattr(w, "_invitation_row", None)
    if made is None:
        made = invitation_create(
            by=w.users["treasurer"],
            community=Community.objects.get(pk=w.pool.community_id),
            email="inbjuden@example.se",
            role="fund_manager",
        )
        w._invitation_row = made  # type: ignore[attr-defined]  (a cache on the test's world)
    return made


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)


@dataclass
class Row:
    method: str
    route: str  # as the URL resolver prints it
    url: Callable[[World], str]
    expected: dict[str, int]
    body: Callable[[World, str], dict[str, Any]] | None = None
    note: str = ""
    after: Callable[[World, str, Any], None] | None = field(default=None)


def _token_body(world: World, role: str) -> dict[str, Any]:
    user = world.users[role]
    if user is None:
        return {"email": "nobody@example.se", "password": PASSWORD}
    return {"email": user.email, "password": PASSWORD}


MATRIX = [
    Row("GET", "healthz", lambda w: "/healthz", everyone(200)),
    Row("GET", "api/", lambda w: "/api/", everyone(200)),
    Row(
        "POST",
        "api/auth/token/",
        lambda w: "/api/auth/token/",
        {
            "anonymous": 400,  # unknown email
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 403,  # no tokens for two-factor roles
            "organiser": 403,
            "other_treasurer": 403,
            "other_organiser": 403,
        },
        body=_token_body,
        note="each role posts its own email and password",
    ),
    Row("GET", "api/pools/", lambda w: "/api/pools/", everyone(200)),
    Row("GET", "api/pools/<int:pk>/", lambda w: f"/api/pools/{w.pool.pk}/", everyone(200), note="open pool"),
    Row(
        "GET",
        "api/pools/<int:pk>/",
        lambda w: f"/api/pools/{w.draft_pool.pk}/",
        everyone(404),
        note="a draft pool is nobody's to see over the API",
    ),
    Row("GET", "api/projects/", lambda w: "/api/projects/", everyone(200)),
    Row(
        "GET",
        "api/projects/<int:pk>/",
        lambda w: f"/api/projects/{w.project.pk}/",
        everyone(200),
        note="published project",
    ),
    Row(
        "GET",
        "api/projects/<int:pk>/",
        lambda w: f"/api/projects/{w.draft_project.pk}/",
        {
            "anonymous": 404,
            "saver": 404,
            "other_saver": 404,
            "owner": 200,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
        note="draft project: its owner and organisers only",
    ),
    Row(
        "PATCH",
        "api/projects/<int:pk>/",
        lambda w: f"/api/projects/{w.project.pk}/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 400,
            "other_owner": 403,
            "treasurer": 403,
            "organiser": 400,
            "other_treasurer": 403,
            "other_organiser": 403,
        },
        note="the Swish number: its owner or an organiser (empty body: 400); refused before the body is read",
    ),
    Row(
        "PATCH",
        "api/projects/<int:pk>/",
        lambda w: f"/api/projects/{w.draft_project.pk}/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 400,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 400,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
        note="a draft project others cannot see",
    ),
    # The merged teams' endpoints. Write rows send an empty body unless noted: a role let through
    # gets 400 (its input is checked), a refused one 401/403/404 before any input is read.
    Row(
        "POST",
        "api/pools/<int:pool_id>/pledges/",
        lambda w: f"/api/pools/{w.pool.pk}/pledges/",
        {
            "anonymous": 401,
            "saver": 400,
            "other_saver": 400,
            "owner": 400,
            "other_owner": 400,
            "treasurer": 400,
            "organiser": 400,
            "other_treasurer": 400,
            "other_organiser": 400,
        },
    ),
    Row(
        "GET",
        "api/pledges/",
        lambda w: "/api/pledges/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "GET",
        "api/pledges/<int:pk>/",
        lambda w: f"/api/pledges/{w.x['pledge'].pk}/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 404,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "PATCH",
        "api/pledges/<int:pk>/",
        lambda w: f"/api/pledges/{w.x['pledge'].pk}/",
        {
            "anonymous": 401,
            "saver": 400,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 404,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row("GET", "api/pools/<int:pk>/offer/", lambda w: f"/api/pools/{w.pool.pk}/offer/", everyone(200)),
    Row(
        "GET",
        "api/pools/<int:pk>/sheets/",
        lambda w: f"/api/pools/{w.pool.pk}/sheets/",
        {**everyone(404), "anonymous": 401, "owner": 200, "organiser": 200},
        note="the pool's owner and organisers",
    ),
    Row(
        "POST",
        "api/pools/<int:pk>/sheets/",
        lambda w: f"/api/pools/{w.pool.pk}/sheets/",
        {**everyone(404), "anonymous": 401, "owner": 400, "organiser": 400},
        note="empty body",
    ),
    Row(
        "GET",
        "api/pools/<int:pk>/lender-payments/",
        lambda w: f"/api/pools/{w.pool.pk}/lender-payments/",
        {**everyone(404), "anonymous": 401, "owner": 200, "treasurer": 200},
        note="the pool's owner and treasurers",
    ),
    Row(
        "POST",
        "api/pools/<int:pk>/lender-payments/",
        lambda w: f"/api/pools/{w.pool.pk}/lender-payments/",
        {**everyone(404), "anonymous": 401, "owner": 400, "treasurer": 400},
        note="empty body",
    ),
    Row(
        "POST",
        "api/sheets/<int:pk>/approve/",
        lambda w: f"/api/sheets/{_draft_sheet(w).pk}/approve/",
        {**everyone(404), "anonymous": 401, "organiser": 200},
        note="a draft sheet of the owner's pool: organisers only",
    ),
    Row(
        "POST",
        "api/pledges/<int:pk>/confirm-interest/",
        lambda w: f"/api/pledges/{w.x['pledge'].pk}/confirm-interest/",
        {**everyone(404), "anonymous": 401, "saver": 409},
        note="the saver's own pledge, not an expression of interest",
    ),
    Row(
        "POST",
        "api/pledges/<int:pk>/revoke/",
        lambda w: f"/api/pledges/{w.x['pledge'].pk}/revoke/",
        {
            "anonymous": 401,
            "saver": 409,  # not a regulated pledge: nothing to revoke
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 404,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/me/assessment/",
        lambda w: "/api/me/assessment/",
        {**everyone(404), "anonymous": 401},
        note="nobody has taken the test",
    ),
    Row(
        "POST",
        "api/me/assessment/",
        lambda w: "/api/me/assessment/",
        {**everyone(400), "anonymous": 401},
        note="empty body",
    ),
    Row("GET", "api/me/statements/", lambda w: "/api/me/statements/", {**everyone(200), "anonymous": 401}),
    Row(
        "POST",
        "api/pledges/<int:pk>/withdraw/",
        lambda w: f"/api/pledges/{w.x['pledge'].pk}/withdraw/",
        {
            "anonymous": 401,
            "saver": 409,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 404,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/me/",
        lambda w: "/api/me/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
        note="each caller's own profile; no user id in the address",
    ),
    Row(
        "PATCH",
        "api/me/",
        lambda w: "/api/me/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
        note="an empty body changes nothing; see tests/api/test_me.py for the refund account",
    ),
    Row(
        "GET",
        "api/me/payments/",
        lambda w: "/api/me/payments/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "GET",
        "api/me/export/",
        lambda w: "/api/me/export/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "GET",
        "api/funds/",
        lambda w: "/api/funds/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "GET",
        "api/funds/<int:pk>/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "PATCH",
        "api/funds/<int:pk>/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 403,
            "organiser": 400,
            "other_treasurer": 403,
            "other_organiser": 403,
        },
        note="the Swish number: the fund's own organiser only (empty body: 400)",
    ),
    Row(
        "GET",
        "api/funds/<int:pk>/rules/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/rules/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/funds/<int:pk>/rules/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/rules/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 403,
            "organiser": 400,
            "other_treasurer": 403,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/funds/<int:pk>/position/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/position/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/funds/<int:pk>/join/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/join/",
        {
            "anonymous": 401,
            "saver": 400,
            "other_saver": 400,
            "owner": 400,
            "other_owner": 400,
            "treasurer": 400,
            "organiser": 400,
            "other_treasurer": 400,
            "other_organiser": 400,
        },
    ),
    Row(
        "POST",
        "api/funds/<int:pk>/shares/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/shares/",
        {
            "anonymous": 401,
            "saver": 400,
            "other_saver": 400,
            "owner": 400,
            "other_owner": 400,
            "treasurer": 400,
            "organiser": 400,
            "other_treasurer": 400,
            "other_organiser": 400,
        },
    ),
    Row(
        "GET",
        "api/funds/<int:pk>/statement/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/statement/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 404,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/funds/<int:pk>/withdrawals/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/withdrawals/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 200,
            "organiser": 404,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/funds/<int:pk>/withdrawals/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/withdrawals/",
        {
            "anonymous": 401,
            "saver": 400,
            "other_saver": 400,
            "owner": 400,
            "other_owner": 400,
            "treasurer": 400,
            "organiser": 400,
            "other_treasurer": 400,
            "other_organiser": 400,
        },
    ),
    Row(
        "POST",
        "api/funds/<int:pk>/loans/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/loans/",
        {
            "anonymous": 401,
            "saver": 400,
            "other_saver": 400,
            "owner": 400,
            "other_owner": 400,
            "treasurer": 400,
            "organiser": 400,
            "other_treasurer": 400,
            "other_organiser": 400,
        },
    ),
    Row(
        "POST",
        "api/funds/<int:pk>/guarantees/",
        lambda w: f"/api/funds/{w.x['fund'].pk}/guarantees/",
        {
            "anonymous": 401,
            "saver": 400,
            "other_saver": 400,
            "owner": 400,
            "other_owner": 400,
            "treasurer": 400,
            "organiser": 400,
            "other_treasurer": 400,
            "other_organiser": 400,
        },
    ),
    Row(
        "POST",
        "api/fund-withdrawals/<int:pk>/<str:action>/",
        lambda w: f"/api/fund-withdrawals/{w.x['withdrawal'].pk}/prepare/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 200,
            "organiser": 404,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/loans/",
        lambda w: "/api/loans/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "GET",
        "api/loans/<int:pk>/",
        lambda w: f"/api/loans/{w.x['loan'].pk}/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 200,
            "other_owner": 404,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/loans/<int:pk>/repayments/",
        lambda w: f"/api/loans/{w.x['loan'].pk}/repayments/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 403,
            "other_owner": 404,
            "treasurer": 201,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
        body=lambda w, r: {"amount": "100.00", "paid_on": _today()},
        note="a valid repayment",
    ),
    Row(
        "POST",
        "api/loans/<int:pk>/write-off/",
        lambda w: f"/api/loans/{w.x['loan'].pk}/write-off/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 403,
            "other_owner": 404,
            "treasurer": 403,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
        body=lambda w, r: {"written_off_on": _today()},
        note="a valid write-off",
    ),
    Row(
        "GET",
        "api/guarantees/",
        lambda w: "/api/guarantees/",
        {
            "anonymous": 401,
            "saver": 200,
            "other_saver": 200,
            "owner": 200,
            "other_owner": 200,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "GET",
        "api/guarantees/<int:pk>/",
        lambda w: f"/api/guarantees/{w.x['guarantee'].pk}/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 200,
            "other_owner": 404,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/guarantees/<int:pk>/<str:action>/",
        lambda w: f"/api/guarantees/{w.x['guarantee'].pk}/balance/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 403,
            "other_owner": 404,
            "treasurer": 201,
            "organiser": 201,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
        body=lambda w, r: {"balance": "150000.00", "effective_on": _today()},
        note="a valid balance report",
    ),
    Row("GET", "api/fairs/", lambda w: "/api/fairs/", everyone(200)),
    Row(
        "POST",
        "api/fairs/",
        lambda w: "/api/fairs/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 403,
            "organiser": 400,
            "other_treasurer": 403,
            "other_organiser": 400,
        },
    ),
    Row("GET", "api/fairs/<int:fair_id>/", lambda w: f"/api/fairs/{w.x['fair'].pk}/", everyone(200)),
    Row(
        "POST",
        "api/fairs/<int:fair_id>/transitions/",
        lambda w: f"/api/fairs/{w.x['fair'].pk}/transitions/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 400,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/fairs/<int:fair_id>/applications/",
        lambda w: f"/api/fairs/{w.x['fair'].pk}/applications/",
        {
            "anonymous": 401,
            "saver": 400,
            "other_saver": 400,
            "owner": 400,
            "other_owner": 400,
            "treasurer": 400,
            "organiser": 400,
            "other_treasurer": 400,
            "other_organiser": 400,
        },
    ),
    Row(
        "PUT",
        "api/fairs/<int:fair_id>/programme/",
        lambda w: f"/api/fairs/{w.x['fair'].pk}/programme/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 400,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/fairs/<int:fair_id>/cards/",
        lambda w: f"/api/fairs/{w.x['fair'].pk}/cards/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 400,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/fairs/<int:fair_id>/board/",
        lambda w: f"/api/fairs/{w.x['fair'].pk}/board/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/fairs/<int:fair_id>/report/",
        lambda w: f"/api/fairs/{w.x['fair'].pk}/report/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/pitches/<int:pitch_id>/",
        lambda w: f"/api/pitches/{w.x['pitch'].pk}/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 200,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "PATCH",
        "api/pitches/<int:pitch_id>/",
        lambda w: f"/api/pitches/{w.x['pitch'].pk}/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 200,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/pitches/<int:pitch_id>/choose/",
        lambda w: f"/api/pitches/{w.x['pitch'].pk}/choose/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 409,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/pitches/<int:pitch_id>/decline/",
        lambda w: f"/api/pitches/{w.x['pitch'].pk}/decline/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 404,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 409,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/pitches/<int:pitch_id>/confirm/",
        lambda w: f"/api/pitches/{w.x['pitch'].pk}/confirm/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 200,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/pitches/<int:pitch_id>/withdraw/",
        lambda w: f"/api/pitches/{w.x['pitch'].pk}/withdraw/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 409,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/pitches/<int:pitch_id>/board/",
        lambda w: f"/api/pitches/{w.x['pitch'].pk}/board/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 200,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/pitches/<int:pitch_id>/pledgers/",
        lambda w: f"/api/pitches/{w.x['pitch'].pk}/pledgers/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 200,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "POST",
        "api/pitches/<int:pitch_id>/pledgers/<int:pledge_id>/follow-ups/",
        lambda w: f"/api/pitches/{w.x['pitch'].pk}/pledgers/{w.x['card_pledge'].pk}/follow-ups/",
        {
            "anonymous": 401,
            "saver": 404,
            "other_saver": 404,
            "owner": 400,
            "other_owner": 404,
            "treasurer": 404,
            "organiser": 400,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row("POST", "api/fair-cards/<str:code>/", lambda w: f"/api/fair-cards/{w.x['pitch'].code}/", everyone(400)),
    Row(
        "GET",
        "api/jobs/",
        lambda w: "/api/jobs/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "GET",
        "api/mail/failed/",
        lambda w: "/api/mail/failed/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "POST",
        "api/mail/failed/<int:pk>/retry/",
        lambda w: f"/api/mail/failed/{w.x['fair_mail'].pk}/retry/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 404,  # a fair mail: the organiser's to retry
            "organiser": 200,
            "other_treasurer": 404,
            "other_organiser": 404,
        },
    ),
    Row(
        "GET",
        "api/reminders/failed/",
        lambda w: "/api/reminders/failed/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 200,
            "other_treasurer": 200,
            "other_organiser": 200,
        },
    ),
    Row(
        "GET",
        "api/treasury/bank-files/",
        lambda w: "/api/treasury/bank-files/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/bank-files/",
        lambda w: "/api/treasury/bank-files/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 400,
            "organiser": 403,
            "other_treasurer": 400,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/bank-files/<int:pk>/",
        lambda w: f"/api/treasury/bank-files/{w.x['bank_file'].pk}/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/exceptions/",
        lambda w: "/api/treasury/exceptions/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/exceptions/<int:pk>/resolve/",
        lambda w: "/api/treasury/exceptions/999999/resolve/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 404,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/returned-payments/",
        lambda w: "/api/treasury/returned-payments/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/payments/",
        lambda w: "/api/treasury/payments/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/payments/<int:pk>/",
        lambda w: f"/api/treasury/payments/{w.x['payment'].pk}/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/payments/<int:pk>/match/",
        lambda w: f"/api/treasury/payments/{w.x['payment'].pk}/match/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 400,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/payments/<int:pk>/suggestions/",
        lambda w: f"/api/treasury/payments/{w.x['payment'].pk}/suggestions/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/payments/<int:pk>/suggestions/match/",
        lambda w: f"/api/treasury/payments/{w.x['payment'].pk}/suggestions/match/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 400,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/allocations/<int:pk>/reverse/",
        lambda w: f"/api/treasury/allocations/{w.x['allocation'].pk}/reverse/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 201,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/pledges/",
        lambda w: "/api/treasury/pledges/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/reports/<str:kind>/",
        lambda w: "/api/treasury/reports/pools/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/report-builds/",
        lambda w: "/api/treasury/report-builds/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/report-builds/",
        lambda w: "/api/treasury/report-builds/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 201,
            "organiser": 403,
            "other_treasurer": 201,
            "other_organiser": 403,
        },
        body=lambda w, r: {"kind": "pools", "format": "csv"},
    ),
    Row(
        "GET",
        "api/treasury/report-builds/<int:pk>/",
        lambda w: f"/api/treasury/report-builds/{w.x['report_build'].pk}/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/report-builds/<int:pk>/download/",
        lambda w: f"/api/treasury/report-builds/{w.x['report_build'].pk}/download/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 409,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
        note="still queued: 409 until a worker has prepared it",
    ),
    Row(
        "GET",
        "api/treasury/payout-candidates/",
        lambda w: "/api/treasury/payout-candidates/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/payouts/",
        lambda w: "/api/treasury/payouts/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/payouts/",
        lambda w: "/api/treasury/payouts/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 400,
            "organiser": 403,
            "other_treasurer": 400,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/payouts/<int:pk>/",
        lambda w: f"/api/treasury/payouts/{w.x['batch'].pk}/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/payouts/<int:pk>/approve/",
        lambda w: f"/api/treasury/payouts/{w.x['batch'].pk}/approve/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 403,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/payouts/<int:pk>/cancel/",
        lambda w: f"/api/treasury/payouts/{w.x['batch'].pk}/cancel/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "POST",
        "api/treasury/payouts/<int:pk>/export/",
        lambda w: f"/api/treasury/payouts/{w.x['batch'].pk}/export/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 409,
            "organiser": 403,
            "other_treasurer": 404,
            "other_organiser": 403,
        },
    ),
    Row(
        "GET",
        "api/treasury/audit/",
        lambda w: "/api/treasury/audit/",
        {
            "anonymous": 401,
            "saver": 403,
            "other_saver": 403,
            "owner": 403,
            "other_owner": 403,
            "treasurer": 200,
            "organiser": 403,
            "other_treasurer": 200,
            "other_organiser": 403,
        },
    ),
    # Communities and their roles: the world's one community is managed by its treasurer (platform staff,
    # is_staff, are no role here: tests/api/test_communities.py covers them and another community's staff).
    Row("GET", "api/communities/", lambda w: "/api/communities/", {**everyone(200), "anonymous": 401}),
    Row(
        "POST",
        "api/communities/",
        lambda w: "/api/communities/",
        {**everyone(403), "anonymous": 401},
        body=lambda w, role: {"name": "Ny by", "slug": f"ny-by-{role}"},
        note="platform staff only",
    ),
    Row(
        "GET",
        "api/communities/<int:pk>/",
        lambda w: f"/api/communities/{w.pool.community_id}/",
        {**everyone(404), "anonymous": 401, "treasurer": 200},
    ),
    Row(
        "PATCH",
        "api/communities/<int:pk>/",
        lambda w: f"/api/communities/{w.pool.community_id}/",
        {**everyone(404), "anonymous": 401, "treasurer": 200},
        body=lambda w, role: {"contact_phone": "070-123 45 67"},
    ),
    Row(
        "GET",
        "api/communities/<int:pk>/memberships/",
        lambda w: f"/api/communities/{w.pool.community_id}/memberships/",
        {**everyone(404), "anonymous": 401, "treasurer": 200},
    ),
    Row(
        "POST",
        "api/communities/<int:pk>/memberships/",
        lambda w: f"/api/communities/{w.pool.community_id}/memberships/",
        {**everyone(404), "anonymous": 401, "treasurer": 201},
        body=lambda w, role: {"email": w.users["other_owner"].email, "role": "organiser"},
    ),
    Row(
        "DELETE",
        "api/communities/<int:pk>/memberships/<int:membership_id>/",
        lambda w: f"/api/communities/{w.pool.community_id}/memberships/{_organiser_membership(w).pk}/",
        {**everyone(404), "anonymous": 401, "treasurer": 204},
    ),
    Row(
        "GET",
        "api/communities/<int:pk>/invitations/",
        lambda w: f"/api/communities/{w.pool.community_id}/invitations/",
        {**everyone(404), "anonymous": 401, "treasurer": 200},
    ),
    Row(
        "POST",
        "api/communities/<int:pk>/invitations/",
        lambda w: f"/api/communities/{w.pool.community_id}/invitations/",
        {**everyone(404), "anonymous": 401, "treasurer": 201},
        body=lambda w, role: {"email": "ny.arrangor@example.se", "role": "organiser"},
    ),
    Row(
        "POST",
        "api/communities/<int:pk>/invitations/<int:invitation_id>/revoke/",
        lambda w: f"/api/communities/{w.pool.community_id}/invitations/{_invitation(w).pk}/revoke/",
        {**everyone(404), "anonymous": 401, "treasurer": 200},
    ),
    Row(
        "POST",
        "api/communities/<int:pk>/invitations/<int:invitation_id>/resend/",
        lambda w: f"/api/communities/{w.pool.community_id}/invitations/{_invitation_sent_earlier(w).pk}/resend/",
        {**everyone(404), "anonymous": 401, "treasurer": 200},
    ),
    Row(
        "POST",
        "api/invitations/accept/",
        lambda w: "/api/invitations/accept/",
        {**everyone(400), "anonymous": 401},
        body=lambda w, role: {"token": "not-a-token"},
    ),
    Row(
        "GET", "api/me/working-community/", lambda w: "/api/me/working-community/", {**everyone(200), "anonymous": 401}
    ),
    Row(
        "PUT",
        "api/me/working-community/",
        lambda w: "/api/me/working-community/",
        {**everyone(200), "anonymous": 401},
        body=lambda w, role: {"community": None},
    ),
    Row("GET", "api/schema/", lambda w: "/api/schema/", everyone(200)),
    Row("GET", "api/docs/", lambda w: "/api/docs/", everyone(200)),
]


# Cells whose expected status is the fix still to make: strict, so the fix makes them fail until removed here.
MATRIX_KNOWN_LEAKS: dict[tuple[str, str, str], str] = {}


def _client_for(role: str, world: World, login_as: Callable[..., Any]) -> APIClient:
    client = APIClient()
    user = world.users[role]
    if user is not None:
        login_as(client, user)
    return client


def _send(client: APIClient, row: Row, world: World, role: str) -> Any:
    body = row.body(world, role) if row.body else None
    return getattr(client, row.method.lower())(row.url(world), body, format="json")


def _check(row: Row, role: str, world: World, login_as: Callable[..., Any]) -> str:
    """'' when the cell holds; else what went wrong."""
    response = _send(_client_for(role, world, login_as), row, world, role)
    if role in OTHER_COMMUNITY_STAFF and response.status_code < 300:
        leaked = [secret for secret in _community_a_secrets(world) if secret in response.content.decode()]
        if leaked:
            return f"{role} {row.method} {row.url(world)} shows {leaked}"
    if response.status_code != row.expected[role]:
        got = f"{response.status_code}, not {row.expected[role]}"
        return f"{role} {row.method} {row.url(world)}: {got}: {response.content[:300]!r}"
    if response.status_code in (401, 403, 404, 405) and row.route.startswith("api/"):
        # Every refusal carries the documented body: a machine-readable code and a translated detail.
        body = response.json()
        if not (body.get("code") and body.get("detail")) or "matches the given query" in str(body["detail"]):
            return f"{role} {row.method} {row.url(world)}: refusal body {body}"
    return ""


@pytest.mark.parametrize("role", [r for r in ROLES if r not in OTHER_COMMUNITY_STAFF])
@pytest.mark.parametrize(
    "row", MATRIX, ids=[f"{r.method} {r.route} {r.note}".strip().replace(" ", "_") for r in MATRIX]
)
def test_permission_matrix(row: Row, role: str, world: World, login_as) -> None:
    problem = _check(row, role, world, login_as)
    assert not problem, problem


@pytest.mark.parametrize(
    "row", MATRIX, ids=[f"{r.method} {r.route} {r.note}".strip().replace(" ", "_") for r in MATRIX]
)
def test_permission_matrix_for_another_communitys_staff(row: Row, world: World, login_as) -> None:
    """Both of B's staff on one world (building it is the slow part): refused, and none of A's data shown."""
    assert world.x  # community A's records exist, so a list that leaks them shows them
    for role in OTHER_COMMUNITY_STAFF:
        problem = _check(row, role, world, login_as)
        if (row.method, row.route, role) in MATRIX_KNOWN_LEAKS:
            assert problem, f"no longer leaks: take {(row.method, row.route, role)} out of MATRIX_KNOWN_LEAKS"
        else:
            assert not problem, problem


def _community_a_secrets(w: World) -> list[str]:
    """What only community A's staff (and the people concerned) may read: a saver's name and e-mail, a
    pledge's payment reference, a card pledger's contact, the guarantee's bank, the fund's loan principal."""
    saver = w.users["saver"]
    return [
        saver.email,
        saver.full_name,
        w.x["pledge"].ocr_reference,
        w.x["card_pledge"].ocr_reference,
        "anna@example.se",
        "Sparbanken Bygd",
        "12000.00",
        w.x["money_mail"].to,
        w.x["fair_mail"].to,
    ]


# (url, where the rows are, what identifies a row, the A object that must not show, A's staff who do see it)
LIST_CHECKS: list[tuple[str | Callable[[World], str], str, str, Callable[[World], Any], str]] = [
    ("/api/projects/?page_size=200", "results", "id", lambda w: w.draft_project.pk, "organiser"),
    ("/api/loans/", "", "id", lambda w: w.x["loan"].pk, "organiser"),
    ("/api/loans/", "", "id", lambda w: w.x["loan"].pk, "treasurer"),
    ("/api/guarantees/", "", "id", lambda w: w.x["guarantee"].pk, "organiser"),
    ("/api/guarantees/", "", "id", lambda w: w.x["guarantee"].pk, "treasurer"),
    ("/api/treasury/bank-files/", "", "id", lambda w: w.x["bank_file"].pk, "treasurer"),
    (
        lambda w: f"/api/treasury/payments/?status={_fresh(w.x['payment']).status}",
        "results",
        "id",
        lambda w: w.x["payment"].pk,
        "treasurer",
    ),
    ("/api/treasury/payouts/", "", "id", lambda w: w.x["batch"].pk, "treasurer"),
    (
        lambda w: f"/api/treasury/pledges/?q={w.x['pledge'].ocr_reference}",
        "",
        "id",
        lambda w: w.x["pledge"].pk,
        "treasurer",
    ),
    ("/api/treasury/reports/pools/", "rows", "pool_id", lambda w: w.pool.pk, "treasurer"),
    ("/api/treasury/audit/?table=pools_pool", "results", "row_id", lambda w: w.pool.pk, "treasurer"),
    ("/api/mail/failed/", "results", "id", lambda w: w.x["money_mail"].pk, "treasurer"),
    ("/api/mail/failed/", "results", "id", lambda w: w.x["fair_mail"].pk, "organiser"),
]
# Cells the matrix found and that are not fixed yet: strict, so a fix makes them fail until removed here.
KNOWN_LEAKS: dict[tuple[object, str], str] = {}


def _fresh(row: Any) -> Any:
    row.refresh_from_db()
    return row


def _listed(body: Any, where: str, key: str) -> set[Any]:
    rows = body.get(where, []) if where else (body["results"] if isinstance(body, dict) else body)
    return {row[key] for row in rows}


@pytest.mark.parametrize(
    ("url", "where", "key", "target", "role"),
    LIST_CHECKS,
    ids=[f"{c[0] if isinstance(c[0], str) else 'search'}-{i}-{c[4]}" for i, c in enumerate(LIST_CHECKS)],
)
def test_other_communitys_staff_find_none_of_its_rows_in_lists(
    url: Any, where: str, key: str, target: Callable[[World], Any], role: str, world: World, login_as, request
) -> None:
    if (url, role) in KNOWN_LEAKS:
        request.applymarker(pytest.mark.xfail(strict=True, reason=KNOWN_LEAKS[(url, role)]))
    url = url if isinstance(url, str) else url(world)
    pk = target(world)
    own = _client_for(role, world, login_as).get(url)
    assert own.status_code == 200 and pk in _listed(own.json(), where, key), (url, role, own.content[:300])
    other = _client_for(f"other_{role}", world, login_as).get(url)
    assert other.status_code == 200, (url, other.content[:300])
    assert pk not in _listed(other.json(), where, key), (url, f"other_{role}", other.content[:300])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "loans",
            lambda w: {"project": w.project.pk, "principal": "1000.00", "term_months": 12, "disbursed_on": _today()},
        ),
        (
            "guarantees",
            lambda w: {
                "project": w.project.pk,
                "bank": "Sparbanken Bygd",
                "loan_amount": "10000.00",
                "coverage_percent": "50",
                "term_months": 12,
                "issued_on": _today(),
            },
        ),
    ],
)
def test_only_the_funds_own_communitys_organiser_lends_or_guarantees_from_it(path, body, world, login_as) -> None:
    """The matrix sends these with an empty body (400 for everyone); with a valid one, B's organiser is refused."""
    from invest.funds.models import Guarantee, Loan

    model = Loan if path == "loans" else Guarantee
    url = f"/api/funds/{world.x['fund'].pk}/{path}/"
    before = model.objects.count()
    refused = _client_for("other_organiser", world, login_as).post(url, body(world), format="json")
    assert refused.status_code == 403, refused.content[:300]
    assert model.objects.count() == before
    allowed = _client_for("organiser", world, login_as).post(url, body(world), format="json")
    assert allowed.status_code == 201, allowed.content[:300]


def test_every_api_endpoint_has_a_row_in_the_matrix() -> None:
    covered = {(row.method, row.route) for row in MATRIX}
    missing = sorted(
        f"{route.method} {route.route}" for route in api_routes() if (route.method, route.route) not in covered
    )
    assert not missing, "add these endpoints to MATRIX in tests/api/test_permission_matrix.py: " + ", ".join(missing)


def test_every_matrix_row_names_every_role() -> None:
    for row in MATRIX:
        assert set(row.expected) == set(ROLES), row


def test_every_api_view_uses_the_two_factor_aware_authentication() -> None:
    from api.authentication import TwoFactorSessionAuthentication, TwoFactorTokenAuthentication

    allowed = {TwoFactorSessionAuthentication, TwoFactorTokenAuthentication}
    for route in api_routes():
        classes = set(getattr(route.view, "authentication_classes", []) or [])
        assert classes <= allowed, f"{route.route} uses {classes - allowed}: treasurer powers would skip two-factor"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_methods_an_endpoint_does_not_offer_answer_405_and_change_nothing(method, world, login_as) -> None:
    offered = {(r.route, r.method) for r in api_routes()}
    client = login_as(APIClient(), world.users["organiser"])
    assert world.x  # build every object the rows point at before taking the snapshot
    before = list(Pool.objects.order_by("pk").values())
    for row in MATRIX:
        if (row.route, method) in offered or row.route == "healthz":
            continue
        payload = {"status": "settled", "owner": world.users["saver"].pk, "received": "999999.00", "title": "x"}
        response = getattr(client, method.lower())(row.url(world), payload, format="json")
        # 403: a role-restricted endpoint refuses the wrong role before it looks at the method
        assert response.status_code in (403, 404, 405), (method, row.url(world), response.status_code)
    assert list(Pool.objects.order_by("pk").values()) == before


def test_unverified_treasurer_session_is_refused_by_the_api(world) -> None:
    client = APIClient()
    client.force_login(world.users["treasurer"])  # password only, no second factor
    response = client.get("/api/pools/")
    assert response.status_code == 403
    assert response.json()["code"] == "two_factor_required"


def test_saver_token_works_but_treasurer_and_organiser_tokens_are_refused(world) -> None:
    from rest_framework.authtoken.models import Token

    for role, expected in (("saver", 200), ("treasurer", 401), ("organiser", 401)):
        token = Token.objects.create(user=world.users[role])
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        response = client.get(f"/api/pools/{world.pool.pk}/")
        assert response.status_code == expected, role


def test_draft_pool_and_others_draft_project_are_not_listed(world, login_as) -> None:
    client = login_as(APIClient(), world.users["other_owner"])
    pool_ids = [p["id"] for p in client.get("/api/pools/?page_size=200").json()["results"]]
    project_ids = [p["id"] for p in client.get("/api/projects/?page_size=200").json()["results"]]
    assert world.pool.pk in pool_ids and world.draft_pool.pk not in pool_ids
    assert world.project.pk in project_ids and world.draft_project.pk not in project_ids
    own = login_as(APIClient(), world.users["owner"]).get("/api/projects/?page_size=200").json()["results"]
    assert world.draft_project.pk in [p["id"] for p in own]


# Fields a client must never set (no mass assignment). An endpoint that really takes one as
# input (a status transition endpoint, say) lists (component, field) in MASS_ASSIGNMENT_ALLOWED.
SERVER_OWNED_FIELDS = {
    "id",
    "status",
    "owner",
    "owner_id",
    "saver",
    "saver_id",
    "received",
    "received_ore",
    "amount_received",
    "pledged",
    "outstanding",
    "totals",
    "ocr_reference",
    "created_at",
    "updated_at",
    "confirmed_at",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
}
MASS_ASSIGNMENT_ALLOWED: set[tuple[str, str]] = set()


def test_no_request_body_accepts_server_owned_fields() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    offenders = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                ref = media["schema"].get("$ref", "")
                component = ref.rsplit("/", 1)[-1]
                props = schema["components"]["schemas"].get(component, {}).get("properties", {})
                for name, spec in props.items():
                    if spec.get("readOnly"):
                        continue
                    if name in SERVER_OWNED_FIELDS and (component, name) not in MASS_ASSIGNMENT_ALLOWED:
                        offenders.append(f"{method.upper()} {path}: {component}.{name}")
    assert not offenders, "clients could set server-owned fields: " + ", ".join(sorted(set(offenders)))
