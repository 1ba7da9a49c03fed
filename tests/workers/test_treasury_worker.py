"""A large bank file is imported by a real Celery worker process (PostgreSQL + Redis)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.treasury.builders import BgPayment, bgmax
from tests.treasury.helpers import money_pledge, ocr
from treasury.models import BankFile, BankFileStatus
from treasury.services import bankfile_import

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def _fast_password_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_large_bank_file_is_imported_by_a_real_worker_with_progress(_fast_password_hasher, pool, saver, treasurer):
    pledge = money_pledge(pool, saver, amount_ore=100_000_000, reference=ocr(60001))
    content = bgmax([BgPayment(100 + i, ocr(60001) if i % 3 else "", name=f"Åsa {i}") for i in range(600)])
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_ENV": "test",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-l",
            "warning",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-n",
            f"treasury-test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        bank_file = bankfile_import(content=content, filename="big.txt", by=treasurer)
        assert (bank_file.status, bank_file.total) == (BankFileStatus.QUEUED, 600)
        seen_progress = set()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            bank_file.refresh_from_db()
            seen_progress.add(bank_file.processed)
            if bank_file.status == BankFileStatus.DONE:
                break
            time.sleep(0.2)
        assert bank_file.status == BankFileStatus.DONE, bank_file.processed
        assert (bank_file.processed, bank_file.payments_created) == (600, 600)
        assert bank_file.matched_count == 400 and bank_file.unmatched_count == 200
        assert pledge.allocations.count() == 400
        assert len(seen_progress) >= 2  # the row showed progress on the way
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        connection.close()
    assert BankFile.objects.count() == 1
