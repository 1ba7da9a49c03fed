"""Treasurer reports on PostgreSQL at 1,000,000 pledges: each report kind vs a hand-written SQL floor,
the CSV and Excel exports of the pledge and ledger reports vs `COPY (the same query) TO STDOUT`, and the
summary PDF.

Seeds its own database (default lk_reports_bench) with bulk SQL: 1,000,000 pledges in 10,000 pools
(every fifth pool a micro-fund's capital, every fourth a fair pool), 20,000 savers and 300,000
payments matched to pledges, all spread over the last two years (pledges recorded up to 730 days ago,
payments received up to 90 days after their pledge, some withdrawals). --reuse keeps an earlier
seed. Then for each report kind it times the report as of a past date and for a period, alternating
with the floor (A B A B ...), and prints

  report <kind> <as-of|period>: <ms> ms, floor <ms> ms, ratio <x>

The floor is the same aggregation written by hand: one statement with the same as-of conditions that
sums pledged, received and outstanding per group (per pool, saver, fund, kind; per pledge or payment
for the pledge and ledger pages; the ledger's floor also counts its rows, as its page does). The report
pages time building the report for one page of rows (totals over all rows). Exports time streaming
every row as CSV and as Excel, alternating with the COPY:

  export <pledges|ledger> <csv|xlsx>: <ms> ms, COPY <ms> ms, ratio <x>

with the file size, the largest chunk and the process's resident memory (now and peak) after each Excel
export: a flat peak shows the export streams. The summary PDF (the overview report) prints its statement
and render times. The load average is printed on every line: on a shared machine the figures are upper
bounds.

Usage: .venv/bin/python bench/reports.py [--rounds 3] [--database lk_reports_bench] [--reuse] [--kinds a,b]
       [--no-exports] [--export-rounds 3] [--xlsx pledges,ledger] [--no-pdf]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
KINDS = ("overview", "pools", "pool", "savers", "fairs", "funds", "pledges", "ledger")


def _admin(url: str, database: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')


def _seeded(url: str, database: str) -> bool:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return False
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/" + database, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM pools_pledge").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0] == 1_000_000)


def _seed(
    cursor: Any, *, pools: int = 10_000, per_pool: int = 100, savers: int = 20_000, matches: int = 300_000
) -> None:
    """Bulk rows with two years of history; ids are fixed so a reseed gives the same data."""
    pledges = pools * per_pool

    def filled(table: str) -> bool:
        """A step an interrupted seed already finished (each step is one statement, committed)."""
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")
        return bool(cursor.fetchone()[0])

    if filled("pools_paymentallocation"):
        return
    if not filled("pools_pledge"):
        _seed_pledges(cursor, pools=pools, pledges=pledges, savers=savers)
    if not filled("pools_payment"):
        _seed_payments(cursor, matches=matches)
    for table in (
        "accounts_user",
        "invest_microfund",
        "pools_pool",
        "pools_pledge",
        "pools_payment",
        "pools_paymentallocation",
    ):
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")


def _seed_pledges(cursor: Any, *, pools: int, pledges: int, savers: int) -> None:
    from bench.seed import ensure_community  # noqa: PLC0415 - the script puts the repository on sys.path first

    ensure_community(cursor)
    cursor.execute(
        """INSERT INTO accounts_user (id, password, is_superuser, email, full_name, phone, language, personnummer,
                                      is_active, is_staff, date_joined, erasure_reason, refund_iban, pending_email)
           SELECT g, '!', false, 'saver' || g || '@bench.local', 'Sparare ' || g, '', 'sv', '', true, false, now(),
                  '', '', ''
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
        """INSERT INTO invest_microfund (id, name, slug, description, organisation_number, bankgiro, swish_number,
                                         organiser_id, created_at, community_id)
           SELECT g, 'Mikrofond ' || g, 'mikrofond-' || g, '', '', '', '', 1, now() - interval '800 days',
                  (SELECT MIN(id) FROM communities_community)
           FROM generate_series(1, 10) g"""
    )
    cursor.execute(
        """INSERT INTO pools_pool (id, title, slug, description, kind, points_per_krona_month, opens_on, closes_on,
                                   funding_rule, currency, status, bankgiro, member_bank, payment_instructions,
                                   created_at, updated_at, project_id, micro_fund_id, target_ore, minimum_ore,
                                   community_id)
           SELECT g, 'Pool ' || g, 'pool-' || g, '',
                  CASE WHEN g %% 5 = 0 THEN 'fund_capital' WHEN g %% 4 = 0 THEN 'fair' ELSE 'support_saving' END, 1,
                  current_date - 800, current_date + 30, 'keep_what_you_raise', 'SEK', 'open', '', '', '',
                  now() - interval '800 days', now(),
                  CASE WHEN g %% 5 = 0 THEN NULL ELSE 1 END, CASE WHEN g %% 5 = 0 THEN 1 + g %% 10 END,
                  100000000, CASE WHEN g %% 2 = 0 THEN 50000000 END, (SELECT MIN(id) FROM communities_community)
           FROM generate_series(1, %s) g""",
        [pools],
    )
    # Pledge g goes to pool 1 + g % pools and was recorded (g * 37) % 730 days ago; every twentieth is withdrawn
    # ten days later; monthly support saving starts a week after the pledge, lump sums are due in 30 days.
    cursor.execute(
        """INSERT INTO pools_pledge (id, pool_id, saver_id, kind, source, status, amount_ore, monthly_ore, months,
                                     term_months, ocr_reference, description, quantity, unit, contact_name,
                                     contact_email, contact_phone, is_name_public, may_contact, created_at, updated_at,
                                     starts_on, due_on, withdrawn_at)
           SELECT g, 1 + g %% %(pools)s, CASE WHEN g %% 50 = 7 THEN NULL ELSE 1 + (g::bigint * 7919) %% %(savers)s END,
                  k.kind, CASE WHEN g %% 50 = 7 THEN 'fair_card' ELSE 'online' END,
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
                  CASE WHEN g %% 50 = 7 THEN 'Kort ' || (g %% 997) ELSE '' END,
                  '', '', false, true, k.created_at, k.created_at,
                  CASE WHEN k.monthly THEN CAST(k.created_at AS date) + 7 END,
                  CASE WHEN NOT k.monthly AND g %% 7 <> 0 THEN CAST(k.created_at AS date) + 30 END,
                  CASE WHEN g %% 20 = 0 THEN k.created_at + interval '10 days' END
           FROM generate_series(1, %(pledges)s) g,
                LATERAL (SELECT CASE WHEN g %% 10 = 0 THEN 'time' WHEN g %% 10 = 1 THEN 'gift'
                                     ELSE 'support_saving' END AS kind,
                                g %% 10 > 1 AND g %% 3 = 0 AS monthly,
                                now() - ((g::bigint * 37) %% 730) * interval '1 day'
                                      - (g %% 24) * interval '1 hour' AS created_at) k""",
        {"pools": pools, "savers": savers, "pledges": pledges},
    )


def _seed_payments(cursor: Any, *, matches: int) -> None:
    # Payments arrive up to 90 days after their pledge (never in the future) and are matched the next day.
    matched = """SELECT id, pool_id, row_number() OVER (ORDER BY id) AS rn,
                        LEAST(CAST(created_at AS date) + CAST(id %% 90 AS integer), current_date) AS received_on
                 FROM pools_pledge WHERE kind <> 'time' AND id %% 3 = 0"""
    cursor.execute(
        f"""INSERT INTO pools_payment (id, amount_ore, received_on, channel, reference, payer_name, payer_account,
                                       bank_reference, status, note, created_at)
            SELECT rn, 5000 + id %% 7 * 1000, received_on, 'manual', lpad(id::text, 12, '0'), 'Betalare ' || rn, '',
                   '', 'matched', '', LEAST(received_on + interval '1 day 3 hours', now())
            FROM ({matched}) p WHERE rn <= %s""",
        [matches],
    )
    cursor.execute(
        f"""INSERT INTO pools_paymentallocation (id, amount_ore, created_at, received_on, note, payment_id, pledge_id,
                                                 pool_id)
            SELECT rn, 5000 + id %% 7 * 1000, LEAST(received_on + interval '1 day 3 hours', now()), received_on, '', rn,
                   id, pool_id
            FROM ({matched}) p WHERE rn <= %s""",
        [matches],
    )


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def _rss_mb() -> str:
    """This process's resident memory now and at its peak (Linux), for the exports' flat memory."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    now, peak = (int(fields[key].split()[0]) // 1024 for key in ("VmRSS", "VmHWM"))
    return f"{now} MB, peak {peak} MB"


def _timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


FLOOR_GROUPS = {
    "overview": "po.kind",
    "pools": "po.id",
    "pool": "pl.id",
    "savers": "pl.saver_id, CASE WHEN pl.saver_id IS NULL THEN LOWER(pl.contact_name) END",
    "fairs": "po.id",
    "funds": "po.micro_fund_id",
    "pledges": "pl.id",
}


def _floor_sql(kind: str, *, period: bool) -> str:
    """The hand-written floor: pledged, received and outstanding per group with the report's as-of rules."""
    if kind == "ledger":
        received = " AND pay.received_on >= %(date_from)s AND pay.received_on <= %(date_to)s" if period else ""
        return f"""
            SELECT pay.id, pay.received_on, pay.amount_ore, COALESCE(a.t, 0), pay.channel, pay.reference,
                   pay.payer_name,
                   (SELECT COUNT(*) FROM pools_payment pay
                    WHERE pay.created_at < %(cutoff)s AND pay.received_on <= %(as_of)s{received}) AS row_count
            FROM pools_payment pay
            LEFT JOIN (SELECT payment_id, SUM(amount_ore) AS t FROM pools_paymentallocation
                       WHERE created_at < %(cutoff)s GROUP BY payment_id) a ON a.payment_id = pay.id
            WHERE pay.created_at < %(cutoff)s AND pay.received_on <= %(as_of)s{received}
            ORDER BY pay.id LIMIT 100"""
    where = {
        "fairs": " AND po.kind = 'fair'",
        "funds": " AND po.micro_fund_id IS NOT NULL",
        "pool": " AND pl.pool_id = %(pool_id)s",
    }.get(kind, "")
    in_period = "pay.received_on >= %(date_from)s AND pay.received_on <= %(date_to)s" if period else "TRUE"
    created = (
        "CAST(pl.created_at AT TIME ZONE 'Europe/Stockholm' AS date) BETWEEN %(date_from)s AND %(date_to)s"
        if period
        else "TRUE"
    )
    limit = " ORDER BY 1 LIMIT 100" if kind == "pledges" else ""
    return f"""
        SELECT {FLOOR_GROUPS[kind]},
               SUM(CASE WHEN pl.withdrawn_at IS NULL OR pl.withdrawn_at >= %(cutoff)s THEN
                        CASE WHEN {created} THEN pl.amount_ore ELSE 0 END ELSE 0 END),
               SUM(COALESCE(r.period, 0)),
               SUM(CASE WHEN pl.withdrawn_at IS NULL OR pl.withdrawn_at >= %(cutoff)s
                        THEN GREATEST(pl.amount_ore - COALESCE(r.total, 0), 0) ELSE 0 END)
        FROM pools_pledge pl JOIN pools_pool po ON po.id = pl.pool_id
        LEFT JOIN (SELECT a.pledge_id, SUM(a.amount_ore) AS total,
                          SUM(CASE WHEN {in_period} THEN a.amount_ore ELSE 0 END) AS period
                   FROM pools_paymentallocation a JOIN pools_payment pay ON pay.id = a.payment_id
                   WHERE a.created_at < %(cutoff)s AND pay.received_on <= %(as_of)s
                   GROUP BY a.pledge_id) r ON r.pledge_id = pl.id
        WHERE pl.created_at < %(cutoff)s AND pl.kind <> 'time'{where}
        GROUP BY {FLOOR_GROUPS[kind]}{limit}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database", default="lk_reports_bench")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's seeded database")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--no-exports", action="store_true")
    parser.add_argument("--export-rounds", type=int, default=3)
    parser.add_argument("--xlsx", default="pledges,ledger", help="the exports also timed as Excel (comma-separated)")
    parser.add_argument("--no-pdf", action="store_true", help="skip timing the summary PDF")
    parser.add_argument("--resume", action="store_true", help="finish an interrupted seed instead of starting anew")
    args = parser.parse_args()

    host_part = args.admin_url.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{host_part}/{args.database}"
    os.environ["DJANGO_ENV"] = "test"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    print(f"load average before: {_load()}", flush=True)

    reuse = args.reuse and _seeded(args.admin_url, args.database)
    if not reuse and not args.resume:
        print(f"creating {args.database} ...", flush=True)
        _admin(args.admin_url, args.database)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from treasury import report_sql
    from treasury.exports import report_csv_chunks, report_pdf
    from treasury.reports import report_build, report_page, report_params
    from treasury.xlsx import report_xlsx_chunks

    call_command("migrate", verbosity=0)
    if reuse:
        print(f"reusing the seeded {args.database}", flush=True)
    else:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            _seed(cursor)
            for table in ("pools_pool", "pools_pledge", "pools_payment", "pools_paymentallocation"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        print(f"seeded 1,000,000 pledges in {time.perf_counter() - started:.1f}s", flush=True)

    today = date.today()
    as_of = today - timedelta(days=120)
    variants = {
        "as-of": report_params(as_of=as_of, date_from=None, date_to=None),
        "period": report_params(
            as_of=today, date_from=today - timedelta(days=365), date_to=today - timedelta(days=183)
        ),
    }
    pool_id = 1234
    for kind in [k for k in args.kinds.split(",") if k]:
        for variant, params in variants.items():
            values = {
                "as_of": params.as_of,
                "cutoff": params.cutoff,
                "date_from": params.date_from,
                "date_to": params.date_to,
                "pool_id": pool_id,
            }
            floor_sql = _floor_sql(kind, period=variant == "period")

            def report(kind: str = kind, params: Any = params) -> None:
                built = report_build(
                    kind=kind, params=params, pool_id=pool_id if kind == "pool" else None, page=report_page(number=1)
                )
                list(built.rows)

            def floor(floor_sql: str = floor_sql, values: dict[str, Any] = values, tuned: bool = False) -> None:
                with transaction.atomic(), connection.cursor() as cursor:
                    if tuned:
                        report_sql.tune_transaction(cursor)
                    cursor.execute(floor_sql, values)
                    cursor.fetchall()

            # The floor runs both with the server's defaults and with the report's settings (work_mem, no JIT);
            # the faster of the two is the floor.
            samples: dict[str, list[float]] = {"report": [], "floor": [], "floor_tuned": []}
            for _ in range(args.rounds):
                samples["report"].append(_timed(report))
                samples["floor"].append(_timed(floor))
                samples["floor_tuned"].append(_timed(functools.partial(floor, tuned=True)))
            ms = statistics.median(samples["report"]) * 1000
            plain_ms = statistics.median(samples["floor"]) * 1000
            tuned_ms = statistics.median(samples["floor_tuned"]) * 1000
            floor_ms = min(plain_ms, tuned_ms)
            spread = f"{min(samples['report']) * 1000:.0f}-{max(samples['report']) * 1000:.0f}"
            print(
                f"report {kind} {variant}: {ms:.0f} ms, floor {floor_ms:.0f} ms, ratio {ms / floor_ms:.2f}"
                f"  (report {spread} ms; floor default {plain_ms:.0f} ms, tuned {tuned_ms:.0f} ms; load {_load()})",
                flush=True,
            )

    if not args.no_exports:
        params = variants["as-of"]
        values = report_sql.query_params(
            as_of=params.as_of,
            cutoff=params.cutoff,
            date_from=None,
            date_to=None,
            only=report_sql.PledgeFilter(),
        )
        pledge_statement = report_sql.pledge_rows_sql(date_from=None, date_to=None, only=report_sql.PledgeFilter())

        def copy_pledges() -> None:
            raw = connection.connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f"COPY ({pledge_statement}) TO STDOUT", report_sql.expand_lists(values)) as copy,
            ):
                for _chunk in copy:
                    pass

        def csv_of(kind: str) -> Callable[[], None]:
            def run() -> None:
                rows = 0
                for chunk in report_csv_chunks(report_build(kind=kind, params=params)):
                    rows += chunk.count(b"\n")
                print(f"  ({kind} CSV: {rows - 1:,} rows)", flush=True)

            return run

        def xlsx_of(kind: str) -> Callable[[], None]:
            def run() -> None:
                size = biggest = 0
                for chunk in report_xlsx_chunks(report_build(kind=kind, params=params)):
                    size += len(chunk)
                    biggest = max(biggest, len(chunk))
                print(
                    f"  ({kind} Excel: {size / 1e6:.1f} MB file, largest chunk {biggest // 1024} KiB, "
                    f"resident {_rss_mb()})",
                    flush=True,
                )

            return run

        def copy_ledger() -> None:
            raw = connection.connection
            with (
                raw.cursor() as cursor,
                cursor.copy(
                    f"COPY ({_ledger_copy_sql()}) TO STDOUT", {"cutoff": params.cutoff, "as_of": params.as_of}
                ) as copy,
            ):
                for _chunk in copy:
                    pass

        connection.ensure_connection()
        print(f"  (resident before the exports: {_rss_mb()})", flush=True)
        for name, copy in (("pledges", copy_pledges), ("ledger", copy_ledger)):
            formats = [("csv", csv_of(name))]
            if name in args.xlsx.split(","):
                formats.append(("xlsx", xlsx_of(name)))
            for export_format, export in formats:
                # Alternating: export, COPY, export, COPY ...
                export_samples, copy_samples = [], []
                for _ in range(args.export_rounds):
                    export_samples.append(_timed(export))
                    copy_samples.append(_timed(copy))
                export_s, copy_s = statistics.median(export_samples), statistics.median(copy_samples)
                print(
                    f"export {name} {export_format}: {export_s * 1000:.0f} ms, COPY {copy_s * 1000:.0f} ms, "
                    f"ratio {export_s / copy_s:.2f}  (export {min(export_samples) * 1000:.0f}-"
                    f"{max(export_samples) * 1000:.0f} ms; load {_load()})",
                    flush=True,
                )

    if not args.no_pdf:
        # The summary PDF: the overview report (its statement) and the WeasyPrint render, timed apart.
        pdf_params = variants["as-of"]
        for _ in range(args.rounds):
            started = time.perf_counter()
            built = report_build(kind="overview", params=pdf_params)
            build_s = time.perf_counter() - started
            pdf = report_pdf(built, language="sv")
            total_s = time.perf_counter() - started
            print(
                f"pdf overview: {total_s * 1000:.0f} ms (statement {build_s * 1000:.0f} ms, "
                f"render {(total_s - build_s) * 1000:.0f} ms, {len(pdf) // 1024} KiB; load {_load()})",
                flush=True,
            )
    print(f"load average after: {_load()}", flush=True)


def _ledger_copy_sql() -> str:
    """The ledger export's statement (every payment by the day with what was matched by then), by hand."""
    return """
        SELECT pay.id, pay.received_on, pay.amount_ore,
               COALESCE((SELECT SUM(a.amount_ore) FROM pools_paymentallocation a
                         WHERE a.payment_id = pay.id AND a.created_at < %(cutoff)s), 0),
               pay.channel, pay.reference, pay.payer_name
        FROM pools_payment pay
        WHERE pay.created_at < %(cutoff)s AND pay.received_on <= %(as_of)s
        ORDER BY pay.id"""


if __name__ == "__main__":
    main()
