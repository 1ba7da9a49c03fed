"""A real Celery worker process on the real broker: a pledge's totals are recomputed by it,
and /healthz sees the worker's heartbeat."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from pools.models import PledgeKind, PoolTotals
from pools.services import pledge_create
from tests.factories import PoolFactory, UserFactory
from tests.waiting import wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{connection.settings_dict['NAME']}"


@pytest.fixture
def worker():
    env = {**os.environ, "DJANGO_ENV": "test", "DATABASE_URL": _database_url(), "REDIS_URL": settings.REDIS_URL}
    from config.celery import app

    app.control.purge()  # nothing left over from an earlier run
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-l",
            "warning",
            "-c",
            "1",
            "-n",
            f"smoke-{os.getpid()}@%h",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_worker_recomputes_totals_after_a_pledge_commits(worker):
    pool = PoolFactory()
    saver = UserFactory()
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, monthly_ore=25_000, months=4)
    wait_until(
        lambda: PoolTotals.objects.filter(pool=pool, pledged_ore=100_000).exists(), timeout=30, what="the totals"
    )


def test_healthz_reports_a_consuming_worker(worker, client):
    from config.celery import app

    app.send_task("workers.health.worker_heartbeat")
    wait_until(lambda: client.get("/healthz").json()["worker"]["alive"], timeout=30, what="a live worker")
    body = client.get("/healthz").json()
    assert body["database"]["vendor"] == "postgresql" and body["broker"]["transport"] == "redis"
