"""Importing a bank file: its entries read as a stream and written in batches, set-based.

Entries come in file order from the parser's stream, read from the stored file as the batches need
them (never the whole file parsed in memory): payments are numbered as they come, deductions and
reversals after them. One batch is one transaction: the entries an earlier file already brought are
skipped (by the bank's own entry keys), the payments are matched against the pledges their
references name with one query for the pledges and one for what they have received, and the
payments, matches and lines are written from column values (no model instance per row) with one
COPY or bulk insert each. The audit trail is written by the database's triggers (on PostgreSQL one
INSERT ... SELECT per statement for inserted rows). Reversals and deductions are rare and go through
the row services.

A batch records which file positions it wrote, so a worker that runs twice (or dies half-way)
carries on where the last committed batch ended.

Why one module of about 700 lines: a batch's steps (skip seen entries, match in memory, write with
COPY, then deductions and reversals, which take money back from what earlier batches wrote) share
one batch's state and one transaction; the matching rules are pure functions kept below the writer
so a reader sees each decision next to the rows it produces. The exceptions queue's one service sits
here because it resolves the lines this module writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any, cast

from django.db import connection, models, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext

from accounts.models import User
from pools.models import (
    MONEY_KINDS,
    PaidVia,
    Payment,
    PaymentAllocation,
    PaymentChannel,
    PaymentStatus,
    Pledge,
    PledgeStatus,
    Pool,
)
from pools.money import format_sek
from pools.references import ocr_is_valid
from pools.services import allocation_reverse, allocation_take_back, fund_totals_enqueue_for_pools, totals_enqueue
from pools.services.payments import _pledge_status_from_received
from treasury.audit import NAMED_COMMUNITY_SETTING, current_actor_id
from treasury.bankfiles import ParsedPayment
from treasury.models import BankFile, BankFileFormat, BankFileLine, BankFileStatus, LineOutcome

BATCH_SIZE = 5000


@lru_cache(maxsize=512)
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


def _(message: str) -> str:
    """gettext, remembered per language: a batch asks for the same few reasons thousands of times."""
    return _translated(get_language(), message)


# Each payment's references are checked once per batch, and most repeat (the same pledge paid often).
_ocr_valid = lru_cache(maxsize=65536)(ocr_is_valid)
COUNT_FIELDS = (
    "processed",
    "payments_created",
    "matched_count",
    "unmatched_count",
    "underpaid_count",
    "overpaid_count",
    "skipped_count",
    "returned_count",
    "exception_count",
)
MATCHED_OUTCOMES = (LineOutcome.EXACT, LineOutcome.UNDERPAID, LineOutcome.OVERPAID, LineOutcome.SPLIT)


def bankfile_positions(entries: Iterable[ParsedPayment]) -> Iterator[tuple[int, ParsedPayment]]:
    """Number entries read in file order: payments as they come, then the deductions, then the
    reversals (rare, so kept until every payment has been handed out). Position n of a file is
    always the same entry, and a reversal comes after the payment it may take back."""
    deductions: list[ParsedPayment] = []
    reversals: list[ParsedPayment] = []
    position = 0
    for entry in entries:
        if entry.reversal:
            reversals.append(entry)
        elif entry.deduction:
            deductions.append(entry)
        else:
            position += 1
            yield position, entry
    for entry in (*deductions, *reversals):
        position += 1
        yield position, entry


def bankfile_lines_import(*, bank_file_id: int, entries: Iterable[ParsedPayment], by: User | None) -> None:
    """Write every entry of a checked file (read in file order, as a stream) in batches, refreshing
    progress after each (safe to repeat: positions already written are skipped)."""
    channel = None
    positioned = bankfile_positions(entries)
    while True:
        batch = list(islice(positioned, BATCH_SIZE))
        with transaction.atomic():
            _lock_imports()
            # The stored file can be tens of megabytes: never read or rewritten per batch.
            bank_file = BankFile.objects.select_for_update().defer("content").get(pk=bank_file_id)
            if bank_file.status == BankFileStatus.DONE:
                return
            if channel is None:
                channel = PaymentChannel.BGMAX if bank_file.format == BankFileFormat.BGMAX else PaymentChannel.CAMT
            if batch:
                done = set(
                    bank_file.lines.filter(position__gte=batch[0][0], position__lte=batch[-1][0]).values_list(
                        "position", flat=True
                    )
                )
                todo = [(pos, entry) for pos, entry in batch if pos not in done]
                if todo:
                    _Batch(bank_file, channel, by).write(todo)
            bankfile_counts_refresh(bank_file=bank_file, finished=len(batch) < BATCH_SIZE)
        if len(batch) < BATCH_SIZE:
            return


# Any constant shared by every importer: batches of two files never run at once, so an entry two
# overlapping files bring is seen as already imported by the later one (not a unique-key error).
IMPORT_LOCK_KEY = 0x6C6B_6266  # "lkbf"


def _lock_imports() -> None:
    """Hold the import lock until the batch's transaction ends (PostgreSQL; SQLite writes one at a time)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def bankfile_counts_refresh(*, bank_file: BankFile, finished: bool) -> None:
    """Progress and outcome counts, recomputed from the lines (never incremented)."""
    counts = bank_file.lines.aggregate(
        lines=Count("pk"),
        payments=Count("pk", filter=Q(payment__isnull=False)),
        matched=Count("pk", filter=Q(outcome__in=MATCHED_OUTCOMES)),
        unmatched=Count("pk", filter=Q(outcome=LineOutcome.UNMATCHED)),
        under=Count("pk", filter=Q(outcome=LineOutcome.UNDERPAID)),
        over=Count("pk", filter=Q(outcome=LineOutcome.OVERPAID)),
        skipped=Count("pk", filter=Q(outcome=LineOutcome.SKIPPED)),
        returned=Count("pk", filter=Q(outcome=LineOutcome.RETURNED)),
        exceptions=Count("pk", filter=Q(needs_attention=True)),
    )
    bank_file.processed = counts["lines"]
    bank_file.payments_created = counts["payments"]
    bank_file.matched_count = counts["matched"]
    bank_file.unmatched_count = counts["unmatched"]
    bank_file.underpaid_count = counts["under"]
    bank_file.overpaid_count = counts["over"]
    bank_file.skipped_count = counts["skipped"]
    bank_file.returned_count = counts["returned"]
    bank_file.exception_count = counts["exceptions"]
    if finished and bank_file.processed == bank_file.total:
        bank_file.status = BankFileStatus.DONE
        bank_file.finished_at = timezone.now()
    else:
        bank_file.status = BankFileStatus.PROCESSING
    bank_file.save(update_fields=[*COUNT_FIELDS, "status", "finished_at"])


# ---------------------------------------------------------------- writing rows


def _blank_row(model: type[models.Model]) -> dict[str, Any]:
    """Column values (by attribute name) of a new row of ``model``: its defaults, creation stamps now."""
    now = timezone.now()
    row: dict[str, Any] = {}
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        stamped = getattr(f, "auto_now_add", False) or getattr(f, "auto_now", False)
        row[f.attname] = now if stamped else f.get_default()
    return row


def _insert(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert new rows of one model given as column values (no model instances: building 100,000 of
    them was most of an import's time); each row's ``id`` is set. On PostgreSQL with one COPY (ids
    taken from the table's sequence first), elsewhere with bulk_create. Row triggers (the audit
    trail) fire for COPY as for INSERT."""
    if not rows:
        return
    meta = model._meta
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        model._default_manager.bulk_create(objs)
        for row, obj in zip(rows, objs, strict=True):
            row["id"] = obj.pk
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall(), strict=True):
            row["id"] = pk
        # COPY passes by the audit wrapper that names the actor for INSERTs: name it here.
        actor = current_actor_id()
        cursor.execute("SELECT set_config('lokalkapital.user_id', %s, false)", ["" if actor is None else str(actor)])
        fields = list(meta.concrete_fields)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        attnames = [f.attname for f in fields]
        with cursor.cursor.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[name] for name in attnames])


# ---------------------------------------------------------------- one batch


@dataclass(slots=True)
class _PledgeRow:
    """What matching reads of a pledge (a Pledge instance per payment cost more than the matching)."""

    pk: int
    ocr_reference: str | None
    amount_ore: int | None
    status: str
    pool_id: int
    confirmed_at: Any


@dataclass
class _Match:
    """What matching decided for one payment, before anything is written."""

    outcome: str
    detail: str
    parts: list[tuple[_PledgeRow, int]] = field(default_factory=list)
    needs_attention: bool = False


@contextmanager
def _named_community(community_id: int | None) -> Iterator[None]:
    """On PostgreSQL, name the file's community for the payments written inside (treasury/audit.py,
    NAMED_COMMUNITY_SETTING): their audit rows take it instead of looking for lines and matches not written yet.
    Cleared again afterwards, so a later write in the same transaction is not attributed to it."""
    if connection.vendor != "postgresql" or community_id is None:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [NAMED_COMMUNITY_SETTING, str(community_id)])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, '', true)", [NAMED_COMMUNITY_SETTING])


class _Batch:
    """One transaction's worth of entries of one file."""

    def __init__(self, bank_file: BankFile, channel: str, by: User | None) -> None:
        self.bank_file = bank_file
        self.channel = channel
        self.by = by
        self.by_id = by.pk if by is not None else None
        self.lines: list[dict[str, Any]] = []
        self.line_template = _blank_row(BankFileLine)
        self.touched_pools: set[int] = set()

    def write(self, batch: list[tuple[int, ParsedPayment]]) -> None:
        fresh = self._skip_seen(batch)
        payments = [(pos, entry) for pos, entry in fresh if not entry.deduction and not entry.reversal]
        if payments:
            self._write_payments(payments)
        for pos, entry in fresh:
            if entry.deduction:
                self._write_deduction(pos, entry)
            elif entry.reversal:
                self._write_reversal(pos, entry)
        _insert(BankFileLine, self.lines)
        for pool_id in sorted(self.touched_pools):
            totals_enqueue(pool_id=pool_id)
        if self.touched_pools:
            fund_totals_enqueue_for_pools(pool_ids=sorted(self.touched_pools))

    def _line(self, pos: int, entry: ParsedPayment, outcome: str, detail: str, **extra: Any) -> None:
        """A line of the file, written with the batch's others (``extra``: payment_id, pledge_id,
        reversed_payment_id, needs_attention)."""
        row = dict(self.line_template)
        row.update(
            bank_file_id=self.bank_file.pk,
            position=pos,
            is_deduction=entry.deduction,
            amount_ore=entry.amount_ore,
            booked_on=entry.booked_on,
            reference=(entry.reference or _free_text(entry, self.channel))[:140],
            payer_name=entry.payer_name[:200],
            outcome=outcome,
            detail=detail[:300],
            entry_key=entry.entry_key,
            **extra,
        )
        self.lines.append(row)

    # --- entries seen before ---------------------------------------------------

    def _skip_seen(self, batch: list[tuple[int, ParsedPayment]]) -> list[tuple[int, ParsedPayment]]:
        """Record entries an earlier file (or an earlier line of this one) brought as skipped."""
        keys = {entry.entry_key for _pos, entry in batch if entry.entry_key}
        seen: dict[str, BankFile] = {}
        if keys:
            rows = (
                BankFileLine.objects.filter(entry_key__any_of_probe=keys)
                .exclude(entry_key="")
                .exclude(outcome=LineOutcome.SKIPPED)
                .select_related("bank_file")
                .only("entry_key", "bank_file__original_name", "bank_file__imported_at", "bank_file__id")
            )
            seen = {row.entry_key: row.bank_file for row in rows}
        fresh = []
        in_batch: set[str] = set()
        for pos, entry in batch:
            key = entry.entry_key
            if key and key in seen:
                earlier = seen[key]
                detail = _("Already imported from %(file)s on %(date)s; not counted again.") % {
                    "file": earlier.original_name or f"#{earlier.pk}",
                    "date": timezone.localdate(earlier.imported_at).isoformat(),
                }
                self._line(pos, entry, LineOutcome.SKIPPED, detail)
            elif key and key in in_batch:
                self._line(pos, entry, LineOutcome.SKIPPED, _("The same entry appears twice in this file."))
            else:
                if key:
                    in_batch.add(key)
                fresh.append((pos, entry))
        return fresh

    # --- payments ----------------------------------------------------------------

    def _write_payments(self, payments: list[tuple[int, ParsedPayment]]) -> None:
        """Match every payment in memory against the pledges locked once, then bulk-insert."""
        wanted = {ref for _pos, entry in payments for ref in _references(entry) if _ocr_valid(ref)}
        pledges: dict[str, _PledgeRow] = {}
        foreign: frozenset[str] = frozenset()
        received: dict[int, int] = defaultdict(int)
        if wanted:
            # Only pledges of the file's own community are matched (its pools as a subquery, so only the
            # pledges are locked). Locked in primary-key order, as payment_allocate does, so concurrent
            # matchers never deadlock.
            own_pools = _own_pools(self.bank_file)
            found = [
                _PledgeRow(*values)
                for values in Pledge.objects.select_for_update()
                .filter(ocr_reference__any_of=wanted, kind__in=MONEY_KINDS, pool_id__in=own_pools)
                .order_by("pk")
                .values_list("pk", "ocr_reference", "amount_ore", "status", "pool_id", "confirmed_at")
            ]
            pledges = {p.ocr_reference or "": p for p in found}
            missing = wanted - pledges.keys()
            if missing:
                # References of another community's pledges: one more query per batch, for the reason.
                foreign = frozenset(
                    ref
                    for ref in Pledge.objects.filter(ocr_reference__any_of=missing, kind__in=MONEY_KINDS)
                    .exclude(pool_id__in=own_pools)
                    .values_list("ocr_reference", flat=True)
                    if ref
                )
            sums = (
                PaymentAllocation.objects.filter(pledge_id__any_of_probe=[p.pk for p in found])
                .order_by()
                .values("pledge_id")
                .annotate(total=Sum("amount_ore"))
            )
            received.update({row["pledge_id"]: int(row["total"] or 0) for row in sums})

        matches = [_match(entry, pledges, received, foreign) for _pos, entry in payments]
        template = _blank_row(Payment)
        template.update(channel=self.channel, created_by_id=self.by_id)
        bankgiro = PaidVia.BANKGIRO if self.channel == PaymentChannel.BGMAX else ""
        rows = []
        for (_pos, entry), match in zip(payments, matches, strict=True):
            row = dict(template)
            row.update(
                amount_ore=entry.amount_ore,
                received_on=entry.booked_on,
                reference=(entry.reference or _free_text(entry, self.channel)).strip()[:140],
                payer_name=entry.payer_name.strip()[:200],
                payer_account=entry.payer_account.strip()[:40],
                bank_reference=entry.bank_reference.strip()[:140],
                status=PaymentStatus.MATCHED if match.parts else PaymentStatus.UNMATCHED,
                note=entry.raw[:2000],  # the bank's own record, kept for tracing
                paid_via=entry.paid_via or bankgiro,
            )
            rows.append(row)
        with _named_community(self.bank_file.community_id):
            _insert(Payment, rows)
        template = _blank_row(PaymentAllocation)
        template.update(created_by_id=self.by_id, note=_("Matched by reference"))
        allocations = []
        for payment, match in zip(rows, matches, strict=True):
            for pledge, amount in match.parts:
                row = dict(template)
                row.update(
                    payment_id=payment["id"],
                    pledge_id=pledge.pk,
                    pool_id=pledge.pool_id,
                    received_on=payment["received_on"],  # the payment's day, as PaymentAllocation.save() copies it
                    amount_ore=amount,
                )
                allocations.append(row)
        _insert(PaymentAllocation, allocations)
        self._refresh_pledges({pledge.pk: pledge for match in matches for pledge, _amount in match.parts}, received)
        for (pos, entry), payment, match in zip(payments, rows, matches, strict=True):
            self._line(
                pos, entry, match.outcome, match.detail, payment_id=payment["id"], needs_attention=match.needs_attention
            )

    def _refresh_pledges(self, touched: dict[int, _PledgeRow], received: dict[int, int]) -> None:
        """Set each touched pledge's status from what it has received, one UPDATE per new status."""
        by_status: dict[str, list[int]] = defaultdict(list)
        for pk, pledge in touched.items():
            # The helper reads status, confirmed_at and amount_ore, which the row carries.
            status = _pledge_status_from_received(cast(Pledge, pledge), received[pk])
            if status != pledge.status:
                by_status[status].append(pk)
                pledge.status = status
            self.touched_pools.add(pledge.pool_id)
        now = timezone.now()
        for status, pks in sorted(by_status.items()):
            Pledge.objects.filter(pk__any_of=sorted(pks)).update(status=status, updated_at=now)

    # --- deductions --------------------------------------------------------------

    def _write_deduction(self, pos: int, entry: ParsedPayment) -> None:
        """Money the bank deducted: taken back from the referenced pledge's matches, for the treasurer
        to resolve.

        A match of exactly that amount is reversed; else the latest larger match gives back that much
        (reversed whole and its rest matched again, every row kept); else the treasurer decides."""
        pledge = None
        if entry.reference and ocr_is_valid(entry.reference):
            pledge = Pledge.objects.filter(
                ocr_reference=entry.reference, kind__in=MONEY_KINDS, pool_id__in=_own_pools(self.bank_file)
            ).first()
        if pledge is None:
            detail = _("Deducted by the bank from this deposit; no pledge has its reference. Check it by hand.")
            self._line(pos, entry, LineOutcome.DEDUCTION, detail, needs_attention=True)
            return
        live = (
            PaymentAllocation.objects.filter(pledge=pledge, reverses__isnull=True, reversed_by__isnull=True)
            .exclude(payment__status__in=[PaymentStatus.REFUNDED, PaymentStatus.RETURNED])
            .select_related("payment")
            .order_by("-pk")
        )
        allocation = (
            live.filter(amount_ore=entry.amount_ore).first() or live.filter(amount_ore__gt=entry.amount_ore).first()
        )
        if allocation is None:
            detail = _(
                "Deducted by the bank from the money for pledge %(ref)s, but no match of this amount was "
                "found. Decide what it takes back."
            ) % {"ref": pledge.ocr_reference}
            self._line(pos, entry, LineOutcome.DEDUCTION, detail, pledge_id=pledge.pk, needs_attention=True)
            return
        names = {
            "amount": _kronor(entry.amount_ore),
            "ref": pledge.ocr_reference,
            "payment": _payment_name(allocation.payment),
        }
        # Money of that payment no pledge has (an over-payment) is what the bank's deduction takes first.
        matched = allocation.payment.allocations.aggregate(total=Sum("amount_ore"))["total"] or 0
        spare = max(allocation.payment.amount_ore - int(matched), 0)
        take = entry.amount_ore - min(spare, entry.amount_ore)
        if take == 0:
            detail = (
                _(
                    "Deducted by the bank: %(amount)s taken from the over-payment of %(payment)s; pledge %(ref)s "
                    "keeps what it received."
                )
                % names
            )
        else:
            _reversal, rest = allocation_take_back(
                allocation=allocation, amount_ore=take, by=self.by, note=_("Deducted by the bank")
            )
            self.touched_pools.add(pledge.pool_id)
            names["amount"] = _kronor(take)
            if rest is None:
                detail = (
                    _("Deducted by the bank: the match of %(amount)s from %(payment)s to pledge %(ref)s was reversed.")
                    % names
                )
            else:
                names["rest"] = _kronor(rest.amount_ore)
                detail = (
                    _(
                        "Deducted by the bank: %(amount)s taken back from the match of %(payment)s to pledge "
                        "%(ref)s; %(rest)s stays matched."
                    )
                    % names
                )
        self._line(
            pos,
            entry,
            LineOutcome.DEDUCTION,
            detail,
            pledge_id=pledge.pk,
            reversed_payment_id=allocation.payment.pk,
            needs_attention=True,
        )

    # --- reversals ---------------------------------------------------------------

    def _write_reversal(self, pos: int, entry: ParsedPayment) -> None:
        """The bank took back an earlier credit: reverse its matches (new negative rows) and mark it
        returned; a partial return takes back only its amount, latest match first."""
        original = _original_payment(entry, self.bank_file)
        if original is None:
            detail = _("The bank took back %(amount)s, but the payment it reverses was not found. Find it by hand.") % {
                "amount": _kronor(entry.amount_ore)
            }
            self._line(pos, entry, LineOutcome.RETURNED, detail, needs_attention=True)
            return
        original = Payment.objects.select_for_update().get(pk=original.pk)
        live = list(original.allocations.filter(reverses__isnull=True, reversed_by__isnull=True).order_by("-pk"))
        names = {
            "amount": _kronor(entry.amount_ore),
            "original": _kronor(original.amount_ore),
            "payment": _payment_name(original),
        }
        if entry.amount_ore < original.amount_ore:
            left = entry.amount_ore - (original.amount_ore - sum(a.amount_ore for a in live))  # unmatched money first
            for allocation in live:
                if left <= 0:
                    break
                take = min(left, allocation.amount_ore)
                allocation_take_back(allocation=allocation, amount_ore=take, by=self.by, note=_("Returned by the bank"))
                self.touched_pools.add(allocation.pool_id)
                left -= take
            detail = (
                _(
                    "The bank took back %(amount)s of %(payment)s (%(original)s); that much was taken from its "
                    "matches and the rest stays. Check the difference."
                )
                % names
            )
            self._line(pos, entry, LineOutcome.RETURNED, detail, reversed_payment_id=original.pk, needs_attention=True)
            return
        for allocation in live:
            allocation_reverse(allocation=allocation, by=self.by, note=_("Returned by the bank"))
            self.touched_pools.add(allocation.pool_id)
        Payment.objects.filter(pk=original.pk).update(status=PaymentStatus.RETURNED)
        if original.amount_ore != entry.amount_ore:
            detail = (
                _(
                    "The bank took back %(amount)s, more than %(payment)s (%(original)s); its matches were "
                    "reversed. Check the difference."
                )
                % names
            )
            self._line(pos, entry, LineOutcome.RETURNED, detail, reversed_payment_id=original.pk, needs_attention=True)
            return
        detail = _("The bank took %(payment)s back; its matches were reversed.") % names
        self._line(pos, entry, LineOutcome.RETURNED, detail, reversed_payment_id=original.pk)


def _payment_name(payment: Payment) -> str:
    """How a reason names the payment it takes money from: its number, date and the bank's reference."""
    name = _("payment %(id)s of %(date)s") % {"id": payment.pk, "date": payment.received_on.isoformat()}
    if payment.bank_reference:
        name += f" ({payment.bank_reference})"
    return name


# ---------------------------------------------------------------- matching, in memory


def _references(entry: ParsedPayment) -> list[str]:
    refs = [entry.reference, *entry.extra_references, *(ref for ref, _amount in entry.reference_amounts)]
    return [r for r in dict.fromkeys(r.strip() for r in refs) if r]


def _own_pools(bank_file: BankFile) -> models.QuerySet[Pool, Any]:
    """The pools of the file's community, as a subquery: a file's money goes only to its own community."""
    return Pool.objects.filter(community_id=cast(int, bank_file.community_id)).values("pk")


def _match(
    entry: ParsedPayment,
    pledges: dict[str, _PledgeRow],
    received: dict[int, int],
    foreign: frozenset[str] = frozenset(),
) -> _Match:
    """Decide one payment's matches; ``received`` is updated so later payments in the batch see them.
    ``pledges`` holds the file's own community's pledges by reference; ``foreign`` the references of
    another community's pledges (never matched: such a payment waits in the exceptions queue)."""
    if any(amount for _ref, amount in entry.reference_amounts):
        return _match_stated_amounts(entry, pledges, received, foreign)
    refs = [entry.reference, *entry.extra_references]
    refs = [r for r in dict.fromkeys(r.strip() for r in refs) if r]
    if not refs:
        if entry.reference_text:
            return _Match(
                LineOutcome.UNMATCHED,
                _("The payer wrote %(text)s, which is not a valid OCR reference.") % {"text": entry.reference_text},
            )
        return _Match(LineOutcome.UNMATCHED, _("No reference given."))
    valid = [r for r in refs if _ocr_valid(r)]
    if not valid:
        return _Match(
            LineOutcome.UNMATCHED,
            _("The reference %(ref)s has a wrong check digit (the last digit); it was probably mistyped.")
            % {"ref": refs[0]},
        )
    found = [pledges[r] for r in valid if r in pledges]
    if not found:
        elsewhere = [r for r in valid if r in foreign]
        if elsewhere:
            return _Match(
                LineOutcome.UNMATCHED,
                _("The reference %(ref)s belongs to a pledge of another community; it was not matched.")
                % {"ref": elsewhere[0]},
                needs_attention=True,
            )
        return _Match(LineOutcome.UNMATCHED, _("No pledge has the reference %(ref)s.") % {"ref": valid[0]})
    found = [p for p in found if p.status != PledgeStatus.REFUNDED]
    if not found:
        return _Match(LineOutcome.UNMATCHED, _("The pledge was refunded."))
    parts: list[tuple[_PledgeRow, int]] = []
    left = entry.amount_ore
    owed_total = 0
    for pledge in found:
        owed = max(int(pledge.amount_ore or 0) - received[pledge.pk], 0)
        owed_total += owed
        take = min(owed, left)
        if take > 0:
            parts.append((pledge, take))
            received[pledge.pk] += take
            left -= take
    if not parts:
        return _Match(LineOutcome.UNMATCHED, _("The pledge is already paid in full."))
    if len(parts) > 1:
        detail = ngettext("Split over %(n)s pledge.", "Split over %(n)s pledges.", len(parts)) % {"n": len(parts)}
        if left > 0:
            detail += " " + _("Over-payment: the excess is a refund candidate.")
        return _Match(LineOutcome.SPLIT, detail, parts)
    if entry.amount_ore > owed_total:
        return _Match(LineOutcome.OVERPAID, _("Over-payment: the excess is a refund candidate."), parts)
    if entry.amount_ore < owed_total:
        return _Match(LineOutcome.UNDERPAID, _("Under-payment: the rest is still owed."), parts)
    return _Match(LineOutcome.EXACT, _("Exact amount."), parts)


def _match_stated_amounts(
    entry: ParsedPayment,
    pledges: dict[str, _PledgeRow],
    received: dict[int, int],
    foreign: frozenset[str] = frozenset(),
) -> _Match:
    """BgMax TK22/TK23: the bank states an amount per extra reference; the payment's own reference
    takes the rest. Exactly those amounts go to those pledges; whatever cannot be placed (a negative
    amount, an unknown reference, amounts above the payment) waits for the treasurer, unguessed."""
    stated = [(ref, amount) for ref, amount in entry.reference_amounts]
    first = entry.amount_ore - sum(amount for _ref, amount in stated)
    wanted = [(entry.reference, first), *stated] if entry.reference or first else stated
    parts: list[tuple[_PledgeRow, int]] = []
    problems: list[str] = []
    attention = False
    for ref, amount in wanted:
        pledge = pledges.get(ref) if ref and _ocr_valid(ref) else None
        if amount <= 0:
            if amount < 0:
                problems.append(
                    _("%(ref)s: a negative amount %(amount)s") % {"ref": ref or "-", "amount": _kronor(amount)}
                )
            continue
        if pledge is None and ref in foreign:
            attention = True
            problems.append(_("%(ref)s: a pledge of another community") % {"ref": ref})
            continue
        if pledge is None or pledge.status == PledgeStatus.REFUNDED:
            problems.append(_("%(ref)s: no pledge for %(amount)s") % {"ref": ref or "-", "amount": _kronor(amount)})
            continue
        if any(p.pk == pledge.pk for p, _a in parts):
            problems.append(_("%(ref)s appears twice") % {"ref": ref})
            continue
        parts.append((pledge, amount))
    if first < 0 or problems:
        # Nothing is guessed: the whole payment waits, with what was wrong.
        if first < 0:
            problems.insert(
                0,
                _("the amounts per reference add up to %(stated)s, more than the payment of %(paid)s")
                % {"stated": _kronor(entry.amount_ore - first), "paid": _kronor(entry.amount_ore)},
            )
        return _Match(
            LineOutcome.UNMATCHED,
            _("The bank's amounts per reference cannot all be placed: %(problems)s. Match it by hand.")
            % {"problems": "; ".join(problems)},
            needs_attention=attention,
        )
    for pledge, amount in parts:
        received[pledge.pk] += amount
    if len(parts) == 1:
        return _Match(LineOutcome.EXACT, _("Exact amount."), parts)
    return _Match(
        LineOutcome.SPLIT,
        ngettext(
            "Split over %(n)s pledge with the bank's amounts.",
            "Split over %(n)s pledges with the bank's amounts.",
            len(parts),
        )
        % {"n": len(parts)},
        parts,
    )


def _original_payment(entry: ParsedPayment, bank_file: BankFile) -> Payment | None:
    """The earlier payment a reversal takes back: by the bank's references, else by OCR reference
    and amount, else the latest larger one with that reference (never one already returned); only a
    payment of the file's own community (see payment_scope)."""
    from treasury.selectors import payment_scope

    live = Payment.objects.filter(payment_scope([cast(int, bank_file.community_id)])).exclude(
        status__in=[PaymentStatus.RETURNED, PaymentStatus.REFUNDED]
    )
    if entry.original_refs:
        found = live.filter(bank_reference__in=entry.original_refs).order_by("-pk").first()
        if found is not None:
            return found
    if entry.reference:
        same = live.filter(reference=entry.reference).order_by("-pk")
        # The same amount first; a partial return takes part of the latest payment at least as large.
        return same.filter(amount_ore=entry.amount_ore).first() or same.filter(amount_ore__gt=entry.amount_ore).first()
    return None


def _kronor(ore: int) -> str:
    """An amount for a reason text, in the language the reason is written in."""
    return format_sek(ore, "en" if (get_language() or "sv").startswith("en") else "sv")


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


# ---------------------------------------------------------------- the exceptions queue


@transaction.atomic
def bankfile_line_resolve(*, line: BankFileLine, by: User, note: str = "") -> BankFileLine:
    """A treasurer marks an exception line as dealt with (kept, never deleted). Raises MatchError
    when it was not waiting."""
    from treasury.errors import MatchError

    line = BankFileLine.objects.select_for_update().get(pk=line.pk)
    if not line.needs_attention or line.resolved_at is not None:
        raise MatchError(_("This line is not waiting for a treasurer."))
    line.resolved_by = by
    line.resolved_at = timezone.now()
    if note:
        line.detail = f"{line.detail} — {note}"[:300]
    line.save(update_fields=["resolved_by", "resolved_at", "detail"])
    return line
