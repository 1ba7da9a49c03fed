"""The SQL behind the treasurer reports: one statement per report, computed in the database.

Every money pledge's figures as of a day (received, refunded, pledged in the period, outstanding,
arrears and days late) are columns of one query, `pledge_figures_sql`; the grouped reports wrap it
in a GROUP BY, the pledge-by-pledge report streams it. PostgreSQL and SQLite differ only in a few
date functions, written once each in `_Dialect`.

The as-of rules are those of `treasury.reports`: a row counts when it was recorded before the end
of the as-of day (`created_at`, `withdrawn_at`, the export time of a refund), and a payment also when
its `received_on` is on or before that day (read from its matches, which carry it: PaymentAllocation.received_on).

Why one module of about 490 lines: every report statement is built from `pledge_figures_sql` and the same
`_Dialect` date functions, and the per-community filters (`PledgeFilter`) are spliced into each of them; split,
the as-of rules and the dialect would be imported into every part and could drift apart.
"""

# The statements are put together from table names (from the models) and fixed fragments only;
# every value travels as a query parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction

from invest.fairs.models import Fair, Pitch
from operations.replica import reporting_alias
from pools.limits import pledge_cap_groups
from pools.models import MONEY_KINDS, PaymentAllocation, Pledge, Pool
from treasury.models import PayoutBatch, PayoutLine, PayoutReason

PLEDGE_TABLE = Pledge._meta.db_table
POOL_TABLE = Pool._meta.db_table
MICRO_FUND_TABLE = Pool._meta.get_field("micro_fund").related_model._meta.db_table  # type: ignore[union-attr]


@dataclass(frozen=True)
class _Dialect:
    """The date arithmetic the two databases spell differently. `d` is an SQL expression of a date."""

    is_postgres: bool

    def local_date(self, column: str) -> str:
        """A timestamp's calendar day in the project's time zone."""
        if self.is_postgres:
            return f"CAST(({column} AT TIME ZONE %(tz)s) AS date)"
        return f"django_datetime_cast_date({column}, %(tz)s, 'UTC')"

    def plus_days(self, d: str, param: str) -> str:
        if self.is_postgres:
            return f"CAST({d} + CAST(%({param})s AS integer) AS date)"
        return f"date({d}, '+' || %({param})s || ' days')"

    def days_since(self, d: str) -> str:
        """Whole days from the date `d` to the as-of day."""
        if self.is_postgres:
            return f"(CAST(%(as_of)s AS date) - {d})"
        return f"CAST(julianday(%(as_of)s) - julianday({d}) AS INTEGER)"

    def part(self, what: str, d: str) -> str:
        """The year, month or day of a date, as an integer."""
        if self.is_postgres:
            # date_part (a float) rather than EXTRACT (a numeric since PostgreSQL 14): several times faster.
            return f"CAST(date_part('{what}', {d}) AS integer)"
        fmt = {"year": "%%Y", "month": "%%m", "day": "%%d"}[what]
        return f"CAST(strftime('{fmt}', {d}) AS INTEGER)"

    def add_months(self, d: str, n: str) -> str:
        """`d` plus `n` months, the day clamped to the month's last (31 Jan + 1 month = 28 or 29 Feb)."""
        if self.is_postgres:
            return f"CAST({d} + make_interval(months => CAST({n} AS integer)) AS date)"
        first = f"date({d}, 'start of month', '+' || ({n}) || ' months')"
        month_days = f"CAST(julianday({first}, '+1 month') - julianday({first}) AS INTEGER)"
        return f"date({first}, '+' || (MIN({self.part('day', d)}, {month_days}) - 1) || ' days')"

    def least(self, *args: str) -> str:
        return f"{'LEAST' if self.is_postgres else 'MIN'}({', '.join(args)})"

    def greatest(self, *args: str) -> str:
        return f"{'GREATEST' if self.is_postgres else 'MAX'}({', '.join(args)})"

    def true(self) -> str:
        return "TRUE" if self.is_postgres else "1"

    def fence(self) -> str:
        """Ends a subquery so the planner keeps it whole: its columns are computed once per row, instead of
        each reference in the outer query repeating the expression (PostgreSQL has no common subexpressions)."""
        return " OFFSET 0" if self.is_postgres else ""


def dialect() -> _Dialect:
    return _Dialect(is_postgres=connection.vendor == "postgresql")


@dataclass(frozen=True)
class PledgeFilter:
    """Which money pledges a report covers: all, one pool, fair pools, or pools of a micro-fund."""

    pool_id: int | None = None
    pool_kind: str | None = None
    has_micro_fund: bool = False
    # Communities (issue #17): only pools of these; None for every community.
    community_ids: tuple[int, ...] | None = None

    def sql(self) -> str:
        parts = []
        if self.community_ids is not None:
            parts.append(f"po.community_id IN ({', '.join(str(int(i)) for i in self.community_ids) or 'NULL'})")
        if self.pool_id is not None:
            parts.append("pl.pool_id = %(pool_id)s")
        if self.pool_kind is not None:
            parts.append("po.kind = %(pool_kind)s")
        if self.has_micro_fund:
            parts.append("po.micro_fund_id IS NOT NULL")
        return "".join(f" AND {p}" for p in parts)

    def batch_sql(self) -> str:
        """The community filter on the payout lists (alias pb) that refunded the pledges: a pledge's refund
        is in its own community's list, so this changes no figure; it keeps the statement from reading
        other communities' lists."""
        if self.community_ids is None:
            return ""
        return f" AND pb.community_id IN ({', '.join(str(int(i)) for i in self.community_ids) or 'NULL'})"

    def allocation_sql(self) -> str:
        """The pool filter on the payment matches (they name their pool, always their pledge's), so one pool's
        report reads only that pool's matches, one community's report only the matches of its pools (not every
        match in the country: issue #17's national scale), and the fair and fund reports only the matches of
        fair pools or funds' pools."""
        parts = []
        if self.pool_id is not None:
            parts.append("a.pool_id = %(pool_id)s")
        # The fair and fund reports likewise read only the matches of fair pools or of funds' pools.
        pools = []
        if self.community_ids is not None:
            ids = ", ".join(str(int(i)) for i in self.community_ids) or "NULL"
            pools.append(f"ap.community_id IN ({ids})")
        if self.pool_kind is not None:
            pools.append("ap.kind = %(pool_kind)s")
        if self.has_micro_fund:
            pools.append("ap.micro_fund_id IS NOT NULL")
        if pools:
            parts.append(f"a.pool_id IN (SELECT ap.id FROM {POOL_TABLE} ap WHERE {' AND '.join(pools)})")
        return "".join(f" AND {p}" for p in parts)

    def needs_pool(self) -> bool:
        """Whether the filter reads the pool's own columns (else the pledge's pool id is enough, and the
        statement does not join the pools)."""
        return self.pool_kind is not None or self.has_micro_fund or self.community_ids is not None

    def pool_sql(self) -> str:
        """The same filter on the pool table alone."""
        return self.sql().replace("pl.pool_id", "po.id")

    def params(self) -> dict[str, Any]:
        return {"pool_id": self.pool_id, "pool_kind": self.pool_kind}


def query_params(
    *, as_of: date, cutoff: datetime, date_from: date | None, date_to: date | None, only: PledgeFilter
) -> dict[str, Any]:
    """The named parameters every report statement takes, adapted for the database."""
    ops = connection.ops
    return {
        "as_of": ops.adapt_datefield_value(as_of),
        "cutoff": ops.adapt_datetimefield_value(cutoff),
        "date_from": ops.adapt_datefield_value(date_from),
        "date_to": ops.adapt_datefield_value(date_to),
        "tz": settings.TIME_ZONE,
        "term": settings.TREASURY_PAYMENT_TERM_DAYS,
        "as_of_day": as_of.day,
        "as_of_month_index": as_of.year * 12 + as_of.month,
        "money_kinds": tuple(str(k) for k in MONEY_KINDS),
        "refund_reasons": (str(PayoutReason.WITHDRAWN), str(PayoutReason.FAILED_POOL)),
        **only.params(),
    }


def _in_list(name: str, values: tuple[str, ...]) -> str:
    """`IN (...)` over a tuple parameter, spelled as one placeholder per value (SQLite has no arrays)."""
    return "(" + ", ".join(f"%({name}_{i})s" for i in range(len(values))) + ")"


def expand_lists(params: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in params.items() if not isinstance(v, tuple)}
    for key, values in params.items():
        if isinstance(values, tuple):
            out.update({f"{key}_{i}": v for i, v in enumerate(values)})
    return out


def _period(column: str, *, date_from: date | None, date_to: date | None) -> str:
    """A condition that `column` (a date) lies in the period; TRUE when the period is open."""
    parts = []
    if date_from is not None:
        parts.append(f"{column} >= %(date_from)s")
    if date_to is not None:
        parts.append(f"{column} <= %(date_to)s")
    return " AND ".join(parts) or "1 = 1"


def pledge_figures_sql(
    *, date_from: date | None, date_to: date | None, only: PledgeFilter, fenced: bool = True, lookups: bool = False
) -> str:
    """One row per money pledge recorded by the as-of day, with its figures as of that day.

    Columns: pledge and pool identity, saver identity, and pledged_ore, received_ore (in the period),
    received_total_ore, refunded_ore, outstanding_ore, arrears_ore, days_late, is_active.
    """
    sql = dialect()
    # Fenced for every row (grouped reports, exports); unfenced for one page, so that the planner can read the
    # pledges in the page's order and stop after it.
    fence = sql.fence() if fenced else ""
    # A match carries its payment's day (copied on save): summing a community's matches reads one index, not
    # every match's payment in a national-size payment index.
    received_in_period = _period("a.received_on", date_from=date_from, date_to=date_to)
    received_sums = f"""SUM(a.amount_ore) AS total,
                   SUM(CASE WHEN {received_in_period} THEN a.amount_ore ELSE 0 END) AS period
            FROM {PaymentAllocation._meta.db_table} a
            WHERE a.created_at < %(cutoff)s AND a.received_on <= %(as_of)s"""
    if lookups and sql.is_postgres:
        # A page read in the pledges' order: each of its pledges looks its matches up by index, instead of
        # summing every match of every pledge first (SQLite has no LATERAL, and its reports are small).
        received = (
            f"LEFT JOIN LATERAL (SELECT {received_sums} AND a.pledge_id = pl.id{only.allocation_sql()}) r ON TRUE"
        )
    else:
        received = f"""LEFT JOIN (
            SELECT a.pledge_id, {received_sums}{only.allocation_sql()}
            GROUP BY a.pledge_id
        ) r ON r.pledge_id = pl.id"""
    created_in_period = _period("b.created_on", date_from=date_from, date_to=date_to)
    # Layer 1 (base): the pledge with what it received and what was refunded, as of the day.
    base = f"""
        SELECT pl.id AS pledge_id, pl.pool_id, pl.saver_id, pl.contact_name, pl.ocr_reference, pl.kind,
               COALESCE(pl.amount_ore, 0) AS amount_ore, pl.monthly_ore, pl.months, pl.withdrawn_at,
               {sql.local_date("pl.created_at")} AS created_on,
               COALESCE(pl.due_on, pl.starts_on, {sql.plus_days(sql.local_date("pl.created_at"), "term")}) AS first_due,
               CAST(COALESCE(r.total, 0) AS bigint) AS received_total,
               CAST(COALESCE(r.period, 0) AS bigint) AS received_period,
               CAST(COALESCE(f.total, 0) AS bigint) AS refunded_total, f.pledge_id IS NOT NULL AS is_refunded
        FROM {PLEDGE_TABLE} pl
        {f"JOIN {POOL_TABLE} po ON po.id = pl.pool_id" if only.needs_pool() else ""}
        {received}
        LEFT JOIN (
            SELECT l.pledge_id, SUM(l.amount_ore) AS total
            FROM {PayoutLine._meta.db_table} l
            JOIN {PayoutBatch._meta.db_table} pb ON pb.id = l.batch_id
            WHERE l.pledge_id IS NOT NULL AND l.is_active AND pb.exported_at < %(cutoff)s{only.batch_sql()}
              AND l.reason IN {_in_list("refund_reasons", (PayoutReason.WITHDRAWN, PayoutReason.FAILED_POOL))}
            GROUP BY l.pledge_id
        ) f ON f.pledge_id = pl.id
        WHERE pl.created_at < %(cutoff)s AND pl.kind IN {_in_list("money_kinds", tuple(MONEY_KINDS))}{only.sql()}
        {fence}
    """
    # (PostgreSQL sums bigints as numeric: cast back, so that received / monthly below divides whole numbers.)
    # Layer 2: is the pledge still standing, is it paid by the month, how many instalments were due.
    # The k-th instalment (k = 0, 1, ...) falls due on first_due + k months (day clamped to the month);
    # it is due before the as-of day when its month is earlier, or it is the same month and an earlier day.
    months_between = (
        f"(%(as_of_month_index)s - ({sql.part('year', 'b.first_due')} * 12 + {sql.part('month', 'b.first_due')}))"
    )
    due_in_as_of_month = f"CASE WHEN {sql.part('day', 'b.first_due')} < %(as_of_day)s THEN 1 ELSE 0 END"
    # (The schedule and the overdue money are one layer: each per-row expression below is referenced once.)
    is_monthly = "CASE WHEN COALESCE(b.monthly_ore, 0) <> 0 AND COALESCE(b.months, 0) <> 0 THEN 1 ELSE 0 END"
    due_count = f"""CASE WHEN COALESCE(b.months, 0) = 0 THEN 0
                    ELSE {sql.least(sql.greatest(f"{months_between} + {due_in_as_of_month}", "0"), "b.months")} END"""
    # Layer 3: money overdue (due minus received) by the pledge's kind of schedule.
    overdue = f"""
        SELECT b.*,
               CASE WHEN (b.withdrawn_at IS NOT NULL AND b.withdrawn_at < %(cutoff)s) OR b.is_refunded
                    THEN 0 ELSE 1 END AS is_active,
               CASE WHEN {created_in_period} THEN 1 ELSE 0 END AS is_in_period,
               {is_monthly} AS is_monthly,
               CASE WHEN {is_monthly} = 1
                    THEN {sql.least(f"b.monthly_ore * ({due_count})", "b.amount_ore")} - b.received_total
                    WHEN b.first_due < %(as_of)s AND b.received_total < b.amount_ore
                    THEN b.amount_ore - b.received_total
                    ELSE 0 END AS overdue
        FROM ({base}) b{fence}
    """
    # Layer 4: the reported figures. Days late count from the first instalment not fully paid.
    first_unpaid = sql.add_months(
        "o.first_due", f"{sql.greatest('o.received_total', '0')} / CASE WHEN o.is_monthly = 1 THEN o.monthly_ore END"
    )
    return f"""
        SELECT o.pledge_id, o.pool_id, o.saver_id, o.contact_name, o.ocr_reference, o.kind, o.created_on,
               o.is_active, o.amount_ore,
               CASE WHEN o.is_active = 1 AND o.is_in_period = 1 THEN o.amount_ore ELSE 0 END AS pledged_ore,
               o.received_period AS received_ore,
               o.received_total AS received_total_ore,
               o.refunded_total AS refunded_ore,
               CASE WHEN o.is_active = 1 AND o.amount_ore > o.received_total
                    THEN o.amount_ore - o.received_total ELSE 0 END AS outstanding_ore,
               CASE WHEN o.is_active = 1 AND o.overdue > 0 THEN o.overdue ELSE 0 END AS arrears_ore,
               CASE WHEN o.is_active = 0 OR o.overdue <= 0 THEN 0
                    WHEN o.is_monthly = 1 THEN {sql.greatest(sql.days_since(first_unpaid), "0")}
                    ELSE {sql.days_since("o.first_due")} END AS days_late
        FROM ({overdue}) o
    """


# The figures summed per group, and how each is aggregated.
GROUP_AGGREGATES = """
    SUM(x.pledged_ore) AS pledged_ore, SUM(x.received_ore) AS received_ore, SUM(x.refunded_ore) AS refunded_ore,
    SUM(x.outstanding_ore) AS outstanding_ore, SUM(x.arrears_ore) AS arrears_ore,
    SUM(x.is_active) AS pledge_count,
    SUM(CASE WHEN x.arrears_ore <> 0 THEN 1 ELSE 0 END) AS late_count,
    MAX(CASE WHEN x.arrears_ore <> 0 THEN x.days_late ELSE 0 END) AS max_days_late
"""
FIGURE_KEYS = (
    "pledged_ore",
    "received_ore",
    "refunded_ore",
    "outstanding_ore",
    "arrears_ore",
    "pledge_count",
    "late_count",
    "max_days_late",
)


def grouped_sql(group: str, *, date_from: date | None, date_to: date | None, only: PledgeFilter) -> str:
    """The figures summed per pool kind, pool, saver or micro-fund."""
    figures = pledge_figures_sql(date_from=date_from, date_to=date_to, only=only)
    if group == "pool_kind":
        return f"""
            SELECT po.kind AS pool_kind, {GROUP_AGGREGATES}
            FROM ({figures}) x JOIN {POOL_TABLE} po ON po.id = x.pool_id
            GROUP BY po.kind ORDER BY po.kind
        """
    if group == "micro_fund":
        return f"""
            SELECT po.micro_fund_id, mf.name AS micro_fund, {GROUP_AGGREGATES}
            FROM ({figures}) x JOIN {POOL_TABLE} po ON po.id = x.pool_id
            JOIN {MICRO_FUND_TABLE} mf ON mf.id = po.micro_fund_id
            GROUP BY po.micro_fund_id, mf.name
        """
    if group == "saver":
        # A saver with an account is one group; an anonymous card is grouped by its contact name,
        # named as on its first pledge.
        user_table = Pledge._meta.get_field("saver").related_model._meta.db_table  # type: ignore[union-attr]
        return f"""
            SELECT g.saver_id, COALESCE(
                       NULLIF(u.full_name, ''), NULLIF(u.email, ''),
                       (SELECT fpl.contact_name FROM {PLEDGE_TABLE} fpl WHERE fpl.id = g.first_pledge_id), ''
                   ) AS saver,
                   g.pledged_ore, g.received_ore, g.refunded_ore, g.outstanding_ore, g.arrears_ore,
                   g.pledge_count, g.late_count, g.max_days_late
            FROM (
                SELECT x.saver_id, CASE WHEN x.saver_id IS NULL THEN LOWER(x.contact_name) END AS contact_key,
                       MIN(x.pledge_id) AS first_pledge_id, {GROUP_AGGREGATES}
                FROM ({figures}) x
                GROUP BY x.saver_id, CASE WHEN x.saver_id IS NULL THEN LOWER(x.contact_name) END
            ) g
            LEFT JOIN {user_table} u ON u.id = g.saver_id
        """
    if group == "pool":
        fair_columns = fair_join = ""
        if only.pool_kind is not None:
            fair_columns = ", fa.title AS fair, fa.held_on AS fair_on"
            fair_join = f"""
                LEFT JOIN {Pitch._meta.db_table} fp ON fp.pool_id = po.id
                LEFT JOIN {Fair._meta.db_table} fa ON fa.id = fp.fair_id
            """
        sums = ", ".join(f"COALESCE(g.{k}, 0) AS {k}" for k in FIGURE_KEYS)
        return f"""
            SELECT po.id AS pool_id, po.title AS pool, po.kind AS pool_kind, COALESCE(po.target_ore, 0) AS target_ore,
                   {sums}{fair_columns}
            FROM {POOL_TABLE} po
            LEFT JOIN (SELECT x.pool_id, {GROUP_AGGREGATES} FROM ({figures}) x GROUP BY x.pool_id) g
                   ON g.pool_id = po.id
            {fair_join}
            WHERE (po.created_at < %(cutoff)s OR g.pool_id IS NOT NULL){only.pool_sql()}
            ORDER BY po.id
        """
    raise ValueError(group)


PLEDGE_ROW_SQL_COLUMNS = {
    "pledge_id": "x.pledge_id",
    "pool": "po.title",
    "saver": "COALESCE(NULLIF(u.full_name, ''), NULLIF(u.email, ''), x.contact_name, '')",
    "reference": "x.ocr_reference",
    "kind": "x.kind",
    "created_on": "x.created_on",
    "pledged_ore": "x.pledged_ore",
    "received_ore": "x.received_ore",
    "outstanding_ore": "x.outstanding_ore",
    "arrears_ore": "x.arrears_ore",
    "days_late": "x.days_late",
    "refunded_ore": "x.refunded_ore",
    "is_active": "x.is_active",
    "pool_id": "x.pool_id",
    "pool_kind": "po.kind",
    "micro_fund_id": "po.micro_fund_id",
    "saver_id": "x.saver_id",
}


def over_limit_sql() -> str:
    """SQL for how far a pledge (x) in a pool (po) is above its pool kind's per-pledge limit (pools.limits),
    0 within it: rows written before the limits or around the services, for the treasurer to correct."""
    whens = " ".join(
        f"WHEN po.kind IN {_kinds_sql(kinds)} AND x.amount_ore > {int(cap)} THEN x.amount_ore - {int(cap)}"
        for cap, kinds in pledge_cap_groups()
    )
    return f"CASE {whens} ELSE 0 END"


def _kinds_sql(kinds: tuple[str, ...]) -> str:
    # Pool kinds are the model's own choice values (never user input), so they are written inline.
    return "(" + ", ".join(f"'{kind}'" for kind in kinds) + ")"


def pledge_row_sql_columns() -> dict[str, str]:
    """The pledge-by-pledge report's columns as SQL: PLEDGE_ROW_SQL_COLUMNS and the limit (from settings)."""
    return {**PLEDGE_ROW_SQL_COLUMNS, "over_limit_ore": over_limit_sql()}


def pledge_rows_sql(
    *,
    date_from: date | None,
    date_to: date | None,
    only: PledgeFilter,
    order_by: str = "x.pledge_id",
    is_page: bool = False,
    lookups: bool = False,
) -> str:
    """The pledge-by-pledge report: one row per pledge with the columns of pledge_row_sql_columns(), in order.
    `lookups`: for an early page in the pledges' own order, which the database reads by index and stops after,
    each pledge's matches are looked up by index instead of summing every match of every pledge first."""
    figures = pledge_figures_sql(date_from=date_from, date_to=date_to, only=only, fenced=not is_page, lookups=lookups)
    user_table = Pledge._meta.get_field("saver").related_model._meta.db_table  # type: ignore[union-attr]
    columns = ", ".join(f"{expr} AS {key}" for key, expr in pledge_row_sql_columns().items())
    return f"""
        SELECT {columns}
        FROM ({figures}) x
        JOIN {POOL_TABLE} po ON po.id = x.pool_id
        LEFT JOIN {user_table} u ON u.id = x.saver_id
        ORDER BY {order_by}
    """


def pledge_count_sql(*, only: PledgeFilter) -> str:
    """How many rows the pledge-by-pledge report has (for its pager)."""
    return f"""
        SELECT COUNT(*) FROM {PLEDGE_TABLE} pl
        {f"JOIN {POOL_TABLE} po ON po.id = pl.pool_id" if only.needs_pool() else ""}
        WHERE pl.created_at < %(cutoff)s AND pl.kind IN {_in_list("money_kinds", tuple(MONEY_KINDS))}{only.sql()}
    """


def tune_transaction(cursor: Any) -> None:
    """PostgreSQL settings for the report statements, for the current transaction only.

    work_mem: a report groups up to a million pledges by pool or saver, and with the default 4 MB the hash
    tables spill to disk. jit off: compiling the statement's couple of hundred expressions took longer
    (12 s of CPU at a million pledges) than running it (EXPLAIN ANALYZE in the README)."""
    if connection.vendor == "postgresql":
        cursor.execute(
            "SELECT set_config('work_mem', %s, true), set_config('jit', 'off', true)",
            [settings.TREASURY_REPORT_WORK_MEM],
        )


def run(statement: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Run one report statement and return its rows as dicts."""
    db = connections[reporting_alias()]  # the replica inside a report view (operations.replica), else default
    with transaction.atomic(using=db.alias), db.cursor() as cursor:
        tune_transaction(cursor)
        cursor.execute(statement, expand_lists(params))
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def stream(statement: str, params: dict[str, Any], *, chunk_size: int = 2000) -> Any:
    """Run one report statement and yield its rows as dicts, a chunk at a time (a server-side cursor
    on PostgreSQL), so memory stays flat however many rows there are."""
    with connections[reporting_alias()].chunked_cursor() as cursor:
        cursor.execute(statement, expand_lists(params))
        names = [c[0] for c in cursor.description]
        while True:
            rows = cursor.fetchmany(chunk_size)
            if not rows:
                break
            for row in rows:
                yield dict(zip(names, row, strict=True))


def as_date(value: Any) -> date | None:
    """A date column as a date: SQLite returns the text of it."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
