"""Fair follow-up: mail each pledger the link to confirm their card pledges, and sweep for reminders."""

from __future__ import annotations

from celery import shared_task


@shared_task(
    name="workers.fairs.send_fair_notice",
    acks_late=True,
    time_limit=60,
    soft_time_limit=50,
    autoretry_for=(ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
)
def send_fair_notice(notice_id: int) -> None:
    """Mail one pledger their confirmation links once (the notice records that it was sent)."""
    from invest.fairs.services import fair_notice_send

    fair_notice_send(notice_id=notice_id)


@shared_task(name="workers.fairs.sweep_fair_reminders", acks_late=True, time_limit=300, soft_time_limit=280)
def sweep_fair_reminders() -> None:
    """Queue the next bounded reminder for unconfirmed fair pledges (safe to run twice)."""
    from invest.fairs.services import fair_reminders_sweep
    from operations.jobs import job_run

    with job_run("fair_reminders_sweep") as summary:
        summary["queued"] = fair_reminders_sweep()
