"""Reads for treasury/: bank files, the unmatched queue, refund and payout candidates, the audit trail.

Why one module of about 570 lines: every read here applies the same community scoping (the treasurer's
memberships, communities.selectors) before anything else, and keeping the scoped querysets side by side is
what makes a missed filter visible; reports live in treasury/reports.py and treasury/report_sql.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from communities.models import Community, MembershipRole
from communities.selectors import community_ids_for
from pools.models import (
    MONEY_KINDS,
    FundingRule,
    Payment,
    PaymentAllocation,
    PaymentStatus,
    Pledge,
    PledgeStatus,
    Pool,
    PoolStatus,
)
from treasury.models import (
    AuditEvent,
    BankFile,
    BankFileLine,
    PayeeAccountSource,
    PayoutBatch,
    PayoutKind,
    PayoutLine,
    PayoutReason,
    ReportBuild,
)
from treasury.payee_accounts import BANKGIRO, payee_account_parse

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

MAX_SEARCH_LENGTH = 200


class PaymentAllocated(TypedDict):
    """What payment_list_treasury adds to each payment: money matched to pledges, and the rest."""

    allocated_ore: int
    unallocated_ore: int


def treasurer_community_ids(user: Any) -> list[int] | None:
    """The communities whose money records `user` may see as a treasurer: those where they hold the
    treasurer membership; None (every community) for platform staff and superusers, and for user=None,
    which only internal callers (tasks, services, tests) pass. The global permissions stay the power
    switch: this decides WHICH community's rows. A treasurer of every community still gets the list, so
    every read of theirs names its communities (tests/scoping.py checks that); see covers_every_community
    for what such a treasurer sees beyond them."""
    if user is None:
        return None
    return community_ids_for(user=user, role=MembershipRole.TREASURER)


def covers_every_community(ids: list[int] | tuple[int, ...] | None) -> bool:
    """True for None and for a list naming every community: such a treasurer also sees what belongs to no
    community yet (a payment recorded by hand and not matched, platform-level audit rows)."""
    return ids is None or (bool(ids) and len(set(ids)) >= Community.objects.count())


def _in_communities(rows: QuerySet[Any], ids: list[int] | None, path: str = "community_id") -> QuerySet[Any]:
    return rows if ids is None else rows.filter(**{f"{path}__in": ids})


def bankfile_list(*, user: Any = None) -> QuerySet[BankFile]:
    """Imported bank files of the user's communities (see treasurer_community_ids), newest first, without
    their content."""
    rows = BankFile.objects.defer("content").select_related("imported_by", "community")
    return _in_communities(rows, treasurer_community_ids(user)).order_by("-imported_at", "-pk")


def bankfile_get(*, bank_file_id: int, user: Any = None) -> BankFile:
    """One bank file of the user's communities, or 404."""
    try:
        return bankfile_list(user=user).get(pk=bank_file_id)
    except BankFile.DoesNotExist as exc:
        raise Http404 from exc


def bankfile_line_exceptions(*, include_resolved: bool = False, user: Any = None) -> QuerySet[BankFileLine]:
    """Bank file lines of the user's communities waiting for a treasurer (deductions, reversals without
    their original, amounts that could not be placed), oldest first."""
    lines = _in_communities(
        BankFileLine.objects.filter(needs_attention=True), treasurer_community_ids(user), "bank_file__community_id"
    )
    if not include_resolved:
        lines = lines.filter(resolved_at__isnull=True)
    return lines.select_related("bank_file", "pledge", "reversed_payment").order_by("bank_file_id", "position")


def payment_scope(community_ids: list[int]) -> Q:
    """The payments of these communities. A payment belongs to the community of the bank file that
    brought it, and to those of the pools it is matched to (a payment recorded by hand has no bank
    file). Imports match only the file's own community's pledges and payment_allocate refuses another
    community's pledge, so the two agree; a payment recorded by hand and not yet matched belongs to no
    community (platform staff see it)."""
    by_file = BankFileLine.objects.filter(bank_file__community_id__in=community_ids, payment__isnull=False)
    by_pool = PaymentAllocation.objects.filter(pool__community_id__in=community_ids)
    return Q(pk__in=by_file.values("payment_id")) | Q(pk__in=by_pool.values("payment_id"))


def _payments_in(rows: QuerySet[Any], ids: list[int] | None) -> QuerySet[Any]:
    """Payments are not community-owned rows: the scope follows them to their bank files and pools; a
    treasurer of every community also sees the payments of none (recorded by hand, not matched yet)."""
    return rows if covers_every_community(ids) else rows.filter(payment_scope(ids or []))


def payment_list_returned(*, user: Any = None) -> QuerySet[Payment]:
    """Payments of the user's communities the bank took back (camt reversals), newest first, with the
    line that returned them."""
    ids = treasurer_community_ids(user)
    lines = _in_communities(BankFileLine.objects.select_related("bank_file"), ids, "bank_file__community_id")
    return (
        _payments_in(Payment.objects.filter(status=PaymentStatus.RETURNED), ids)
        .prefetch_related(Prefetch("reversal_lines", queryset=lines.order_by("pk")))
        .order_by("-received_on", "-pk")
    )


def _allocated_subquery() -> Subquery:
    return Subquery(
        PaymentAllocation.objects.filter(payment=OuterRef("pk"))
        .order_by()
        .values("payment")
        .annotate(t=Sum("amount_ore"))
        .values("t")[:1]
    )


def payment_list_treasury(
    *,
    status: str | None = None,
    q: str = "",
    amount_ore: int | None = None,
    received_from: date | None = None,
    received_to: date | None = None,
    user: Any = None,
) -> QuerySet[WithAnnotations[Payment, PaymentAllocated]]:
    """Payments of the user's communities (see payment_scope) for treasurers, with `allocated_ore` and
    `unallocated_ore`; searchable by name, reference, amount and date."""
    rows = (
        _payments_in(Payment.objects.all(), treasurer_community_ids(user))
        .annotate(allocated_ore=Coalesce(_allocated_subquery(), Value(0)))
        .annotate(unallocated_ore=F("amount_ore") - F("allocated_ore"))
    )
    if status:
        rows = rows.filter(status=status)
    text = (q or "").strip()[:MAX_SEARCH_LENGTH]
    if text:
        rows = rows.filter(
            Q(payer_name__icontains=text)
            | Q(reference__icontains=text)
            | Q(bank_reference__icontains=text)
            | Q(note__icontains=text)
        )
    if amount_ore is not None:
        rows = rows.filter(amount_ore=amount_ore)
    if received_from:
        rows = rows.filter(received_on__gte=received_from)
    if received_to:
        rows = rows.filter(received_on__lte=received_to)
    return rows.order_by("-received_on", "-pk")


def payment_get_treasury(*, payment_id: int, user: Any = None) -> WithAnnotations[Payment, PaymentAllocated]:
    """One payment of the user's communities with its allocation figures, or 404."""
    try:
        return payment_list_treasury(user=user).get(pk=payment_id)
    except Payment.DoesNotExist as exc:
        raise Http404 from exc


def pledge_search_for_matching(
    *, q: str = "", amount_ore: int | None = None, limit: int = 30, user: Any = None
) -> list[Pledge]:
    """Money pledges of the user's communities a treasurer may match a payment to: by name, e-mail,
    OCR reference or amount."""
    rows = (
        _in_communities(
            Pledge.objects.filter(kind__in=MONEY_KINDS), treasurer_community_ids(user), "pool__community_id"
        )
        .select_related("pool", "saver")
        .annotate(
            received_ore=Coalesce(
                Subquery(
                    PaymentAllocation.objects.filter(pledge=OuterRef("pk"))
                    .order_by()
                    .values("pledge")
                    .annotate(t=Sum("amount_ore"))
                    .values("t")[:1]
                ),
                Value(0),
            )
        )
    )
    text = (q or "").strip()[:MAX_SEARCH_LENGTH]
    if text:
        rows = rows.filter(
            Q(saver__full_name__icontains=text)
            | Q(saver__email__icontains=text)
            | Q(contact_name__icontains=text)
            | Q(contact_email__icontains=text)
            | Q(ocr_reference__icontains=text.replace(" ", ""))
            | Q(pool__title__icontains=text)
        )
    if amount_ore is not None:
        rows = rows.filter(Q(amount_ore=amount_ore) | Q(monthly_ore=amount_ore))
    if not text and amount_ore is None:
        return []
    return list(rows.order_by("-created_at", "-pk")[:limit])


def pledges_for_manual_match(*, pledge_ids: list[int], user: Any = None) -> dict[int, Pledge] | None:
    """The pledges a treasurer named for a manual match, by id; None when any of them does not exist
    or is of a community the user is not a treasurer of."""
    rows = _in_communities(
        Pledge.objects.filter(pk__in=pledge_ids), treasurer_community_ids(user), "pool__community_id"
    )
    found = {pledge.pk: pledge for pledge in rows}
    return found if len(found) == len(set(pledge_ids)) else None


def allocation_get_treasury(*, allocation_id: int, user: Any = None) -> PaymentAllocation:
    """One payment-to-pledge match of the user's communities for the treasury, or 404."""
    rows = _in_communities(PaymentAllocation.objects.all(), treasurer_community_ids(user), "pool__community_id")
    try:
        return rows.get(pk=allocation_id)
    except PaymentAllocation.DoesNotExist as exc:
        raise Http404 from exc


def allocation_list_for_payment(*, payment: Payment, user: Any = None) -> QuerySet[PaymentAllocation]:
    """A payment's matches and reversals in the user's communities (a payment's matches are all in one),
    oldest first, with who made them."""
    return (
        _in_communities(
            PaymentAllocation.objects.filter(payment=payment),
            treasurer_community_ids(user),
            "pledge__pool__community_id",
        )
        .select_related("pledge", "pledge__pool", "pledge__saver", "created_by", "reverses")
        .order_by("pk")
    )


# ---------------------------------------------------------------- payouts


@dataclass(frozen=True)
class PayoutCandidate:
    source_key: str
    reason: str
    amount_ore: int
    payee_name: str
    payee_account: str  # a form payee_account_parse() accepts, or "" when there is none to pay to
    message: str
    payment_id: int | None = None
    pledge_id: int | None = None
    pool_id: int | None = None
    payee_account_source: str = ""
    missing_account_reason: str = ""

    @property
    def is_missing_account(self) -> bool:
        return not self.payee_account

    @property
    def payee_account_source_label(self) -> str:
        source = self.payee_account_source
        return str(PayeeAccountSource(source).label) if source in PayeeAccountSource.values else ""


@dataclass(frozen=True)
class _Account:
    account: str = ""
    source: str = ""
    missing_reason: str = ""


def _active_keys() -> set[str]:
    """The source keys in every live list, of every community on purpose: a payment matched into two
    communities' pools must not be paid back twice. Reads payout lines only (no community-owned row)."""
    return set(PayoutLine.objects.filter(is_active=True).order_by().values_list("source_key", flat=True))


def _pledge_received() -> Coalesce:
    return Coalesce(Sum("allocations__amount_ore"), Value(0))


def _net_matches(**filters: object) -> list[dict[str, Any]]:
    """(payment, pledge) pairs with money still matched (reversals netted out), with the payer's account
    and the pledge's saver and refund account: one query."""
    return list(
        PaymentAllocation.objects.filter(**filters)
        .order_by()
        .values("payment_id", "pledge_id", "payment__payer_account", "pledge__saver_id", "pledge__saver__refund_iban")
        .annotate(net=Sum("amount_ore"))
        .filter(net__gt=0)
    )


def _refund_account(*, refund_iban: str, payer_accounts: set[str]) -> _Account:
    """Where a refund goes: the saver's refund IBAN, else the one account the money came from, else nowhere."""
    if refund_iban:
        return _Account(refund_iban, PayeeAccountSource.REFUND_ACCOUNT)
    if not payer_accounts or "" in payer_accounts:
        return _Account(
            missing_reason=_("The saver has given no refund account and the bank did not name the payer's account.")
        )
    if len(payer_accounts) > 1:
        return _Account(missing_reason=_("The money came from different accounts and the saver has given none."))
    [text] = payer_accounts
    parsed = payee_account_parse(text)
    if parsed is None:
        return _Account(
            missing_reason=_("The payer's account (%(account)s) cannot be used in a payment order.") % {"account": text}
        )
    return _Account(parsed.label, PayeeAccountSource.PAYER_ACCOUNT)


def payout_candidates(*, kind: str, user: Any = None, community_ids: list[int] | None = None) -> list[PayoutCandidate]:
    """Money that should go out and is in no live list yet: refunds (over-payments, withdrawn pledges
    with money, failed all-or-nothing pools) or payouts to the beneficiaries of succeeded pools; only
    those of the given communities (or of the user's, see treasurer_community_ids).
    Each says where the money goes (see _refund_account) or why it has nowhere to go."""
    ids = community_ids if community_ids is not None else treasurer_community_ids(user)
    taken = _active_keys()
    found: list[PayoutCandidate] = []
    if kind == PayoutKind.REFUND:
        found = _overpayment_candidates(ids) + _pledge_refund_candidates(ids)
    elif kind == PayoutKind.PAYOUT:
        found = _beneficiary_candidates(ids)
    found = [c for c in found if c.source_key not in taken]
    return found if ids is None else _candidates_in(found, set(ids))


def _candidates_in(found: list[PayoutCandidate], ids: set[int]) -> list[PayoutCandidate]:
    """The candidates belonging to these communities: by their pool, else by their payment's bank file or
    the pools its matches went to."""
    pool_community = dict(
        Pool.objects.filter(pk__in={c.pool_id for c in found if c.pool_id}, community_id__in=ids).values_list(
            "pk", "community_id"
        )
    )
    payment_ids = {c.payment_id for c in found if c.payment_id and not c.pool_id}
    payment_communities: dict[int, set[int]] = {}
    for payment_id, community_id in BankFileLine.objects.filter(
        payment_id__in=payment_ids, bank_file__community_id__in=ids
    ).values_list("payment_id", "bank_file__community_id"):
        payment_communities.setdefault(int(payment_id), set()).add(int(community_id))
    for payment_id, community_id in PaymentAllocation.objects.filter(
        payment_id__in=payment_ids, pool__community_id__in=ids
    ).values_list("payment_id", "pool__community_id"):
        payment_communities.setdefault(int(payment_id), set()).add(int(community_id))
    kept = []
    for c in found:
        if c.pool_id:
            owners = {pool_community.get(c.pool_id)}
        else:
            owners = set(payment_communities.get(c.payment_id or 0, set()))
        if owners & ids:
            kept.append(c)
    return kept


def _overpayment_candidates(ids: list[int] | None) -> list[PayoutCandidate]:
    """The part of a matched payment of these communities (None: every one) that no pledge took, back to
    whoever paid it."""
    found: list[PayoutCandidate] = []
    overpaid = list(
        _payments_in(payment_list_treasury(status=PaymentStatus.MATCHED), ids).filter(unallocated_ore__gt=0)
    )
    savers_of: dict[int, set[tuple[object, str]]] = {}
    for row in _net_matches(payment_id__in=[p.pk for p in overpaid]):
        savers_of.setdefault(int(row["payment_id"]), set()).add(
            (row["pledge__saver_id"], str(row["pledge__saver__refund_iban"] or ""))
        )
    for payment in overpaid:
        savers = savers_of.get(payment.pk, set())
        saver_iban = ""
        if len(savers) == 1:  # the excess goes to a refund account only when the payment paid one saver
            ((saver_id, iban),) = savers
            saver_iban = iban if saver_id else ""
        where = _refund_account(refund_iban=saver_iban, payer_accounts={payment.payer_account.strip()})
        found.append(
            PayoutCandidate(
                source_key=f"overpayment:{payment.pk}",
                reason=PayoutReason.OVERPAYMENT,
                amount_ore=int(payment.unallocated_ore),
                payee_name=payment.payer_name,
                payee_account=where.account,
                payee_account_source=where.source,
                missing_account_reason=where.missing_reason,
                message=f"Återbetalning {payment.reference}"[:140],
                payment_id=payment.pk,
            )
        )
    return found


def _pledge_refund_candidates(ids: list[int] | None) -> list[PayoutCandidate]:
    """Money received for withdrawn pledges and for pledges to failed all-or-nothing pools of these
    communities (None: every one)."""
    found: list[PayoutCandidate] = []
    refundable = list(
        _in_communities(Pledge.objects.filter(kind__in=MONEY_KINDS), ids, "pool__community_id")
        .filter(
            Q(status=PledgeStatus.WITHDRAWN)
            | Q(pool__status=PoolStatus.FAILED, pool__funding_rule=FundingRule.ALL_OR_NOTHING)
        )
        .exclude(status=PledgeStatus.REFUNDED)
        .select_related("saver", "pool")
        .annotate(received_ore=_pledge_received())
        .filter(received_ore__gt=0)
        .order_by("pk")
    )
    payer_accounts: dict[int, set[str]] = {}
    for row in _net_matches(pledge_id__in=[p.pk for p in refundable]):
        payer_accounts.setdefault(int(row["pledge_id"]), set()).add(str(row["payment__payer_account"] or "").strip())
    for pledge in refundable:
        reason = PayoutReason.WITHDRAWN if pledge.status == PledgeStatus.WITHDRAWN else PayoutReason.FAILED_POOL
        where = _refund_account(
            refund_iban=pledge.saver.refund_iban if pledge.saver else "",
            payer_accounts=payer_accounts.get(pledge.pk, set()),
        )
        found.append(
            PayoutCandidate(
                source_key=f"pledge:{pledge.pk}",
                reason=reason,
                amount_ore=int(pledge.received_ore),
                payee_name=pledge.pledger_name,
                payee_account=where.account,
                payee_account_source=where.source,
                missing_account_reason=where.missing_reason,
                message=f"Återbetalning {pledge.ocr_reference}"[:140],
                pledge_id=pledge.pk,
                pool_id=pledge.pool_id,
            )
        )
    return found


def _beneficiary_candidates(ids: list[int] | None) -> list[PayoutCandidate]:
    """What succeeded pools of these communities (None: every one) received and have not paid out to
    their beneficiary yet."""
    found: list[PayoutCandidate] = []
    paid_out = {
        row["pool_id"]: row["t"]
        for row in PayoutLine.objects.filter(reason=PayoutReason.BENEFICIARY, is_active=True)
        .order_by()
        .values("pool_id")
        .annotate(t=Sum("amount_ore"))
    }
    pools = (
        _in_communities(Pool.objects.filter(status__in=[PoolStatus.SUCCEEDED, PoolStatus.SETTLED]), ids)
        .select_related("project", "micro_fund")
        .annotate(received_ore=Coalesce(Sum("pledges__allocations__amount_ore"), Value(0)))
        .order_by("pk")
    )
    for pool in pools:
        due = int(pool.received_ore) - int(paid_out.get(pool.pk, 0))
        key = f"pool:{pool.pk}:{int(pool.received_ore)}"
        if due > 0:
            parsed = payee_account_parse(pool.bankgiro)
            bankgiro = parsed.label if parsed is not None and parsed.scheme == BANKGIRO else ""
            found.append(
                PayoutCandidate(
                    source_key=key,
                    reason=PayoutReason.BENEFICIARY,
                    amount_ore=due,
                    payee_name=pool.beneficiary_name,
                    payee_account=bankgiro,
                    payee_account_source=PayeeAccountSource.BENEFICIARY if bankgiro else "",
                    missing_account_reason="" if bankgiro else _("The pool has no valid bankgiro number."),
                    message=f"Utbetalning {pool.title}"[:140],
                    pool_id=pool.pk,
                )
            )
    return found


def payout_batch_list(*, user: Any = None) -> QuerySet[PayoutBatch]:
    """The payout and refund lists of the user's communities, newest first."""
    rows = PayoutBatch.objects.select_related("prepared_by", "approved_by", "exported_by", "community")
    return _in_communities(rows, treasurer_community_ids(user)).order_by("-prepared_at", "-pk")


def payout_batch_get(*, batch_id: int, user: Any = None) -> PayoutBatch:
    """One batch of the user's communities, or 404."""
    try:
        return payout_batch_list(user=user).get(pk=batch_id)
    except PayoutBatch.DoesNotExist as exc:
        raise Http404 from exc


# ---------------------------------------------------------------- audit trail


def audit_event_list(
    *,
    table: str = "",
    row_id: int | None = None,
    actor_id: int | None = None,
    action: str = "",
    at_from: date | None = None,
    at_to: date | None = None,
    user: Any = None,
) -> QuerySet[AuditEvent]:
    """Audit events of the user's communities (see audit_scope), newest first, filtered by table, row,
    actor, action and date."""
    rows = AuditEvent.objects.select_related("actor")
    ids = treasurer_community_ids(user)
    if ids is not None:
        # A treasurer of every community also sees the platform-level rows (no community, on no path).
        every = covers_every_community(ids)
        rows = rows.filter(Q(community_id__in=ids) | Q(community_id__isnull=True) if every else audit_scope(ids))
    if table:
        rows = rows.filter(table_name=table)
    if row_id is not None:
        rows = rows.filter(row_id=row_id)
    if actor_id is not None:
        rows = rows.filter(actor_id=actor_id)
    if action:
        rows = rows.filter(action=action)
    if at_from:
        rows = rows.filter(at__date__gte=at_from)
    if at_to:
        rows = rows.filter(at__date__lte=at_to)
    return rows.order_by("-at", "-pk")


def audit_scope(community_ids: list[int]) -> Q:
    """The audit rows about records of these communities: the triggers record each row's community
    (treasury/audit.py). Rows of no community (a person's refund account or investor assessment, a
    deleted record's older rows, a payment not yet on any bank-file line or match) are left to platform
    staff, who see every row."""
    return Q(community_id__in=community_ids)


def refund_account_changed_at(*, user_id: int) -> datetime | None:
    """When the user's refund account last changed (from the audit trail), or None."""
    return (
        AuditEvent.objects.filter(table_name="accounts_user", row_id=user_id)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )


def refund_account_recently_changed(*, user_id: int) -> bool:
    """True when the refund account changed within REFUND_ACCOUNT_HOLD_DAYS."""
    changed_at = refund_account_changed_at(user_id=user_id)
    hold = timedelta(days=settings.REFUND_ACCOUNT_HOLD_DAYS)
    return changed_at is not None and changed_at >= timezone.now() - hold


def bankfile_community_id(bank_file_id: int) -> int | None:
    """The community a bank file was imported for (None when the row is gone)."""
    return BankFile.objects.filter(pk=bank_file_id).values_list("community_id", flat=True).first()


# ---------------------------------------------------------------- report files prepared by a worker


def report_build_list(*, user: Any, mine_only: bool = True) -> QuerySet[ReportBuild]:
    """Report files of the communities `user` is treasurer of (and has the report permission), newest first;
    with `mine_only`, only those `user` asked for."""
    if user is None or not user.has_perm("pools.view_reports"):
        return ReportBuild.objects.none()
    rows = _in_communities(
        ReportBuild.objects.select_related("community", "requested_by"), treasurer_community_ids(user)
    )
    if mine_only:
        rows = rows.filter(requested_by=user)
    return rows.order_by("-created_at", "-pk")


def report_build_get(*, build_id: int, user: Any) -> ReportBuild:
    """One report file any treasurer of its community may see and download, or 404 (another community's
    treasurer, a saver)."""
    try:
        return report_build_list(user=user, mine_only=False).get(pk=build_id)
    except ReportBuild.DoesNotExist as exc:
        raise Http404 from exc


def report_build_community_id(build_id: int) -> int | None:
    """The community a report file is prepared for (None when the row is gone)."""
    return ReportBuild.objects.filter(pk=build_id).values_list("community_id", flat=True).first()
