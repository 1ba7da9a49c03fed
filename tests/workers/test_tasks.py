"""Tasks called directly: they record their runs and are harmless to run twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from operations.models import JobRun
from pools.models import FundingRule, PledgeKind, PoolStatus, PoolTotals, Reminder
from pools.services import pledge_create
from pools.totals import pool_totals_recompute
from tests.factories import PoolFactory
from workers.pools import close_due_pools
from workers.reminders import plan_reminders, send_due_reminders
from workers.schedule import TASK_MODULES, beat_schedule
from workers.totals import recompute_pool_totals, reconcile_pool_totals

pytestmark = pytest.mark.django_db


def test_recompute_task_run_twice_gives_the_same_totals(saver):
    pool = PoolFactory()
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=12_345, term_months=2)
    recompute_pool_totals(pool.pk)
    recompute_pool_totals(pool.pk)
    totals = PoolTotals.objects.get(pool=pool)
    assert (totals.pledged_ore, totals.pledge_count) == (12_345, 1)


def test_pledge_queues_one_recompute_after_commit(saver, django_capture_on_commit_callbacks):
    from operations.models import OutboxMessage

    pool = PoolFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100, term_months=1)
        pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100, term_months=1)
    assert OutboxMessage.objects.filter(task_name="workers.totals.recompute_pool_totals", args=[pool.pk]).count() == 1
    assert len(callbacks) >= 1


def test_reconcile_task_records_corrections_in_its_job_run(saver):
    pool = PoolFactory()
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=50_000, term_months=2)
    pool_totals_recompute(pool_id=pool.pk)
    PoolTotals.objects.filter(pool=pool).update(pledged_ore=7)
    reconcile_pool_totals()
    run = JobRun.objects.get(name="reconcile_pool_totals")
    assert run.status == "ok" and run.duration_ms is not None
    assert run.summary["corrected"] == 1
    assert run.summary["corrections"][0] == {
        "pool_id": pool.pk,
        "before": {"pledged_ore": 7},
        "after": {"pledged_ore": 50_000},
    }


def test_reconcile_command_corrects_and_prints(saver, capsys):
    pool = PoolFactory()
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=50_000, term_months=2)
    PoolTotals.objects.filter(pool=pool).update(pledged_ore=7)
    call_command("reconcile_totals", "--batch-size", "10")
    out = capsys.readouterr()
    assert "corrected 1" in out.out
    assert "reconcile" in out.err  # the tqdm progress bar
    assert PoolTotals.objects.get(pool=pool).pledged_ore == 50_000
    assert JobRun.objects.filter(name="reconcile_pool_totals", status="ok").exists()


def test_close_due_pools_task_closes_and_the_send_task_tells_savers(saver):
    pool = PoolFactory(funding_rule=FundingRule.ALL_OR_NOTHING, minimum_ore=10_000_000)
    pledge_create(pool=pool, saver=saver, kind=PledgeKind.SUPPORT_SAVING, amount_ore=100, term_months=1)
    pool.closes_on = timezone.localdate() - timedelta(days=1)
    pool.save()
    close_due_pools()
    close_due_pools()
    pool.refresh_from_db()
    assert pool.status == PoolStatus.FAILED
    send_due_reminders()
    send_due_reminders()
    assert [m.to for m in mail.outbox] == [[saver.email]]
    assert Reminder.objects.get().status == "sent"
    assert JobRun.objects.filter(name="close_due_pools").count() == 2


def test_plan_task_records_its_counts():
    plan_reminders()
    run = JobRun.objects.get(name="plan_reminders")
    assert set(run.summary["planned"]) == {
        "monthly_saving_due",
        "payment_missing",
        "fair_pledge_unconfirmed",
        "pool_closing_soon",
        "support_saving_term_ending",
    }


def test_the_one_beat_schedule_names_only_registered_tasks():
    from config.celery import app

    app.loader.import_default_modules()
    for module in TASK_MODULES:
        __import__(module)
    schedule = beat_schedule()
    for entry in schedule.values():
        assert entry["task"] in app.tasks, entry["task"]
    assert {"reconcile-pool-totals", "close-due-pools", "plan-reminders", "send-due-reminders"} <= set(schedule)


def test_worker_tasks_ack_late_and_have_time_limits():
    from config.celery import app

    for module in TASK_MODULES:
        __import__(module)
    for name in (
        "workers.totals.recompute_pool_totals",
        "workers.totals.reconcile_pool_totals",
        "workers.pools.close_due_pools",
        "workers.reminders.plan_reminders",
        "workers.reminders.send_due_reminders",
    ):
        task = app.tasks[name]
        assert task.acks_late and task.time_limit and task.soft_time_limit < task.time_limit


def test_prune_job_runs_keeps_recent_and_each_jobs_latest(settings):
    from operations.models import JobRun
    from workers.jobs import prune_job_runs

    settings.JOB_RUN_KEEP_DAYS = 30
    now = timezone.now()
    old = now - timedelta(days=40)
    JobRun.objects.create(name="send_due_reminders", started_at=old)
    JobRun.objects.create(name="send_due_reminders", started_at=now - timedelta(days=1))
    JobRun.objects.create(name="rare_job", started_at=old - timedelta(days=1))
    JobRun.objects.create(name="rare_job", started_at=old)
    prune_job_runs()
    prune_job_runs()
    left = sorted(JobRun.objects.values_list("name", "started_at"))
    assert ("rare_job", old) in left and ("send_due_reminders", old) not in left
    assert [n for n, _ in left].count("rare_job") == 1
    assert [n for n, _ in left].count("send_due_reminders") == 1
    assert [n for n, _ in left].count("prune_job_runs") == 2


def test_tasks_queued_for_rows_that_are_gone_finish_quietly(caplog):
    """A message can outlive its row (a demo database seeded anew, a row deleted by hand): the task logs a
    warning and ends, instead of failing in the worker and writing nothing either way."""
    from workers.treasury import process_bank_file

    with caplog.at_level("WARNING"):
        recompute_pool_totals(987_654_321)
        process_bank_file(987_654_321)
    assert not PoolTotals.objects.filter(pool_id=987_654_321).exists()
    assert not JobRun.objects.filter(name="process_bank_file").exists()
    assert "pool 987654321 no longer exists" in caplog.text
    assert "bank file 987654321 no longer exists" in caplog.text
