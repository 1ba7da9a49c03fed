"""National scale on PostgreSQL: the public and saver pages and a treasurer's report with many communities.

Seeds its own database (default lk_scale_bench) with bulk SQL (generate_series, fixed ids, so --reuse keeps an
earlier seed of the same size): --communities communities (default 200) with one project and --pools-per-community
open pools each (default 10), --savers savers (default 100,000), --pledges pledges (default 2,000,000, spread over
every pool and the last two years) and one payment matched to every third money pledge (600,000 at the default
size). One more saver has 50 pledges in pools of 10 communities; one treasurer holds the treasurer role in the
first community. A second database (<database>_alone) gets the same rows of that first community only (the same
generator with a filter: same ids, same figures).

Then, through Django's test client in this process (the full middleware stack, DEBUG off as in production), it
alternates each page with two views of bench/views.py under /bench/scale/:

- the bare baseline, "as in bench/api.py" (the issue's words): the page's own selectors for its rows (the same ORM
  queries: same rows, same indexes, same settings), rendered with a minimal template; page / bare is what the page
  adds on top of finding its rows (templates, forms, its hooks' lookups). The goal is read against it.
- the raw-SQL floor: the page's essential rows as hand-written SQL through a cursor, the same minimal template (the
  database alone; until 7 December 2026 this was the bench's only baseline). Printed beside it for reference.

  national front page   /pools/                              vs sel/pools/
  community page        /c/<slug>/                           vs sel/c/<slug>/
  pool page             /pools/<id>/                         vs sel/pools/<id>/
  My pledges            /my/pledges/ (50 pledges, 10 comm.)  vs sel/my/pledges/
  treasurer's report    /treasury/reports/overview/?as_of=   vs sel/treasury/overview/?as_of=
  (each under /bench/scale/; the floor is the same path without sel/)

and prints p50 and p95 over every request of every round, the ratio page/bare, the queries each side makes and the
time each spends in the database, the same for the floor, with the load average. Last, the treasurer's as-of report
of the first community: in the national database vs in <database>_alone (same page, same client).

Goals: every page's p95 <= 1.3 x its bare baseline; each page's query count the same whatever the number of
communities (tests/communities/test_query_counts.py checks 2 vs 8 communities); the report at the full national
size <= 1.2 x the same report with its community alone in the database.

The machine is shared: read the ratios (both sides of a pair run alternately, under the same load), not the
absolute times.

Usage: .venv/bin/python bench/scale.py [--small] [--reuse] [--rounds 5] [--requests 40] [--database lk_scale_bench]
       [--communities 200] [--pools-per-community 10] [--savers 100000] [--pledges 2000000] [--admin-url URL]
       [--seed-only]
--small seeds 20 communities, 2,000 savers and 40,000 pledges (a quick check).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
COMMUNITY_BASE = 1000  # community i (1..C) has id COMMUNITY_BASE + i; a migrated database already has one
SPECIAL_PLEDGES = 50  # the My pledges saver's pledges: the last 50 pledge ids
SPECIAL_COMMUNITIES = 10
SAVER_EMAIL = "scale.saver@example.se"
TREASURER_EMAIL = "scale.treasurer@example.se"
OWNER_EMAIL = "scale.owner@example.se"
TABLES = (
    "communities_community",
    "accounts_user",
    "invest_project",
    "pools_pool",
    "pools_pledge",
    "pools_payment",
    "pools_paymentallocation",
    "pools_pooltotals",
)


@dataclass(frozen=True)
class Size:
    communities: int = 200
    pools_per_community: int = 10
    savers: int = 100_000
    pledges: int = 2_000_000

    @property
    def pools(self) -> int:
        return self.communities * self.pools_per_community

    def params(self, only: int | None) -> dict[str, int]:
        return {
            "base": COMMUNITY_BASE,
            "C": self.communities,
            "per": self.pools_per_community,
            "P": self.pools,
            "S": self.savers,
            "N": self.pledges,
            "K": SPECIAL_PLEDGES,
            "KC": SPECIAL_COMMUNITIES,
            # -1: every community; otherwise the index (0-based) of the one community to seed
            "only": -1 if only is None else only,
        }


SMALL = Size(communities=20, pools_per_community=10, savers=2_000, pledges=40_000)

# Pledge g (1..N) goes to pool 1 + g % P (a community's pledges are spread over the whole table), except the last K,
# which belong to the special saver: pledge k = g - (N - K) - 1 (0..K-1) goes to a pool of community k % KC.
_POOL_OF_G = """CASE WHEN g > %(N)s - %(K)s
                     THEN ((g - (%(N)s - %(K)s) - 1) %% %(KC)s) * %(per)s
                          + 1 + ((g - (%(N)s - %(K)s) - 1) / %(KC)s) %% %(per)s
                     ELSE 1 + g %% %(P)s END"""
_SAVER_OF_G = """CASE WHEN g > %(N)s - %(K)s THEN %(S)s + 1
                      WHEN g %% 50 = 7 THEN NULL
                      ELSE 1 + (g::bigint * 7919) %% %(S)s END"""
_KEEP_POOL = "(%(only)s < 0 OR (p.pool_id - 1) / %(per)s = %(only)s)"


def _seed(cursor: Any, size: Size, *, only: int | None = None) -> None:
    """Bulk rows (fixed ids: a reseed gives the same data). `only`: seed the rows of that community alone."""
    params = size.params(only)
    cursor.execute(
        """INSERT INTO communities_community (id, name, slug, kind, organisation_number, bankgiro, plusgiro, iban,
                                              swish_number, payout_bankgiro, payout_bic, default_language,
                                              contact_name, contact_email, contact_phone, municipality, region, logo,
                                              colour, created_at)
           SELECT %(base)s + i, 'Ort ' || i, 'ort-' || i, 'village', '', '', '', '', '', '', '', 'sv', '', '', '',
                  'Kommun ' || (1 + i %% 290), 'Län ' || (1 + i %% 21), '', '#2f6f4e', now() - interval '900 days'
           FROM generate_series(1, %(C)s) i
           WHERE %(only)s < 0 OR i - 1 = %(only)s""",
        params,
    )
    # Three named users: the saver with pledges in ten communities, the treasurer, the projects' owner.
    cursor.execute(
        """INSERT INTO accounts_user (id, password, is_superuser, email, full_name, phone, language, personnummer,
                                      is_active, is_staff, date_joined, erasure_reason, refund_iban, pending_email)
           SELECT %(S)s + n, '!', false, e, initcap(split_part(e, '@', 1)), '', 'sv', '', true, false,
                  now() - interval '900 days', '', '', ''
           FROM unnest(ARRAY[%(saver)s, %(treasurer)s, %(owner)s]) WITH ORDINALITY AS u(e, n)""",
        {**params, "saver": SAVER_EMAIL, "treasurer": TREASURER_EMAIL, "owner": OWNER_EMAIL},
    )
    cursor.execute(
        """INSERT INTO invest_project (id, name, slug, place, summary, description, organisation_number, website,
                                       contact_email, swish_number, status, created_at, updated_at, owner_id,
                                       community_id)
           SELECT i, 'Projekt ' || i, 'projekt-' || i, 'Ort ' || i, 'Byns projekt', '', '', '', '', '', 'published',
                  now() - interval '900 days', now(), %(S)s + 3, %(base)s + i
           FROM generate_series(1, %(C)s) i
           WHERE %(only)s < 0 OR i - 1 = %(only)s""",
        params,
    )
    cursor.execute(
        """INSERT INTO pools_pool (id, title, slug, description, kind, points_per_krona_month, opens_on, closes_on,
                                   funding_rule, currency, status, bankgiro, member_bank, payment_instructions,
                                   created_at, updated_at, project_id, target_ore, minimum_ore, community_id)
           SELECT p.pool_id, 'Pool ' || p.pool_id, 'pool-' || p.pool_id, 'Pengar till byn',
                  CASE WHEN p.pool_id %% 4 = 0 THEN 'fair' ELSE 'support_saving' END, 1,
                  current_date - 800, current_date + 1 + p.pool_id %% 90, 'keep_what_you_raise', 'SEK', 'open', '',
                  '', '', now() - interval '800 days', now(), 1 + (p.pool_id - 1) / %(per)s, 1000000000,
                  CASE WHEN p.pool_id %% 2 = 0 THEN 50000000 END, %(base)s + 1 + (p.pool_id - 1) / %(per)s
           FROM generate_series(1, %(P)s) AS p(pool_id)
           WHERE """
        + _KEEP_POOL,
        params,
    )
    # The savers (before their pledges: the foreign keys are checked at each statement's commit): every one in the
    # national database, those with a pledge in the community alone.
    cursor.execute(
        """INSERT INTO accounts_user (id, password, is_superuser, email, full_name, phone, language, personnummer,
                                      is_active, is_staff, date_joined, erasure_reason, refund_iban, pending_email)
           SELECT u, '!', false, 'saver' || u || '@scale.local', 'Sparare ' || u, '', 'sv', '', true, false,
                  now() - interval '900 days', '', '', ''
           FROM generate_series(1, %(S)s) u
           WHERE %(only)s < 0 OR u IN (
               SELECT s.saver_id FROM generate_series(1, %(N)s) g,
                      LATERAL (SELECT """
        + _POOL_OF_G
        + """ AS pool_id) p,
                      LATERAL (SELECT """
        + _SAVER_OF_G
        + """ AS saver_id) s
               WHERE """
        + _KEEP_POOL
        + """)""",
        params,
    )
    # As bench/reports.py: recorded (g * 37) % 730 days ago; every twentieth withdrawn ten days later; monthly
    # support saving starts a week after the pledge, lump sums are due in 30 days; every fiftieth a fair card.
    cursor.execute(
        """INSERT INTO pools_pledge (id, pool_id, saver_id, kind, source, status, amount_ore, monthly_ore, months,
                                     term_months, ocr_reference, description, quantity, unit, contact_name,
                                     contact_email, contact_phone, is_name_public, may_contact, created_at, updated_at,
                                     starts_on, due_on, withdrawn_at)
           SELECT g, p.pool_id, s.saver_id,
                  k.kind, CASE WHEN s.saver_id IS NULL THEN 'fair_card' ELSE 'online' END,
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
                  CASE WHEN s.saver_id IS NULL THEN 'Kort ' || (g %% 997) ELSE '' END,
                  '', '', false, true, k.created_at, k.created_at,
                  CASE WHEN k.monthly THEN CAST(k.created_at AS date) + 7 END,
                  CASE WHEN NOT k.monthly AND g %% 7 <> 0 THEN CAST(k.created_at AS date) + 30 END,
                  CASE WHEN g %% 20 = 0 THEN k.created_at + interval '10 days' END
           FROM generate_series(1, %(N)s) g,
                LATERAL (SELECT """
        + _POOL_OF_G
        + """ AS pool_id) p,
                LATERAL (SELECT """
        + _SAVER_OF_G
        + """ AS saver_id) s,
                LATERAL (SELECT CASE WHEN g %% 10 = 0 THEN 'time' WHEN g %% 10 = 1 THEN 'gift'
                                     ELSE 'support_saving' END AS kind,
                                g %% 10 > 1 AND g %% 3 = 0 AS monthly,
                                now() - ((g::bigint * 37) %% 730) * interval '1 day'
                                      - (g %% 24) * interval '1 hour' AS created_at) k
           WHERE """
        + _KEEP_POOL,
        params,
    )
    # One payment per money pledge whose id is a multiple of 3 (payment and match ids = the pledge's id): received up
    # to 90 days after the pledge (never in the future), matched the next day.
    matched = """SELECT id, pool_id, LEAST(CAST(created_at AS date) + CAST(id %% 90 AS integer), current_date)
                        AS received_on
                 FROM pools_pledge WHERE kind <> 'time' AND id %% 3 = 0"""
    cursor.execute(
        f"""INSERT INTO pools_payment (id, amount_ore, received_on, channel, reference, payer_name, payer_account,
                                       bank_reference, status, note, created_at)
            SELECT id, 5000 + id %% 7 * 1000, received_on, 'manual', lpad(id::text, 12, '0'), 'Betalare ' || id, '',
                   '', 'matched', '', LEAST(received_on + interval '1 day 3 hours', now())
            FROM ({matched}) p""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO pools_paymentallocation (id, amount_ore, created_at, received_on, note, payment_id, pledge_id,
                                                 pool_id)
            SELECT id, 5000 + id %% 7 * 1000, LEAST(received_on + interval '1 day 3 hours', now()), received_on, '', id,
                   id, pool_id
            FROM ({matched}) p""",
        params,
    )
    for table in TABLES[:-1]:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(max(id), 1) FROM {table}))"
        )


def seed_people(size: Size, *, only: int | None = None) -> None:
    """Roles (groups), the treasurer's membership of the first community and two-factor; the totals rows."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import user_set_roles
    from communities.models import Community, MembershipRole
    from communities.services import membership_grant
    from pools.totals import pool_totals_reconcile

    saver = User.objects.get(email=SAVER_EMAIL)
    treasurer = User.objects.get(email=TREASURER_EMAIL)
    owner = User.objects.get(email=OWNER_EMAIL)
    user_set_roles(user=saver, roles=(Role.SAVER,))
    user_set_roles(user=treasurer, roles=(Role.TREASURER,))
    user_set_roles(user=owner, roles=(Role.SAVER, Role.PROJECT_OWNER))
    membership_grant(
        user=treasurer, community=Community.objects.get(pk=COMMUNITY_BASE + 1), role=MembershipRole.TREASURER
    )
    if not TOTPDevice.objects.filter(user=treasurer, confirmed=True).exists():
        TOTPDevice.objects.create(user=treasurer, name="bench", confirmed=True)
    pool_totals_reconcile()


def _admin(url: str, database: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}"')
        conn.execute(f'CREATE DATABASE "{database}"')


def _marker(size: Size, only: int | None) -> str:
    return f"{size} only={only}"


def _seeded(url: str, database: str, size: Size, *, only: int | None) -> bool:
    """True when `database` holds a finished seed of this size (the marker table is written last)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
            return False
    try:
        with psycopg.connect(url.rsplit("/", 1)[0] + "/" + database, autocommit=True) as conn:
            row = conn.execute("SELECT seed FROM bench_scale_seed").fetchone()
    except psycopg.Error:
        return False
    return bool(row and row[0] == _marker(size, only))


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} ({os.cpu_count()} CPUs)"


def _use_database(url: str) -> None:
    """Point Django's default connection at another database (the alone one) for the rest of the run."""
    from django.db import connection

    connection.close()
    if hasattr(connection, "close_pool"):  # the psycopg pool (settings: DATABASE_POOL) holds the old database's
        connection.close_pool()
    name = url.rsplit("/", 1)[1]
    connection.settings_dict["NAME"] = name


def prepare(admin_url: str, database: str, size: Size, *, only: int | None, reuse: bool) -> None:
    """Create, migrate and seed `database` (or keep it when --reuse finds the same seed)."""
    from django.core.management import call_command
    from django.db import connection

    url = admin_url.rsplit("/", 1)[0] + "/" + database
    if reuse and _seeded(admin_url, database, size, only=only):
        print(f"reusing the seeded {database}", flush=True)
        _use_database(url)
        call_command("migrate", verbosity=0)
        return
    print(f"creating {database} ... ({_load()})", flush=True)
    _admin(admin_url, database)
    _use_database(url)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        _seed(cursor, size, only=only)
    print(f"  rows in {time.perf_counter() - started:.0f}s", flush=True)
    seed_people(size, only=only)
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("SELECT count(*) FROM pools_pledge")
        pledges = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM pools_payment")
        payments = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM communities_community")
        communities = cursor.fetchone()[0]
        cursor.execute("CREATE TABLE bench_scale_seed AS SELECT %s::text AS seed", [_marker(size, only)])
    print(
        f"  seeded {database}: {communities} communities, {pledges:,} pledges, {payments:,} payments"
        f" in {time.perf_counter() - started:.0f}s",
        flush=True,
    )


def _client(email: str | None) -> Any:
    """A test client, logged in as `email` (two-factor passed, as after entering a code) when given."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import User
    from accounts.twofactor import two_factor_required

    client = Client()
    if email is None:
        return client
    user = User.objects.get(email=email)
    client.force_login(user)
    if two_factor_required(user):
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.get(confirmed=True).persistent_id
        session.save()
    return client


@dataclass
class Pair:
    name: str
    client: Any
    page: str
    bare: str
    expect: str  # text the page must show: the rows are there
    page_ms: list[float]
    bare_ms: list[float]
    queries: tuple[int, int, int] = (0, 0, 0)
    sql_ms: tuple[float, float, float] = (0.0, 0.0, 0.0)
    floor_ms: list[float] = field(default_factory=list)

    @property
    def floor(self) -> str:
        """The raw-SQL view under the bare one (/bench/scale/... without sel/): the database alone."""
        return self.bare.replace("/bench/scale/sel/", "/bench/scale/")


def _get(client: Any, url: str) -> tuple[float, Any]:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url}: {response.status_code}")
    return elapsed, response


def _queries(client: Any, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        _get(client, url)
    return sum(1 for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT"))


def _sql_ms(client: Any, url: str, count: int) -> float:
    """The median time per request spent in the database (statements timed around the cursor), over `count`."""
    from django.db import connection

    spent: list[float] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[-1] += (time.perf_counter() - started) * 1000

    with connection.execute_wrapper(timed):
        for _ in range(count):
            spent.append(0.0)
            _get(client, url)
    return sorted(spent)[len(spent) // 2]


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def _run(client: Any, url: str, count: int) -> list[float]:
    return [_get(client, url)[0] for _ in range(count)]


def measure(args: argparse.Namespace, size: Size, *, national: str, alone: str) -> None:
    from django.utils import timezone

    as_of = (timezone.localdate() - timedelta(days=120)).isoformat()
    report_url = f"/treasury/reports/overview/?as_of={as_of}"
    saver, treasurer = _client(SAVER_EMAIL), _client(TREASURER_EMAIL)
    anonymous = _client(None)
    pool_id = size.pools_per_community + 1  # the first pool of the second community
    pairs = [
        Pair("national front page", anonymous, "/pools/", "/bench/scale/sel/pools/", "Pool ", [], []),
        Pair("community page", anonymous, "/c/ort-2/", "/bench/scale/sel/c/ort-2/", "Pool ", [], []),
        Pair(
            "pool page",
            anonymous,
            f"/pools/{pool_id}/",
            f"/bench/scale/sel/pools/{pool_id}/",
            f"Pool {pool_id}<",
            [],
            [],
        ),
        Pair("My pledges", saver, "/my/pledges/", "/bench/scale/sel/my/pledges/", "pledge-row", [], []),
        Pair(
            "treasurer's report",
            treasurer,
            report_url,
            f"/bench/scale/sel/treasury/overview/?as_of={as_of}",
            "Stödspar",  # the Swedish label of the support-saving pools' row (sv is the default language)
            [],
            [],
        ),
    ]
    only = {part for part in args.only.split(",") if part}
    keys = ("front", "community", "pool", "mine", "report")
    pairs = [pair for key, pair in zip(keys, pairs, strict=True) if not only or key in only]
    for pair in pairs:
        for _ in range(2):  # warm: templates, plans, caches
            _get(pair.client, pair.bare)
            _get(pair.client, pair.floor)
            _, response = _get(pair.client, pair.page)
        if pair.expect not in response.content.decode():
            raise SystemExit(f"{pair.page} does not show {pair.expect!r}")
        pair.queries = (
            _queries(pair.client, pair.page),
            _queries(pair.client, pair.bare),
            _queries(pair.client, pair.floor),
        )
    rows = saver.get("/my/pledges/").content.decode().count('class="pledge-row"')
    if rows != SPECIAL_PLEDGES:
        raise SystemExit(f"My pledges shows {rows} pledges, not {SPECIAL_PLEDGES}")

    print(f"measuring {args.rounds} rounds x {args.requests} requests per side: {_load()}", flush=True)
    for round_no in range(args.rounds):
        for pair in pairs:
            sides = [(pair.page, pair.page_ms), (pair.bare, pair.bare_ms), (pair.floor, pair.floor_ms)]
            for url, samples in sides if round_no % 2 == 0 else reversed(sides):
                samples.extend(_run(pair.client, url, args.requests))
        print(f"  round {round_no + 1} done: {_load()}", flush=True)

    # Where the time goes: the database's share of each side (a separate pass: the timing wraps every statement).
    for pair in pairs:
        pair.sql_ms = (
            _sql_ms(pair.client, pair.page, 10),
            _sql_ms(pair.client, pair.bare, 10),
            _sql_ms(pair.client, pair.floor, 10),
        )

    # The report of the first community: nationally, then with that community alone in the database.
    national_ms: list[float] = []
    alone_ms: list[float] = []
    counts: dict[str, int] = {}
    sql_ms: dict[str, float] = {}
    for round_no in range(args.rounds if not only or "alone" in only else 0):
        sides = [("national", national, national_ms), ("alone", alone, alone_ms)]
        for name, url, samples in sides if round_no % 2 == 0 else reversed(sides):
            _use_database(url)
            client = _client(TREASURER_EMAIL)
            _get(client, report_url)
            counts[name] = _queries(client, report_url)
            samples.extend(_run(client, report_url, args.requests))
            if round_no == 0:
                sql_ms[name] = _sql_ms(client, report_url, 10)
    _use_database(national)
    after = _load()

    print()
    print(
        f"bench/scale.py {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {size.communities} communities,"
        f" {size.pools:,} pools, {size.savers:,} savers, {size.pledges:,} pledges; {args.rounds} rounds x"
        f" {args.requests} requests per side; {after}"
    )
    print(
        f"{'page':<22}{'p50 ms':>9}{'bare':>8}{'p95 ms':>9}{'bare':>8}{'p95 ratio':>11}{'queries':>9}{'bare':>6}"
        f"{'SQL ms':>8}{'bare':>7}  goal  | raw-SQL floor: p95 ms, page/floor, queries, SQL ms"
    )
    met_all = True
    for pair in pairs:
        p50, b50 = _percentile(pair.page_ms, 0.5), _percentile(pair.bare_ms, 0.5)
        p95, b95 = _percentile(pair.page_ms, 0.95), _percentile(pair.bare_ms, 0.95)
        f95 = _percentile(pair.floor_ms, 0.95)
        met = p95 <= 1.3 * b95
        met_all &= met
        print(
            f"{pair.name:<22}{p50:9.1f}{b50:8.1f}{p95:9.1f}{b95:8.1f}{p95 / b95:11.2f}{pair.queries[0]:9d}"
            f"{pair.queries[1]:6d}{pair.sql_ms[0]:8.1f}{pair.sql_ms[1]:7.1f}  {'met' if met else 'NOT met'}"
            f"  | {f95:6.1f} {p95 / f95:5.2f}x {pair.queries[2]:3d} {pair.sql_ms[2]:6.1f}"
        )
    if pairs:
        print(f"every page within 1.3x its bare baseline: {'yes' if met_all else 'no'}")
    if not national_ms:
        return
    n50, a50 = _percentile(national_ms, 0.5), _percentile(alone_ms, 0.5)
    n95, a95 = _percentile(national_ms, 0.95), _percentile(alone_ms, 0.95)
    report_met = n50 <= 1.2 * a50
    print(
        f"{'report, national':<22}{n50:9.1f}{'':>8}{n95:9.1f}{'':>8}{'':>11}{counts['national']:9d}{'':>6}"
        f"{sql_ms['national']:8.1f}\n"
        f"{'report, alone':<22}{a50:9.1f}{'':>8}{a95:9.1f}{'':>8}{'':>11}{counts['alone']:9d}{'':>6}"
        f"{sql_ms['alone']:8.1f}\n"
        f"report national/alone: p50 {n50 / a50:.2f}, p95 {n95 / a95:.2f}:"
        f" {'met' if report_met else 'NOT met'} (p50 <= 1.2x)"
    )
    print(
        f"query counts national ({size.communities} communities) vs alone (1): {counts['national']} vs"
        f" {counts['alone']}: {'same' if counts['national'] == counts['alone'] else 'DIFFERENT'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="20 communities, 2,000 savers, 40,000 pledges")
    parser.add_argument("--communities", type=int, default=Size.communities)
    parser.add_argument("--pools-per-community", type=int, default=Size.pools_per_community)
    parser.add_argument("--savers", type=int, default=Size.savers)
    parser.add_argument("--pledges", type=int, default=Size.pledges)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=40, help="requests per page per round")
    parser.add_argument("--database", default="lk_scale_bench")
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier run's seed of the same size")
    parser.add_argument("--seed-only", action="store_true")
    parser.add_argument(
        "--only", default="", help="comma-separated parts to run: front, community, pool, mine, report, alone"
    )
    args = parser.parse_args()
    size = (
        SMALL
        if args.small
        else Size(
            communities=args.communities,
            pools_per_community=args.pools_per_community,
            savers=args.savers,
            pledges=args.pledges,
        )
    )
    if size.communities < SPECIAL_COMMUNITIES or size.pools_per_community < 5 or size.pledges < 10 * SPECIAL_PLEDGES:
        parser.error("at least 10 communities, 5 pools each and 500 pledges")

    host_part = args.admin_url.rsplit("/", 1)[0]
    os.environ["DATABASE_URL"] = f"{host_part}/{args.database}"
    os.environ["DJANGO_ENV"] = "test"
    os.environ["LOKALKAPITAL_BENCH"] = "1"
    os.environ["DJANGO_DEBUG"] = "false"  # as in production: no query log, no template debug info, fragment cache on
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(REPO))
    import django

    django.setup()

    print(f"start {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {size}; {_load()}", flush=True)
    alone = f"{args.database}_alone"
    prepare(args.admin_url, alone, size, only=0, reuse=args.reuse)
    prepare(args.admin_url, args.database, size, only=None, reuse=args.reuse)
    if args.seed_only:
        return
    measure(args, size, national=f"{host_part}/{args.database}", alone=f"{host_part}/{alone}")


if __name__ == "__main__":
    main()
