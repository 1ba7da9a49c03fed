"""API speed against bare Django baselines, side by side in one run.

    .venv/bin/python bench/api.py [--rounds 5] [--requests 300] [--concurrency 4]

Starts gunicorn on 127.0.0.1 in production mode (DEBUG off, a throwaway SECRET_KEY,
PostgreSQL database lk_api_bench seeded here, Redis db 8 for cache and broker when
reachable) and drives it with a small threaded client. For each pair it alternates
A B, B A, ... for the given rounds and prints per-round figures, medians, spread and ratios, and
p50 and p99 over all requests of all rounds together (the steadier p99: one round's is its third
slowest request of 300):

- pool list     GET /api/pools/       vs GET /bench/pools/       (same query, same JSON)
- pool detail   GET /api/pools/<id>/  vs GET /bench/pools/<id>/
- pledge create POST /api/pools/<id>/pledges/ (the real endpoint: token authentication, the
                pledge throttle, serializers) vs POST /bench/pools/<id>/pledges/ (plain Django:
                token lookup, JSON parsing), both calling pools.services.pledge_create and
                answering the same JSON
- pledge idem   the same pair with a fresh Idempotency-Key on every request, both calling
                pools.services.pledge_create_idempotent (reported; the goal is the plain create's)

Goals: latency ratio API/bare at most 1.3 (p50 and p99); pledge throughput ratio at least 0.7.
The client shares the two cores with the server, so read the ratios, not the absolute numbers.
Each run starts from the same data: the bench saver's earlier pledges and the bench's Redis
database (its cache and broker queue, db 8 by default) are cleared first.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "lk_api_bench"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
POOLS = 120
PLEDGE_POOLS = 20
SAVER_EMAIL = "bench.saver@example.se"
PLEDGE_BODY = {"kind": "support_saving", "amount": "250.00", "term_months": 12}
# What differs between any two pledges, however they were made.
PER_PLEDGE = ("id", "ocr_reference", "created_at")


def _comparable(pledge: dict) -> dict:
    """A pledge's JSON without what is unique to each pledge."""
    pledge = {k: v for k, v in pledge.items() if k not in PER_PLEDGE}
    if pledge.get("payment"):
        pledge["payment"] = {k: v for k, v in pledge["payment"].items() if k not in PER_PLEDGE}
    return pledge


def bench_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_ENV": "production",
            "DJANGO_DEBUG": "false",
            "SECRET_KEY": "bench-" + secrets.token_hex(32),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"{PG_URL}/{DB_NAME}",
            "LOKALKAPITAL_BENCH": "1",
            "LOKALKAPITAL_VAR_DIR": str(ROOT / "var" / "bench"),
            "API_THROTTLE_PLEDGE_CREATE": "1000000/min",
            "LOG_LEVEL": "WARNING",
        }
    )
    if _redis_up():
        env["REDIS_URL"] = REDIS_URL
    return env


def _redis_up() -> bool:
    host_port = REDIS_URL.split("//")[1].split("/")[0]
    host, port = host_port.split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def ensure_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_URL}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def seed() -> tuple[str, list[int], list[int]]:
    """Seed pools, projects, totals and a saver with a token (idempotent); return token and ids."""
    import django

    django.setup()
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from accounts.roles import Role
    from accounts.services import user_create
    from invest.models import MicroFund, Project, ProjectStatus
    from operations.models import OutboxMessage
    from pools.models import FundingRule, IdempotencyKey, Pledge, Pool, PoolKind, PoolStatus, PoolTotals
    from pools.selectors import pool_list_public

    today = timezone.localdate()
    owner = User.objects.filter(email="bench.owner@example.se").first() or user_create(
        email="bench.owner@example.se", password=None, roles=(Role.SAVER, Role.PROJECT_OWNER)
    )
    saver = User.objects.filter(email=SAVER_EMAIL).first() or user_create(
        email=SAVER_EMAIL, password=None, roles=(Role.SAVER,)
    )
    fund, _ = MicroFund.objects.get_or_create(
        slug="bench-fond", defaults={"name": "Benchfonden", "organiser": owner, "bankgiro": "5050-1055"}
    )
    projects = []
    for i in range(3):
        project, _ = Project.objects.get_or_create(
            slug=f"bench-projekt-{i}",
            defaults={
                "owner": owner,
                "name": f"Benchprojekt {i}",
                "place": "Ödeby",
                "summary": "Mätning",
                "loan_need_ore": 10_000_000,
                "status": ProjectStatus.PUBLISHED,
                "published_at": timezone.now(),
            },
        )
        projects.append(project)
    for i in range(POOLS + PLEDGE_POOLS):
        if Pool.objects.filter(slug=f"bench-pool-{i}").exists():
            continue
        by_fund = i % 4 == 0 and i < POOLS
        pool = Pool.objects.create(
            slug=f"bench-pool-{i}",
            title=f"Benchpool {i}",
            kind=PoolKind.FUND_CAPITAL if by_fund else PoolKind.SUPPORT_SAVING,
            project=None if by_fund else projects[i % 3],
            micro_fund=fund if by_fund else None,
            target_ore=10_000_000_000,
            minimum_ore=1_000_000 if i % 2 else None,
            opens_on=today - timedelta(days=10),
            closes_on=today + timedelta(days=30 + i),
            funding_rule=FundingRule.KEEP_WHAT_YOU_RAISE,
            status=PoolStatus.OPEN,
            bankgiro="5050-1055",
        )
        PoolTotals.objects.create(pool=pool, pledged_ore=123_456_78 * (i + 1), computed_at=timezone.now())
    # Start every run alike: no pledges, idempotency keys or outbox rows left by earlier runs.
    IdempotencyKey.objects.filter(user=saver).delete()
    Pledge.objects.filter(saver=saver).delete()
    OutboxMessage.objects.all().delete()
    token, _ = Token.objects.get_or_create(user=saver)
    visible = list(pool_list_public().filter(slug__startswith="bench-pool-").values_list("pk", flat=True))
    pledge_pools = list(
        Pool.objects.filter(slug__in=[f"bench-pool-{i}" for i in range(POOLS, POOLS + PLEDGE_POOLS)]).values_list(
            "pk", flat=True
        )
    )
    return token.key, visible, pledge_pools


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(
    port: int,
    method: str,
    path: str,
    body: dict | None = None,
    token: str | None = None,
    extra: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Accept": "application/json", "Host": "127.0.0.1", **(extra or {})}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    conn.request(method, path, body=payload, headers=headers)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, data


# request index -> method, path, body, extra headers
Target = Callable[[int], tuple[str, str, dict | None, dict[str, str] | None]]


def drive(port: int, target: Target, count: int, concurrency: int, token: str | None, expect: int) -> dict:
    """Send `count` requests from `concurrency` threads; latencies in ms and throughput."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(count))

    def worker() -> None:
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            method, path, body, extra = target(index)
            started = time.perf_counter()
            status, data = request(port, method, path, body, token, extra)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status != expect:
                    errors.append(f"{status} {path} {data[:200]!r}")

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} unexpected responses, first: {errors[0]}")
    latencies.sort()
    p50, p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
    return {"p50": p50, "p99": p99, "rps": count / wall, "all": latencies}


def percentile(ordered: list[float], fraction: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def summarise(name: str, a_runs: list[dict], b_runs: list[dict], keys: tuple[str, ...]) -> list[str]:
    lines = []
    for key in keys:
        a = [r[key] for r in a_runs]
        b = [r[key] for r in b_runs]
        ratios = [x / y for x, y in zip(a, b, strict=True)]
        unit = "req/s" if key == "rps" else "ms"
        lines.append(
            f"{name:14} {key:4} API median {statistics.median(a):8.2f} {unit} (spread {min(a):.2f}-{max(a):.2f})"
            f" | bare median {statistics.median(b):8.2f} {unit} (spread {min(b):.2f}-{max(b):.2f})"
            f" | ratio API/bare {statistics.median(a) / statistics.median(b):.2f}"
            f" (per-round {min(ratios):.2f}-{max(ratios):.2f})"
        )
    # Every request of every round in one sample per side: p99 from rounds*requests latencies (one
    # round's p99 is its third slowest of 300), and a burst of load from other work, which lands on
    # one side's round, weighs less.
    a_all = sorted(x for r in a_runs for x in r["all"])
    b_all = sorted(x for r in b_runs for x in r["all"])
    for fraction, key in ((0.50, "p50"), (0.99, "p99")):
        a_p, b_p = percentile(a_all, fraction), percentile(b_all, fraction)
        lines.append(
            f"{name:14} {key:4} all {len(a_all)} requests: API {a_p:8.2f} ms | bare {b_p:8.2f} ms"
            f" | ratio API/bare {a_p / b_p:.2f}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300, help="requests per run")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--only", default="", help="comma-separated pairs to run (list, detail, create, idem); default all"
    )
    args = parser.parse_args()
    if args.rounds < 5:
        raise SystemExit("at least five rounds")

    sys.path.insert(0, str(ROOT))
    env = bench_env()
    os.environ.update(env)
    ensure_database()
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True)
    token, pool_ids, pledge_pool_ids = seed()
    if "REDIS_URL" in env:  # the bench's own database: throttle counts and unconsumed task messages
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(100):
            try:
                if request(port, "GET", "/api/")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not start")

        # Same JSON from both sides, or the comparison means nothing.
        api_list = json.loads(request(port, "GET", "/api/pools/")[1])
        bare_list = json.loads(request(port, "GET", "/bench/pools/")[1])
        assert api_list["results"] == bare_list["results"] and api_list["count"] == bare_list["count"]
        some = pool_ids[0]
        assert json.loads(request(port, "GET", f"/api/pools/{some}/")[1]) == json.loads(
            request(port, "GET", f"/bench/pools/{some}/")[1]
        )
        pledge_pool = pledge_pool_ids[0]
        for extra in (None, "key"):
            pledges = []
            for side in ("/api", "/bench"):
                headers = {"Idempotency-Key": secrets.token_hex(8)} if extra else None
                url = f"{side}/pools/{pledge_pool}/pledges/"
                status, data = request(port, "POST", url, PLEDGE_BODY, token, headers)
                assert status == 201, (side, status, data[:300])
                pledges.append(json.loads(data))
            api_pledge, bare_pledge = (_comparable(p) for p in pledges)
            assert api_pledge == bare_pledge, (api_pledge, bare_pledge)
        print(
            f"same JSON from API and bare views: yes ({api_list['count']} pools, page of {len(api_list['results'])};"
            f" pledges equal apart from {', '.join(PER_PLEDGE)}, with and without an Idempotency-Key)"
        )

        rng = random.Random(2026)
        detail_ids = [rng.choice(pool_ids) for _ in range(args.requests)]
        pledge_pools_seq = [rng.choice(pledge_pool_ids) for _ in range(args.requests)]

        def pledge(prefix: str, *, idempotent: bool = False) -> Target:
            return lambda i: (
                "POST",
                f"{prefix}/pools/{pledge_pools_seq[i]}/pledges/",
                PLEDGE_BODY,
                {"Idempotency-Key": secrets.token_hex(12)} if idempotent else None,
            )

        pairs = [
            (
                "pool list",
                lambda i: ("GET", "/api/pools/", None, None),
                lambda i: ("GET", "/bench/pools/", None, None),
                200,
            ),
            (
                "pool detail",
                lambda i: ("GET", f"/api/pools/{detail_ids[i]}/", None, None),
                lambda i: ("GET", f"/bench/pools/{detail_ids[i]}/", None, None),
                200,
            ),
            ("pledge create", pledge("/api"), pledge("/bench"), 201),
            ("pledge idem", pledge("/api", idempotent=True), pledge("/bench", idempotent=True), 201),
        ]
        if args.only:
            wanted = {name.strip() for name in args.only.split(",")}
            pairs = [pair for pair in pairs if pair[0].split()[-1] in wanted]
        print(
            f"gunicorn {args.workers} sync workers, {args.concurrency} client threads, {args.requests} requests"
            f" per run, {args.rounds} rounds alternating API/bare; cache+broker: "
            f"{'redis' if 'REDIS_URL' in env else 'file/filesystem'}"
        )
        report: list[str] = []
        for name, api_target, bare_target, expect in pairs:
            auth = token if name.startswith("pledge") else None
            for target in (api_target, bare_target):  # warm-up: connections, caches, code paths
                drive(port, target, 50, args.concurrency, auth, expect)
            api_runs, bare_runs = [], []
            for round_no in range(1, args.rounds + 1):
                # A B, B A, A B, ...: neither side always follows the other.
                if round_no % 2:
                    a = drive(port, api_target, args.requests, args.concurrency, auth, expect)
                    b = drive(port, bare_target, args.requests, args.concurrency, auth, expect)
                else:
                    b = drive(port, bare_target, args.requests, args.concurrency, auth, expect)
                    a = drive(port, api_target, args.requests, args.concurrency, auth, expect)
                api_runs.append(a)
                bare_runs.append(b)
                print(
                    f"  {name:14} round {round_no}: API p50 {a['p50']:.2f} p99 {a['p99']:.2f} ms {a['rps']:.0f} req/s"
                    f" | bare p50 {b['p50']:.2f} p99 {b['p99']:.2f} ms {b['rps']:.0f} req/s"
                )
            keys = ("rps", "p50", "p99") if name.startswith("pledge") else ("p50", "p99", "rps")
            report += summarise(name, api_runs, bare_runs, keys)
        print(
            "\nSummary (medians over rounds; goals: pool latency ratio <= 1.3,"
            " pledge create throughput ratio >= 0.7; pledge idem reported only)"
        )
        for line in report:
            print("  " + line)
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
