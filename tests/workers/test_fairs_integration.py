"""Closing a fair mails the confirmation links through a real Celery worker (PostgreSQL + Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from invest.fairs.models import FairNotice
from invest.fairs.services import fair_close
from tests.invest.fairs.builders import card, live_fair

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def worker(settings):
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    celery = [sys.executable, "-m", "celery", "-A", "config"]
    subprocess.run([*celery, "purge", "-f"], cwd=ROOT, env=env, check=True, capture_output=True, timeout=30)
    process = subprocess.Popen(
        [*celery, "worker", "--pool=solo", "--without-heartbeat", "--without-gossip", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_closing_a_fair_sends_each_pledger_one_notice_through_the_worker(worker, organiser):
    fair, (a, b) = live_fair(organiser)
    card(a, email="anna@example.se")
    card(b, email="anna@example.se")
    card(b, email="bo@example.se")
    fair_close(fair=fair, by=organiser)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if FairNotice.objects.filter(fair=fair, sent_at__isnull=False).count() == 2:
            break
        time.sleep(0.3)
    sent = dict(FairNotice.objects.filter(fair=fair).values_list("email", "sent_at"))
    assert set(sent) == {"anna@example.se", "bo@example.se"}
    assert all(sent.values()), sent
