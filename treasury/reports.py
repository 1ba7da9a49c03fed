"""Treasurer reports as of any past date and for any period (selectors: reads only).

Reproducible by construction: every row is filtered by when it was recorded (`created_at` of pledges
and allocations, `withdrawn_at`, the export time of a refund) before the end of the as-of day, and
payments also by their effective date (`received_on`). Nothing reads a current status or a stored
total, so a later payment, reversal, withdrawal or refund cannot change an earlier report.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pools.models import PaymentAllocation, PoolKind
from treasury import report_sql
from treasury.errors import ReportPeriodInvalid

REPORT_KINDS = ("overview", "pools", "pool", "savers", "fairs", "funds", "pledges", "ledger")
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class ReportParams:
    """As of the end of `as_of` (Stockholm time); money pledged and received within [date_from, date_to]."""

    as_of: date
    date_from: date | None = None
    date_to: date | None = None
    # The communities whose pools and payments the report covers; None for every community.
    community_ids: tuple[int, ...] | None = None

    @property
    def cutoff(self) -> datetime:
        """The first instant after the as-of day: rows recorded before it count."""
        return timezone.make_aware(datetime.combine(self.as_of + timedelta(days=1), time.min))

    @property
    def period_end(self) -> date:
        return min(self.date_to or self.as_of, self.as_of)


def report_params(*, as_of: date | None, date_from: date | None, date_to: date | None) -> ReportParams:
    """Validate a report's dates. Raises ReportPeriodInvalid."""
    today = timezone.localdate()
    as_of = as_of or today
    if as_of < EARLIEST or as_of > today + timedelta(days=366 * 50):
        raise ReportPeriodInvalid(_("Choose a date between 2000 and today."), field="as_of")
    if date_from and date_to and date_from > date_to:
        raise ReportPeriodInvalid(_("The period must start before it ends."), field="date_from")
    if date_from and date_from < EARLIEST:
        raise ReportPeriodInvalid(_("Choose a date between 2000 and today."), field="date_from")
    return ReportParams(as_of=as_of, date_from=date_from, date_to=date_to)


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    kind: str = "text"  # text | money | int | date | percent | pledge_kind | channel (codes shown as labels)


@dataclass
class Report:
    kind: str
    title: Any
    params: ReportParams
    columns: list[Column]
    rows: Any  # an iterable of dicts: a list, or a generator for streamed reports
    totals: dict[str, Any] = field(default_factory=dict)
    monthly: list[dict[str, Any]] = field(default_factory=list)
    row_count: int | None = None  # all rows of a paged report; None when `rows` holds them all
    # An export's rows as one statement (SQL, its parameters, the column it is ordered by) whose columns are
    # named by the column keys: PostgreSQL formats them as CSV itself (treasury.exports).
    rows_sql: tuple[str, Any, str] | None = None


# ---------------------------------------------------------------- per-pledge figures


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pledge_arrears(
    *,
    amount_ore: int,
    monthly_ore: int | None,
    months: int | None,
    first_due_on: date | None,
    received_ore: int,
    as_of: date,
) -> tuple[int, int]:
    """(money overdue, days late) of one pledge on a day: instalments due before it minus money received."""
    if first_due_on is None:
        return 0, 0
    if monthly_ore and months:
        due_count = 0
        while due_count < months and _add_months(first_due_on, due_count) < as_of:
            due_count += 1
        overdue = min(monthly_ore * due_count, amount_ore) - received_ore
        if overdue <= 0:
            return 0, 0
        first_unpaid = _add_months(first_due_on, max(received_ore, 0) // monthly_ore)
        return overdue, max((as_of - first_unpaid).days, 0)
    if first_due_on < as_of and received_ore < amount_ore:
        return amount_ore - received_ore, (as_of - first_due_on).days
    return 0, 0


def _kind_label(kind: str) -> str:
    return str(PoolKind(kind).label) if kind in PoolKind.values else kind


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


def _params_for(params: ReportParams, only: report_sql.PledgeFilter) -> dict[str, Any]:
    return report_sql.query_params(
        as_of=params.as_of, cutoff=params.cutoff, date_from=params.date_from, date_to=params.date_to, only=only
    )


def _grouped(group: str, params: ReportParams, only: report_sql.PledgeFilter) -> list[dict[str, Any]]:
    """The figures per group, one aggregate statement in the database; money as int öre."""
    statement = report_sql.grouped_sql(group, date_from=params.date_from, date_to=params.date_to, only=only)
    rows = report_sql.run(statement, _params_for(params, only))
    for row in rows:
        for key in report_sql.FIGURE_KEYS:
            row[key] = int(row[key] or 0)
    return rows


def _totals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("pledged_ore", "received_ore", "refunded_ore", "outstanding_ore", "arrears_ore", "pledge_count")
    totals = {k: sum(r.get(k, 0) for r in rows) for k in (*keys, "late_count")}
    totals["max_days_late"] = max((r.get("max_days_late", 0) for r in rows), default=0)
    if any("target_ore" in r for r in rows):
        totals["target_ore"] = sum(r.get("target_ore") or 0 for r in rows)
    return totals


def _pool_report(kind: str, title: Any, params: ReportParams, only: report_sql.PledgeFilter) -> Report:
    """Per pool: every pool that existed by the day (or has pledges by then), with its figures."""
    rows = _grouped("pool", params, only)
    for row in rows:
        row["target_ore"] = int(row["target_ore"] or 0)
        row["pool_kind_label"] = _kind_label(row["pool_kind"])
        row["percent_of_target"] = (
            (Decimal(row["received_ore"]) * 100 / row["target_ore"]).quantize(Decimal("0.1"))
            if row["target_ore"]
            else None
        )
        if kind == "fairs":
            row["fair"] = row["fair"] or ""
            row["fair_on"] = report_sql.as_date(row["fair_on"])
    if kind == "fairs":
        rows.sort(key=lambda r: (r["fair_on"] or date.max, r["fair"], r["pool_id"]))
    columns = [
        *([Column("fair_on", _("Fair date"), "date"), Column("fair", _("Fair"))] if kind == "fairs" else []),
        Column("pool_id", _("Pool id"), "int"),
        Column("pool", _("Pool")),
        Column("pool_kind_label", _("Kind")),
        Column("target_ore", _("Target"), "money"),
        *FIGURE_COLUMNS,
        Column("percent_of_target", _("Received, % of target"), "percent"),
    ]
    pools = Q(pool__kind=only.pool_kind) if only.pool_kind else None
    return Report(kind, title, params, columns, rows, _totals(rows), monthly_received(params, pools=pools))


def monthly_received(params: ReportParams, *, pools: Q | None = None) -> list[dict[str, Any]]:
    """Money received per month (by payment date) and the running total, as of the day: the charts. A match
    carries its payment's day, so the payments are not read."""
    rows = PaymentAllocation.objects.filter(created_at__lt=params.cutoff, received_on__lte=params.as_of)
    if params.date_from:
        rows = rows.filter(received_on__gte=params.date_from)
    if params.date_to:
        rows = rows.filter(received_on__lte=params.date_to)
    if pools is not None:
        # A match names its pledge's pool: filtered there, without joining the pledges.
        rows = rows.filter(pools)
    if params.community_ids is not None:
        rows = rows.filter(pool__community_id__in=params.community_ids)
    months = (
        rows.annotate(month=TruncMonth("received_on"))
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


def report_build(
    *, kind: str, params: ReportParams, pool_id: int | None = None, page: ReportPage | None = None, user: Any = None
) -> Report:
    """Build one report by its kind: all rows, or one sorted page of them; only the communities `user`
    is treasurer of (see treasury.selectors.treasurer_community_ids). Raises ReportPeriodInvalid
    for an unknown kind."""
    from treasury.selectors import treasurer_community_ids

    ids = treasurer_community_ids(user)
    if ids is not None:
        params = replace(params, community_ids=tuple(ids))
    report = _report_build(kind=kind, params=params, pool_id=pool_id, page=page)
    if page is not None and report.row_count is None:
        # Grouped reports: the database has summed every group (the totals need them all); sort and cut here.
        report.row_count = len(report.rows)
        report.rows = _sorted(report.rows, report.columns, page.sort)[page.offset : page.offset + page.size]
    return report


def _report_build(*, kind: str, params: ReportParams, pool_id: int | None, page: ReportPage | None) -> Report:
    scope = params.community_ids
    everything = report_sql.PledgeFilter(community_ids=scope)
    if kind == "pools":
        return _pool_report(kind, _("Pools"), params, everything)
    if kind == "fairs":
        return _pool_report(
            kind, _("Fair pools"), params, report_sql.PledgeFilter(pool_kind=PoolKind.FAIR, community_ids=scope)
        )
    if kind == "pool":
        if pool_id is None:
            raise ReportPeriodInvalid(_("Choose a pool."), field="pool")
        title = _("Pool %(id)s, pledge by pledge") % {"id": pool_id}
        return _pledge_report(kind, title, params, report_sql.PledgeFilter(pool_id=pool_id, community_ids=scope), page)
    if kind == "pledges":
        return _pledge_report(kind, _("All pledges"), params, everything, page)
    if kind == "savers":
        rows = _grouped("saver", params, everything)
        rows.sort(key=lambda r: (str(r["saver"]).lower(), r["saver_id"] or 0))
        columns = [Column("saver_id", _("Saver id"), "int"), Column("saver", _("Saver")), *FIGURE_COLUMNS]
        return Report(kind, _("Savers"), params, columns, rows, _totals(rows))
    if kind == "funds":
        rows = _grouped("micro_fund", params, report_sql.PledgeFilter(has_micro_fund=True, community_ids=scope))
        rows.sort(key=lambda r: str(r["micro_fund"]).lower())
        columns = [Column("micro_fund_id", _("Fund id"), "int"), Column("micro_fund", _("Micro-fund")), *FIGURE_COLUMNS]
        monthly = monthly_received(params, pools=Q(pool__micro_fund__isnull=False))
        return Report(kind, _("Micro-funds"), params, columns, rows, _totals(rows), monthly)
    if kind == "overview":
        rows = _grouped("pool_kind", params, everything)
        for row in rows:
            row["pool_kind_label"] = _kind_label(row["pool_kind"])
        columns = [Column("pool_kind_label", _("Kind of pool")), *FIGURE_COLUMNS]
        return Report(kind, _("Overview of all pools"), params, columns, rows, _totals(rows), monthly_received(params))
    if kind == "ledger":
        return _ledger_report(params, page)
    raise ReportPeriodInvalid(_("Unknown report."), field="kind")


@dataclass(frozen=True)
class ReportPage:
    """One page of a report's rows: `sort` is a column key, with a leading "-" for descending."""

    number: int = 1
    size: int = 100
    sort: str = ""

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def report_page(*, number: int | None, size: int | None = None, sort: str | None = None) -> ReportPage:
    """A valid page: numbers from 1, at most MAX_PAGE_SIZE rows."""
    return ReportPage(
        number=max(number or 1, 1), size=min(max(size or PAGE_SIZE, 1), MAX_PAGE_SIZE), sort=(sort or "")[:60]
    )


PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
# Up to this many pledges into the pledge report (in its own order), a page looks each pledge's matches up by index;
# further on, summing all matches at once is cheaper.
LOOKUP_PAGE_END = 20_000


def _sorted(rows: list[dict[str, Any]], columns: list[Column], sort: str) -> list[dict[str, Any]]:
    key, descending = sort.removeprefix("-"), sort.startswith("-")
    if key not in {c.key for c in columns}:
        return rows

    def value(row: dict[str, Any]) -> tuple[bool, Any]:
        cell = row.get(key)
        # Missing values go last either way; text sorts without regard to case.
        return (cell is None) != descending, (str(cell).lower() if isinstance(cell, str) else cell)

    present = [r for r in rows if r.get(key) is not None]
    missing = [r for r in rows if r.get(key) is None]
    return sorted(present, key=value, reverse=descending) + missing


PLEDGE_COLUMNS = [
    Column("pledge_id", _("Pledge id"), "int"),
    Column("pool", _("Pool")),
    Column("saver", _("Saver")),
    Column("reference", _("OCR reference")),
    Column("kind", _("Kind"), "pledge_kind"),
    Column("created_on", _("Pledged on"), "date"),
    Column("pledged_ore", _("Pledged"), "money"),
    Column("received_ore", _("Received"), "money"),
    Column("outstanding_ore", _("Outstanding"), "money"),
    Column("arrears_ore", _("In arrears"), "money"),
    Column("days_late", _("Days late"), "int"),
    # How far the pledge is above its pool kind's limit (pools.limits): public figures count it at the limit.
    Column("over_limit_ore", _("Over the limit"), "money"),
]


def _pledge_report(
    kind: str, title: Any, params: ReportParams, only: report_sql.PledgeFilter, page: ReportPage | None
) -> Report:
    """A pledge-by-pledge report: all rows streamed from one statement (exports), or one sorted page."""
    values = _params_for(params, only)
    order_by = "x.pledge_id"
    limit = ""
    row_count: int | None = None
    lookups = False
    if page is not None:
        key = page.sort.removeprefix("-")
        sortable = report_sql.pledge_row_sql_columns()
        # In the pledges' order, an early page reads few pledges: look their matches up one by one.
        lookups = (key == "pledge_id" or key not in sortable) and page.offset + page.size <= LOOKUP_PAGE_END
        if key in sortable:
            direction = "DESC" if page.sort.startswith("-") else "ASC"
            order_by = f"{sortable[key]} {direction}, x.pledge_id {direction}"
        limit = f" LIMIT {int(page.size)} OFFSET {int(page.offset)}"
        [counted] = report_sql.run(report_sql.pledge_count_sql(only=only), values)
        row_count = int(next(iter(counted.values())))
    statement = (
        report_sql.pledge_rows_sql(
            date_from=params.date_from,
            date_to=params.date_to,
            only=only,
            order_by=order_by,
            is_page=page is not None,
            lookups=lookups,
        )
        + limit
    )
    if page is not None:
        rows: Any = [_pledge_row(row) for row in report_sql.run(statement, values)]
        return Report(kind, title, params, PLEDGE_COLUMNS, rows, row_count=row_count)
    rows = (_pledge_row(row) for row in report_sql.stream(statement, values))
    rows_sql = (statement, report_sql.expand_lists(values), "pledge_id")
    return Report(kind, title, params, PLEDGE_COLUMNS, rows, rows_sql=rows_sql)


def _pledge_row(row: dict[str, Any]) -> dict[str, Any]:
    row["created_on"] = report_sql.as_date(row["created_on"])
    row["reference"] = row["reference"] or ""
    for key in (
        "pledged_ore",
        "received_ore",
        "outstanding_ore",
        "arrears_ore",
        "days_late",
        "refunded_ore",
        "over_limit_ore",
    ):
        row[key] = int(row[key] or 0)
    row["is_active"] = bool(row["is_active"])
    return row


LEDGER_COLUMNS = [
    Column("payment_id", _("Payment id"), "int"),
    Column("received_on", _("Received"), "date"),
    Column("amount_ore", _("Amount"), "money"),
    Column("allocated_ore", _("Matched"), "money"),
    Column("channel", _("Channel"), "channel"),
    Column("reference", _("Reference")),
    Column("payer_name", _("Payer")),
]


def _payments_in_scope(rows: Any, params: ReportParams) -> Any:
    """Payments of the report's communities: from their bank files or matched to their pools."""
    from treasury.models import BankFileLine
    from treasury.selectors import covers_every_community

    if covers_every_community(params.community_ids):
        return rows  # payments are not community-owned rows; those of no community show to a treasurer of all

    ids = params.community_ids
    return rows.filter(
        Q(pk__in=BankFileLine.objects.filter(bank_file__community_id__in=ids).values("payment_id"))
        | Q(pk__in=PaymentAllocation.objects.filter(pool__community_id__in=ids).values("payment_id"))
    )


def _ledger_values(params: ReportParams) -> Any:
    """Every payment recorded by the as-of day (received in the period), with what was matched by then,
    as rows named by the ledger's column keys."""
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
    rows = _payments_in_scope(rows, params)
    return rows.annotate(allocated_ore=allocated).values(
        "received_on", "amount_ore", "allocated_ore", "channel", "reference", "payer_name", payment_id=F("pk")
    )


def ledger_rows(
    params: ReportParams, *, chunk_size: int = 2000, page: ReportPage | None = None
) -> Iterator[dict[str, Any]]:
    """Every payment recorded by the as-of day (received in the period), with what was matched by then."""
    values = _ledger_values(params)
    if page is None:
        values = values.order_by("pk")
    else:
        key = page.sort.removeprefix("-")
        field_name = "pk" if key == "payment_id" else key
        if field_name not in LEDGER_SORTS:
            field_name = "pk"
        prefix = "-" if page.sort.startswith("-") else ""
        values = values.order_by(prefix + field_name, prefix + "pk")[page.offset : page.offset + page.size]
    yield from values.iterator(chunk_size=chunk_size)


LEDGER_SORTS = ("pk", "received_on", "amount_ore", "allocated_ore", "channel", "reference", "payer_name")


def _ledger_count(params: ReportParams) -> int:
    from pools.models import Payment

    rows = Payment.objects.filter(created_at__lt=params.cutoff, received_on__lte=params.as_of)
    if params.date_from:
        rows = rows.filter(received_on__gte=params.date_from)
    if params.date_to:
        rows = rows.filter(received_on__lte=params.date_to)
    rows = _payments_in_scope(rows, params)
    return rows.count()


def _ledger_report(params: ReportParams, page: ReportPage | None) -> Report:
    if page is None:
        rows_sql = (*_ledger_values(params).order_by("pk").query.sql_with_params(), "payment_id")
        return Report("ledger", _("Payments ledger"), params, LEDGER_COLUMNS, ledger_rows(params), rows_sql=rows_sql)
    rows = list(ledger_rows(params, page=page))
    return Report("ledger", _("Payments ledger"), params, LEDGER_COLUMNS, rows, row_count=_ledger_count(params))
