"""Mail deliveries: send one now, and the sweep that retries due ones (operations/mail.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="workers.mail.send_mail_delivery", acks_late=True, time_limit=60, soft_time_limit=50)
def send_mail_delivery(delivery_id: int) -> None:
    """Send one recorded mail if it is still due (a repeat finds it claimed or sent and does nothing)."""
    from operations.mail import mail_delivery_send

    mail_delivery_send(delivery_id=delivery_id)


@shared_task(name="workers.mail.sweep_mail_deliveries", acks_late=True, time_limit=600, soft_time_limit=570)
def sweep_mail_deliveries() -> None:
    """Mark interrupted deliveries failed and send the due ones (backed-off retries, retries asked for)."""
    from operations.jobs import job_run
    from operations.mail import mail_deliveries_sweep

    with job_run("sweep_mail_deliveries") as summary:
        summary.update(mail_deliveries_sweep())
