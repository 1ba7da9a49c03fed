"""Reminders: a sweep records the reminders that are due, another sends them in batches."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.reminders.plan_reminders", acks_late=True, time_limit=900, soft_time_limit=870)
def plan_reminders() -> None:
    """Record every reminder due today (unique keys make a rerun a no-op)."""
    from operations.jobs import job_run
    from pools.reminders import reminders_plan

    with job_run("plan_reminders") as summary:
        summary["planned"] = reminders_plan()


@shared_task(name="workers.reminders.send_due_reminders", acks_late=True, time_limit=600, soft_time_limit=570)
def send_due_reminders() -> None:
    """Send due reminders in batches; each is claimed before sending, so a rerun sends nothing twice."""
    from operations.jobs import job_run
    from pools.reminders import reminders_fail_interrupted, reminders_send_due

    with job_run("send_due_reminders") as summary:
        summary["interrupted_marked_failed"] = reminders_fail_interrupted()
        summary.update(reminders_send_due())
