"""Pool totals on PostgreSQL: full reconciliation vs one raw SUM ... GROUP BY, and incremental recompute at 1M vs 10k.

Seeds its own database (default lk_workers_bench, dropped and recreated) with bulk SQL inserts:
schema `public` holds 1,000,000 pledges in 10,000 pools (100 per pool, interleaved as they would
arrive over time) plus 300,000 payment matches; schema `small` holds 10,000 pledges in 100 pools
(also 100 per pool). Then it alternates the measured pairs (A B A B ...) for --rounds rounds and
prints medians, spread (min-max) and the ratios:

  reconcile / raw      full reconciliation of every pool over 1M pledges / one raw SUM GROUP BY (goal <= 1.5)
  recompute 1M / 10k   one pool's incremental recompute at 1M pledges / at 10k pledges        (goal <= 1.3)

Usage: .venv/bin/python bench/totals.py [--rounds 7] [--database lk_workers_bench] [--admin-url URL] [--reuse]

--reuse keeps a database seeded by an earlier run (migrating it to the current schema) instead of seeding anew.
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
    cursor.execute(
        """INSERT INTO accounts_user (id, password, is_superuser, email, full_name, phone, language, personnummer,
                                      is_active, is_staff, date_joined, erasure_reason, refund_iban)
           SELECT g, '!', false, 'saver' || g || '@bench.local', '', '', 'sv', '', true, false, now(), '', ''
           FROM generate_series(1, %s) g""",
        [savers],
    )
    cursor.execute(
        """INSERT INTO invest_project (id, name, slug, place, summary, description, organisation_number, website,
                                       contact_email, swish_number, status, created_at, updated_at, owner_id)
           VALUES (1, 'Bench', 'bench', 'Ödeby', '', '', '', '', '', '', 'published', now(), now(), 1)"""
    )
    cursor.execute(
        """INSERT INTO pools_pool (id, title, slug, description, kind, points_per_krona_month, opens_on, closes_on,
                                   funding_rule, currency, status, bankgiro, member_bank, payment_instructions,
                                   created_at, updated_at, project_id, target_ore, minimum_ore)
           SELECT g, 'Pool ' || g, 'pool-' || g, '', CASE WHEN g %% 4 = 0 THEN 'fair' ELSE 'support_saving' END, 1,
                  current_date - 30, current_date + 30, 'keep_what_you_raise', 'SEK', 'open', '', '', '',
                  now(), now(), 1, 100000000, CASE WHEN g %% 2 = 0 THEN 50000000 END
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
        """INSERT INTO pools_paymentallocation (id, amount_ore, created_at, note, payment_id, pledge_id, pool_id)
           SELECT rn, 5000, now(), '', rn, id, pool_id
           FROM (SELECT id, pool_id, row_number() OVER (ORDER BY id) AS rn FROM pools_pledge
                 WHERE kind <> 'time' AND id %% 3 = 0) p
           WHERE rn <= %s""",
        [matches],
    )


def _seeded(url: str, database: str) -> bool:
    """True when `database` exists and holds the full seed (1,000,000 pledges)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return False
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/" + database, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM public.pools_pledge").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0] == 1_000_000)


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _describe(name: str, samples: list[float], unit: float = 1000, label: str = "ms") -> str:
    return (
        f"{name:<34} median {statistics.median(samples) * unit:9.2f} {label}"
        f"   spread {min(samples) * unit:9.2f} - {max(samples) * unit:9.2f} {label}   (n={len(samples)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database", default="lk_workers_bench")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--recomputes-per-round", type=int, default=40)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's seeded database")
    args = parser.parse_args()
    if args.rounds < 5:
        parser.error("at least 5 rounds")

    host_part = args.admin_url.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{host_part}/{args.database}"
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))

    reuse = args.reuse and _seeded(args.admin_url, args.database)
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
            _seed(cursor, pools=10_000, per_pool=100, savers=20_000, matches=300_000)
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

    def use(schema: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"SET search_path TO {schema}")

    def raw_sum() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pool_id, SUM(amount_ore) FROM pools_pledge GROUP BY pool_id")
            cursor.fetchall()

    summary: dict[str, object] = {}

    def reconcile() -> None:
        summary.update(pool_totals_reconcile())

    use("public")
    reconcile()  # first pass creates and fills every totals row; later passes are the steady state
    raw_sum()
    print(f"reconciliation batch size {settings.TOTALS_RECONCILE_BATCH_SIZE} pools", flush=True)

    big_pools = list(range(1, 10_001, 10_000 // args.recomputes_per_round))[: args.recomputes_per_round]
    small_pools = list(range(1, 101))[: args.recomputes_per_round]

    def recompute_round(schema: str, pool_ids: list[int]) -> list[float]:
        use(schema)
        return [_timed(partial(recompute, pool_id=pk)) for pk in pool_ids]

    recompute_round("public", big_pools)
    recompute_round("small", small_pools)

    raw: list[float] = []
    full: list[float] = []
    big: list[float] = []
    small: list[float] = []
    for round_no in range(args.rounds):
        use("public")
        # Alternate which of each pair goes first, so neither always runs on a warmer cache.
        pair = [("raw", raw_sum, raw), ("full", reconcile, full)]
        for _name, fn, samples in pair if round_no % 2 == 0 else reversed(pair):
            samples.append(_timed(fn))
        rounds = [("public", big_pools, big), ("small", small_pools, small)]
        for schema, pool_ids, samples in rounds if round_no % 2 == 0 else reversed(rounds):
            samples.append(statistics.median(recompute_round(schema, pool_ids)))
        print(
            f"round {round_no + 1}: raw {raw[-1] * 1000:.1f} ms, reconcile {full[-1] * 1000:.1f} ms, "
            f"recompute@1M {big[-1] * 1000:.2f} ms, recompute@10k {small[-1] * 1000:.2f} ms",
            flush=True,
        )
    use("public")

    print()
    print(_describe("raw SUM ... GROUP BY (1M pledges)", raw))
    print(_describe("full reconciliation (10k pools)", full))
    print(_describe("incremental recompute @ 1M", big))
    print(_describe("incremental recompute @ 10k", small))
    full_ratio = statistics.median(full) / statistics.median(raw)
    inc_ratio = statistics.median(big) / statistics.median(small)
    print()
    print(
        f"reconcile / raw SUM        = {full_ratio:.2f}   (goal <= 1.5)   corrected last pass: {summary['corrected']}"
    )
    print(f"recompute 1M / recompute 10k = {inc_ratio:.2f}   (goal <= 1.3)")


if __name__ == "__main__":
    main()
