"""Writes for treasury/: import bank files, match payments, prepare/approve/export payouts.

Every money write runs inside `audit_actor(by)`, so the audit trail's triggers name the treasurer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from operations.outbox import enqueue
from pools.models import (
    MONEY_KINDS,
    Payment,
    PaymentAllocation,
    PaymentChannel,
    PaymentStatus,
    Pledge,
    PledgeStatus,
)
from pools.references import ocr_is_valid
from pools.services import allocation_reverse, payment_allocate, payment_record, totals_enqueue
from treasury.audit import audit_actor
from treasury.bankfiles import BankFileError, ParsedFile, ParsedPayment, parse_bgmax, parse_camt
from treasury.errors import (
    BankFileDuplicate,
    BankFileRefused,
    FourEyesViolation,
    MatchError,
    NotApproved,
    PayeeAccountMissing,
    PayoutError,
    RecentAccountNotConfirmed,
)
from treasury.models import (
    BankFile,
    BankFileFormat,
    BankFileLine,
    BankFileStatus,
    LineOutcome,
    PayeeAccountSource,
    PayoutBatch,
    PayoutKind,
    PayoutLine,
    PayoutReason,
    PayoutStatus,
)
from treasury.payee_accounts import payee_account_parse

PROCESS_TASK = "workers.treasury.process_bank_file"
# Lines whose pledge is refunded whole when the list is exported (an over-payment line is only the excess).
REFUNDING_REASONS = (PayoutReason.WITHDRAWN, PayoutReason.FAILED_POOL)
CHUNK_SIZE = 200


# ---------------------------------------------------------------- bank files


def bankfile_parse(*, content: bytes) -> ParsedFile:
    """Detect the format and parse; every problem becomes BankFileRefused with the parser's reason."""
    if not content or not content.strip():
        raise BankFileRefused(_("The file is empty."), field="file")
    if len(content) > settings.TREASURY_MAX_UPLOAD_BYTES:
        raise BankFileRefused(_("The file is too large."), field="file")
    head = content.lstrip(b"\xef\xbb\xbf \r\n\t")[:10]
    try:
        if head.startswith(b"01BGMAX"):
            return parse_bgmax(content)
        if head.startswith(b"<"):
            return parse_camt(content, max_bytes=settings.TREASURY_MAX_UPLOAD_BYTES)
    except BankFileError as exc:
        raise BankFileRefused(str(exc), field="file") from exc
    raise BankFileRefused(_("This is neither a BgMax file nor a camt.053/054 statement."), field="file")


def _aware(moment: datetime | None) -> datetime | None:
    """BgMax stamps are local Swedish time without a zone; camt carries its own offset."""
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


def _entries(parsed: ParsedFile) -> list[ParsedPayment]:
    """The file's payments, then its deductions: position n of a file is always the same entry."""
    return [*parsed.payments, *parsed.deductions]


@transaction.atomic
def bankfile_import(*, content: bytes, filename: str, by: User) -> BankFile:
    """Check and record a bank file; import it now, or queue a worker when it is large.
    Raises BankFileRefused (nothing written) and BankFileDuplicate."""
    digest = hashlib.sha256(content).hexdigest()
    if BankFile.objects.filter(sha256=digest).exists():
        raise BankFileDuplicate(field="file")
    parsed = bankfile_parse(content=content)
    payment_total = sum(p.amount_ore for p in parsed.payments)
    deduction_total = sum(p.amount_ore for p in parsed.deductions)
    if parsed.format == BankFileFormat.BGMAX and payment_total - deduction_total != parsed.computed_total_ore:
        # The parser already checks the file's own totals; this guards our reading of them. (camt's
        # computed total also counts entries not yet booked, which are not payments.)
        raise BankFileRefused(_("The file's totals do not add up; nothing was imported."), field="file")
    with audit_actor(by):
        try:
            with transaction.atomic():
                bank_file = BankFile.objects.create(
                    sha256=digest,
                    format=parsed.format,
                    original_name=(filename or "")[:255],
                    content=content,
                    size_bytes=len(content),
                    payee_account=parsed.payee_account[:40],
                    file_created_at=_aware(parsed.created_at),
                    payment_count=len(parsed.payments),
                    payment_total_ore=payment_total,
                    deduction_count=len(parsed.deductions),
                    deduction_total_ore=deduction_total,
                    net_total_ore=payment_total - deduction_total,
                    total=len(parsed.payments) + len(parsed.deductions),
                    imported_by=by,
                )
        except IntegrityError as exc:  # the same file, uploaded twice at once
            raise BankFileDuplicate(field="file") from exc
        if bank_file.total > settings.TREASURY_WORKER_THRESHOLD:
            enqueue(PROCESS_TASK, bank_file.pk, dedupe_key=f"bankfile:{bank_file.pk}")
            return bank_file
        _process(bank_file.pk, parsed)
    bank_file.refresh_from_db()
    return bank_file


def bankfile_process(*, bank_file_id: int) -> BankFile:
    """Import a queued file's payments chunk by chunk, updating progress (safe to run twice)."""
    bank_file = BankFile.objects.get(pk=bank_file_id)
    if bank_file.status == BankFileStatus.DONE:
        return bank_file
    try:
        parsed = bankfile_parse(content=bytes(bank_file.content))
    except BankFileRefused as exc:  # cannot happen for a stored file, but never leave it spinning
        BankFile.objects.filter(pk=bank_file.pk).update(status=BankFileStatus.FAILED, error=str(exc.message)[:2000])
        raise
    with audit_actor(bank_file.imported_by_id):
        _process(bank_file.pk, parsed)
    bank_file.refresh_from_db()
    return bank_file


def _process(bank_file_id: int, parsed: ParsedFile) -> None:
    entries = _entries(parsed)
    channel = PaymentChannel.BGMAX if parsed.format == BankFileFormat.BGMAX else PaymentChannel.CAMT
    start = 0
    while start < len(entries):
        with transaction.atomic():
            bank_file = BankFile.objects.select_for_update().get(pk=bank_file_id)
            if bank_file.status == BankFileStatus.DONE:
                return
            done = set(
                bank_file.lines.filter(position__gt=start, position__lte=start + CHUNK_SIZE).values_list(
                    "position", flat=True
                )
            )
            for offset, entry in enumerate(entries[start : start + CHUNK_SIZE]):
                position = start + offset + 1
                if position not in done:
                    _import_entry(bank_file, position, entry, channel)
            _refresh_counts(bank_file, finished=start + CHUNK_SIZE >= len(entries))
        start += CHUNK_SIZE
    if not entries:
        with transaction.atomic():
            _refresh_counts(BankFile.objects.select_for_update().get(pk=bank_file_id), finished=True)


def _refresh_counts(bank_file: BankFile, *, finished: bool) -> None:
    """Progress and outcome counts, recomputed from the lines (never incremented)."""
    counts = bank_file.lines.aggregate(
        lines=Count("pk"),
        payments=Count("pk", filter=Q(is_deduction=False)),
        matched=Count(
            "pk",
            filter=Q(outcome__in=[LineOutcome.EXACT, LineOutcome.UNDERPAID, LineOutcome.OVERPAID, LineOutcome.SPLIT]),
        ),
        unmatched=Count("pk", filter=Q(outcome=LineOutcome.UNMATCHED)),
        under=Count("pk", filter=Q(outcome=LineOutcome.UNDERPAID)),
        over=Count("pk", filter=Q(outcome=LineOutcome.OVERPAID)),
    )
    bank_file.processed = counts["lines"]
    bank_file.payments_created = counts["payments"]
    bank_file.matched_count = counts["matched"]
    bank_file.unmatched_count = counts["unmatched"]
    bank_file.underpaid_count = counts["under"]
    bank_file.overpaid_count = counts["over"]
    if finished and bank_file.processed == bank_file.total:
        bank_file.status = BankFileStatus.DONE
        bank_file.finished_at = timezone.now()
    else:
        bank_file.status = BankFileStatus.PROCESSING
    bank_file.save()


def _import_entry(bank_file: BankFile, position: int, entry: ParsedPayment, channel: str) -> None:
    if entry.deduction:
        BankFileLine.objects.create(
            bank_file=bank_file,
            position=position,
            is_deduction=True,
            amount_ore=entry.amount_ore,
            booked_on=entry.booked_on,
            reference=entry.reference or _free_text(entry, channel)[:140],
            payer_name=entry.payer_name[:200],
            outcome=LineOutcome.DEDUCTION,
            detail=_("Deducted by the bank from this deposit."),
        )
        return
    payment = payment_record(
        amount_ore=entry.amount_ore,
        received_on=entry.booked_on,
        channel=channel,
        reference=entry.reference or _free_text(entry, channel)[:140],
        payer_name=entry.payer_name,
        payer_account=entry.payer_account,
        bank_reference=entry.bank_reference,
        note=entry.raw[:2000],  # the bank's own record, kept for tracing
        created_by=bank_file.imported_by,
    )
    result = payment_match_auto(
        payment=payment, references=[entry.reference, *entry.extra_references], by=bank_file.imported_by
    )
    BankFileLine.objects.create(
        bank_file=bank_file,
        position=position,
        payment=payment,
        amount_ore=entry.amount_ore,
        booked_on=entry.booked_on,
        reference=payment.reference,
        payer_name=payment.payer_name,
        outcome=result.outcome,
        detail=result.detail[:300],
    )


def _free_text(entry: ParsedPayment, channel: str) -> str:
    """What the payer wrote when there is no OCR reference: BgMax's reference field and information
    texts (TK25); camt's unstructured remittance text."""
    if channel != PaymentChannel.BGMAX:
        return entry.raw.strip()
    parts = []
    for record in entry.raw.splitlines():
        if record[:2] in ("20", "21"):
            text = record[12:37].strip()
            if text and text.strip("0"):
                parts.append(text)
        elif record[:2] == "25":
            parts.append(record[2:52].strip())
    return " / ".join(p for p in parts if p)


# ---------------------------------------------------------------- matching


@dataclass(frozen=True)
class MatchResult:
    outcome: str
    detail: str
    allocated_ore: int = 0


def _outstanding(pledge: Pledge) -> int:
    received = int(pledge.allocations.aggregate(t=Coalesce(Sum("amount_ore"), Value(0)))["t"])
    return max(int(pledge.amount_ore or 0) - received, 0)


def payment_match_auto(*, payment: Payment, references: list[str], by: User | None) -> MatchResult:
    """Match a payment by its OCR reference(s), check digit verified; several references split it.
    Under-, exact and over-payment are recorded; the excess stays unallocated. Writes allocations."""
    refs = list(dict.fromkeys(r.strip() for r in references if r and r.strip()))
    if not refs:
        return MatchResult(LineOutcome.UNMATCHED, _("No reference given."))
    valid = [r for r in refs if ocr_is_valid(r)]
    if not valid:
        return MatchResult(LineOutcome.UNMATCHED, _("The reference's check digit is wrong."))
    pledges = {
        p.ocr_reference: p for p in Pledge.objects.filter(ocr_reference__in=valid, kind__in=MONEY_KINDS).order_by("pk")
    }
    found = [pledges[r] for r in valid if r in pledges]
    if not found:
        return MatchResult(LineOutcome.UNMATCHED, _("No pledge has this reference."))
    found = [p for p in found if p.status != PledgeStatus.REFUNDED]
    if not found:
        # Money for a pledge already refunded: a person decides what it is.
        return MatchResult(LineOutcome.UNMATCHED, _("The pledge was refunded."))
    with audit_actor(by):
        parts: list[tuple[Pledge, int]] = []
        left = payment.amount_ore
        owed_total = 0
        # Lock in primary-key order (as payment_allocate does) before reading what is owed.
        locked = {
            p.pk: p for p in Pledge.objects.select_for_update().filter(pk__in=[p.pk for p in found]).order_by("pk")
        }
        for pledge in found:
            owed = _outstanding(locked[pledge.pk])
            owed_total += owed
            take = min(owed, left)
            if take > 0:
                parts.append((locked[pledge.pk], take))
                left -= take
        if not parts:
            return MatchResult(LineOutcome.UNMATCHED, _("The pledge is already paid in full."))
        payment_allocate(payment=payment, parts=parts, by=by, note=_("Matched by reference"))
    allocated = payment.amount_ore - left
    if len(parts) > 1:
        outcome = LineOutcome.SPLIT
        detail = _("Split over %(n)s pledges.") % {"n": len(parts)}
    elif payment.amount_ore > owed_total:
        outcome, detail = LineOutcome.OVERPAID, _("Over-payment: the excess is a refund candidate.")
    elif payment.amount_ore < owed_total:
        outcome, detail = LineOutcome.UNDERPAID, _("Under-payment: the rest is still owed.")
    else:
        outcome, detail = LineOutcome.EXACT, _("Exact amount.")
    if len(parts) > 1 and left > 0:
        detail += " " + _("Over-payment: the excess is a refund candidate.")
    return MatchResult(outcome, detail, allocated)


def payment_match_manual(
    *, payment: Payment, parts: list[tuple[Pledge, int]], by: User, note: str = ""
) -> list[PaymentAllocation]:
    """A treasurer matches a payment by hand to one pledge or splits it over several.
    Raises MatchError (or AllocationError) when the parts do not fit."""
    if not parts:
        raise MatchError(_("Choose at least one pledge."), field="parts")
    if len({p.pk for p, _amount in parts}) != len(parts):
        raise MatchError(_("Each pledge may appear only once."), field="parts")
    with audit_actor(by):
        return payment_allocate(payment=payment, parts=parts, by=by, note=(note or _("Matched by hand"))[:200])


def allocation_undo(*, allocation: PaymentAllocation, by: User, note: str = "") -> PaymentAllocation:
    """Reverse a match with a negative row (the original stays). Raises AllocationError."""
    with audit_actor(by):
        return allocation_reverse(allocation=allocation, by=by, note=(note or _("Reversed"))[:200])


# ---------------------------------------------------------------- payouts and refunds


def _refuse_missing_accounts(keys_and_accounts: list[tuple[str, str]]) -> None:
    """Raise PayeeAccountMissing naming the lines whose account a payment order cannot carry."""
    missing = [key for key, account in keys_and_accounts if payee_account_parse(account) is None]
    if missing:
        raise PayeeAccountMissing(
            _("No account to pay to for: %(keys)s. Ask the saver for a refund account, or leave these lines out.")
            % {"keys": ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")},
            field="source_keys",
        )


@transaction.atomic
def payout_prepare(*, kind: str, source_keys: list[str], by: User, note: str = "") -> PayoutBatch:
    """Put chosen refund/payout candidates into a batch awaiting a second treasurer's approval.
    Amounts and accounts come from the candidates, never from the client. Raises PayoutError and
    PayeeAccountMissing (a candidate with no account to pay to); nothing is written then."""
    from treasury.selectors import payout_candidates

    if kind not in PayoutKind.values:
        raise PayoutError(_("Unknown kind of list."), field="kind")
    keys = list(dict.fromkeys(source_keys))
    if not keys:
        raise PayoutError(_("Choose at least one line."), field="source_keys")
    candidates = {c.source_key: c for c in payout_candidates(kind=kind)}
    missing = [k for k in keys if k not in candidates]
    if missing:
        raise PayoutError(
            _("Not (or no longer) a candidate: %(keys)s") % {"keys": ", ".join(missing[:5])}, field="source_keys"
        )
    _refuse_missing_accounts([(key, candidates[key].payee_account) for key in keys])
    with audit_actor(by):
        batch = PayoutBatch.objects.create(kind=kind, prepared_by=by, note=note.strip()[:500])
        try:
            with transaction.atomic():
                for key in keys:
                    c = candidates[key]
                    PayoutLine.objects.create(
                        batch=batch,
                        reason=c.reason,
                        payment_id=c.payment_id,
                        pledge_id=c.pledge_id,
                        pool_id=c.pool_id,
                        amount_ore=c.amount_ore,
                        payee_name=c.payee_name[:200],
                        payee_account=c.payee_account[:40],
                        payee_account_source=c.payee_account_source,
                        message=c.message[:140],
                        source_key=key,
                    )
        except IntegrityError as exc:
            raise PayoutError(_("A line is already in another list."), field="source_keys") from exc
        totals = batch.lines.aggregate(n=Count("pk"), total=Coalesce(Sum("amount_ore"), Value(0)))
        batch.line_count = totals["n"]
        batch.total_ore = totals["total"]
        batch.save(update_fields=["line_count", "total_ore"])
    return batch


def payout_lines_to_recent_accounts(*, batch: PayoutBatch) -> list[PayoutLine]:
    """Active lines paying to a saver's refund account that changed within REFUND_ACCOUNT_HOLD_DAYS."""
    from accounts.refund_account import refund_account_recently_changed

    lines = list(
        batch.lines.filter(is_active=True, payee_account_source=PayeeAccountSource.REFUND_ACCOUNT).order_by("pk")
    )
    accounts = {line.payee_account for line in lines}
    owners = dict(User.objects.filter(refund_iban__in=accounts).values_list("refund_iban", "pk"))
    recent = {account for account, user_id in owners.items() if refund_account_recently_changed(user_id=user_id)}
    return [line for line in lines if line.payee_account in recent]


def _batch_accounts(batch: PayoutBatch) -> list[tuple[str, str]]:
    return list(batch.lines.filter(is_active=True).order_by("pk").values_list("source_key", "payee_account"))


@transaction.atomic
def payout_approve(*, batch: PayoutBatch, by: User, confirm_recent_accounts: bool = False) -> PayoutBatch:
    """A second treasurer approves a prepared batch. Raises FourEyesViolation, PayoutError,
    PayeeAccountMissing (a line the bank could not pay) and RecentAccountNotConfirmed (a line pays to a
    refund account changed recently and the approver did not confirm it); nothing is written then."""
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if not by.has_perm("pools.approve_payouts"):
        raise FourEyesViolation(_("You may not approve payouts."))
    if batch.prepared_by_id == by.pk:
        raise FourEyesViolation()
    if batch.status != PayoutStatus.PREPARED:
        raise PayoutError(_("Only a prepared list can be approved."))
    _refuse_missing_accounts(_batch_accounts(batch))
    recent = payout_lines_to_recent_accounts(batch=batch)
    if recent and not confirm_recent_accounts:
        raise RecentAccountNotConfirmed(field="confirm_recent_accounts")
    with audit_actor(by):
        batch.status = PayoutStatus.APPROVED
        batch.approved_by = by
        batch.approved_at = timezone.now()
        batch.recent_accounts_confirmed_at = batch.approved_at if recent else None
        batch.save(update_fields=["status", "approved_by", "approved_at", "recent_accounts_confirmed_at"])
    return batch


@transaction.atomic
def payout_cancel(*, batch: PayoutBatch, by: User) -> PayoutBatch:
    """Cancel a batch not yet exported; its candidates become available again. Raises PayoutError."""
    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (PayoutStatus.PREPARED, PayoutStatus.APPROVED):
        raise PayoutError(_("An exported list cannot be cancelled."))
    with audit_actor(by):
        batch.lines.update(is_active=False)
        batch.status = PayoutStatus.CANCELLED
        batch.cancelled_by = by
        batch.cancelled_at = timezone.now()
        batch.save(update_fields=["status", "cancelled_by", "cancelled_at"])
    return batch


def _mark_refunded(lines: list[PayoutLine]) -> None:
    """After a refund list's first export: its withdrawn and failed-pool pledges become refunded, and so
    does every payment whose money has now all gone back (each pledge it paid is refunded, and any excess
    is in an exported over-payment line). An over-payment line alone marks nothing: its pledge stays paid.
    Conditional updates, so nothing is marked twice."""
    now = timezone.now()
    pledge_ids = sorted({line.pledge_id for line in lines if line.pledge_id and line.reason in REFUNDING_REASONS})
    payment_ids = set(PaymentAllocation.objects.filter(pledge_id__in=pledge_ids).values_list("payment_id", flat=True))
    payment_ids |= {line.payment_id for line in lines if line.payment_id and line.reason == PayoutReason.OVERPAYMENT}
    # Payments, then pledges, each in primary-key order: the order payment_allocate locks them in.
    payments = list(Payment.objects.select_for_update().filter(pk__in=payment_ids).order_by("pk"))
    pool_ids = set()
    for pledge in Pledge.objects.select_for_update().filter(pk__in=pledge_ids).order_by("pk"):
        if pledge.status != PledgeStatus.REFUNDED:
            Pledge.objects.filter(pk=pledge.pk).exclude(status=PledgeStatus.REFUNDED).update(
                status=PledgeStatus.REFUNDED, updated_at=now
            )
            pool_ids.add(pledge.pool_id)
    for payment in payments:
        if payment.status != PaymentStatus.REFUNDED and _payment_fully_returned(payment):
            Payment.objects.filter(pk=payment.pk).exclude(status=PaymentStatus.REFUNDED).update(
                status=PaymentStatus.REFUNDED
            )
    for pool_id in sorted(pool_ids):
        totals_enqueue(pool_id=pool_id)


def _payment_fully_returned(payment: Payment) -> bool:
    """True when every pledge the payment still pays is refunded and its excess went back in exported lists."""
    nets = (
        PaymentAllocation.objects.filter(payment=payment)
        .order_by()
        .values("pledge_id", "pledge__status")
        .annotate(net=Sum("amount_ore"))
        .filter(net__gt=0)
    )
    allocated = 0
    for row in nets:
        if row["pledge__status"] != PledgeStatus.REFUNDED:
            return False
        allocated += int(row["net"])
    excess = payment.amount_ore - allocated
    if excess <= 0:
        return allocated > 0
    returned = PayoutLine.objects.filter(
        payment=payment, reason=PayoutReason.OVERPAYMENT, is_active=True, batch__status=PayoutStatus.EXPORTED
    ).aggregate(t=Coalesce(Sum("amount_ore"), Value(0)))["t"]
    return int(returned) >= excess


# The media type of each payment order file format (the API schema documents these).
PAYMENT_ORDER_MEDIA_TYPES = {"csv": "text/csv", "pain001": "application/xml"}


@transaction.atomic
def payout_export(*, batch: PayoutBatch, by: User, file_format: str) -> tuple[bytes, str, str]:
    """Produce the bank's payment order file (CSV or pain.001) of an approved batch. The first export
    marks the batch exported and the refunded money refunded (see _mark_refunded); a repeat only
    produces the file again. Returns (content, content type, filename).
    Raises NotApproved, PayoutError and PayeeAccountMissing (nothing is written then)."""
    from treasury.exports import payment_order_csv, payment_order_pain001

    batch = PayoutBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (PayoutStatus.APPROVED, PayoutStatus.EXPORTED) or batch.approved_by_id is None:
        raise NotApproved()
    if file_format not in ("csv", "pain001"):
        raise PayoutError(_("Choose CSV or pain.001."), field="format")
    lines = list(batch.lines.filter(is_active=True).order_by("pk"))
    _refuse_missing_accounts([(line.source_key, line.payee_account) for line in lines])
    if batch.status == PayoutStatus.APPROVED:
        with audit_actor(by):
            batch.status = PayoutStatus.EXPORTED
            batch.exported_by = by
            batch.exported_at = timezone.now()
            batch.export_format = file_format
            batch.save(update_fields=["status", "exported_by", "exported_at", "export_format"])
            if batch.kind == PayoutKind.REFUND:
                _mark_refunded(lines)
    if file_format == "csv":
        return (
            payment_order_csv(batch, lines),
            f"{PAYMENT_ORDER_MEDIA_TYPES['csv']}; charset=utf-8",
            f"payment-order-{batch.pk}.csv",
        )
    return payment_order_pain001(batch, lines), PAYMENT_ORDER_MEDIA_TYPES["pain001"], f"pain001-{batch.pk}.xml"


def bankfile_resume_stalled(*, older_than_minutes: int = 15) -> int:
    """Queue again every unfinished file imported a while ago (a lost message or a dead worker);
    harmless when a worker is still on it: lines already imported are skipped. Returns how many."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    stalled = list(
        BankFile.objects.filter(status__in=[BankFileStatus.QUEUED, BankFileStatus.PROCESSING], imported_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for bank_file_id in stalled:
        with transaction.atomic():
            enqueue(PROCESS_TASK, bank_file_id, dedupe_key=f"bankfile:{bank_file_id}")
    return len(stalled)
