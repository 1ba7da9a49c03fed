"""Pool totals: every figure derived from the rows by set-based aggregate queries.

One GROUP BY over the pledges and one over the payment matches of a set of pools give
every figure of every pool in the set, so one pool's recompute costs the same whatever
the size of the tables (index on the pool), and the full reconciliation is a few
queries per batch of pools, never one query per pool.

Why one module of about 530 lines: the ORM aggregates and the range and reconciliation SQL compute the same
figures and are tested against each other; keeping them side by side is what keeps them equal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BigIntegerField, Case, Count, F, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from pools.limits import capped_sql, max_pledge_krona_months, pledge_cap_groups, pledge_cap_index
from pools.models import (
    ACTIVE_PLEDGE_STATUSES,
    MONEY_KINDS,
    NON_MONEY_KINDS,
    PaymentAllocation,
    Pledge,
    PledgeKind,
    PledgeStatus,
    Pool,
    PoolKind,
    PoolTotals,
)

POOL_FIELDS = ("pk", "kind", "target_ore", "target_points", "minimum_ore", "points_per_krona_month")
FIGURE_FIELDS = (
    "pledged_ore",
    "received_ore",
    "outstanding_ore",
    "saver_count",
    "pledge_count",
    "money_pledge_count",
    "non_money_pledge_count",
    "hours",
    "percent_of_target",
    "percent_of_minimum",
    "estimated_points",
)
POINTS_POOL_KINDS = (PoolKind.SUPPORT_SAVING, PoolKind.FAIR)


def _capped(field: str, cap: int) -> Case:
    """One row's value counted at most at `cap` (pools.limits.capped_sql in the ORM)."""
    return Case(When(**{f"{field}__gt": cap}, then=Value(cap)), default=F(field), output_field=BigIntegerField())


def _capped_sums(active: Q, money: Q) -> dict[str, Any]:
    """Money pledged and krona-months with every pledge capped at each distinct per-pledge limit
    (pools.limits): `_figures` takes the columns of the pool's own kind."""
    sums: dict[str, Any] = {}
    for index, (cap, kinds) in enumerate(pledge_cap_groups()):
        sums[f"pledged_{index}"] = Coalesce(Sum(_capped("amount_ore", cap), filter=active & money), Value(0))
        points_cap = max_pledge_krona_months(kinds[0])
        sums[f"krona_months_{index}"] = Coalesce(Sum(_capped("krona_months", points_cap), filter=active), Value(0))
    return sums


def _pledge_aggregates(pool_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    active = Q(status__in=ACTIVE_PLEDGE_STATUSES)
    money = Q(kind__in=MONEY_KINDS)
    rows = (
        Pledge.objects.filter(pool_id__in=pool_ids)
        .order_by()
        .values("pool_id")
        .annotate(
            pledge_count=Count("pk", filter=active),
            money_count=Count("pk", filter=active & money),
            non_money_count=Count("pk", filter=active & Q(kind__in=NON_MONEY_KINDS)),
            savers=Count("saver", filter=active, distinct=True),
            anonymous=Count("pk", filter=active & Q(saver__isnull=True)),
            hours=Sum("quantity", filter=active & Q(kind=PledgeKind.TIME)),
            **_capped_sums(active, money),
        )
    )
    return {row["pool_id"]: row for row in rows}


def _received_aggregates(pool_ids: Sequence[int]) -> dict[int, int]:
    rows = (
        PaymentAllocation.objects.filter(pool_id__in=pool_ids)
        .exclude(pledge__status=PledgeStatus.REFUNDED)
        .order_by()
        .values("pool_id")
        .annotate(total=Sum("amount_ore"))
    )
    return {row["pool_id"]: int(row["total"] or 0) for row in rows}


def _percent(part: int, whole: int | None) -> Decimal:
    if not whole:
        return Decimal("0.00")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"))


def _figures(pool: dict[str, Any], pledges: dict[str, Any] | None, received: int) -> dict[str, Any]:
    pledges = pledges or {}
    # Each pledge counted at most at its pool kind's limit, so an implausible row never inflates a public figure.
    cap = pledge_cap_index(pool["kind"])
    pledged = int(pledges.get(f"pledged_{cap}") or 0)
    points = 0
    if pool["kind"] in POINTS_POOL_KINDS:
        points = int(pledges.get(f"krona_months_{cap}") or 0) * int(pool["points_per_krona_month"])
    target = pool["target_points"] or pool["target_ore"] or 0
    return {
        "pledged_ore": pledged,
        "received_ore": received,
        "outstanding_ore": max(pledged - received, 0),
        "saver_count": int(pledges.get("savers") or 0) + int(pledges.get("anonymous") or 0),
        "pledge_count": int(pledges.get("pledge_count") or 0),
        "money_pledge_count": int(pledges.get("money_count") or 0),
        "non_money_pledge_count": int(pledges.get("non_money_count") or 0),
        "hours": Decimal(pledges.get("hours") or 0).quantize(Decimal("0.01")),
        "percent_of_target": _percent(points if pool["target_points"] else pledged, target),
        "percent_of_minimum": _percent(pledged, pool["minimum_ore"]) if pool["minimum_ore"] else None,
        "estimated_points": points,
    }


def pool_totals_figures(*, pool_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Every totals figure of the given pools, from two GROUP BY queries over their rows."""
    ids = sorted(set(pool_ids))
    pools = Pool.objects.filter(pk__in=ids).order_by().values(*POOL_FIELDS)
    pledges = _pledge_aggregates(ids)
    received = _received_aggregates(ids)
    return {pool["pk"]: _figures(pool, pledges.get(pool["pk"]), received.get(pool["pk"], 0)) for pool in pools}


def _totals_rows_ensure(pool_ids: Iterable[int]) -> None:
    PoolTotals.objects.bulk_create([PoolTotals(pool_id=pk) for pk in pool_ids], ignore_conflicts=True)


def totals_touch(*, pool_ids: Iterable[int]) -> None:
    """Mark pools' totals as due, inside the caller's change transaction.

    The upsert holds the totals row lock until the change commits; a recompute locks the same
    row before it aggregates, so it waits for the change and cannot miss it. Several pools are
    touched in primary-key order, so two changes never deadlock.
    """
    now = timezone.now()
    rows = [PoolTotals(pool_id=pk, requested_at=now) for pk in sorted(set(pool_ids))]
    PoolTotals.objects.bulk_create(rows, update_conflicts=True, unique_fields=["pool"], update_fields=["requested_at"])


@transaction.atomic
def pool_totals_recompute(*, pool_id: int) -> PoolTotals:
    """Recompute and store one pool's totals from its rows (idempotent: never increments)."""
    _totals_rows_ensure([pool_id])
    # Lock first, aggregate second: the aggregate then sees every change committed before the lock,
    # and a recompute that ran earlier with older rows can never overwrite this one.
    totals = PoolTotals.objects.select_for_update().get(pool_id=pool_id)
    figures = pool_totals_figures(pool_ids=[pool_id])[pool_id]
    for name, value in figures.items():
        setattr(totals, name, value)
    totals.computed_at = timezone.now()
    totals.save()
    return totals


def pool_totals_recompute_queued(*, pool_id: int) -> PoolTotals | None:
    """The worker's recompute of a queued pool: None when the pool is gone since it was queued."""
    if not Pool.objects.filter(pk=pool_id).exists():
        return None
    return pool_totals_recompute(pool_id=pool_id)


def _as_json(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value


# The full reconciliation reads a whole range of pools at once. Pledges are first grouped by
# (pool, status, kind, anonymous), a cheap hash aggregate like a plain SUM; the figures are then
# folded from those few groups per pool. Distinct savers come from the (pool, saver) pairs and
# money received from the matches joined to their pledges, each grouped by pool. Same rules as
# _pledge_aggregates/_received_aggregates, each pledge capped at its pool kind's limit in the same way
# (a test keeps the two paths in agreement).
RANGE_SQL = """
WITH grouped AS (
  SELECT p.pool_id, p.status, p.kind, (p.saver_id IS NULL) AS anonymous,
         COUNT(*) AS n, SUM(p.quantity) AS quantity, {grouped_sums}
  FROM pools_pledge p
  WHERE p.pool_id BETWEEN %(first)s AND %(last)s
  GROUP BY p.pool_id, p.status, p.kind, (p.saver_id IS NULL)
),
savers AS (
  SELECT pairs.pool_id, COUNT(*) AS savers
  FROM (SELECT p.pool_id, p.saver_id FROM pools_pledge p
        WHERE p.pool_id BETWEEN %(first)s AND %(last)s AND p.saver_id IS NOT NULL AND p.status IN {active}
        GROUP BY p.pool_id, p.saver_id) pairs
  GROUP BY pairs.pool_id
),
received AS (
  SELECT a.pool_id, SUM(a.amount_ore) AS received
  FROM pools_paymentallocation a JOIN pools_pledge p ON p.id = a.pledge_id
  WHERE a.pool_id BETWEEN %(first)s AND %(last)s AND p.status <> 'refunded'
  GROUP BY a.pool_id
)
SELECT g.pool_id, {pledged_sums},
  SUM(CASE WHEN g.status IN {active} THEN g.n ELSE 0 END) AS pledge_count,
  SUM(CASE WHEN g.status IN {active} AND g.kind IN {money} THEN g.n ELSE 0 END) AS money_count,
  SUM(CASE WHEN g.status IN {active} AND g.kind IN {non_money} THEN g.n ELSE 0 END) AS non_money_count,
  MAX(s.savers) AS savers,
  SUM(CASE WHEN g.status IN {active} AND g.anonymous THEN g.n ELSE 0 END) AS anonymous,
  SUM(CASE WHEN g.status IN {active} AND g.kind = 'time' THEN g.quantity END) AS hours,
  MAX(r.received) AS received
FROM grouped g
LEFT JOIN savers s ON s.pool_id = g.pool_id
LEFT JOIN received r ON r.pool_id = g.pool_id
GROUP BY g.pool_id
"""


def _in(values: Iterable[str]) -> str:
    return "(" + ", ".join(f"'{value}'" for value in values) + ")"


def _range_sql() -> str:
    active, money = _in(ACTIVE_PLEDGE_STATUSES), _in(MONEY_KINDS)
    grouped, pledged = [], []
    for index, (cap, kinds) in enumerate(pledge_cap_groups()):
        points_cap = max_pledge_krona_months(kinds[0])
        grouped.append(f"SUM({capped_sql('p.amount_ore', cap)}) AS amount_{index}")
        grouped.append(f"SUM({capped_sql('p.krona_months', points_cap)}) AS krona_months_{index}")
        pledged.append(
            f"SUM(CASE WHEN g.status IN {active} AND g.kind IN {money} THEN g.amount_{index} END) AS pledged_{index}"
        )
        pledged.append(
            f"SUM(CASE WHEN g.status IN {active} THEN g.krona_months_{index} ELSE 0 END) AS krona_months_{index}"
        )
    return RANGE_SQL.format(
        active=active,
        money=money,
        non_money=_in(NON_MONEY_KINDS),
        grouped_sums=", ".join(grouped),
        pledged_sums=", ".join(pledged),
    )


def pool_totals_figures_range(*, first_pool_id: int, last_pool_id: int) -> dict[int, dict[str, Any]]:
    """Every totals figure of every pool with an id in [first, last], from one GROUP BY over the rows.

    For the full reconciliation: a single pass over the pledges of the range (the per-pool path
    uses the pool index instead; both give the same figures).
    """
    with connection.cursor() as cursor:
        cursor.execute(_range_sql(), {"first": first_pool_id, "last": last_pool_id})
        columns = [c[0] for c in cursor.description]
        rows = {row[0]: dict(zip(columns, row, strict=True)) for row in cursor.fetchall()}
    pools = Pool.objects.filter(pk__gte=first_pool_id, pk__lte=last_pool_id).order_by().values(*POOL_FIELDS)
    figures = {}
    for pool in pools:
        row = rows.get(pool["pk"], {})
        if row.get("hours") is not None:
            row["hours"] = Decimal(str(row["hours"]))
        figures[pool["pk"]] = _figures(pool, row, int(row.get("received") or 0))
    return figures


# PostgreSQL: a batch in two statements (figures, then write-back), after locking its totals rows.
# Cheaper forms of the same rules as _pledge_aggregates/_received_aggregates:
# - one streaming pass over the covering partial index pledge_active_totals_idx (active pledges in
#   (pool, saver) order, with amount, krona-months, quantity and kind): grouped first by (pool, saver),
#   then by pool, so the distinct savers are the non-null saver groups and anonymous pledges the
#   count of the null group; no hash table and no second pass. The pledge constraints
#   (pledge_money_kind_has_amount, pledge_non_money_kind_has_description) make a money pledge exactly a
#   pledge with an amount, so the sum of the capped amounts is the money pledged and COUNT(amount_ore) the
#   money pledges (each amount capped at every distinct per-pledge limit, pools.limits; the pool's own kind
#   picks its column in `base`, so no join to the pools in the pass);
# - money received grouped by the match's own pool from allocation_pool_day_cover_idx (no join), less the
#   matches of refunded pledges (few, found by pledge_refunded_pool_idx);
# - percentages rounded half to even on exact integers, like Decimal.quantize in _percent;
# - the UPDATE (UPDATE_SQL) writes only rows whose figures differ, and pools without pledges get zeros.
# A test keeps these statements, RANGE_SQL and the per-pool path in agreement.
RECONCILE_SQL = """
WITH pairs AS (
  SELECT p.pool_id, p.saver_id, {pair_sums}, COUNT(*) AS n, COUNT(p.amount_ore) AS money_n,
         SUM(p.quantity) FILTER (WHERE p.kind = 'time') AS hours
  FROM pools_pledge p
  WHERE {pledge_range} p.status IN {active}
  GROUP BY p.pool_id, p.saver_id
),
pledges AS (
  SELECT pool_id, {pool_sums}, SUM(n) AS pledge_count, SUM(money_n) AS money_count,
         COUNT(saver_id) AS savers, COALESCE(SUM(n) FILTER (WHERE saver_id IS NULL), 0) AS anonymous,
         SUM(hours) AS hours
  FROM pairs
  GROUP BY pool_id
),
received AS (
  SELECT a.pool_id, SUM(a.amount_ore) AS received
  FROM pools_paymentallocation a
  WHERE {match_range}
  GROUP BY a.pool_id
),
refunded AS (
  SELECT p.pool_id, SUM(a.amount_ore) AS received
  FROM pools_pledge p JOIN pools_paymentallocation a ON a.pledge_id = p.id
  WHERE p.pool_id BETWEEN %(first)s AND %(last)s AND p.status = 'refunded'
  GROUP BY p.pool_id
),
base AS (
  SELECT po.id AS pool_id, po.target_ore, po.target_points, po.minimum_ore,
         COALESCE({pledged_of_kind}, 0)::bigint AS pledged,
         (COALESCE(r.received, 0) - COALESCE(rf.received, 0))::bigint AS received,
         COALESCE(pl.pledge_count, 0) AS pledge_count, COALESCE(pl.money_count, 0) AS money_count,
         COALESCE(pl.savers, 0) + COALESCE(pl.anonymous, 0) AS saver_count,
         COALESCE(pl.hours, 0) AS hours,
         CASE WHEN po.kind IN {points_kinds}
              THEN COALESCE({krona_months_of_kind}, 0) * po.points_per_krona_month ELSE 0 END::bigint AS points
  FROM pools_pool po
  LEFT JOIN pledges pl ON pl.pool_id = po.id
  LEFT JOIN received r ON r.pool_id = po.id
  LEFT JOIN refunded rf ON rf.pool_id = po.id
  WHERE po.id BETWEEN %(first)s AND %(last)s
),
figures AS (
  SELECT pool_id,
         pledged AS pledged_ore,
         received AS received_ore,
         GREATEST(pledged - received, 0) AS outstanding_ore,
         saver_count::integer AS saver_count,
         pledge_count::integer AS pledge_count,
         money_count::integer AS money_pledge_count,
         (pledge_count - money_count)::integer AS non_money_pledge_count,
         hours::numeric(12, 2) AS hours,
         {percent_of_target} AS percent_of_target,
         CASE WHEN COALESCE(minimum_ore, 0) <> 0 THEN {percent_of_minimum} END AS percent_of_minimum,
         points AS estimated_points
  FROM base
)
SELECT * FROM figures
"""
# PostgreSQL never runs a data-modifying statement in parallel: the figures are first computed into a
# temporary table (CREATE TABLE AS may use parallel workers, like the raw SUM), then written back.
UPDATE_SQL = """
UPDATE pools_pooltotals t
SET {assignments}, computed_at = now()
FROM pools_totals_wanted f JOIN pools_pooltotals o ON o.pool_id = f.pool_id
WHERE t.pool_id = f.pool_id AND ({stored}) IS DISTINCT FROM ({wanted})
RETURNING t.pool_id, {before}, {after}
"""


def _percent_sql(part: str, whole: str) -> str:
    """SQL for _percent: part * 100 / whole to two decimals, half to even, 0.00 when whole is 0 or NULL."""
    scaled = f"({part})::numeric * 10000"
    quotient = f"div({scaled}, ({whole}))"
    twice_rest = f"2 * mod({scaled}, ({whole}))"
    return (
        f"CASE WHEN COALESCE({whole}, 0) = 0 THEN 0.00::numeric(9, 2) ELSE "
        f"(({quotient} + CASE WHEN {twice_rest} > ({whole}) OR ({twice_rest} = ({whole}) AND mod({quotient}, 2) = 1)"
        f" THEN 1 ELSE 0 END) / 100)::numeric(9, 2) END"
    )


def _reconcile_sql(*, every_pool: bool) -> str:
    """The figures query; when the range holds every pool, the per-row range test on the two big
    scans is left out (rows of pools outside it cannot exist, or are dropped by the join to the pools)."""
    target = "COALESCE(NULLIF(target_points, 0), NULLIF(target_ore, 0), 0)"
    part = "CASE WHEN COALESCE(target_points, 0) <> 0 THEN points ELSE pledged END"
    # Each pledge capped at every distinct per-pledge limit in the one streaming pass (pools.limits), and the
    # column of the pool's own kind taken per pool, as _figures does.
    groups = pledge_cap_groups()
    pair_sums, pool_sums = [], []
    for index, (cap, kinds) in enumerate(groups):
        points_cap = max_pledge_krona_months(kinds[0])
        pair_sums.append(f"SUM({capped_sql('p.amount_ore', cap)}) AS pledged_{index}")
        pair_sums.append(f"SUM({capped_sql('p.krona_months', points_cap)}) AS krona_months_{index}")
        pool_sums.append(f"SUM(pledged_{index}) AS pledged_{index}, SUM(krona_months_{index}) AS krona_months_{index}")

    def of_kind(name: str) -> str:
        whens = " ".join(f"WHEN po.kind IN {_in(kinds)} THEN pl.{name}_{i}" for i, (_cap, kinds) in enumerate(groups))
        return f"CASE {whens} END"

    return RECONCILE_SQL.format(
        pair_sums=", ".join(pair_sums),
        pool_sums=", ".join(pool_sums),
        pledged_of_kind=of_kind("pledged"),
        krona_months_of_kind=of_kind("krona_months"),
        active=_in(ACTIVE_PLEDGE_STATUSES),
        pledge_range="" if every_pool else "p.pool_id BETWEEN %(first)s AND %(last)s AND",
        match_range="TRUE" if every_pool else "a.pool_id BETWEEN %(first)s AND %(last)s",
        points_kinds=_in(POINTS_POOL_KINDS),
        percent_of_target=_percent_sql(part, target),
        percent_of_minimum=_percent_sql("pledged", "minimum_ore"),
    )


def _update_sql() -> str:
    return UPDATE_SQL.format(
        assignments=", ".join(f"{name} = f.{name}" for name in FIGURE_FIELDS),
        stored=", ".join(f"t.{name}" for name in FIGURE_FIELDS),
        wanted=", ".join(f"f.{name}" for name in FIGURE_FIELDS),
        before=", ".join(f"o.{name}" for name in FIGURE_FIELDS),
        after=", ".join(f"t.{name}" for name in FIGURE_FIELDS),
    )


def _insert_missing_sql() -> str:
    zeros = ", ".join("NULL" if name == "percent_of_minimum" else "0" for name in FIGURE_FIELDS)
    return (
        f"INSERT INTO pools_pooltotals (pool_id, {', '.join(FIGURE_FIELDS)}) "  # noqa: S608 (names from FIGURE_FIELDS)
        f"SELECT po.id, {zeros} FROM pools_pool po WHERE po.id BETWEEN %(first)s AND %(last)s "
        "AND NOT EXISTS (SELECT 1 FROM pools_pooltotals t WHERE t.pool_id = po.id) "
        "ON CONFLICT (pool_id) DO NOTHING"
    )


def _reconcile_range_postgresql(
    first: int, last: int, corrections: list[dict[str, Any]], *, every_pool: bool = False
) -> int:
    """Lock the range's totals rows (pool order), then recompute, compare and correct in one statement."""
    count = len(FIGURE_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(_insert_missing_sql(), {"first": first, "last": last})
        # Lock first, aggregate second (as pool_totals_recompute): the statement below takes its
        # snapshot after every lock is held, so it sees each change committed before, and a change
        # still committing holds its totals row (totals_touch) and is waited for here.
        cursor.execute(
            "SELECT pool_id FROM pools_pooltotals WHERE pool_id BETWEEN %(first)s AND %(last)s "
            "ORDER BY pool_id FOR UPDATE",
            {"first": first, "last": last},
        )
        # One big aggregate: room to sort in memory, and no JIT compile (it costs more than it saves).
        cursor.execute("SELECT set_config('work_mem', %s, true)", [settings.TOTALS_RECONCILE_WORK_MEM])
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("DROP TABLE IF EXISTS pools_totals_wanted")
        # The planner prices a parallel heap scan with hash aggregates below the streaming index-only
        # plan, which measures about twice as fast (bench/totals.py): steer it for this statement only.
        cursor.execute("SELECT current_setting('enable_hashagg'), current_setting('enable_seqscan')")
        hashagg, seqscan = cursor.fetchone()
        cursor.execute("SET LOCAL enable_hashagg = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "CREATE TEMPORARY TABLE pools_totals_wanted ON COMMIT DROP AS " + _reconcile_sql(every_pool=every_pool),
            {"first": first, "last": last},
        )
        # Back to what they were (the UPDATE below plans as usual).
        cursor.execute(
            "SELECT set_config('enable_hashagg', %s, true), set_config('enable_seqscan', %s, true)", [hashagg, seqscan]
        )
        cursor.execute(_update_sql())
        rows = cursor.fetchall()
        cursor.execute("DROP TABLE pools_totals_wanted")
    for row in rows:
        before = dict(zip(FIGURE_FIELDS, row[1 : 1 + count], strict=True))
        after = dict(zip(FIGURE_FIELDS, row[1 + count :], strict=True))
        drift = sorted(name for name in FIGURE_FIELDS if before[name] != after[name])
        corrections.append(
            {
                "pool_id": row[0],
                "before": {name: _as_json(before[name]) for name in drift},
                "after": {name: _as_json(after[name]) for name in drift},
            }
        )
    return len(rows)


@transaction.atomic
def _reconcile_batch(pool_ids: list[int], corrections: list[dict[str, Any]], *, every_pool: bool = False) -> int:
    """Lock the batch's totals rows (pool order), then aggregate the batch in one pass and fix drift.

    `pool_ids` is a contiguous slice of all pool ids in order, so the id range holds exactly them.
    """
    if connection.vendor == "postgresql":
        return _reconcile_range_postgresql(pool_ids[0], pool_ids[-1], corrections, every_pool=every_pool)
    in_range = PoolTotals.objects.filter(pool_id__gte=pool_ids[0], pool_id__lte=pool_ids[-1])
    _totals_rows_ensure(set(pool_ids) - set(in_range.values_list("pool_id", flat=True)))
    # Lock the batch's totals rows in pool order, reading only the figures (no model objects).
    stored = {
        row["pool_id"]: row
        for row in in_range.select_for_update().order_by("pool_id").values("pool_id", *FIGURE_FIELDS)
    }
    figures = pool_totals_figures_range(first_pool_id=pool_ids[0], last_pool_id=pool_ids[-1])
    now = timezone.now()
    changed = []
    for pool_id, wanted in figures.items():
        before = stored[pool_id]
        drift = {name for name in FIGURE_FIELDS if before[name] != wanted[name]}
        if not drift:
            continue
        changed.append(PoolTotals(pool_id=pool_id, computed_at=now, **wanted))
        corrections.append(
            {
                "pool_id": pool_id,
                "before": {name: _as_json(before[name]) for name in sorted(drift)},
                "after": {name: _as_json(wanted[name]) for name in sorted(drift)},
            }
        )
    if changed:
        PoolTotals.objects.bulk_update(changed, [*FIGURE_FIELDS, "computed_at"])
    return len(changed)


def pool_totals_reconcile(
    *, batch_size: int | None = None, progress: Callable[[int], None] | None = None
) -> dict[str, Any]:
    """Recompute every pool's totals in batches, correct drift, and say what was corrected.

    Each batch locks its totals rows (in pool order) and then aggregates its pools with one
    GROUP BY per table, so a concurrent change is either fully seen or waits. Returns a summary
    with the pool ids and before/after figures of every correction (the first
    TOTALS_RECONCILE_MAX_LISTED of them; `corrected` counts all).
    """
    size = batch_size or settings.TOTALS_RECONCILE_BATCH_SIZE
    pool_ids = list(Pool.objects.order_by("pk").values_list("pk", flat=True))
    corrections: list[dict[str, Any]] = []
    corrected = 0
    for start in range(0, len(pool_ids), size):
        batch = pool_ids[start : start + size]
        corrected += _reconcile_batch(batch, corrections, every_pool=len(batch) == len(pool_ids))
        if progress is not None:
            progress(len(batch))
    limit = settings.TOTALS_RECONCILE_MAX_LISTED
    return {
        "pools_checked": len(pool_ids),
        "batches": (len(pool_ids) + size - 1) // size,
        "corrected": corrected,
        "corrections": corrections[:limit],
        "corrections_listed": min(len(corrections), limit),
    }
