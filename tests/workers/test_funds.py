"""Fund jobs are registered with the worker and beat, and the totals sweep queues one recompute per fund."""

from __future__ import annotations

import pytest

from operations.models import JobRun, OutboxMessage
from tests.factories import MicroFundFactory
from workers.funds import send_fund_reminders, sweep_fund_totals
from workers.schedule import TASK_MODULES, beat_schedule

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_fund_tasks_are_loaded_and_scheduled():
    assert "workers.funds" in TASK_MODULES
    schedule = beat_schedule()
    assert schedule["fund-reminders"]["task"] == "workers.funds.send_fund_reminders"
    assert schedule["fund-totals-sweep"]["task"] == "workers.funds.sweep_fund_totals"


def test_totals_sweep_queues_each_fund_once_even_when_run_twice():
    funds = [MicroFundFactory(), MicroFundFactory()]
    sweep_fund_totals()
    sweep_fund_totals()
    keys = sorted(OutboxMessage.objects.filter(dispatched_at__isnull=True).values_list("dedupe_key", flat=True))
    assert keys == sorted(f"fund-totals:{f.pk}" for f in funds)
    assert JobRun.objects.filter(name="sweep_fund_totals", status="ok").count() == 2


def test_reminder_task_records_its_run():
    send_fund_reminders()
    run = JobRun.objects.get(name="send_fund_reminders")
    assert run.status == "ok" and run.summary == {"due": 0, "sent": 0}
