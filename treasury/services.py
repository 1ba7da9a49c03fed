"""Writes for treasury/: import bank files, match payments, prepare/approve/export payouts.

Every money write runs inside `audit_actor(by)`, so the audit trail's triggers name the treasurer.

Why one module of about 575 lines: these are the treasurer's write entry points, each a short transaction
around the audit actor; the bank-file import's batch work lives in treasury/imports.py and the file readers in
treasury/bankfiles/, so what remains here is the shared checks (duplicates, the community's accounts) and the
payout lifecycle, which call each other.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import IO, cast

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from communities.models import Community, MembershipRole, compact_account
from communities.selectors import community_accounts_taken, community_for_role
from operations.outbox import enqueue
from pools.models import (
    Payment,
    PaymentAllocation,
    PaymentStatus,
    Pledge,
    PledgeStatus,
    Pool,
)
from pools.services import allocation_reverse, payment_allocate, totals_enqueue
from treasury.audit import audit_actor
from treasury.bankfiles import BankFileError, EntryStream, ParsedFile, bgmax_stream, camt_stream
from treasury.errors import (
    BankFileDuplicate,
    BankFileRefused,
    FourEyesViolation,
    MatchError,
    NotApproved,
    PayeeAccountMissing,
    PayoutAlreadyExported,
    PayoutError,
    RecentAccountNotConfirmed,
)
from treasury.imports import bankfile_lines_import
from treasury.models import (
    BankFile,
    BankFileFormat,
    BankFileStatus,
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


# ---------------------------------------------------------------- bank files

CHUNK_BYTES = 64 * 1024


def _head(file: IO[bytes]) -> bytes:
    """The first bytes that are not blanks or a byte order mark (the file is read from its start)."""
    file.seek(0)
    head = b""
    while True:
        chunk = file.read(4096)
        if not chunk:
            return head
        head = (head + chunk).lstrip(b"\xef\xbb\xbf \r\n\t")
        if len(head) >= 10:
            return head[:10]


def bankfile_stream(*, file: IO[bytes], size: int) -> EntryStream:
    """The file's entries one at a time, in file order, the format told by its first bytes: a camt
    document is read from the open file as it streams past, a BgMax file line by line (twice: its
    encoding is decided on all its lines first). Raises BankFileRefused for an empty, too
    large or unknown file; the parsers' BankFileError while iterating."""
    head = _head(file)
    if not head:
        raise BankFileRefused(_("The file is empty."), field="file")
    if size > settings.TREASURY_MAX_UPLOAD_BYTES:
        raise BankFileRefused(_("The file is too large."), field="file")
    file.seek(0)
    try:
        if head.startswith(b"01BGMAX"):
            return bgmax_stream(file)
        if head.startswith(b"<"):
            return camt_stream(file, size=size, max_bytes=settings.TREASURY_MAX_UPLOAD_BYTES)
    except BankFileError as exc:
        raise BankFileRefused(str(exc), field="file") from exc
    raise BankFileRefused(_("This is neither a BgMax file nor a camt.053/054 statement."), field="file")


@dataclass
class _Checked:
    """A file read through once, entries counted and dropped: what its row records."""

    summary: ParsedFile
    payment_count: int = 0
    payment_total_ore: int = 0
    deduction_count: int = 0
    deduction_total_ore: int = 0
    total: int = 0


def _check(file: IO[bytes], size: int) -> _Checked:
    """Read every entry and check every total without keeping an entry. Raises BankFileRefused."""
    stream = bankfile_stream(file=file, size=size)
    counts = {"payments": 0, "payments_ore": 0, "deductions": 0, "deductions_ore": 0, "all": 0}
    try:
        for entry in stream:
            counts["all"] += 1
            if entry.reversal:
                continue
            kind = "deductions" if entry.deduction else "payments"
            counts[kind] += 1
            counts[f"{kind}_ore"] += entry.amount_ore
    except BankFileError as exc:
        raise BankFileRefused(str(exc), field="file") from exc
    assert stream.summary is not None  # set once every entry is read
    return _Checked(
        summary=stream.summary,
        payment_count=counts["payments"],
        payment_total_ore=counts["payments_ore"],
        deduction_count=counts["deductions"],
        deduction_total_ore=counts["deductions_ore"],
        total=counts["all"],
    )


def _aware(moment: datetime | None) -> datetime | None:
    """BgMax stamps are local Swedish time without a zone; camt carries its own offset."""
    if moment is None or timezone.is_aware(moment):
        return moment
    return timezone.make_aware(moment)


def _identity_key(parsed: ParsedFile) -> str:
    return hashlib.sha256(parsed.identity.encode()).hexdigest()


def _importing_community(by: User) -> Community:
    """The community a treasurer imports for when none is named (their first). Raises BankFileRefused."""
    community = community_for_role(user=by, role=MembershipRole.TREASURER)
    if community is None:
        raise BankFileRefused(_("You are not a treasurer of any community; nothing was imported."), field="file")
    return community


def _refuse_foreign_account(*, community: Community, payee_account: str) -> None:
    """Refuse a file received on another community's account, or (when the community has registered its
    own accounts) on an account that is none of its own, its pools' or its funds'. Raises BankFileRefused.
    A community with no registered account yet (the first one, made from the settings) is not checked."""
    account = compact_account(payee_account)
    if not account:
        return
    other = community_accounts_taken(exclude_id=community.pk).get(account)
    if other is not None:
        raise BankFileRefused(
            _(
                "The file is for account %(account)s, which belongs to %(other)s, not %(community)s; "
                "nothing was imported."
            )
            % {"account": payee_account, "other": other, "community": community.name},
            field="file",
        )
    own = community.receiving_accounts
    if not own:
        return
    own |= {compact_account(a) for a in Pool.objects.filter(community=community).values_list("bankgiro", flat=True)}
    own |= {compact_account(a) for a in community.funds.values_list("bankgiro", flat=True)}
    if account not in own:
        raise BankFileRefused(
            _(
                "The file is for account %(account)s, which is not one of the accounts of %(community)s; "
                "nothing was imported."
            )
            % {"account": payee_account, "community": community.name},
            field="file",
        )


def _digest(file: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size of a file, read in chunks."""
    file.seek(0)
    sha = hashlib.sha256()
    size = 0
    while chunk := file.read(CHUNK_BYTES):
        sha.update(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


@transaction.atomic
def bankfile_import(
    *,
    filename: str,
    by: User,
    content: bytes | None = None,
    file: IO[bytes] | None = None,
    community: Community | None = None,
) -> BankFile:
    """Check and record a bank file of `community` (when none is given: the first community where `by` is a
    treasurer); import it now, or queue a worker when it is large. A file received on an account that is not
    the community's is refused before anything is written.

    ``file`` is an open binary file (an upload, which Django keeps on disk when large): it is read
    in chunks and entry by entry, stored as the row's file and never held whole; ``content`` (bytes)
    is for callers that have the file in memory already. Raises BankFileRefused (nothing written) and
    BankFileDuplicate (the bank's identifiers were seen)."""
    importing = community if community is not None else _importing_community(by)
    if file is None:
        file = io.BytesIO(content or b"")
    digest, size = _digest(file)
    if BankFile.objects.filter(sha256=digest).exists():
        raise BankFileDuplicate(field="file")
    checked = _check(file, size)
    parsed = checked.summary
    _refuse_foreign_account(community=importing, payee_account=parsed.payee_account)
    identity_key = _identity_key(parsed)
    if BankFile.objects.filter(identity_key=identity_key).exists():
        raise BankFileDuplicate(field="file")
    payment_total = checked.payment_total_ore
    deduction_total = checked.deduction_total_ore
    if parsed.format == BankFileFormat.BGMAX and payment_total - deduction_total != parsed.computed_total_ore:
        # The parser already checks the file's own totals; this guards our reading of them. (camt's
        # computed total also counts entries not yet booked, which are not payments.)
        raise BankFileRefused(_("The file's totals do not add up; nothing was imported."), field="file")
    with audit_actor(by):
        try:
            with transaction.atomic():
                bank_file = BankFile(
                    community=importing,
                    sha256=digest,
                    identity=parsed.identity[:255],
                    identity_key=identity_key,
                    version=parsed.version[:30],
                    format=parsed.format,
                    original_name=(filename or "")[:255],
                    size_bytes=size,
                    payee_account=parsed.payee_account[:40],
                    file_created_at=_aware(parsed.created_at),
                    payment_count=checked.payment_count,
                    payment_total_ore=payment_total,
                    deduction_count=checked.deduction_count,
                    deduction_total_ore=deduction_total,
                    net_total_ore=payment_total - deduction_total,
                    total=checked.total,
                    imported_by=by,
                )
                bank_file.stored_file.name = _store(file, digest, size, parsed.format)
                bank_file.save()
        except IntegrityError as exc:  # the same file, uploaded twice at once
            raise BankFileDuplicate(field="file") from exc
        if bank_file.total > settings.TREASURY_WORKER_THRESHOLD:
            enqueue(PROCESS_TASK, bank_file.pk, dedupe_key=f"bankfile:{bank_file.pk}")
            return bank_file
        file.seek(0)
        bankfile_lines_import(bank_file_id=bank_file.pk, entries=bankfile_stream(file=file, size=size), by=by)
    bank_file.refresh_from_db()
    return bank_file


def _store(file: IO[bytes], digest: str, size: int, file_format: str) -> str:
    """Copy the file to storage in chunks, named by its hash; a copy left by an upload whose row was
    never written (the same bytes, the same size) is used as it is. Returns the stored name."""
    suffix = "txt" if file_format == BankFileFormat.BGMAX else "xml"
    name = f"bankfiles/{digest}.{suffix}"
    if default_storage.exists(name) and default_storage.size(name) == size:
        return name
    file.seek(0)
    return default_storage.save(name, File(file))


@contextmanager
def _stored(bank_file: BankFile) -> Iterator[tuple[IO[bytes], int]]:
    """The stored file, open for reading (files imported before it was kept on disk: from the row)."""
    if bank_file.stored_file:
        with bank_file.stored_file.open("rb") as file:
            yield file, bank_file.stored_file.size
        return
    content = bytes(BankFile.objects.values_list("content", flat=True).get(pk=bank_file.pk))
    yield io.BytesIO(content), len(content)


def bankfile_process(*, bank_file_id: int) -> BankFile:
    """Import a queued file's entries batch by batch, updating progress (safe to run twice). The file
    is read from storage entry by entry, in step with the batches: memory holds one batch."""
    bank_file = BankFile.objects.defer("content").select_related("imported_by").get(pk=bank_file_id)
    if bank_file.status == BankFileStatus.DONE:
        return bank_file
    try:
        with _stored(bank_file) as (file, size), audit_actor(bank_file.imported_by_id):
            entries = bankfile_stream(file=file, size=size)
            bankfile_lines_import(bank_file_id=bank_file.pk, entries=entries, by=bank_file.imported_by)
    except (BankFileRefused, BankFileError) as exc:  # cannot happen for a checked file, but never leave it spinning
        message = exc.message if isinstance(exc, BankFileRefused) else str(exc)
        BankFile.objects.filter(pk=bank_file.pk).update(status=BankFileStatus.FAILED, error=str(message)[:2000])
        raise
    return BankFile.objects.defer("content").get(pk=bank_file_id)


# ---------------------------------------------------------------- matching by hand


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
def payout_prepare(
    *, kind: str, source_keys: list[str], by: User, note: str = "", community: Community | None = None
) -> PayoutBatch:
    """Put chosen refund/payout candidates of `community` (when none is given: the first where `by` is a
    treasurer) into a batch its payout account pays, awaiting a second treasurer's approval.
    Amounts and accounts come from the candidates, never from the client. Raises PayoutError and
    PayeeAccountMissing (a candidate with no account to pay to); nothing is written then."""
    from treasury.selectors import payout_candidates

    if kind not in PayoutKind.values:
        raise PayoutError(_("Unknown kind of list."), field="kind")
    keys = list(dict.fromkeys(source_keys))
    if not keys:
        raise PayoutError(_("Choose at least one line."), field="source_keys")
    community = community if community is not None else community_for_role(user=by, role=MembershipRole.TREASURER)
    if community is None:
        raise PayoutError(_("You are not a treasurer of any community."), field="source_keys")
    candidates = {c.source_key: c for c in payout_candidates(kind=kind, community_ids=[community.pk])}
    missing = [k for k in keys if k not in candidates]
    if missing:
        raise PayoutError(
            _("Not (or no longer) a candidate: %(keys)s") % {"keys": ", ".join(missing[:5])}, field="source_keys"
        )
    _refuse_missing_accounts([(key, candidates[key].payee_account) for key in keys])
    with audit_actor(by):
        batch = PayoutBatch.objects.create(kind=kind, prepared_by=by, note=note.strip()[:500], community=community)
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
    from treasury.selectors import refund_account_recently_changed

    lines = list(
        batch.lines.filter(is_active=True, payee_account_source=PayeeAccountSource.REFUND_ACCOUNT).order_by("pk")
    )
    accounts = {line.payee_account for line in lines}
    owners = dict(User.objects.filter(refund_iban__in=accounts).values_list("refund_iban", "pk"))
    recent = {account for account, user_id in owners.items() if refund_account_recently_changed(user_id=user_id)}
    return [line for line in lines if line.payee_account in recent]


def _batch_accounts(batch: PayoutBatch) -> list[tuple[str, str]]:
    return list(batch.lines.filter(is_active=True).order_by("pk").values_list("source_key", "payee_account"))


def _lock_batch(batch: PayoutBatch) -> PayoutBatch:
    """The batch locked for a change, read again in its own community (the caller had it from a scoped
    selector, treasury.selectors.payout_batch_get), so the statement names the community it acts in."""
    return PayoutBatch.objects.select_for_update().get(pk=batch.pk, community_id=cast(int, batch.community_id))


@transaction.atomic
def payout_approve(*, batch: PayoutBatch, by: User, confirm_recent_accounts: bool = False) -> PayoutBatch:
    """A second treasurer approves a prepared batch. Raises FourEyesViolation, PayoutError,
    PayeeAccountMissing (a line the bank could not pay) and RecentAccountNotConfirmed (a line pays to a
    refund account changed recently and the approver did not confirm it); nothing is written then."""
    batch = _lock_batch(batch)
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
    batch = _lock_batch(batch)
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
def payout_export(
    *, batch: PayoutBatch, by: User, file_format: str, confirm_repeat: bool = False
) -> tuple[bytes, str, str]:
    """Produce the bank's payment order file (CSV or pain.001) of an approved batch. The first export
    marks the batch exported and the refunded money refunded (see _mark_refunded); a repeat, in any
    format, only produces the file again and only when `confirm_repeat` (a second file sent to the bank
    pays everyone twice). Returns (content, content type, filename).
    Raises NotApproved, PayoutAlreadyExported, PayoutError and PayeeAccountMissing (nothing is written then)."""
    from treasury.exports import payment_order_csv, payment_order_pain001

    batch = _lock_batch(batch)
    if batch.status not in (PayoutStatus.APPROVED, PayoutStatus.EXPORTED) or batch.approved_by_id is None:
        raise NotApproved()
    if file_format not in ("csv", "pain001"):
        raise PayoutError(_("Choose CSV or pain.001."), field="format")
    if batch.status == PayoutStatus.EXPORTED and not confirm_repeat:
        raise PayoutAlreadyExported()
    lines = list(batch.lines.filter(is_active=True).order_by("pk"))
    _refuse_missing_accounts([(line.source_key, line.payee_account) for line in lines])
    if file_format == "pain001" and not (batch.community.payout_bankgiro and batch.community.payout_bic):
        raise PayoutError(
            _("%(community)s has no payout bankgiro and BIC: add them to the community before a pain.001 file.")
            % {"community": batch.community.name},
            field="format",
        )
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
