"""Pool totals on PostgreSQL: the full reconciliation against the same SQL run raw, and incremental recompute.

Seeds its own database (default lk_workers_bench, dropped and recreated) with bulk SQL inserts:
schema `public` holds --pledges pledges (default 1,000,000) in one pool per 100 pledges (10,000 pools,
interleaved as they would arrive over time) plus 3 payment matches per 10 pledges; schema `small` holds
10,000 pledges in 100 pools (also 100 per pool). Then it alternates the measured runs side by side
(A B A B ..., the order flipped every round) for --rounds rounds and prints the load average before and
after, medians, spread (min-max) and the ratios:

  headline  reconcile / raw reconcile SQL   pool_totals_reconcile() with every totals row already right /
                                            the reconciliation's own figures SELECT (pools/totals.py,
                                            _reconcile_sql) run raw through a cursor, same indexes, same
                                            batches, same planner settings (work_mem, jit, hashagg, seqscan):
                                            what the framework adds to the work itself   (goal <= 1.3)
            with drift                      every totals row first made wrong (untimed) so the UPDATE really
                                            writes: pool_totals_reconcile() / the same SELECT into a temporary
                                            table plus a raw UPDATE writing the same rows (goal <= 1.3)
  secondary reconcile / raw SUM             the reconciliation / one raw SUM(amount_ore) GROUP BY pool_id
                                            (an easier floor that does less work: kept for history)
            recompute big / 10k             one pool's incremental recompute at --pledges / at 10k pledges

Usage: .venv/bin/python bench/totals.py [--rounds 7] [--pledges 1000000] [--database lk_workers_bench]
                                        [--admin-url URL] [--reuse]

--reuse keeps a database seeded by an earlier run with the same --pledges (migrating it to the current schema)
instead of seeding anew. --pledges must be a multiple of 100, at least 10,000 (the full size takes minutes to seed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.db.backends.utils import CursorWrapper

REPO = Path(__file__).resolve().parents[1]
TABLES = (
    "accounts_user",
    "invest_project",
    "pools_pool",
    "pools_pledge",
    "pools_payment",
    "pools_paymentallocation",
    "pools_pooltotals",
)


def _admin(url: str, database: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')


def _seed(cursor: CursorWrapper, *, pools: int, per_pool: int, savers: int, matches: int) -> None:
    pledges = pools * per_pool
    from bench.seed import ensure_community  # noqa: PLC0415 - the script puts the repository on sys.path first

    ensure_community(cursor)
    cursor.execute(
        """INSERT INTO accounts_user (id, password, is_superuser, email, full_name, phone, language, personnummer,
                                      is_active, is_staff, date_joined, erasure_reason, refund_iban, pending_email)
           SELECT g, '!', false, 'saver' || g || '@bench.local', '', '', 'sv', '', true, false, now(), '', '', ''
           FROM generate_series(1, %s) g""",
        [savers],
    )
    cursor.execute(
        """INSERT INTO invest_project (id, name, slug, place, summary, description, organisation_number, website,
                                       contact_email, swish_number, status, created_at, updated_at, owner_id,
                                       community_id)
           VALUES (1, 'Bench', 'bench', 'Ödeby', '', '', '', '', '', '', 'published', now(), now(), 1,
                   (SELECT MIN(id) FROM communities_community))"""
    )
    cursor.execute(
        """INSERT INTO pools_pool (id, title, slug, description, kind, points_per_krona_month, opens_on, closes_on,
                                   funding_rule, currency, status, bankgiro, member_bank, payment_instructions,
                                   created_at, updated_at, project_id, target_ore, minimum_ore, community_id)
           SELECT g, 'Pool ' || g, 'pool-' || g, '', CASE WHEN g %% 4 = 0 THEN 'fair' ELSE 'support_saving' END, 1,
                  current_date - 30, current_date + 30, 'keep_what_you_raise', 'SEK', 'open', '', '', '',
                  now(), now(), 1, 100000000, CASE WHEN g %% 2 = 0 THEN 50000000 END,
                  (SELECT MIN(id) FROM communities_community)
           FROM generate_series(1, %s) g""",
        [pools],
    )
    # Pledge g goes to pool 1 + g % pools: a pool's pledges are spread over the whole table.
    cursor.execute(
        """INSERT INTO pools_pledge (id, pool_id, saver_id, kind, source, status, amount_ore, monthly_ore, months,
                                     term_months, ocr_reference, description, quantity, unit, contact_name,
                                     contact_email, contact_phone, is_name_public, may_contact, created_at, updated_at)
           SELECT g, 1 + g %% %(pools)s, 1 + (g::bigint * 7919) %% %(savers)s,
                  k.kind, 'online',
                  CASE WHEN g %% 20 = 0 THEN 'withdrawn' WHEN g %% 3 = 0 THEN 'confirmed' ELSE 'pledged' END,
                  CASE WHEN k.kind = 'time' THEN NULL
                       WHEN k.monthly THEN (10000 + g %% 500 * 100) * (1 + g %% 24)
                       ELSE 100000 + g %% 1000 * 100 END,
                  CASE WHEN k.monthly THEN 10000 + g %% 500 * 100 END,
                  CASE WHEN k.monthly THEN 1 + g %% 24 END,
                  CASE WHEN k.kind = 'support_saving' AND NOT k.monthly THEN 12 END,
                  CASE WHEN k.kind = 'time' THEN NULL ELSE lpad(g::text, 12, '0') END,
                  CASE WHEN k.kind = 'time' THEN 'Snickeri' ELSE '' END,
                  CASE WHEN k.kind = 'time' THEN 2.5 END,
                  CASE WHEN k.kind = 'time' THEN 'hours' ELSE '' END,
                  '', '', '', false, true, now(), now()
           FROM generate_series(1, %(pledges)s) g,
                LATERAL (SELECT CASE WHEN g %% 10 = 0 THEN 'time' WHEN g %% 10 = 1 THEN 'gift'
                                     ELSE 'support_saving' END AS kind,
                                g %% 10 > 1 AND g %% 3 = 0 AS monthly) k""",
        {"pools": pools, "savers": savers, "pledges": pledges},
    )
    cursor.execute(
        """INSERT INTO pools_payment (id, amount_ore, received_on, channel, reference, payer_name, payer_account,
                                      bank_reference, status, note, created_at)
           SELECT g, 5000, current_date, 'manual', '', '', '', '', 'matched', '', now()
           FROM generate_series(1, %s) g""",
        [matches],
    )
    cursor.execute(
        """INSERT INTO pools_paymentallocation (id, amount_ore, created_at, received_on, note, payment_id, pledge_id,
                                                pool_id)
           SELECT rn, 5000, now(), current_date, '', rn, id, pool_id
           FROM (SELECT id, pool_id, row_number() OVER (ORDER BY id) AS rn FROM pools_pledge
                 WHERE kind <> 'time' AND id %% 3 = 0) p
           WHERE rn <= %s""",
        [matches],
    )


def _seeded(url: str, database: str, pledges: int) -> bool:
    """True when `database` exists and holds the seed of `pledges` pledges."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return False
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/" + database, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM public.pools_pledge").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0] == pledges)


def _planner_settings(cursor: CursorWrapper, work_mem: str) -> None:
    """The session settings pools/totals.py sets for the figures statement (that transaction only)."""
    cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SET LOCAL enable_hashagg = off")
    cursor.execute("SET LOCAL enable_seqscan = off")


def _batches(pool_count: int, batch_size: int) -> list[tuple[int, int]]:
    """The id ranges the reconciliation walks (the bench's pool ids are 1..pool_count, no gaps)."""
    return [(first, min(first + batch_size - 1, pool_count)) for first in range(1, pool_count + 1, batch_size)]


def raw_reconcile_select(*, pool_count: int, batch_size: int, work_mem: str) -> int:
    """The floor: the reconciliation's own figures SELECT, run raw per batch with the same settings; rows read."""
    from django.db import connection, transaction

    from pools.totals import _reconcile_sql

    sql = _reconcile_sql(every_pool=batch_size >= pool_count)
    rows = 0
    for first, last in _batches(pool_count, batch_size):
        with transaction.atomic(), connection.cursor() as cursor:
            _planner_settings(cursor, work_mem)
            cursor.execute(sql, {"first": first, "last": last})
            rows += len(cursor.fetchall())
    return rows


def raw_reconcile_write(*, pool_count: int, batch_size: int, work_mem: str) -> int:
    """The floor with drift: the same SELECT into a temporary table, then one raw UPDATE of the rows that differ."""
    from django.db import connection, transaction

    from pools.totals import FIGURE_FIELDS, _reconcile_sql

    select = _reconcile_sql(every_pool=batch_size >= pool_count)
    update = (
        "UPDATE pools_pooltotals t SET "  # noqa: S608 (names from FIGURE_FIELDS)
        + ", ".join(f"{name} = f.{name}" for name in FIGURE_FIELDS)
        + ", computed_at = now() FROM bench_totals_wanted f WHERE t.pool_id = f.pool_id AND ("
        + ", ".join(f"t.{name}" for name in FIGURE_FIELDS)
        + ") IS DISTINCT FROM ("
        + ", ".join(f"f.{name}" for name in FIGURE_FIELDS)
        + ")"
    )
    written = 0
    for first, last in _batches(pool_count, batch_size):
        with transaction.atomic(), connection.cursor() as cursor:
            _planner_settings(cursor, work_mem)
            cursor.execute(
                "CREATE TEMPORARY TABLE bench_totals_wanted ON COMMIT DROP AS " + select, {"first": first, "last": last}
            )
            # As pools/totals.py: the UPDATE plans with the planner's usual settings.
            cursor.execute("SET LOCAL enable_hashagg TO DEFAULT")
            cursor.execute("SET LOCAL enable_seqscan TO DEFAULT")
            cursor.execute(update)
            written += cursor.rowcount
    return written


def totals_drift() -> int:
    """Make every stored totals row wrong (two figures off by one), untimed, so a reconciliation has to write."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE pools_pooltotals SET pledged_ore = pledged_ore + 1, pledge_count = pledge_count + 1")
        drifted = cursor.rowcount
        # Both sides of the drift pair start from a table without the dead rows of the previous pass.
        cursor.execute("VACUUM pools_pooltotals")
    return drifted


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _describe(name: str, samples: list[float], unit: float = 1000, label: str = "ms") -> str:
    return (
        f"{name:<44} median {statistics.median(samples) * unit:9.2f} {label}"
        f"   spread {min(samples) * unit:9.2f} - {max(samples) * unit:9.2f} {label}   (n={len(samples)})"
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def _ratio(top: list[float], bottom: list[float]) -> float:
    return statistics.median(top) / statistics.median(bottom)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--pledges", type=int, default=1_000_000, help="pledges in the big schema (100 per pool)")
    parser.add_argument("--database", default="lk_workers_bench")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--recomputes-per-round", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's seeded database")
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error("at least 5 rounds")
    if args.pledges < 10_000 or args.pledges % 100:
        parser.error("--pledges: a multiple of 100, at least 10,000")
    pool_count = args.pledges // 100
    size = f"{args.pledges:,} pledges"

    host_part = args.admin_url.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{host_part}/{args.database}"
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))

    print(f"start: {_load()}", flush=True)
    reuse = args.reuse and _seeded(args.admin_url, args.database, args.pledges)
    if not reuse:
        print(f"creating {args.database} ...", flush=True)
        _admin(args.admin_url, args.database)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from pools.totals import pool_totals_recompute as recompute
    from pools.totals import pool_totals_reconcile

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if reuse:
            print(f"reusing the seeded {args.database} (migrated); seeding the small schema anew", flush=True)
            cursor.execute("DROP SCHEMA IF EXISTS small CASCADE")
        else:
            _seed(
                cursor,
                pools=pool_count,
                per_pool=100,
                savers=args.pledges // 50,
                matches=args.pledges * 3 // 10,
            )
        # The small schema copies the tables with their current indexes, then gets its own rows.
        cursor.execute("CREATE SCHEMA small")
        for table in TABLES:
            cursor.execute(f"CREATE TABLE small.{table} (LIKE public.{table} INCLUDING ALL)")
        cursor.execute("SET search_path TO small")
        _seed(cursor, pools=100, per_pool=100, savers=200, matches=3_000)
        cursor.execute("SET search_path TO public")
    with connection.cursor() as cursor:
        for schema in ("public", "small"):
            for table in TABLES:
                cursor.execute(f"VACUUM ANALYZE {schema}.{table}")
        cursor.execute("SELECT count(*) FROM public.pools_pledge")
        big_rows = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM small.pools_pledge")
        small_rows = cursor.fetchone()[0]
    print(f"seeded {big_rows:,} and {small_rows:,} pledges in {time.perf_counter() - started:.1f}s", flush=True)

    batch_size = settings.TOTALS_RECONCILE_BATCH_SIZE
    work_mem = settings.TOTALS_RECONCILE_WORK_MEM

    def use(schema: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO {schema}")

    def raw_sum() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pool_id, SUM(amount_ore) FROM pools_pledge GROUP BY pool_id")
            cursor.fetchall()

    summary: dict[str, object] = {}
    written: dict[str, int] = {}

    def reconcile() -> None:
        summary.update(pool_totals_reconcile())

    def floor() -> None:
        written["read"] = raw_reconcile_select(pool_count=pool_count, batch_size=batch_size, work_mem=work_mem)

    def floor_write() -> None:
        written["raw"] = raw_reconcile_write(pool_count=pool_count, batch_size=batch_size, work_mem=work_mem)

    use("public")
    reconcile()  # first pass creates and fills every totals row; later passes are the steady state
    raw_sum()
    floor()
    print(f"reconciliation batch size {batch_size} pools, work_mem {work_mem}", flush=True)

    big_pools = list(range(1, pool_count + 1, max(pool_count // args.recomputes_per_round, 1)))
    big_pools = big_pools[: args.recomputes_per_round]
    small_pools = list(range(1, 101))[: args.recomputes_per_round]

    def recompute_round(schema: str, pool_ids: list[int]) -> list[float]:
        use(schema)
        return [_timed(partial(recompute, pool_id=pk)) for pk in pool_ids]

    recompute_round("public", big_pools)
    recompute_round("small", small_pools)

    raw: list[float] = []
    floor_samples: list[float] = []
    full: list[float] = []
    floor_drift: list[float] = []
    full_drift: list[float] = []
    big: list[float] = []
    small: list[float] = []
    drift_checks: list[tuple[int, int, int]] = []
    print(f"measuring: {_load()}", flush=True)
    for round_no in range(args.rounds):
        use("public")
        # Alternate which of each group goes first, so none always runs on a warmer cache.
        steady = [("raw", raw_sum, raw), ("floor", floor, floor_samples), ("full", reconcile, full)]
        for _name, fn, samples in steady if round_no % 2 == 0 else reversed(steady):
            samples.append(_timed(fn))
        steady_corrected = int(str(summary["corrected"]))
        drifting = [("raw", floor_write, floor_drift), ("full", reconcile, full_drift)]
        for name, fn, samples in drifting if round_no % 2 == 0 else reversed(drifting):
            drifted = totals_drift()
            samples.append(_timed(fn))
            wrote = written["raw"] if name == "raw" else int(str(summary["corrected"]))
            drift_checks.append((drifted, wrote, pool_count))
        rounds = [("public", big_pools, big), ("small", small_pools, small)]
        for schema, pool_ids, samples in rounds if round_no % 2 == 0 else reversed(rounds):
            samples.append(statistics.median(recompute_round(schema, pool_ids)))
        print(
            f"round {round_no + 1}: raw SUM {raw[-1] * 1000:.1f} ms,"
            f" raw reconcile SQL {floor_samples[-1] * 1000:.1f} ms,"
            f" reconcile {full[-1] * 1000:.1f} ms (corrected {steady_corrected});"
            f" with drift: raw SQL {floor_drift[-1] * 1000:.1f} ms, reconcile {full_drift[-1] * 1000:.1f} ms;"
            f" recompute@big {big[-1] * 1000:.2f} ms, @10k {small[-1] * 1000:.2f} ms",
            flush=True,
        )
    use("public")
    print(f"after: {_load()}", flush=True)
    if any(drifted != wrote for drifted, wrote, _pools in drift_checks):
        print(f"WARNING: a drift pass did not write every drifted row: {drift_checks}", flush=True)

    print()
    print(f"{size} in {pool_count:,} pools, {args.rounds} rounds; raw SQL rows read per pass: {written['read']:,}")
    print(_describe("raw reconcile SQL (same SELECT, same settings)", floor_samples))
    print(_describe("full reconciliation, no drift", full))
    print(_describe("raw reconcile SQL + UPDATE, every row drifted", floor_drift))
    print(_describe("full reconciliation, every row drifted", full_drift))
    print(_describe("raw SUM ... GROUP BY", raw))
    print(_describe(f"incremental recompute @ {size}", big))
    print(_describe("incremental recompute @ 10,000 pledges", small))
    print()
    headline = _ratio(full, floor_samples)
    drift = _ratio(full_drift, floor_drift)
    print(f"headline  reconcile / raw reconcile SQL            = {headline:.2f}   (goal <= 1.3)")
    print(f"          with drift: reconcile / raw SQL + UPDATE = {drift:.2f}   (goal <= 1.3)")
    print(f"secondary reconcile / raw SUM GROUP BY             = {_ratio(full, raw):.2f}   (old yardstick, <= 1.5)")
    print(f"          recompute {size} / 10,000 pledges = {_ratio(big, small):.2f}   (goal <= 1.3)")


if __name__ == "__main__":
    main()
