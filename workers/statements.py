"""Yearly statements: each January every saver gets a PDF of the past year (safe to run twice)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.statements.send_yearly_statements", acks_late=True, time_limit=3600, soft_time_limit=3500)
def send_yearly_statements() -> None:
    """Issue and mail every saver's statement of last year; kept statements and sent mails are not repeated."""
    from django.utils import timezone

    from operations.jobs import job_run
    from treasury.statements import statements_issue_year

    with job_run("send_yearly_statements") as summary:
        summary.update(statements_issue_year(year=timezone.localdate().year - 1))
