"""Reads for micro-funds: visibility, the fund's position as of a date, member statements.

The "as of" rule (reports are reproducible)
-------------------------------------------
Every event row carries its effective date (`received_on`, `disbursed_on`, `paid_on`,
`issued_on`, `effective_on`, `joined_on`) and the moment it was recorded (`created_at`,
`recorded_at`, `paid_recorded_at`). The position as of day D counts an event only when

    effective date <= D   and   recorded before the end of day D (Europe/Stockholm).

So a repayment recorded on 10 March but dated 1 March shows in every report as of
10 March or later, and never in the report as of 5 March: once a day is over, its
figures never change, whatever is recorded afterwards. `known_at` can move the
recording cut-off explicitly (e.g. "as of 31 December, as known on 15 January").

Why one module of about 840 lines: the fund's position, a member's statement, a loan's line and the visibility
reads all apply the one "as of" rule above to the same rows; split apart, each part would restate the rule and
the cut-off it depends on. The visibility selectors at the top are a few lines each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Q, QuerySet, Sum, Value, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from communities.models import MembershipRole
from communities.selectors import community_ids_for_any, user_acts_in
from invest.errors import ReceiverSettingRefused
from invest.funds.errors import FundPermissionDenied, InvalidFundInput
from invest.funds.models import (
    CapitalWithdrawal,
    FundMembership,
    FundRulesVersion,
    FundShare,
    Guarantee,
    GuaranteeEventKind,
    GuaranteeStatus,
    Loan,
    LoanRepayment,
    WithdrawalStatus,
)
from invest.funds.schedules import paid_through
from invest.models import MicroFund, Project
from pools.models import PaymentAllocation, PledgeKind, Pool, PoolKind
from pools.money import round_to_ore

DUE_SOON_DAYS = 30
CAPITAL_PLEDGE_KINDS = (PledgeKind.SHARE, PledgeKind.GIFT)


# ---------------------------------------------------------------- who may see what


# Where each power holds: a fund belongs to one community, and its organisers (and fund managers) and
# treasurers act on it only when they hold that role there (platform staff and superusers: everywhere).
FUND_MANAGING_ROLES: tuple[str, ...] = (MembershipRole.ORGANISER, MembershipRole.FUND_MANAGER)
FUND_TREASURY_ROLES: tuple[str, ...] = (MembershipRole.TREASURER,)


def _holds(user: User | AnonymousUser, roles: tuple[str, ...], community_id: int | None) -> bool:
    return community_id is None or user_acts_in(user=user, roles=roles, community_id=community_id)  # type: ignore[arg-type]


def user_manages_funds(user: User | AnonymousUser, *, community_id: int | None = None) -> bool:
    """Organisers manage funds; given a community, only where they hold the role (None: anywhere)."""
    return bool(
        user.is_authenticated
        and user.has_perm("invest.manage_funds")
        and _holds(user, FUND_MANAGING_ROLES, community_id)
    )


def user_reads_fund_reports(user: User | AnonymousUser, *, community_id: int | None = None) -> bool:
    """Organisers and treasurers read positions and every engagement (of their community's funds)."""
    if not user.is_authenticated:
        return False
    return user_manages_funds(user, community_id=community_id) or bool(
        user.has_perm("pools.view_reports") and _holds(user, FUND_TREASURY_ROLES, community_id)
    )


def user_approves_payouts(user: User | AnonymousUser, *, community_id: int | None = None) -> bool:
    return bool(
        user.is_authenticated
        and user.has_perm("pools.approve_payouts")
        and _holds(user, FUND_TREASURY_ROLES, community_id)
    )


def user_records_repayments(user: User | AnonymousUser, *, community_id: int | None = None) -> bool:
    return bool(
        user.is_authenticated
        and user.has_perm("pools.manage_payments")
        and _holds(user, FUND_TREASURY_ROLES, community_id)
    )


def fund_report_community_ids(user: User | AnonymousUser) -> list[int] | None:
    """The communities whose funds' reports and engagements the user reads; None means every one."""
    if not user.is_authenticated:
        return []
    found: set[int] = set()
    for perm, roles in (("invest.manage_funds", FUND_MANAGING_ROLES), ("pools.view_reports", FUND_TREASURY_ROLES)):
        if user.has_perm(perm):
            ids = community_ids_for_any(user=user, roles=roles)
            if ids is None:
                return None
            found.update(ids)
    return sorted(found)


def _in_communities(ids: list[int] | None, field: str) -> Q:
    return Q() if ids is None else Q(**{f"{field}__in": ids})


def fund_list() -> QuerySet[MicroFund]:
    """Funds are public: their name, description, rules and the projects they back."""
    return MicroFund.objects.select_related("organiser", "totals").order_by("name", "pk")


def fund_list_for_listing() -> QuerySet[MicroFund]:
    """fund_list with each fund's rules versions (newest first) and open share offers prefetched,
    as `rules_newest_first` and `open_share_offers`: a constant number of queries for any number of funds."""
    from django.db.models import Prefetch

    from pools.models import OPEN_POOL_STATUSES

    return fund_list().prefetch_related(
        Prefetch(
            "rules_versions", queryset=FundRulesVersion.objects.order_by("-version"), to_attr="rules_newest_first"
        ),
        Prefetch(
            "pools",
            queryset=Pool.objects.filter(kind=PoolKind.SHARE_OFFER, status__in=OPEN_POOL_STATUSES).order_by(
                "closes_on", "pk"
            ),
            to_attr="open_share_offers",
        ),
    )


def fund_get(*, fund_id: int | None = None, slug: str | None = None) -> MicroFund:
    """A fund by key or slug, for its public pages and its members' own (funds are public); 404 when none.
    Staff pages read a fund through fund_get_for_reports, fund_get_managed or fund_get_for_treasury instead:
    those read it among the asker's communities' funds only."""
    try:
        if slug is not None:
            return fund_list().get(slug=slug)
        if fund_id is not None:
            return fund_list().get(pk=fund_id)
    except MicroFund.DoesNotExist as exc:
        raise Http404 from exc
    raise Http404


def fund_get_for_receiver(*, user: User | AnonymousUser, fund_id: int) -> MicroFund:
    """The fund whose Swish number the user may set (invest.services.user_may_manage_fund_receiver): read as its
    own organiser's (organiser=user); a superuser's: any. Raises ReceiverSettingRefused for any other fund (funds
    are public, so the answer is a refusal), Http404 when no fund has this key."""
    if user.is_authenticated and user.is_superuser:
        return fund_get(fund_id=fund_id)
    fund = fund_list().filter(pk=fund_id, organiser_id=user.pk).first() if user.is_authenticated else None
    if fund is None:
        fund_get(fund_id=fund_id)  # the public read, for the 404
        raise ReceiverSettingRefused(_("Only the fund's organiser may change where it is paid."))
    return fund


def _fund_in_communities(ids: list[int] | None, *, fund_id: int | None, slug: str | None) -> MicroFund | None:
    """The fund with this slug (else key) among the funds of these communities (None: every one), else None."""
    if slug is not None:
        lookup = Q(slug=slug)
    elif fund_id is not None:
        lookup = Q(pk=fund_id)
    else:
        return None
    if ids is not None and not ids:
        return None  # no community: nothing to read
    return fund_list().filter(lookup, _in_communities(ids, "community_id")).first()


def fund_manager_community_ids(user: User | AnonymousUser) -> list[int] | None:
    """The communities whose funds the user manages (organiser or fund manager there); None means every one."""
    if not user_manages_funds(user):
        return []
    return community_ids_for_any(user=user, roles=FUND_MANAGING_ROLES)  # type: ignore[arg-type]


def fund_treasury_community_ids(user: User | AnonymousUser) -> list[int] | None:
    """The communities whose funds' withdrawals the user prepares, approves or pays (a treasurer there who
    approves payouts or records payments); None means every one."""
    if not (user_approves_payouts(user) or user_records_repayments(user)):
        return []
    return community_ids_for_any(user=user, roles=FUND_TREASURY_ROLES)  # type: ignore[arg-type]


def fund_get_for_reports(
    *, user: User | AnonymousUser, fund_id: int | None = None, slug: str | None = None
) -> MicroFund:
    """A fund whose reports the user may read (organiser or treasurer of its community), read among those
    communities' funds only; else 404."""
    if not user_reads_fund_reports(user):
        raise Http404
    fund = _fund_in_communities(fund_report_community_ids(user), fund_id=fund_id, slug=slug)
    if fund is None:
        raise Http404
    return fund


def fund_get_managed(*, user: User | AnonymousUser, fund_id: int | None = None, slug: str | None = None) -> MicroFund:
    """A fund the user manages (an organiser or fund manager of its community; platform staff: every fund),
    read among those communities' funds only. Raises FundPermissionDenied for any other fund, whether it
    exists or not: funds are public, so the answer is a refusal, and another community's fund is never read."""
    fund = _fund_in_communities(fund_manager_community_ids(user), fund_id=fund_id, slug=slug)
    if fund is None:
        raise FundPermissionDenied()
    return fund


def fund_get_for_treasury(
    *, user: User | AnonymousUser, fund_id: int | None = None, slug: str | None = None
) -> MicroFund:
    """A fund whose withdrawals the user handles (see fund_treasury_community_ids), read among those
    communities' funds only; else 404."""
    fund = _fund_in_communities(fund_treasury_community_ids(user), fund_id=fund_id, slug=slug)
    if fund is None:
        raise Http404
    return fund


def fund_rules_current(*, fund: MicroFund) -> FundRulesVersion | None:
    """The rules in force: the newest version."""
    return FundRulesVersion.objects.filter(fund=fund).order_by("-version").first()


def fund_rules_versions(*, fund: MicroFund) -> QuerySet[FundRulesVersion]:
    return FundRulesVersion.objects.filter(fund=fund).select_related("changed_by").order_by("-version")


def fund_share_pools(*, fund: MicroFund) -> QuerySet[Pool]:
    """The fund's open share offers, through which members join and subscribe."""
    from pools.models import OPEN_POOL_STATUSES

    return Pool.objects.filter(micro_fund=fund, kind=PoolKind.SHARE_OFFER, status__in=OPEN_POOL_STATUSES).order_by(
        "closes_on", "pk"
    )


def membership_get(*, fund: MicroFund, user: User | AnonymousUser) -> FundMembership | None:
    """The user's own membership of the fund, or None."""
    if not user.is_authenticated:
        return None
    # By key, not the model's ordering (by fund, which joins the fund's row only to sort one membership).
    return FundMembership.objects.filter(fund=fund, member=user).order_by("pk").first()


def withdrawal_list_for_treasury(*, user: User | AnonymousUser, fund: MicroFund) -> QuerySet[CapitalWithdrawal]:
    community_id = fund.community_id
    if not (
        user_approves_payouts(user, community_id=community_id)
        or user_records_repayments(user, community_id=community_id)
    ):
        raise Http404
    return CapitalWithdrawal.objects.filter(membership__fund=fund).select_related(
        "membership__member", "prepared_by", "approved_by"
    )


def withdrawal_get_for_treasury(*, user: User | AnonymousUser, withdrawal_id: int) -> CapitalWithdrawal:
    """A withdrawal from a fund whose withdrawals the user handles (see fund_treasury_community_ids), read
    among those communities' funds only; else 404."""
    ids = fund_treasury_community_ids(user)
    if ids is not None and not ids:
        raise Http404
    row = (
        CapitalWithdrawal.objects.select_related("membership__fund", "membership__member")
        .filter(_in_communities(ids, "membership__fund__community_id"), pk=withdrawal_id)
        .first()
    )
    if row is None:
        raise Http404
    return row


def withdrawal_get_for_member_or_treasury(*, user: User | AnonymousUser, withdrawal_id: int) -> CapitalWithdrawal:
    """The member's own withdrawal, or any one for a treasurer who approves payouts; 404 otherwise."""
    row = (
        CapitalWithdrawal.objects.select_related("membership__fund", "membership__member")
        .filter(pk=withdrawal_id)
        .first()
    )
    if row is None or not (
        row.membership.member_id == user.pk
        or user_approves_payouts(user, community_id=row.membership.fund.community_id)
    ):
        raise Http404
    return row


def loan_list_visible(*, user: User | AnonymousUser) -> list[Loan]:
    """Organisers and treasurers see every loan of their community's funds; a project owner sees the loans
    to their projects. Newest first, with instalments and repayments."""
    rows = Loan.objects.select_related("fund", "project", "project__owner", "write_off")
    loans = _staff_and_own(rows, user=user, key=lambda loan: (loan.disbursed_on, loan.pk))
    prefetch_related_objects(loans, "instalments", "repayments")
    return loans


def loan_get_visible(*, user: User | AnonymousUser, loan_id: int) -> Loan:
    """A loan of a fund of the staff member's communities (read among those only), or else one to the user's
    own project; 404 otherwise."""
    rows = Loan.objects.select_related("fund", "project", "project__owner", "write_off")
    return _staff_or_own(rows, user=user, pk=loan_id)


_Engagement = TypeVar("_Engagement", Loan, Guarantee)


def _staff_and_own(
    rows: QuerySet[_Engagement], *, user: User | AnonymousUser, key: Callable[[_Engagement], Any]
) -> list[_Engagement]:
    """The loans or guarantees of the funds of the staff member's communities and those for the user's own
    projects, in two scoped reads (an OR of both would scope neither), merged newest first by `key`."""
    if not user.is_authenticated:
        return []
    found: dict[int, _Engagement] = {}
    if user_reads_fund_reports(user):
        ids = fund_report_community_ids(user)
        if ids is None:
            return sorted(rows, key=key, reverse=True)  # platform staff: every fund's, the owner's among them
        if ids:
            found.update((row.pk, row) for row in rows.filter(fund__community_id__in=ids))
    found.update((row.pk, row) for row in rows.filter(project__owner=user))
    return sorted(found.values(), key=key, reverse=True)


def _staff_or_own(rows: QuerySet[_Engagement], *, user: User | AnonymousUser, pk: int) -> _Engagement:
    """A loan or guarantee of a fund of the staff member's communities (read among those only), or else one for
    the user's own project (scoped by person, owner=user); 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    found = None
    if user_reads_fund_reports(user):
        ids = fund_report_community_ids(user)
        if ids is None or ids:
            found = rows.filter(_in_communities(ids, "fund__community_id"), pk=pk).first()
    if found is None:
        found = rows.filter(project__owner=user, pk=pk).first()
    if found is None:
        raise Http404
    return found


def guarantee_list_visible(*, user: User | AnonymousUser) -> list[Guarantee]:
    """As loan_list_visible: staff of the fund's community, and the project's owner. Newest first, with events."""
    rows = Guarantee.objects.select_related("fund", "project", "project__owner")
    guarantees = _staff_and_own(rows, user=user, key=lambda guarantee: (guarantee.issued_on, guarantee.pk))
    prefetch_related_objects(guarantees, "events")
    return guarantees


def guarantee_get_visible(*, user: User | AnonymousUser, guarantee_id: int) -> Guarantee:
    """As loan_get_visible: a guarantee of a fund of the staff member's communities, or else one for the
    user's own project; 404 otherwise."""
    rows = Guarantee.objects.select_related("fund", "project", "project__owner")
    return _staff_or_own(rows, user=user, pk=guarantee_id)


def project_list_for_engagements(*, fund: MicroFund) -> QuerySet[Project]:
    """Projects the fund may back: its own community's, published and later, never drafts or withdrawn."""
    from invest.selectors import project_list_public

    return project_list_public().filter(community_id=cast(int, fund.community_id)).order_by("name", "pk")


def project_get_for_engagement(*, fund: MicroFund, project_id: int) -> Project:
    """A project the fund may back (project_list_for_engagements), read in the fund's community only.
    Raises InvalidFundInput on `project` for any other."""
    project = project_list_for_engagements(fund=fund).filter(pk=project_id).first()
    if project is None:
        raise InvalidFundInput(_("Choose a published project of the fund's community."), field="project")
    return project


# ---------------------------------------------------------------- as of


def recorded_cutoff(as_of: date, known_at: datetime | None = None) -> datetime:
    """The moment after which nothing recorded counts: the end of day `as_of` unless given."""
    if known_at is not None:
        return known_at
    return timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min))


@dataclass
class LoanLine:
    loan: Loan
    disbursed: bool
    written_off: bool
    loss_ore: int
    principal_ore: int
    repaid_principal_ore: int
    interest_received_ore: int
    outstanding_ore: int
    due_ore: int
    overdue_ore: int
    overdue_since: date | None
    instalments: list[dict[str, object]] = field(default_factory=list)


@dataclass
class GuaranteeLine:
    guarantee: Guarantee
    status: str
    bank_balance_ore: int
    exposure_ore: int
    loss_ore: int
    yearly_fee_ore: int

    @property
    def status_label(self) -> str:
        """The status in the reader's language ("Aktiv", not "active")."""
        return str(GuaranteeStatus(self.status).label)


@dataclass
class FundPosition:
    fund: MicroFund
    as_of: date
    known_at: datetime
    capital_paid_in_ore: int
    withdrawn_ore: int
    capital_ore: int
    outstanding_loans_ore: int
    guarantee_exposure_ore: int
    repaid_principal_ore: int
    interest_received_ore: int
    repayments_due_ore: int
    repayments_overdue_ore: int
    losses_ore: int
    available_ore: int
    member_count: int
    voting_member_count: int
    loans: list[LoanLine]
    guarantees: list[GuaranteeLine]

    def figures(self) -> dict[str, int]:
        """The headline numbers, in öre, in report order."""
        return {
            "capital_paid_in_ore": self.capital_paid_in_ore,
            "withdrawn_ore": self.withdrawn_ore,
            "capital_ore": self.capital_ore,
            "outstanding_loans_ore": self.outstanding_loans_ore,
            "guarantee_exposure_ore": self.guarantee_exposure_ore,
            "repaid_principal_ore": self.repaid_principal_ore,
            "interest_received_ore": self.interest_received_ore,
            "repayments_due_ore": self.repayments_due_ore,
            "repayments_overdue_ore": self.repayments_overdue_ore,
            "losses_ore": self.losses_ore,
            "available_ore": self.available_ore,
            "member_count": self.member_count,
            "voting_member_count": self.voting_member_count,
        }

    def exposure_for_project(self, project_id: int) -> int:
        loans = sum(line.outstanding_ore for line in self.loans if line.loan.project_id == project_id)
        guarantees = sum(line.exposure_ore for line in self.guarantees if line.guarantee.project_id == project_id)
        return loans + guarantees


def _sum(rows: QuerySet[Any, Any], column: str = "amount_ore") -> int:
    return int(rows.aggregate(total=Coalesce(Sum(column), Value(0)))["total"])


def capital_allocations(*, fund: MicroFund, as_of: date, cutoff: datetime) -> QuerySet[PaymentAllocation]:
    """Money matched to share and gift pledges of the fund's pools, counted by the as-of rule."""
    return PaymentAllocation.objects.filter(
        pledge__pool__micro_fund=fund,
        # A fund's pools are always in its community (a database rule): the condition names it, changes nothing.
        pledge__pool__community_id=cast(int, fund.community_id),
        pledge__kind__in=CAPITAL_PLEDGE_KINDS,
        payment__received_on__lte=as_of,
        created_at__lt=cutoff,
    )


def loan_line(loan: Loan, *, as_of: date, cutoff: datetime) -> LoanLine:
    """One loan's figures as of a date: outstanding principal, repayments due soon and overdue."""
    disbursed = loan.disbursed_on <= as_of and loan.recorded_at < cutoff
    repayments = [
        r for r in loan.repayments.all() if r.paid_on <= as_of and r.recorded_at < cutoff
    ]  # prefetched: filtered here
    repaid_principal = sum(r.principal_ore for r in repayments)
    interest = sum(r.interest_ore for r in repayments)
    paid_total = repaid_principal + interest
    schedule = list(loan.instalments.all())
    covered = paid_through([row.amount_ore for row in schedule], paid_total)
    due = overdue = 0
    overdue_since = None
    rows = []
    for row, paid in zip(schedule, covered, strict=True):
        unpaid = row.amount_ore - paid
        state = "paid" if unpaid == 0 else ("overdue" if row.due_on < as_of else "open")
        if disbursed and unpaid:
            if row.due_on < as_of:
                overdue += unpaid
                overdue_since = overdue_since or row.due_on
            elif row.due_on <= as_of + timedelta(days=DUE_SOON_DAYS):
                due += unpaid
        rows.append(
            {
                "number": row.number,
                "due_on": row.due_on,
                "principal_ore": row.principal_ore,
                "interest_ore": row.interest_ore,
                "amount_ore": row.amount_ore,
                "paid_ore": paid,
                "state": state,
            }
        )
    principal = loan.principal_ore if disbursed else 0
    outstanding = max(principal - repaid_principal, 0)
    write_off = getattr(loan, "write_off", None)
    written_off = bool(write_off and write_off.written_off_on <= as_of and write_off.recorded_at < cutoff)
    loss = 0
    if written_off:
        # From the write-off on, what was outstanding is a loss and nothing more is due.
        loss, outstanding, due, overdue, overdue_since = outstanding, 0, 0, 0, None
    return LoanLine(
        loan=loan,
        disbursed=disbursed,
        written_off=written_off,
        loss_ore=loss,
        principal_ore=principal,
        repaid_principal_ore=repaid_principal,
        interest_received_ore=interest,
        outstanding_ore=outstanding,
        due_ore=due,
        overdue_ore=overdue,
        overdue_since=overdue_since,
        instalments=rows,
    )


def guarantee_yearly_fee_ore(*, exposure_ore: int, fee_bp: int) -> int:
    """The year's fee on the exposure, half up to a whole öre."""
    return round_to_ore(Decimal(exposure_ore) * Decimal(fee_bp) / Decimal(10_000))


def guarantee_line(guarantee: Guarantee, *, as_of: date, cutoff: datetime) -> GuaranteeLine | None:
    """A guarantee's exposure as of a date: covered share of the latest reported bank balance."""
    if guarantee.issued_on > as_of or guarantee.recorded_at >= cutoff:
        return None
    events = sorted(
        (e for e in guarantee.events.all() if e.effective_on <= as_of and e.recorded_at < cutoff),
        key=lambda e: (e.effective_on, e.recorded_at, e.pk),
    )
    balance = guarantee.loan_amount_ore
    status = "active"
    loss = 0
    for event in events:
        if event.kind == GuaranteeEventKind.BALANCE:
            balance = int(event.balance_ore or 0)
        elif event.kind == GuaranteeEventKind.RELEASED:
            status = "released"
        elif event.kind == GuaranteeEventKind.CALLED:
            status = "called"
            loss = int(event.loss_ore or 0)
    exposure = 0
    if status == "active":
        exposure = round_to_ore(Decimal(balance) * Decimal(guarantee.coverage_bp) / Decimal(10_000))
    return GuaranteeLine(
        guarantee=guarantee,
        status=status,
        bank_balance_ore=balance if status == "active" else 0,
        exposure_ore=exposure,
        loss_ore=loss,
        yearly_fee_ore=guarantee_yearly_fee_ore(exposure_ore=exposure, fee_bp=guarantee.fee_bp),
    )


def fund_position(*, fund: MicroFund, as_of: date, known_at: datetime | None = None) -> FundPosition:
    """The fund's figures as of a date, by the as-of rule above; the same inputs always give the same figures.

    available = capital (paid in − withdrawn) + interest received − losses
                − outstanding loans (disbursed − principal repaid − written off) − guarantee exposure.
    Losses are called guarantees' payments to the bank and loans' principal written off.
    """
    cutoff = recorded_cutoff(as_of, known_at)
    paid_in = _sum(capital_allocations(fund=fund, as_of=as_of, cutoff=cutoff))
    withdrawn = _sum(
        CapitalWithdrawal.objects.filter(
            membership__fund=fund, status=WithdrawalStatus.PAID, paid_on__lte=as_of, paid_recorded_at__lt=cutoff
        )
    )
    # The engagements are read through their fund's row in its community, which names the community of the
    # projects joined to them.
    in_fund = Q(fund=fund, fund__community_id=fund.community_id)
    loans = [
        loan_line(loan, as_of=as_of, cutoff=cutoff)
        for loan in Loan.objects.filter(in_fund, disbursed_on__lte=as_of, recorded_at__lt=cutoff)
        .select_related("project", "write_off")
        .prefetch_related("instalments", "repayments")
        .order_by("pk")
    ]
    guarantees = [
        line
        for guarantee in Guarantee.objects.filter(in_fund).select_related("project").prefetch_related("events")
        if (line := guarantee_line(guarantee, as_of=as_of, cutoff=cutoff)) is not None
    ]
    members = FundMembership.objects.filter(fund=fund, joined_on__lte=as_of, created_at__lt=cutoff)
    voting = voting_member_count(members=members, as_of=as_of, cutoff=cutoff)
    capital = paid_in - withdrawn
    outstanding = sum(line.outstanding_ore for line in loans)
    exposure = sum(line.exposure_ore for line in guarantees)
    interest = sum(line.interest_received_ore for line in loans)
    losses = sum(line.loss_ore for line in guarantees) + sum(line.loss_ore for line in loans)
    return FundPosition(
        fund=fund,
        as_of=as_of,
        known_at=cutoff,
        capital_paid_in_ore=paid_in,
        withdrawn_ore=withdrawn,
        capital_ore=capital,
        outstanding_loans_ore=outstanding,
        guarantee_exposure_ore=exposure,
        repaid_principal_ore=sum(line.repaid_principal_ore for line in loans),
        interest_received_ore=interest,
        repayments_due_ore=sum(line.due_ore for line in loans),
        repayments_overdue_ore=sum(line.overdue_ore for line in loans),
        losses_ore=losses,
        available_ore=capital + interest - losses - outstanding - exposure,
        member_count=members.count(),
        voting_member_count=voting,
        loans=loans,
        guarantees=guarantees,
    )


def fund_position_now(*, fund: MicroFund) -> FundPosition:
    """Everything recorded so far, as of today: what limits are checked against."""
    return fund_position(fund=fund, as_of=timezone.localdate(), known_at=timezone.now() + timedelta(seconds=1))


# ---------------------------------------------------------------- members


def _paid_to_pledge(pledge_id: int, *, as_of: date, cutoff: datetime) -> int:
    return _sum(
        PaymentAllocation.objects.filter(pledge_id=pledge_id, payment__received_on__lte=as_of, created_at__lt=cutoff)
    )


def member_capital_ore(*, membership: FundMembership, as_of: date, known_at: datetime | None = None) -> int:
    """Money the member has paid in to their shares, less capital paid back to them."""
    cutoff = recorded_cutoff(as_of, known_at)
    paid = _sum(
        PaymentAllocation.objects.filter(
            pledge__fund_share__membership=membership, payment__received_on__lte=as_of, created_at__lt=cutoff
        )
    )
    withdrawn = _sum(
        membership.withdrawals.filter(status=WithdrawalStatus.PAID, paid_on__lte=as_of, paid_recorded_at__lt=cutoff)
    )
    return paid - withdrawn


def member_has_vote(*, membership: FundMembership, as_of: date, known_at: datetime | None = None) -> bool:
    """A member votes once their required share is fully paid (by matched payments) and not withdrawn."""
    cutoff = recorded_cutoff(as_of, known_at)
    required = FundShare.objects.filter(membership=membership, is_required=True).select_related("pledge").first()
    if required is None:
        return False
    amount = int(required.pledge.amount_ore or 0)
    if _paid_to_pledge(required.pledge_id, as_of=as_of, cutoff=cutoff) < amount:
        return False
    return member_capital_ore(membership=membership, as_of=as_of, known_at=cutoff) >= amount


def voting_member_count(*, members: QuerySet[FundMembership], as_of: date, cutoff: datetime) -> int:
    """How many of the members vote as of the date: member_has_vote for all of them in four grouped queries."""
    # order_by(): the model's ordering (by membership, then its fund) would join the fund's row only to sort.
    required_shares = FundShare.objects.filter(membership__in=members, is_required=True).order_by()
    required = {
        member_id: int(amount or 0)  # as member_has_vote counts a required share
        for member_id, amount in required_shares.values_list("membership_id", "pledge__amount_ore")
    }
    counted = PaymentAllocation.objects.filter(
        pledge__fund_share__membership__in=members, payment__received_on__lte=as_of, created_at__lt=cutoff
    )

    def per_member(rows: QuerySet[Any, Any]) -> dict[int, int]:
        return {key: int(total) for key, total in rows.annotate(total=Sum("amount_ore")).values_list("key", "total")}

    key = F("pledge__fund_share__membership_id")
    paid_required = per_member(counted.filter(pledge__fund_share__is_required=True).values(key=key))
    paid_all = per_member(counted.values(key=key))
    withdrawn = per_member(
        CapitalWithdrawal.objects.filter(
            membership__in=members, status=WithdrawalStatus.PAID, paid_on__lte=as_of, paid_recorded_at__lt=cutoff
        ).values(key=F("membership_id"))
    )
    return sum(
        1
        for member_id, amount in required.items()
        if paid_required.get(member_id, 0) >= amount
        and paid_all.get(member_id, 0) - withdrawn.get(member_id, 0) >= amount
    )


def member_pending_withdrawals_ore(*, membership: FundMembership) -> int:
    return _sum(
        membership.withdrawals.filter(
            status__in=[WithdrawalStatus.REQUESTED, WithdrawalStatus.PREPARED, WithdrawalStatus.APPROVED]
        )
    )


@dataclass
class ShareLine:
    share: FundShare
    amount_ore: int
    share_count: int
    paid_ore: int
    ocr_reference: str
    instalments: list[dict[str, object]]


@dataclass
class MemberStatement:
    membership: FundMembership
    as_of: date
    shares: list[ShareLine]
    paid_in_ore: int
    withdrawn_ore: int
    capital_ore: int
    pending_withdrawals_ore: int
    has_vote: bool
    next_due: dict[str, object] | None
    withdrawals: list[CapitalWithdrawal]
    backed_projects: list[dict[str, object]]


def member_statement(*, fund: MicroFund, user: User | AnonymousUser, as_of: date | None = None) -> MemberStatement:
    """The member's own shares, instalments paid and due, vote and the fund's engagements; 404 for non-members."""
    membership = membership_get(fund=fund, user=user)
    if membership is None:
        raise Http404
    as_of = as_of or timezone.localdate()
    cutoff = recorded_cutoff(as_of, timezone.now() + timedelta(seconds=1))
    lines = []
    next_due = None
    for share in membership.shares.select_related("pledge", "pledge__pool").prefetch_related("instalments"):
        paid = _paid_to_pledge(share.pledge_id, as_of=as_of, cutoff=cutoff)
        instalments = list(share.instalments.all())
        covered = paid_through([i.amount_ore for i in instalments], paid)
        rows = []
        for inst, got in zip(instalments, covered, strict=True):
            state = "paid" if got == inst.amount_ore else ("overdue" if inst.due_on < as_of else "due")
            row = {"number": inst.number, "due_on": inst.due_on, "amount_ore": inst.amount_ore, "paid_ore": got}
            row["state"] = state
            rows.append(row)
            if state != "paid" and (next_due is None or inst.due_on < next_due["due_on"]):  # type: ignore[operator]
                next_due = {**row, "ocr_reference": share.pledge.ocr_reference, "unpaid_ore": inst.amount_ore - got}
        lines.append(
            ShareLine(
                share=share,
                amount_ore=int(share.pledge.amount_ore or 0),
                share_count=int(share.pledge.share_count or 0),
                paid_ore=paid,
                ocr_reference=share.pledge.ocr_reference or "",
                instalments=rows,
            )
        )
    position = fund_position_now(fund=fund)
    backed = [
        {"project": line.loan.project, "kind": "loan", "amount_ore": line.outstanding_ore}
        for line in position.loans
        if line.outstanding_ore
    ] + [
        {"project": line.guarantee.project, "kind": "guarantee", "amount_ore": line.exposure_ore}
        for line in position.guarantees
        if line.exposure_ore
    ]
    paid_in = sum(line.paid_ore for line in lines)
    capital = member_capital_ore(membership=membership, as_of=as_of, known_at=cutoff)
    return MemberStatement(
        membership=membership,
        as_of=as_of,
        shares=lines,
        paid_in_ore=paid_in,
        withdrawn_ore=paid_in - capital,
        capital_ore=capital,
        pending_withdrawals_ore=member_pending_withdrawals_ore(membership=membership),
        has_vote=member_has_vote(membership=membership, as_of=as_of, known_at=cutoff),
        next_due=next_due,
        withdrawals=list(membership.withdrawals.order_by("-created_at", "-pk")),
        backed_projects=backed,
    )


def engagements_for_owner(*, owner: User) -> dict[str, list[object]]:
    """A project owner's loans and guarantees, with today's figures."""
    today = timezone.localdate()
    cutoff = timezone.now() + timedelta(seconds=1)
    loans = (
        Loan.objects.filter(project__owner=owner)
        .select_related("fund", "project", "write_off")
        .prefetch_related("instalments", "repayments")
    )
    guarantees = (
        Guarantee.objects.filter(project__owner=owner).select_related("fund", "project").prefetch_related("events")
    )
    return {
        "loans": [loan_line(loan, as_of=today, cutoff=cutoff) for loan in loans],
        "guarantees": [g for g in (guarantee_line(x, as_of=today, cutoff=cutoff) for x in guarantees) if g],
    }


def repayments_recorded_for(*, loan: Loan) -> QuerySet[LoanRepayment]:
    return loan.repayments.select_related("recorded_by").order_by("paid_on", "pk")


def loans_with_unpaid(*, today: date) -> QuerySet[Loan]:
    """Active loans with an instalment due within the reminder window or before it."""
    return (
        Loan.objects.filter(
            Q(status="active"), instalments__due_on__lte=today + timedelta(days=DUE_SOON_DAYS), disbursed_on__lte=today
        )
        .distinct()
        .select_related("project", "project__owner", "fund__community")
        .prefetch_related("instalments", "repayments")
    )
