"""The one beat schedule, and the task modules the worker loads. Run exactly one beat process."""

from __future__ import annotations

from datetime import timedelta

from celery.schedules import crontab

TASK_MODULES = (
    "workers.outbox",
    "workers.health",
    "workers.totals",
    "workers.receipts",
    "workers.funds",
    "workers.fairs",
    "workers.reminders",
    "workers.pools",
    "workers.jobs",
    "workers.treasury",
    "workers.accounts",
    "workers.statements",
    "workers.mail",
    "workers.reports",
)


def beat_schedule() -> dict[str, dict[str, object]]:
    from django.conf import settings

    return {
        "outbox-relay": {
            "task": "workers.outbox.relay_outbox",
            "schedule": timedelta(seconds=settings.OUTBOX_RELAY_INTERVAL),
        },
        "worker-heartbeat": {
            "task": "workers.health.worker_heartbeat",
            "schedule": timedelta(seconds=settings.WORKER_HEARTBEAT_INTERVAL),
        },
        "fund-reminders": {
            "task": "workers.funds.send_fund_reminders",
            "schedule": crontab(hour=8, minute=15),
        },
        "fund-totals-sweep": {
            "task": "workers.funds.sweep_fund_totals",
            "schedule": timedelta(minutes=15),
        },
        "fair-reminders": {
            "task": "workers.fairs.sweep_fair_reminders",
            "schedule": timedelta(minutes=settings.FAIRS_REMINDER_SWEEP_MINUTES),
        },
        # Every task below is a sweep over rows, safe to run twice; due dates live in rows.
        "reconcile-pool-totals": {
            "task": "workers.totals.reconcile_pool_totals",
            "schedule": crontab(minute=0, hour=settings.TOTALS_RECONCILE_HOUR),
        },
        "close-due-pools": {
            "task": "workers.pools.close_due_pools",
            "schedule": timedelta(seconds=settings.POOL_CLOSE_INTERVAL),
        },
        "plan-reminders": {
            "task": "workers.reminders.plan_reminders",
            "schedule": timedelta(seconds=settings.REMINDER_PLAN_INTERVAL),
        },
        "send-due-reminders": {
            "task": "workers.reminders.send_due_reminders",
            "schedule": timedelta(seconds=settings.REMINDER_SEND_INTERVAL),
        },
        "sweep-mail-deliveries": {
            "task": "workers.mail.sweep_mail_deliveries",
            "schedule": timedelta(seconds=settings.MAIL_SWEEP_INTERVAL),
        },
        "prune-job-runs": {
            "task": "workers.jobs.prune_job_runs",
            "schedule": crontab(minute=30, hour=settings.TOTALS_RECONCILE_HOUR),
        },
        "yearly-statements": {
            "task": "workers.statements.send_yearly_statements",
            "schedule": crontab(minute=0, hour=7, day_of_month=settings.OFFERS_STATEMENT_DAY, month_of_year=1),
        },
        "treasury-resume-stalled-bank-files": {
            "task": "workers.treasury.resume_stalled_bank_files",
            "schedule": timedelta(minutes=10),
        },
        "expire-report-builds": {
            "task": "workers.reports.expire_report_builds",
            "schedule": crontab(minute=45),
        },
    }
