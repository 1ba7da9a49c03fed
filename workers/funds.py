"""Micro-fund jobs: keep fund totals current and send fund reminders (both safe to run twice)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.funds.recompute_fund_totals", acks_late=True, time_limit=120, soft_time_limit=110)
def recompute_fund_totals(fund_id: int) -> None:
    """Recompute one fund's totals from its rows (idempotent)."""
    from invest.funds.services import fund_totals_recompute

    fund_totals_recompute(fund_id=fund_id)


@shared_task(name="workers.funds.sweep_fund_totals", acks_late=True, time_limit=120, soft_time_limit=110)
def sweep_fund_totals() -> None:
    """Queue a recompute of every fund: payments matched in pools change a fund's capital too."""
    from invest.funds.services import fund_totals_enqueue_all
    from operations.jobs import job_run

    with job_run("sweep_fund_totals") as summary:
        summary["funds"] = fund_totals_enqueue_all()


@shared_task(
    name="workers.funds.send_fund_reminders",
    acks_late=True,
    time_limit=600,
    soft_time_limit=570,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def send_fund_reminders() -> None:
    """Remind owners of loan repayments and members of share instalments, due soon or overdue (never twice)."""
    from django.utils import timezone

    from invest.funds.reminders import fund_reminders_sweep
    from operations.jobs import job_run

    with job_run("send_fund_reminders") as summary:
        summary.update(fund_reminders_sweep(today=timezone.localdate()))
