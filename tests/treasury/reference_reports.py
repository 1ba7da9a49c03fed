"""The reports as they were computed before they moved into the database: every money pledge streamed
through Python and folded there. Kept only as the reference the database reports are checked against
(tests/treasury/test_reports_equal_reference.py); nothing outside the tests imports it.

Reproducible by construction: every row is filtered by when it was recorded (`created_at` of pledges
and allocations, `withdrawn_at`, the export time of a refund) before the end of the as-of day, and
payments also by their effective date (`received_on`). Nothing reads a current status or a stored
total, so a later payment, reversal, withdrawal or refund cannot change an earlier report.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pools.limits import max_pledge_ore
from pools.models import MONEY_KINDS, PaymentAllocation, Pledge, PoolKind
from treasury.errors import ReportPeriodInvalid
from treasury.models import PayoutLine, PayoutReason
from treasury.reports import Column, Report, ReportParams, pledge_arrears

# ---------------------------------------------------------------- per-pledge figures


def _received_subquery(params: ReportParams, *, in_period: bool) -> Coalesce:
    rows = PaymentAllocation.objects.filter(
        pledge=OuterRef("pk"), created_at__lt=params.cutoff, payment__received_on__lte=params.as_of
    )
    if in_period:
        if params.date_from:
            rows = rows.filter(payment__received_on__gte=params.date_from)
        if params.date_to:
            rows = rows.filter(payment__received_on__lte=params.date_to)
    return Coalesce(Subquery(rows.order_by().values("pledge").annotate(t=Sum("amount_ore")).values("t")[:1]), Value(0))


def pledge_rows_as_of(params: ReportParams, *, pools: Q | None = None) -> QuerySet[Pledge]:
    """Money pledges recorded by the as-of day, with received (in all / in the period) as of that day."""
    refunded = PayoutLine.objects.filter(
        pledge=OuterRef("pk"),
        reason__in=[PayoutReason.WITHDRAWN, PayoutReason.FAILED_POOL],
        batch__exported_at__lt=params.cutoff,
        is_active=True,
    )
    rows = Pledge.objects.filter(kind__in=MONEY_KINDS, created_at__lt=params.cutoff)
    if pools is not None:
        rows = rows.filter(pools)
    return rows.annotate(
        received_total=_received_subquery(params, in_period=False),
        received_period=_received_subquery(params, in_period=True),
        is_refunded=Exists(refunded),
        refunded_total=Coalesce(
            Subquery(refunded.order_by().values("pledge").annotate(t=Sum("amount_ore")).values("t")[:1]), Value(0)
        ),
    ).order_by("pk")


_PLEDGE_FIELDS = (
    "pk",
    "pool_id",
    "pool__title",
    "pool__kind",
    "pool__micro_fund_id",
    "pool__micro_fund__name",
    "saver_id",
    "saver__full_name",
    "saver__email",
    "contact_name",
    "ocr_reference",
    "kind",
    "amount_ore",
    "monthly_ore",
    "months",
    "starts_on",
    "due_on",
    "created_at",
    "withdrawn_at",
    "received_total",
    "received_period",
    "is_refunded",
    "refunded_total",
)


def pledge_figures(params: ReportParams, *, pools: Q | None = None, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
    """One dict of figures per money pledge as of the day, streamed from the database."""
    for row in pledge_rows_as_of(params, pools=pools).values(*_PLEDGE_FIELDS).iterator(chunk_size=chunk_size):
        created_on = timezone.localtime(row["created_at"]).date()
        withdrawn = row["withdrawn_at"] is not None and row["withdrawn_at"] < params.cutoff
        active = not withdrawn and not row["is_refunded"]
        in_period = (params.date_from is None or created_on >= params.date_from) and (
            params.date_to is None or created_on <= params.date_to
        )
        amount = int(row["amount_ore"] or 0)
        received = int(row["received_total"])
        # No due date recorded: the payment term after the pledge (settings.TREASURY_PAYMENT_TERM_DAYS).
        first_due = (
            row["due_on"] or row["starts_on"] or created_on + timedelta(days=settings.TREASURY_PAYMENT_TERM_DAYS)
        )
        if active:
            arrears, days_late = pledge_arrears(
                amount_ore=amount,
                monthly_ore=row["monthly_ore"],
                months=row["months"],
                first_due_on=first_due,
                received_ore=received,
                as_of=params.as_of,
            )
        else:
            arrears, days_late = 0, 0
        yield {
            "pledge_id": row["pk"],
            "pool_id": row["pool_id"],
            "pool": row["pool__title"],
            "pool_kind": row["pool__kind"],
            "pool_kind_label": _kind_label(row["pool__kind"]),
            "micro_fund_id": row["pool__micro_fund_id"],
            "micro_fund": row["pool__micro_fund__name"] or "",
            "saver_id": row["saver_id"],
            "saver": row["saver__full_name"] or row["saver__email"] or row["contact_name"] or "",
            "saver_key": f"u{row['saver_id']}" if row["saver_id"] else f"c{(row['contact_name'] or '').lower()}",
            "reference": row["ocr_reference"] or "",
            "kind": row["kind"],
            "created_on": created_on,
            "is_active": active,
            "pledged_ore": amount if active and in_period else 0,
            "received_ore": int(row["received_period"]),
            "refunded_ore": int(row["refunded_total"]),
            "outstanding_ore": max(amount - received, 0) if active else 0,
            "arrears_ore": arrears,
            "days_late": days_late,
            "over_limit_ore": max(amount - max_pledge_ore(row["pool__kind"]), 0),
        }


def _kind_label(kind: str) -> str:
    return str(PoolKind(kind).label) if kind in PoolKind.values else kind


_SUM_KEYS = ("pledged_ore", "received_ore", "refunded_ore", "outstanding_ore", "arrears_ore")


def _fold(rows: Iterator[dict[str, Any]], key: str, label_keys: tuple[str, ...]) -> list[dict[str, Any]]:
    groups: dict[Any, dict[str, Any]] = {}
    for row in rows:
        group = groups.get(row[key])
        if group is None:
            group = {k: row[k] for k in label_keys}
            group.update(dict.fromkeys(_SUM_KEYS, 0), pledge_count=0, max_days_late=0, late_count=0)
            groups[row[key]] = group
        for k in _SUM_KEYS:
            group[k] += row[k]
        group["pledge_count"] += 1 if row["pledged_ore"] or row["is_active"] else 0
        if row["arrears_ore"]:
            group["late_count"] += 1
            group["max_days_late"] = max(group["max_days_late"], row["days_late"])
    return list(groups.values())


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    totals = {k: sum(r.get(k, 0) for r in rows) for k in (*_SUM_KEYS, "pledge_count", "late_count")}
    totals["max_days_late"] = max((r.get("max_days_late", 0) for r in rows), default=0)
    if any("target_ore" in r for r in rows):
        totals["target_ore"] = sum(r.get("target_ore") or 0 for r in rows)
    return totals


FIGURE_COLUMNS = [
    Column("pledged_ore", _("Pledged"), "money"),
    Column("received_ore", _("Received"), "money"),
    Column("refunded_ore", _("Refunded"), "money"),
    Column("outstanding_ore", _("Outstanding"), "money"),
    Column("arrears_ore", _("In arrears"), "money"),
    Column("late_count", _("Pledges late"), "int"),
    Column("max_days_late", _("Most days late"), "int"),
    Column("pledge_count", _("Pledges"), "int"),
]


def _pool_report(kind: str, title: Any, params: ReportParams, pools: Q | None) -> Report:
    from pools.models import Pool

    rows = _fold(pledge_figures(params, pools=pools), "pool_id", ("pool_id", "pool", "pool_kind", "pool_kind_label"))
    by_id = {r["pool_id"]: r for r in rows}
    # Pools that existed by the day (and any with pledges by then, should a pool's row be younger).
    pool_rows = Pool.objects.filter(Q(created_at__lt=params.cutoff) | Q(pk__in=list(by_id)))
    if pools is not None:
        pool_rows = pool_rows.filter(_strip_pool_prefix(pools))
    result = []
    fields = ["pk", "title", "kind", "target_ore", "minimum_ore"]
    if kind == "fairs":
        # A fair pool belongs to one pitch at one fair (invest.fairs): name the fair and its date.
        fields += ["fair_pitch__fair__title", "fair_pitch__fair__held_on"]
    for pool in pool_rows.order_by("pk").values(*fields):
        row = by_id.get(pool["pk"]) or {
            "pool_id": pool["pk"],
            **dict.fromkeys((*_SUM_KEYS, "pledge_count", "late_count", "max_days_late"), 0),
        }
        row.update(
            pool=pool["title"],
            pool_kind=pool["kind"],
            pool_kind_label=_kind_label(pool["kind"]),
            target_ore=pool["target_ore"] or 0,
        )
        if kind == "fairs":
            row["fair"] = pool.get("fair_pitch__fair__title") or ""
            row["fair_on"] = pool.get("fair_pitch__fair__held_on")
        row["percent_of_target"] = (
            (Decimal(row["received_ore"]) * 100 / pool["target_ore"]).quantize(Decimal("0.1"))
            if pool["target_ore"]
            else None
        )
        result.append(row)
    if kind == "fairs":
        result.sort(key=lambda r: (r["fair_on"] or date.max, r["fair"], r["pool_id"]))
    columns = [
        *([Column("fair_on", _("Fair date"), "date"), Column("fair", _("Fair"))] if kind == "fairs" else []),
        Column("pool_id", _("Pool id"), "int"),
        Column("pool", _("Pool")),
        Column("pool_kind_label", _("Kind")),
        Column("target_ore", _("Target"), "money"),
        *FIGURE_COLUMNS,
        Column("percent_of_target", _("Received, % of target"), "percent"),
    ]
    return Report(kind, title, params, columns, result, _totals(result), monthly_received(params, pools=pools))


def _strip_pool_prefix(pools: Q) -> Q:
    """A pledge filter on `pool__x` as a filter on the pool itself."""
    children: list[Q | tuple[str, Any]] = []
    for child in pools.children:
        if isinstance(child, Q):
            children.append(_strip_pool_prefix(child))
        elif isinstance(child, tuple):
            name, value = child
            children.append((name.removeprefix("pool__"), value))
        else:  # a Q holds only Qs and (lookup, value) pairs
            raise TypeError(f"unexpected filter {child!r}")
    stripped = Q(*children, _connector=pools.connector, _negated=pools.negated)
    return stripped


def monthly_received(params: ReportParams, *, pools: Q | None = None) -> list[dict[str, Any]]:
    """Money received per month (by payment date) and the running total, as of the day: the charts."""
    rows = PaymentAllocation.objects.filter(created_at__lt=params.cutoff, payment__received_on__lte=params.as_of)
    if params.date_from:
        rows = rows.filter(payment__received_on__gte=params.date_from)
    if params.date_to:
        rows = rows.filter(payment__received_on__lte=params.date_to)
    if pools is not None:
        rows = rows.filter(Q(*[_prefix(c) for c in pools.children], _connector=pools.connector))
    months = (
        rows.annotate(month=TruncMonth("payment__received_on"))
        .values("month")
        .annotate(total=Sum("amount_ore"))
        .order_by("month")
    )
    running = 0
    result = []
    for m in months:
        running += int(m["total"] or 0)
        month = m["month"]
        month = month.date() if isinstance(month, datetime) else month
        result.append(
            {"month": month.strftime("%Y-%m"), "received_ore": int(m["total"] or 0), "cumulative_ore": running}
        )
    return result


def _prefix(child: Any) -> Any:
    if isinstance(child, Q):
        return Q(*[_prefix(c) for c in child.children], _connector=child.connector, _negated=child.negated)
    name, value = child
    return (f"pledge__{name}", value)


def report_build(*, kind: str, params: ReportParams, pool_id: int | None = None) -> Report:
    """Build one report by its kind. Raises ReportPeriodInvalid for an unknown kind."""
    if kind == "pools":
        return _pool_report(kind, _("Pools"), params, None)
    if kind == "fairs":
        return _pool_report(kind, _("Fair pools"), params, Q(pool__kind=PoolKind.FAIR))
    if kind == "pool":
        if pool_id is None:
            raise ReportPeriodInvalid(_("Choose a pool."), field="pool")
        return _pledge_report(kind, _("Pool %(id)s, pledge by pledge") % {"id": pool_id}, params, Q(pool_id=pool_id))
    if kind == "pledges":
        return _pledge_report(kind, _("All pledges"), params, None)
    if kind == "savers":
        rows = _fold(pledge_figures(params), "saver_key", ("saver_id", "saver"))
        rows.sort(key=lambda r: (str(r["saver"]).lower(), r["saver_id"] or 0))
        columns = [Column("saver_id", _("Saver id"), "int"), Column("saver", _("Saver")), *FIGURE_COLUMNS]
        return Report(kind, _("Savers"), params, columns, rows, _totals(rows))
    if kind == "funds":
        rows = _fold(
            pledge_figures(params, pools=Q(pool__micro_fund__isnull=False)),
            "micro_fund_id",
            ("micro_fund_id", "micro_fund"),
        )
        rows.sort(key=lambda r: str(r["micro_fund"]).lower())
        columns = [Column("micro_fund_id", _("Fund id"), "int"), Column("micro_fund", _("Micro-fund")), *FIGURE_COLUMNS]
        return Report(
            kind,
            _("Micro-funds"),
            params,
            columns,
            rows,
            _totals(rows),
            monthly_received(params, pools=Q(pool__micro_fund__isnull=False)),
        )
    if kind == "overview":
        rows = _fold(pledge_figures(params), "pool_kind", ("pool_kind", "pool_kind_label"))
        rows.sort(key=lambda r: r["pool_kind"])
        columns = [Column("pool_kind_label", _("Kind of pool")), *FIGURE_COLUMNS]
        return Report(kind, _("Overview of all pools"), params, columns, rows, _totals(rows), monthly_received(params))
    if kind == "ledger":
        return _ledger_report(params)
    raise ReportPeriodInvalid(_("Unknown report."), field="kind")


PLEDGE_COLUMNS = [
    Column("pledge_id", _("Pledge id"), "int"),
    Column("pool", _("Pool")),
    Column("saver", _("Saver")),
    Column("reference", _("OCR reference")),
    Column("kind", _("Kind")),
    Column("created_on", _("Pledged on"), "date"),
    Column("pledged_ore", _("Pledged"), "money"),
    Column("received_ore", _("Received"), "money"),
    Column("outstanding_ore", _("Outstanding"), "money"),
    Column("arrears_ore", _("In arrears"), "money"),
    Column("days_late", _("Days late"), "int"),
    Column("over_limit_ore", _("Over the limit"), "money"),
]


def _pledge_report(kind: str, title: Any, params: ReportParams, pools: Q | None) -> Report:
    """A pledge-by-pledge report: rows stay a generator, so exports stream."""
    return Report(kind, title, params, PLEDGE_COLUMNS, pledge_figures(params, pools=pools))


LEDGER_COLUMNS = [
    Column("payment_id", _("Payment id"), "int"),
    Column("received_on", _("Received"), "date"),
    Column("amount_ore", _("Amount"), "money"),
    Column("allocated_ore", _("Matched"), "money"),
    Column("channel", _("Channel")),
    Column("reference", _("Reference")),
    Column("payer_name", _("Payer")),
]


def ledger_rows(params: ReportParams, *, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
    """Every payment recorded by the as-of day (received in the period), with what was matched by then."""
    allocated = Coalesce(
        Subquery(
            PaymentAllocation.objects.filter(payment=OuterRef("pk"), created_at__lt=params.cutoff)
            .order_by()
            .values("payment")
            .annotate(t=Sum("amount_ore"))
            .values("t")[:1]
        ),
        Value(0),
    )
    from pools.models import Payment

    rows = Payment.objects.filter(created_at__lt=params.cutoff, received_on__lte=params.as_of)
    if params.date_from:
        rows = rows.filter(received_on__gte=params.date_from)
    if params.date_to:
        rows = rows.filter(received_on__lte=params.date_to)
    values = (
        rows.annotate(allocated_ore=allocated)
        .order_by("pk")
        .values("pk", "received_on", "amount_ore", "allocated_ore", "channel", "reference", "payer_name")
    )
    for row in values.iterator(chunk_size=chunk_size):
        row["payment_id"] = row.pop("pk")
        yield row


def _ledger_report(params: ReportParams) -> Report:
    return Report("ledger", _("Payments ledger"), params, LEDGER_COLUMNS, ledger_rows(params))
